#!/usr/bin/env python3
"""Benchmark the glossary matcher against regex approaches on a seeded 10,000-term glossary.

Run from the repository root: .venv/bin/python scripts/bench/glossary_match.py
Methods: (a) our Matcher; (b) one regex per term, overlaps resolved afterwards (on a 20 KB
slice: it is slow); (c) one alternation, longest first, with lookaround boundaries; (d) the
common alphabetical alternation with \\b, to show its wrong spans. (b) is the reference on the
slice and validates (c), which is the reference on the whole text. The matcher's spans and
term ids are checked against both.

Exits non-zero when a target is missed: spans differ from the reference, the matcher runs
under 10 MB/s, or it is under 500x faster than one regex per term. MB is 10**6 UTF-8 bytes;
the best CPU time of several runs is reported, with the garbage collector on as in the app.
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.glossary.matcher import Match, Matcher, TermEntry, fold, normalize_term  # noqa: E402

SEED = 20240611
N_TERMS = 10_000
TEXT_BYTES = 1_000_000
SLICE_BYTES = 20_000  # the per-term loop is slow; it runs on this much of the text
NAIVE_BYTES = 100_000
TARGET_MB_PER_S = 10.0
TARGET_SPEEDUP = 500.0
SHARE_TERMS = 0.15  # of word slots in the text given to a glossary term (of 1-4 words)

# Regex boundaries for this (ASCII) text: no letter or digit beside a match. \b would also
# count "_" as a word character and could not be shared by terms ending in "-" or "'".
LEFT, RIGHT = r"(?<![^\W_])", r"(?![^\W_])"
FUNCTION_WORDS = ["the", "of", "and", "to", "a", "in", "for", "is", "on", "with", "by", "at"]
FUNCTION_WORDS += ["from", "or", "as", "be", "this", "that", "are"]
SYLLABLES = [c + v for c in "bdfghjklmnprstvwz" for v in "aeiou"]

Span = tuple[int, int, int]  # start, end, term_id
T = TypeVar("T")


def make_vocabulary(rng: random.Random, size: int) -> list[str]:
    """Pronounceable pseudo-words, unique, none of them a function word."""
    words: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        if rng.random() < 0.3:
            word += rng.choice("nrst")
        words.add(word)
    return sorted(words)


def make_terms(rng: random.Random, vocab: Sequence[str]) -> list[TermEntry]:
    """10,000 terms: 1-4 words, with digits, hyphens, apostrophes, case rules and overlaps."""
    seen: set[tuple[str, bool]] = set()
    terms: list[TermEntry] = []

    def add(source: str, case_sensitive: bool = False) -> None:
        if (source, case_sensitive) not in seen and len(terms) < N_TERMS:
            seen.add((source, case_sensitive))
            terms.append(TermEntry(len(terms) + 1, source, case_sensitive=case_sensitive))

    while len(terms) < N_TERMS:
        roll = rng.random()
        words = [rng.choice(vocab) for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))]
        if roll < 0.05:
            words.append(str(rng.randint(1, 999)))  # "CharMeck 311"
        elif roll < 0.10:
            words[-1] = f"{words[-1]}-{rng.choice(vocab)}"  # "drop-off"
        elif roll < 0.13:
            words[0] += "'s"  # "owner's"
        elif roll < 0.16 and terms:
            base = rng.choice(terms).source  # "water" -> "water service"
            words = [base, rng.choice(vocab)]
        elif roll < 0.19 and terms:
            base = rng.choice(terms).source  # "water service" -> "service fee"
            words = [base.split(" ")[-1], rng.choice(vocab)]
        source = " ".join(words)
        if roll > 0.95:
            add(source.upper(), case_sensitive=True)  # "NOTICE"
            if rng.random() < 0.5:
                add(source)  # "notice", a different entry
        else:
            add(source.title() if roll > 0.92 else source)
    return terms


def render(rng: random.Random, term: TermEntry) -> str:
    """A term as it may appear in running text: case varied, whitespace sometimes odd."""
    text = term.source
    if not term.case_sensitive:
        text = rng.choice((text, text, text, text.title(), text.upper()))
    elif rng.random() < 0.1:
        text = text.lower()  # must not match the case-sensitive entry
    gaps = (" ",) * 18 + ("  ", "\n")
    words = text.split(" ")
    return words[0] + "".join(rng.choice(gaps) + word for word in words[1:])


def make_text(
    rng: random.Random, terms: Sequence[TermEntry], vocab: Sequence[str], general: Sequence[str]
) -> str:
    """About 1 MB of sentences: terms, glued-on near misses, glossary words and filler."""
    parts: list[str] = []
    size = 0
    while size < TEXT_BYTES:
        tokens = []
        for _ in range(rng.randint(6, 18)):
            roll = rng.random()
            if roll < SHARE_TERMS:
                tokens.append(render(rng, rng.choice(terms)))
            elif roll < SHARE_TERMS + 0.02:
                tokens.append(render(rng, rng.choice(terms)) + rng.choice(("shed", "ing", "5")))
            elif roll < SHARE_TERMS + 0.03:
                tokens.append(rng.choice(("re", "un", "9")) + render(rng, rng.choice(terms)))
            elif roll < SHARE_TERMS + 0.10:
                tokens.append(rng.choice(vocab))  # a glossary word out of its phrase
            elif roll < SHARE_TERMS + 0.55:
                tokens.append(rng.choice(FUNCTION_WORDS))
            else:
                tokens.append(rng.choice(general))
            if rng.random() < 0.06:
                tokens[-1] += rng.choice((",", ";", ":", ")", "'", "-", "_"))
        sentence = " ".join(tokens)
        sentence = sentence[0].upper() + sentence[1:] + rng.choice((". ", ". ", "? ", ".\n"))
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts)[:TEXT_BYTES]


def resolve(spans: list[tuple[int, int, bool, int]]) -> list[Span]:
    """Leftmost, then longest, non-overlapping; case-sensitive then lower id on a tie."""
    spans.sort(key=lambda s: (s[0], -s[1], not s[2], s[3]))
    out: list[Span] = []
    edge = 0
    for start, end, _, term_id in spans:
        if start >= edge:
            out.append((start, end, term_id))
            edge = end
    return out


def body(term: TermEntry) -> str:
    """A term's regex: its words escaped, any whitespace run between them."""
    return r"\s+".join(re.escape(word) for word in normalize_term(term.source).split(" "))


def per_term_patterns(terms: Sequence[TermEntry]) -> list[tuple[re.Pattern[str], TermEntry]]:
    """One compiled pattern per term, with lookaround boundaries."""
    return [
        (re.compile(LEFT + body(t) + RIGHT, 0 if t.case_sensitive else re.IGNORECASE), t)
        for t in terms
    ]


def per_term_loop(patterns: list[tuple[re.Pattern[str], TermEntry]], text: str) -> list[Span]:
    """Method (b): every term's regex over the text, then overlaps resolved."""
    found = [
        (m.start(), m.end(), t.case_sensitive, t.term_id)
        for pattern, t in patterns
        for m in pattern.finditer(text)
    ]
    return resolve(found)


def term_lookup(terms: Sequence[TermEntry]) -> Callable[[str], int]:
    """Which term an alternation matched: same folded text, case-sensitive first, lowest id."""
    by_key: dict[str, list[TermEntry]] = {}
    for t in sorted(terms, key=lambda t: (not t.case_sensitive, t.term_id)):
        by_key.setdefault(fold(normalize_term(t.source)), []).append(t)

    def lookup(found: str) -> int:
        norm = normalize_term(found)
        for t in by_key.get(fold(norm), []):
            if not t.case_sensitive or normalize_term(t.source) == norm:
                return t.term_id
        return -1

    return lookup


def longest_first(terms: Sequence[TermEntry]) -> re.Pattern[str]:
    """Method (c): one alternation, longest first, lookaround boundaries around the group."""
    ordered = sorted(
        terms, key=lambda t: (-len(normalize_term(t.source)), not t.case_sensitive, t.term_id)
    )
    alts = (body(t) if t.case_sensitive else f"(?i:{body(t)})" for t in ordered)
    return re.compile(LEFT + "(?:" + "|".join(alts) + ")" + RIGHT)


def naive(terms: Sequence[TermEntry]) -> re.Pattern[str]:
    """Method (d): alphabetical alternation with \\b, ignoring case rules (the common bug)."""
    alts = sorted(re.escape(t.source) for t in terms)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


def run_pattern(pattern: re.Pattern[str], lookup: Callable[[str], int], text: str) -> list[Span]:
    """Spans of one big pattern, each with the term it stands for."""
    return [(m.start(), m.end(), lookup(m.group())) for m in pattern.finditer(text)]


def as_spans(matches: list[Match]) -> list[Span]:
    """Method (a)'s Match objects as plain spans, for comparison (outside the timing)."""
    return [(m.start, m.end, m.term_id) for m in matches]


def timed(fn: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """Best CPU time of `repeat` runs (GC left on, as in the app), and the last result."""
    # CPU time of this process, not wall time: other jobs on a shared machine would
    # otherwise decide the figures. Everything here runs on one thread.
    times = []
    for _ in range(repeat):
        began = time.process_time()
        result = fn()
        times.append(time.process_time() - began)
    return min(times), result


def mismatches(ours: list[Span], reference: list[Span]) -> int:
    """Spans in one list and not the other."""
    return len(set(ours) ^ set(reference))


def mb_per_s(text: str, seconds: float) -> float:
    """Throughput in 10**6 UTF-8 bytes per second."""
    return len(text.encode()) / 1e6 / seconds


def main() -> int:
    """Generate the data, time every method, check spans and print the figures."""
    rng = random.Random(SEED)  # noqa: S311 (test data, not secrets)
    words = make_vocabulary(rng, 20_000)
    rng.shuffle(words)
    vocab, general = words[:4000], words[4000:]  # glossary words, and words in no term
    terms = make_terms(rng, vocab)
    text = make_text(rng, terms, vocab, general)
    piece, naive_piece = text[:SLICE_BYTES], text[:NAIVE_BYTES]
    print(f"{len(terms)} terms, {len(text.encode()) / 1e6:.2f} MB of text", flush=True)

    compile_s, matcher = timed(lambda: Matcher(terms))
    matcher_s, found = timed(lambda: matcher.find(text), repeat=20)
    slice_s, found_slice = timed(lambda: matcher.find(piece), repeat=50)
    ours, ours_slice = as_spans(found), as_spans(found_slice)
    print(f"matcher: compiled in {compile_s:.2f} CPU s, {len(ours)} matches", flush=True)

    patterns = per_term_patterns(terms)
    loop_s, loop_spans = timed(lambda: per_term_loop(patterns, piece))
    print(f"per-term loop: {loop_s:.2f} CPU s on {len(piece) / 1e3:.0f} KB", flush=True)

    lookup = term_lookup(terms)
    alternation = longest_first(terms)
    alt_slice = run_pattern(alternation, lookup, piece)
    alt_s, reference = timed(lambda: run_pattern(alternation, lookup, text))
    print(f"longest-first alternation: {alt_s:.2f} CPU s on the whole text", flush=True)

    naive_pattern = naive(terms)
    naive_s, naive_spans = timed(lambda: run_pattern(naive_pattern, lookup, naive_piece))
    naive_reference = run_pattern(alternation, lookup, naive_piece)

    reference_check = mismatches(alt_slice, loop_spans)
    ours_vs_reference = mismatches(ours, reference) + mismatches(ours_slice, loop_spans)
    figures = {
        "terms": (len(terms), "count"),
        "text_mb": (round(len(text.encode()) / 1e6, 2), "MB"),
        "matches": (len(ours), "count"),
        "matches_per_kb": (round(len(ours) / (len(text.encode()) / 1e3), 1), "count"),
        "matcher_compile_s": (round(compile_s, 2), "s"),
        "matcher_mb_per_s": (round(mb_per_s(text, matcher_s), 1), "MB/s"),
        "matcher_slice_mb_per_s": (round(mb_per_s(piece, slice_s), 1), "MB/s"),
        "per_term_loop_mb_per_s": (round(mb_per_s(piece, loop_s), 4), "MB/s"),
        "alternation_mb_per_s": (round(mb_per_s(text, alt_s), 3), "MB/s"),
        "naive_alternation_mb_per_s": (round(mb_per_s(naive_piece, naive_s), 3), "MB/s"),
        "speedup_vs_per_term_loop": (round(loop_s / slice_s), "x"),
        "speedup_vs_alternation": (round(alt_s / matcher_s), "x"),
        "reference_mismatches_alternation_vs_per_term_loop": (reference_check, "count"),
        "naive_alternation_mismatches_vs_reference": (
            mismatches(naive_spans, naive_reference),
            "count",
        ),
        "span_mismatches_vs_reference": (ours_vs_reference, "count"),
    }
    for name, (value, unit) in figures.items():
        print(f"{name}: {value} {unit}")

    missed = []
    if reference_check:
        missed.append("the two regex references disagree")
    if ours_vs_reference:
        missed.append("matcher spans differ from the reference")
    if figures["matcher_mb_per_s"][0] < TARGET_MB_PER_S:
        missed.append(f"matcher under {TARGET_MB_PER_S} MB/s")
    if loop_s / slice_s < TARGET_SPEEDUP:
        missed.append(f"speedup vs per-term loop under {TARGET_SPEEDUP}x")
    for reason in missed:
        print(f"TARGET MISSED: {reason}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
