"""Translation engines, loaded once per process and fed batches shared across jobs.

ArgosEngine runs an installed Argos package through argostranslate's own tokenizer and sentence
splitter and the package's CTranslate2 model, with the decoding settings argostranslate uses,
but one translate_batch call over the sentences of many segments instead of one call per
paragraph. Ct2NllbEngine runs an NLLB-200 style CTranslate2 directory for the languages Argos
lacks (Vietnamese, Tamil, Telugu, Lao).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

#: Sentences per translate_batch call: large enough to keep both cores busy, small enough
#: that progress is reported often.
BATCH_SENTENCES = 64
BEAM_SIZE = 4
LENGTH_PENALTY = 0.2

#: NLLB-200 language tokens for the city's languages.
NLLB_CODES = {
    "en": "eng_Latn",
    "es": "spa_Latn",
    "vi": "vie_Latn",
    "fr": "fra_Latn",
    "zh": "zho_Hans",
    "ar": "arb_Arab",
    "ta": "tam_Taml",
    "te": "tel_Telu",
    "th": "tha_Thai",
    "lo": "lao_Laoo",
    "hi": "hin_Deva",
    "ru": "rus_Cyrl",
}


def decoding_bound(longest_source: int) -> int:
    """A cap on output tokens so a bad input or model cannot decode forever."""
    return min(512, 3 * longest_source + 16)


Progress = Callable[[int], None]  # called with how many segments were just finished


class Engine(Protocol):
    """What the pipeline needs from an engine."""

    name: str
    model_version: str

    def translate(self, segments: Sequence[str], progress: Progress | None = None) -> list[str]:
        """Translate segments (each one or more sentences, lines kept) in shared batches."""
        ...


@dataclass
class _Plan:
    """Where each sentence of each segment went, so results can be put back together."""

    sentences: list[str]
    # per segment, per line: indices into sentences (empty line -> empty list)
    layout: list[list[list[int]]]


def _plan(segments: Sequence[str], split: Callable[[str], list[str]]) -> _Plan:
    sentences: list[str] = []
    layout: list[list[list[int]]] = []
    for segment in segments:
        lines = []
        for line in segment.split("\n"):
            ids = []
            for sentence in split(line) if line.strip() else []:
                if sentence.strip():
                    ids.append(len(sentences))
                    sentences.append(sentence.strip())
            lines.append(ids)
        layout.append(lines)
    return _Plan(sentences, layout)


def _run_batches(
    plan: _Plan, translate_chunk: Callable[[list[str]], list[list[str]]], progress: Progress | None
) -> list[list[str]]:
    """Translate all sentences in chunks; report segments once all their sentences are done."""
    out: list[list[str]] = [[] for _ in plan.sentences]
    last_sentence = [max((i for line in seg for i in line), default=-1) for seg in plan.layout]
    reported = 0
    for start in range(0, len(plan.sentences), BATCH_SENTENCES):
        chunk = plan.sentences[start : start + BATCH_SENTENCES]
        for offset, tokens in enumerate(translate_chunk(chunk)):
            out[start + offset] = tokens
        done_upto = start + len(chunk) - 1
        finished = sum(1 for last in last_sentence if last <= done_upto)
        if progress and finished > reported:
            progress(finished - reported)
            reported = finished
    if progress and len(plan.layout) > reported:
        progress(len(plan.layout) - reported)
    return out


class ArgosEngine:
    """An installed Argos package (en -> one language), batched."""

    name = "argos"

    def __init__(self, package: Any, max_decoding_length: int | None = None) -> None:
        self.package = package
        self.max_decoding_length = max_decoding_length  # None: decoding_bound() per batch
        self.model_version = str(package.package_version or "")
        self._lock = threading.Lock()
        self._translator: Any = None
        self._sentencizer: Any = None

    def _load(self) -> None:
        import ctranslate2
        from argostranslate import settings
        from argostranslate.translate import PackageTranslation

        with self._lock:
            if self._translator is None:
                # argostranslate picks the sentence splitter from its settings (spaCy offline).
                self._sentencizer = PackageTranslation(None, None, self.package).sentencizer
                self._translator = ctranslate2.Translator(
                    str(Path(self.package.package_path) / "model"),
                    device="cpu",
                    inter_threads=1,
                    intra_threads=0,
                    compute_type=settings.compute_type,
                )

    def _translate_chunk(self, sentences: list[str]) -> list[list[str]]:
        pkg = self.package
        tokenized = [pkg.tokenizer.encode(s) for s in sentences]
        prefix = [[pkg.target_prefix]] * len(tokenized) if pkg.target_prefix else None
        bound = self.max_decoding_length or decoding_bound(max(map(len, tokenized), default=1))
        results = self._translator.translate_batch(
            tokenized,
            target_prefix=prefix,
            replace_unknowns=True,
            beam_size=BEAM_SIZE,
            num_hypotheses=1,
            length_penalty=LENGTH_PENALTY,
            max_batch_size=BATCH_SENTENCES,
            max_decoding_length=bound,
        )
        return [list(r.hypotheses[0]) for r in results]

    def _decode(self, tokens: list[str]) -> str:
        pkg = self.package
        value = pkg.tokenizer.decode(tokens)
        if pkg.target_prefix and value.startswith(pkg.target_prefix):
            value = value[len(pkg.target_prefix) :]
        return value[1:] if value.startswith(" ") else value

    def translate(self, segments: Sequence[str], progress: Progress | None = None) -> list[str]:
        """Translate segments as argostranslate would, but in shared batches.

        Same tokenizer, splitter and decoding settings; with an int8 model a rare sentence at a
        near-tie in beam search can come out differently, because CTranslate2's int8 results
        depend on the other sentences in a batch (scripts/bench/mt_throughput.py measures it).
        """
        self._load()
        plan = _plan(segments, self._sentencizer.split_sentences)
        translated = _run_batches(plan, self._translate_chunk, progress)
        return [
            "\n".join(
                # argostranslate decodes a paragraph's sentences together; so do we.
                self._decode([t for i in line for t in translated[i]])
                for line in seg
            )
            for seg in plan.layout
        ]


class Ct2NllbEngine:
    """An NLLB-200 style CTranslate2 model directory, for one target language."""

    name = "ctranslate2"

    def __init__(self, model_dir: Path, target: str, model_version: str) -> None:
        self.model_dir = Path(model_dir)
        self.target = target
        self.model_version = model_version
        self._lock = threading.Lock()
        self._translator: Any = None
        self._sp: Any = None
        self._nlp: Any = None

    def _load(self) -> None:
        import ctranslate2
        import sentencepiece
        import spacy

        with self._lock:
            if self._translator is None:
                self._sp = sentencepiece.SentencePieceProcessor(
                    model_file=str(self.model_dir / "sentencepiece.bpe.model")
                )
                nlp = spacy.blank("xx")  # a rule-based splitter; nothing to download
                nlp.add_pipe("sentencizer")
                self._nlp = nlp
                self._translator = ctranslate2.Translator(
                    str(self.model_dir), device="cpu", inter_threads=1, intra_threads=0
                )

    def _split(self, text: str) -> list[str]:
        return [s.text for s in self._nlp(text).sents]

    def _translate_chunk(self, sentences: list[str]) -> list[list[str]]:
        src, tgt = NLLB_CODES["en"], NLLB_CODES[self.target]
        pieces = [self._sp.encode(s, out_type=str) for s in sentences]
        source = [[src, *p, "</s>"] for p in pieces]
        longest = max((len(p) for p in pieces), default=1)
        results = self._translator.translate_batch(
            source,
            target_prefix=[[tgt]] * len(source),
            replace_unknowns=True,
            beam_size=BEAM_SIZE,
            max_batch_size=BATCH_SENTENCES,
            max_decoding_length=decoding_bound(longest + 2),
        )
        return [list(r.hypotheses[0])[1:] for r in results]  # drop the language token

    def translate(self, segments: Sequence[str], progress: Progress | None = None) -> list[str]:
        """Translate segments with the target-language prefix NLLB expects."""
        self._load()
        plan = _plan(segments, self._split)
        translated = _run_batches(plan, self._translate_chunk, progress)
        return [
            "\n".join(" ".join(self._sp.decode(translated[i]) for i in line) for line in seg)
            for seg in plan.layout
        ]
