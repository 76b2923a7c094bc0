"""The batched engines against argostranslate's own path, on the tiny copy models."""

from __future__ import annotations

from app.mt.argos_env import translate_text
from app.mt.engines import ArgosEngine, Ct2NllbEngine

SEGMENTS = [
    "Hello world. This is a test.",
    "The city council meeting will be held on Monday at the town hall.",
    "Water service notice.\nPlease bring your permit application.",
    "Residents must pay taxes by Friday! Library hours are from nine to five?",
]


def _package(from_code, to_code):
    from argostranslate import package

    return next(
        p
        for p in package.get_installed_packages()
        if p.from_code == from_code and p.to_code == to_code
    )


def test_batched_argos_engine_matches_plain_argostranslate(argos_installed):
    engine = ArgosEngine(_package(*argos_installed))
    batched = engine.translate(SEGMENTS)
    assert batched == [translate_text(s, *argos_installed) for s in SEGMENTS]
    assert batched == SEGMENTS  # the copy model: what goes in comes out


def test_progress_counts_every_segment_once(argos_installed):
    engine = ArgosEngine(_package(*argos_installed))
    seen: list[int] = []
    engine.translate(SEGMENTS * 40, progress=seen.append)
    assert sum(seen) == len(SEGMENTS) * 40 and len(seen) > 1


def test_nllb_engine_returns_the_copy_models_input(tiny_nllb_dir):
    engine = Ct2NllbEngine(tiny_nllb_dir, "vi", "tiny-1")
    out = engine.translate(["Hello world. This is a test.", "Water service notice."])
    assert out == ["Hello world. This is a test.", "Water service notice."]
