"""The glossary engine: matcher, placeholder protection and translation QA, without Flask."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.glossary.matcher import Match, Matcher, MatcherCache, TermEntry, build_matcher
from app.glossary.protect import protect
from app.glossary.qa import Finding, check

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow],
)


def spans(matcher: Matcher, text: str) -> list[tuple[str, int]]:
    """What find returns, as (matched text, term_id) pairs."""
    return [(m.text, m.term_id) for m in matcher.find(text)]


# --- overlaps ---------------------------------------------------------------------------------


def test_longest_term_wins_at_the_same_start() -> None:
    matcher = build_matcher([TermEntry(1, "water"), TermEntry(2, "water service")])
    assert spans(matcher, "Your water service is on.") == [("water service", 2)]


def test_leftmost_term_wins_over_a_longer_overlapping_one() -> None:
    entries = [TermEntry(1, "water service"), TermEntry(2, "service fee fund")]
    assert spans(build_matcher(entries), "water service fee fund") == [("water service", 1)]


def test_matches_never_overlap_and_resume_after_the_chosen_one() -> None:
    entries = [TermEntry(1, "water"), TermEntry(2, "water service"), TermEntry(3, "service fee")]
    found = spans(build_matcher(entries), "water service fee, water, service fee")
    assert found == [("water service", 2), ("water", 1), ("service fee", 3)]


# --- word boundaries --------------------------------------------------------------------------


def test_english_term_not_matched_inside_a_longer_word() -> None:
    matcher = build_matcher([TermEntry(1, "water")])
    assert spans(matcher, "watershed rewater water2 water_") == [("water", 1)]


def test_english_term_matched_beside_punctuation() -> None:
    matcher = build_matcher([TermEntry(1, "water")])
    assert len(matcher.find("(water), 'water'; water.")) == 3


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("கட", "கடை"),  # Tamil: vowel sign AI follows
        ("पान", "पानी"),  # Hindi: vowel sign II follows
        ("నీర", "నీరు"),  # Telugu: vowel sign U follows
    ],
)
def test_indic_term_not_matched_before_a_vowel_sign(term: str, word: str) -> None:
    matcher = build_matcher([TermEntry(1, term)])
    assert matcher.find(f"{word} {word}") == []
    assert spans(matcher, f"{word} {term}.") == [(term, 1)]


def test_chinese_term_matched_inside_running_text() -> None:
    matcher = build_matcher([TermEntry(1, "水费")])
    assert spans(matcher, "请在月底前缴纳水费和垃圾费。") == [("水费", 1)]


def test_thai_term_matched_inside_running_text() -> None:
    matcher = build_matcher([TermEntry(1, "ค่าน้ำ")])
    assert spans(matcher, "กรุณาชำระค่าน้ำภายในวันที่ห้า") == [("ค่าน้ำ", 1)]


def test_thai_term_not_matched_before_a_combining_vowel() -> None:
    matcher = build_matcher([TermEntry(1, "กร")])
    assert matcher.find("กรุณา") == []


def test_adjacent_chinese_terms_both_match() -> None:
    matcher = build_matcher([TermEntry(1, "水"), TermEntry(2, "费")])
    assert spans(matcher, "水费") == [("水", 1), ("费", 2)]


def test_latin_term_matched_beside_han_text() -> None:
    matcher = build_matcher([TermEntry(1, "CharMeck 311")])
    assert spans(matcher, "请致电CharMeck 311查询。") == [("CharMeck 311", 1)]


# --- case and offsets ---------------------------------------------------------------------------


def test_case_insensitive_term_matches_any_case() -> None:
    matcher = build_matcher([TermEntry(1, "trash cart")])
    assert len(matcher.find("Trash Cart, TRASH CART, trash cart")) == 3


def test_case_sensitive_term_matches_exact_case_only() -> None:
    matcher = build_matcher([TermEntry(1, "NOTICE", case_sensitive=True)])
    assert spans(matcher, "notice Notice NOTICE") == [("NOTICE", 1)]


def test_case_sensitive_entry_beats_insensitive_one_on_the_same_text() -> None:
    entries = [TermEntry(1, "notice"), TermEntry(2, "NOTICE", case_sensitive=True)]
    assert spans(build_matcher(entries), "NOTICE Notice") == [("NOTICE", 2), ("Notice", 1)]


def test_offsets_stay_right_after_a_length_changing_case_fold() -> None:
    # "İ".lower() is two characters; a naive lowercase would shift every later offset.
    text = "İİİ water İSTANBUL"
    matches = build_matcher([TermEntry(1, "water"), TermEntry(2, "istanbul")]).find(text)
    assert [(m.start, m.end) for m in matches] == [(4, 9), (10, 18)]
    assert all(text[m.start : m.end] == m.text for m in matches)


def test_greek_final_sigma_matches_either_form() -> None:
    matcher = build_matcher([TermEntry(1, "ΟΔΟΣ")])
    assert len(matcher.find("οδος ΟΔΟΣ οδοσ")) == 3


def test_terms_with_digits_hyphens_and_apostrophes() -> None:
    entries = [TermEntry(1, "CharMeck 311"), TermEntry(2, "drop-off"), TermEntry(3, "owner's")]
    found = spans(build_matcher(entries), "CharMeck 3110, CharMeck 311; drop-offs drop-off owner's")
    assert found == [("CharMeck 311", 1), ("drop-off", 2), ("owner's", 3)]


def test_curly_apostrophe_and_unicode_hyphen_match_plain_ones() -> None:
    entries = [TermEntry(1, "owner's"), TermEntry(2, "drop-off")]
    found = spans(build_matcher(entries), "the owner\u2019s drop\u2011off")
    assert found == [("owner\u2019s", 1), ("drop\u2011off", 2)]


def test_whitespace_run_in_text_matches_one_space_in_term() -> None:
    text = "Call CharMeck\n   311 or CharMeck\t311."
    matches = build_matcher([TermEntry(1, "CharMeck 311")]).find(text)
    assert [(m.start, m.end, m.text) for m in matches] == [
        (5, 20, "CharMeck\n   311"),
        (24, 36, "CharMeck\t311"),
    ]


def test_every_unicode_space_in_text_matches_a_space_in_a_term() -> None:
    spaces = [chr(cp) for cp in range(0x3001) if chr(cp).isspace()]
    matcher = build_matcher([TermEntry(1, "trash cart")])
    assert all(len(matcher.find(f"trash{space}cart")) == 1 for space in spaces)


def test_empty_glossary_finds_nothing() -> None:
    assert build_matcher([]).find("anything") == []


def test_duplicate_term_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        build_matcher([TermEntry(1, "water"), TermEntry(1, "sewer")])


# --- target side and cache ----------------------------------------------------------------------


def test_find_target_finds_approved_forbidden_and_dnt_strings() -> None:
    entries = [
        TermEntry(1, "notice", approved="aviso", forbidden=("noticia",)),
        TermEntry(2, "CharMeck 311", do_not_translate=True),
    ]
    found = build_matcher(entries).find_target("Aviso: noticia de CharMeck 311", "es")
    assert [(m.text, m.term_id) for m in found] == [
        ("Aviso", 1),
        ("noticia", 1),
        ("CharMeck 311", 2),
    ]


def test_overlapping_target_hits_keep_offsets_across_whitespace_runs() -> None:
    entries = [
        TermEntry(1, "shutoff notice", approved="aviso de corte"),
        TermEntry(2, "notice", approved="aviso"),
    ]
    text = "Un  aviso de\n\n corte."
    hits = build_matcher(entries).target_hits(text, "es", overlapping=True)
    assert [(h.match.text, h.match.term_id) for h in hits] == [
        ("aviso de\n\n corte", 1),
        ("aviso", 2),
    ]
    assert all(text[h.match.start : h.match.end] == h.match.text for h in hits)


def test_cache_reuses_the_matcher_for_the_same_version() -> None:
    cache, loads = MatcherCache(), []

    def load() -> list[TermEntry]:
        loads.append(1)
        return [TermEntry(1, "water")]

    assert cache.get(3, "es", load) is cache.get(3, "es", load)
    assert len(loads) == 1


def test_cache_recompiles_on_a_new_version() -> None:
    cache = MatcherCache()
    old = cache.get(1, "es", lambda: [TermEntry(1, "water")])
    new = cache.get(2, "es", lambda: [TermEntry(1, "sewer")])
    assert new is not old
    assert new.find("sewer") and not new.find("water")
    assert cache.get(2, "es", lambda: []) is new


def test_cache_keeps_languages_apart() -> None:
    cache = MatcherCache()
    spanish = cache.get(1, "es", lambda: [TermEntry(1, "water", approved="agua")])
    french = cache.get(1, "fr", lambda: [TermEntry(1, "water", approved="eau")])
    assert spanish.find_target("agua", "es") and not french.find_target("agua", "fr")


# --- protect and restore ------------------------------------------------------------------------

PROTECTED = [
    TermEntry(1, "CharMeck 311", do_not_translate=True),
    TermEntry(2, "NOTICE", case_sensitive=True, approved="AVISO", forbidden=("noticia",)),
    TermEntry(3, "trash cart", approved="contenedor de basura"),
    TermEntry(4, "water"),
]


def test_protect_then_restore_gives_dnt_terms_and_approved_translations() -> None:
    protected = protect(
        "NOTICE: call charmeck 311 about the trash cart and water.", build_matcher(PROTECTED)
    )
    assert "charmeck" not in protected.text and "trash cart" not in protected.text
    restored, missing = protected.restore(protected.text)
    assert restored == "AVISO: call charmeck 311 about the contenedor de basura and water."
    assert missing == []


def test_placeholders_are_plain_ascii_letters_and_digits() -> None:
    protected = protect("NOTICE NOTICE CharMeck 311", build_matcher(PROTECTED))
    assert len(protected.placeholders) == 3
    assert all(key.isascii() and key.isalnum() for key in protected.placeholders)


def test_restore_reports_placeholders_missing_from_the_translation() -> None:
    protected = protect("NOTICE: call CharMeck 311.", build_matcher(PROTECTED))
    dnt = next(k for k, v in protected.placeholders.items() if v == "CharMeck 311")
    restored, missing = protected.restore(protected.text.replace(dnt, "el número"))
    assert missing == [dnt]
    assert restored.startswith("AVISO")


def test_restore_tolerates_case_change_and_an_inserted_space() -> None:
    protected = protect("Call CharMeck 311 now.", build_matcher(PROTECTED))
    (key,) = protected.placeholders
    mangled = protected.text.replace(key, f"{key[:2].lower()} {key[2:].lower()}")
    assert protected.restore(mangled) == ("Call CharMeck 311 now.", [])


def test_restore_tolerates_full_width_placeholders() -> None:
    protected = protect("Call CharMeck 311 now.", build_matcher(PROTECTED))
    (key,) = protected.placeholders
    wide = "".join(chr(ord(c) + 0xFEE0) for c in key)
    assert protected.restore(f"请致电{wide}。") == ("请致电CharMeck 311。", [])


def test_placeholders_never_collide_with_text_already_there() -> None:
    text = "Codes QQ1Z, qq 2 z, QX1Z and QX 1 Z stay; CharMeck 311 is protected."
    protected = protect(text, build_matcher(PROTECTED))
    (key,) = protected.placeholders
    assert key.casefold() not in text.casefold()
    assert protected.restore(protected.text) == (text, [])


def test_protect_leaves_text_without_protected_terms_alone() -> None:
    protected = protect("Fix the water main.", build_matcher(PROTECTED))
    assert protected.text == "Fix the water main." and protected.placeholders == {}


# --- QA -------------------------------------------------------------------------------------------


def test_check_reports_a_missing_approved_translation() -> None:
    findings = check("Move the trash cart.", "Mueva el carrito.", "es", build_matcher(PROTECTED))
    assert findings == [
        Finding("approved_missing", 3, "trash cart", "contenedor de basura", None, 9, 19)
    ]


def test_check_reports_an_altered_dnt_term() -> None:
    findings = check(
        "Call CharMeck 311.", "Llame a Charmeck 3-1-1.", "es", build_matcher(PROTECTED)
    )
    assert [(f.code, f.term_id, f.expected) for f in findings] == [
        ("dnt_altered", 1, "CharMeck 311")
    ]


def test_check_reports_noticia_as_a_forbidden_translation_of_notice() -> None:
    findings = check("NOTICE", "NOTICIA: lea esta noticia", "es", build_matcher(PROTECTED))
    codes = [(f.code, f.found) for f in findings]
    assert codes == [("approved_missing", None), ("forbidden_used", "NOTICIA")]


def test_check_finds_nothing_in_a_clean_translation() -> None:
    source = "NOTICE: put the trash cart out, or call CharMeck 311."
    target = "Aviso: saque el contenedor de basura o llame a CharMeck 311."
    assert check(source, target, "es", build_matcher(PROTECTED)) == []


def test_check_reports_each_term_and_code_once() -> None:
    findings = check("trash cart, trash cart", "carrito, carrito", "es", build_matcher(PROTECTED))
    assert len(findings) == 1 and findings[0].source_start == 0


def test_check_requires_exact_case_for_case_sensitive_dnt_term() -> None:
    matcher = build_matcher([TermEntry(1, "CMUD", case_sensitive=True, do_not_translate=True)])
    assert check("CMUD", "Cmud", "es", matcher)[0].code == "dnt_altered"
    assert check("CMUD", "CMUD", "es", matcher) == []


def test_check_allows_a_forbidden_string_that_is_approved_for_a_source_term() -> None:
    entries = [
        TermEntry(1, "NOTICE", case_sensitive=True, approved="aviso", forbidden=("noticia",)),
        TermEntry(2, "news", approved="noticia"),
    ]
    assert check("news", "noticia", "es", build_matcher(entries)) == []


# --- properties ---------------------------------------------------------------------------------
# The reference matcher below is slow on purpose: it tries every term at every position,
# folds and classifies one character at a time, and names scripts by Unicode character name.

WORDS = ["ab", "a", "B", "1", "é", "e\u0301", "İ", "i", "Σ", "σ", "ς"]  # Latin, Greek
WORDS += ["水", "费", "ก", "กุ", "क", "कि"]  # Han, Thai, Devanagari
GAPS = [" ", " ", "  ", "\n", "\t ", "\u00a0", "-", "\u2011", "'", "\u2019", ".", "", "", "_"]
GAPS += ["\u200d", "\u0301"]
NO_SPACE_NAMES = ("CJK UNIFIED", "CJK COMPATIBILITY", "THAI ", "LAO ", "HIRAGANA", "KATAKANA")


def ref_fold(char: str) -> str:
    low = char.lower()[0]
    return {"ς": "σ", "\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-"}.get(low, low)


def ref_is_word(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM" or char in "\u200c\u200d\u00ad"


def ref_no_space(char: str) -> bool:
    return unicodedata.name(char, "").startswith(NO_SPACE_NAMES)


def ref_boundary(neighbour: str, edge: str, *, after: bool) -> bool:
    if not ref_is_word(neighbour):
        return True
    if after and unicodedata.category(neighbour).startswith("M"):
        return False  # never end inside a grapheme cluster
    if not ref_is_word(edge) or (not after and unicodedata.category(edge).startswith("M")):
        return False
    return ref_no_space(neighbour) or ref_no_space(edge)


def ref_end(text: str, i: int, entry: TermEntry) -> int | None:
    """Where `entry` ends if it matches at `i` (boundaries included), else None."""
    term = " ".join(unicodedata.normalize("NFC", entry.source).split())
    j = i
    for char in term:
        if char == " ":
            if j >= len(text) or not text[j].isspace():
                return None
            while j < len(text) and text[j].isspace():
                j += 1
            continue
        if j >= len(text):
            return None
        same = text[j] == char if entry.case_sensitive else ref_fold(text[j]) == ref_fold(char)
        if not same:
            return None
        j += 1
    if i > 0 and not ref_boundary(text[i - 1], term[0], after=False):
        return None
    if j < len(text) and not ref_boundary(text[j], term[-1], after=True):
        return None
    return j


def reference_find(text: str, entries: Sequence[TermEntry]) -> list[Match]:
    ordered = sorted(entries, key=lambda e: (not e.case_sensitive, e.term_id))
    found: list[Match] = []
    i = 0
    while i < len(text):
        best: tuple[int, TermEntry] | None = None
        for entry in ordered:
            end = ref_end(text, i, entry)
            if end is not None and (best is None or end > best[0]):
                best = (end, entry)
        if best is None:
            i += 1
            continue
        found.append(Match(i, best[0], best[1].term_id, text[i : best[0]]))
        i = best[0]
    return found


@st.composite
def sources(draw: st.DrawFn) -> str:
    """A term of one to three words, joined by spaces, hyphens or nothing."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
    gaps = [draw(st.sampled_from([" ", "-", "", "  ", "'"])) for _ in words[1:]]
    return words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:], strict=True))


glossaries = st.lists(
    st.tuples(sources(), st.booleans(), st.booleans(), st.sampled_from([None, "X", "QQ1Z", "ab"])),
    min_size=1,
    max_size=5,
).map(
    lambda rows: [
        TermEntry(i, source, case_sensitive=cs, do_not_translate=dnt, approved=approved)
        for i, (source, cs, dnt, approved) in enumerate(rows, start=1)
        if source.strip()
    ]
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[TermEntry]]:
    """A glossary, and a text built from its terms (case and spacing varied) and stray words."""
    entries = draw(glossaries)
    terms = [e.source for e in entries]
    pieces = [*WORDS, *terms, *(t.upper() for t in terms), *(t.replace(" ", "\n ") for t in terms)]
    parts = draw(
        st.lists(st.tuples(st.sampled_from(pieces), st.sampled_from(GAPS)), min_size=1, max_size=20)
    )
    return "".join(w + g for w, g in parts), entries


@PROPERTY
@given(case=cases())
def test_find_agrees_with_the_slow_reference(case: tuple[str, list[TermEntry]]) -> None:
    text, entries = case
    assert build_matcher(entries).find(text) == reference_find(text, entries)


@PROPERTY
@given(case=cases(), every=st.integers(1, 6))
def test_find_agrees_with_the_reference_when_choices_settle_early(
    case: tuple[str, list[TermEntry]], every: int
) -> None:
    # Long texts settle leftmost-longest choices as they go; force that on short ones.
    text, entries = case
    with mock.patch("app.glossary.matcher._FLUSH_EVERY", every):
        assert build_matcher(entries).find(text) == reference_find(text, entries)


@PROPERTY
@given(case=cases(), noise=st.sampled_from(["", "QQ1Z ", "qq 1 z QQ2Z ", "QX1Z-"]))
def test_protect_then_identity_restore_substitutes_only_protected_terms(
    case: tuple[str, list[TermEntry]], noise: str
) -> None:
    text, entries = noise + case[0], case[1]
    matcher = build_matcher(entries)
    expected, last = [], 0
    for m in matcher.find(text):
        entry = matcher.entry(m.term_id)
        value = m.text if entry.do_not_translate else entry.approved or m.text
        expected += [text[last : m.start], value]
        last = m.end
    protected = protect(text, matcher)
    assert protected.restore(protected.text) == ("".join(expected) + text[last:], [])
