"""Glossary placeholders go through the real argostranslate path and come back intact."""

from __future__ import annotations

from app.glossary.matcher import TermEntry, build_matcher
from app.glossary.protect import protect
from app.mt.argos_env import translate_text

MATCHER = build_matcher(
    [
        TermEntry(term_id=1, source="CharMeck 311", case_sensitive=True, do_not_translate=True),
        TermEntry(term_id=2, source="notice", approved="aviso", forbidden=("noticia",)),
        TermEntry(term_id=3, source="SAFE Charlotte", case_sensitive=True, do_not_translate=True),
    ]
)


def test_placeholders_survive_the_copy_model(argos_installed):
    source_lang, target_lang = argos_installed
    text = "Read this notice. Call CharMeck 311 or SAFE Charlotte about the notice."
    shielded = protect(text, MATCHER)
    assert "CharMeck" not in shielded.text and "notice" not in shielded.text
    assert len(shielded.placeholders) == 4
    machine = translate_text(shielded.text, source_lang, target_lang)
    assert machine == shielded.text  # the copy model: output is its input, token for token
    restored, missing = shielded.restore(machine)
    assert missing == []
    assert restored == "Read this aviso. Call CharMeck 311 or SAFE Charlotte about the aviso."


def test_a_placeholder_lost_in_translation_is_reported(argos_installed):
    shielded = protect("Call CharMeck 311 today.", MATCHER)
    (placeholder,) = shielded.placeholders
    machine = translate_text(shielded.text, *argos_installed).replace(placeholder, "")
    restored, missing = shielded.restore(machine)
    assert missing == [placeholder] and "CharMeck" not in restored
