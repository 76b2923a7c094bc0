"""Build a Transformer-base sized Argos package (en->es) with random weights, offline and seeded.

The throughput benchmark (mt_throughput.py) needs a model that costs what a real Argos model
costs per token, not the tiny test models: Transformer base (6+6 layers, d_model 512, 8 heads,
feed-forward 2048, ReLU, pre-norm), one 32,000-piece SentencePiece vocabulary shared by source
and target, the encoder embedding, decoder embedding and output projection tied (OpenNMT-py's
share_embeddings + share_decoder_embeddings; untying adds 16M parameters on disk but no work a
token), int8 weights (as Argos ships them). 60.6 million parameters, 62 MB on disk.

Vocabulary: a real 32k SentencePiece unigram model, trained (fully, no padding pieces) on a
synthetic English-like corpus made here: ~200 real English function and civic words plus
pronounceable pseudo-words up to 60,000 distinct, drawn with Zipf frequencies, 5-25 words a
sentence with numbers, commas and . ? ! endings. On the benchmark corpus (same generator,
another seed) it gives about 1.4 pieces a word, 21 pieces a sentence, in the range subword
vocabularies give on English. The trainer runs on one thread, and writes through model_writer
(not model_prefix, which would record the temporary path): the files built are byte-identical
from run to run (the .argosmodel zip differs only in its timestamps).

The weights are random (seeded). Such a model never emits the end of sentence on its own; its
output-projection bias keeps <unk>, <s> and </s> from being chosen at all, so every sentence
decodes to exactly the max_decoding_length the caller sets. That makes the output length, and
so the work per sentence, the same for every method the benchmark compares.

The package is cached: build_base_argos_package(cache_dir) returns the existing .argosmodel
when one with this recipe's key is there. Nothing here imports argostranslate.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Bump when anything below changes what gets built; it names the cached package.
RECIPE = "v1"
SEED = 20240611
VOCAB_SIZE = 32_000
LAYERS = 6
D_MODEL = 512
HEADS = 8
FFN = 2048
LEXICON_SIZE = 60_000
SPM_SENTENCES = 200_000
QUANTIZATION = "int8"
PACKAGE_NAME = "translate-en_es-base"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COMMON_WORDS = _words(
    """the of and to a in is for on that be with by at this are from or as it will
your you not have all can an was please if we city our any may must has more their they which
when service water street park permit application notice meeting council residents hours public
library office form request date time day week month year monday tuesday wednesday thursday
friday saturday sunday bring copy id pay tax fee fees bill closed open repair repairs trash
garbage collection schedule parking vehicle road bus route school child children family help
information contact phone number call online website email address name home housing rent
program assistance health safety police fire emergency department new other about also each one
two three four five six seven eight nine ten first last next before after during between
through under over into out up down only same such than then there these those what who how
where why do does did should would could been being were him her his she he them"""
)
ONSETS = (
    "",
    *_words("b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sc sh"),
    *_words("sk sl sm sn sp st str sw t th tr v w wh y z"),
)
NUCLEI = _words("a e i o u ai ea ee oo ou ie y")
CODAS = ("", "", "", *_words("n r s t l nd st ck ng rt m ll nt sh"))
SUFFIXES = ("", "", "", "", *_words("s ed ing er ly tion ment ness able al"))
SYLLABLE_COUNTS = (1, 1, 2, 2, 2, 3, 3)
ENDINGS = (".", ".", ".", ".", "?", "!")

METADATA = {
    "package_version": f"0.0.0+bench.{RECIPE}",
    "argos_version": "1.11.0",
    "from_code": "en",
    "from_name": "English",
    "to_code": "es",
    "to_name": "Spanish",
    "type": "translate",
    "links": [],
}


class EnglishLike:
    """Seeded English-like text: real common words and Zipf-distributed pseudo-words."""

    def __init__(self, lexicon_size: int = LEXICON_SIZE, seed: int = SEED) -> None:
        rng = np.random.default_rng(seed)
        words = list(dict.fromkeys(COMMON_WORDS))
        seen = set(words)
        while len(words) < lexicon_size:
            word = (
                "".join(
                    ONSETS[rng.integers(len(ONSETS))]
                    + NUCLEI[rng.integers(len(NUCLEI))]
                    + CODAS[rng.integers(len(CODAS))]
                    for _ in range(SYLLABLE_COUNTS[rng.integers(len(SYLLABLE_COUNTS))])
                )
                + SUFFIXES[rng.integers(len(SUFFIXES))]
            )
            if len(word) > 1 and word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        weights = 1.0 / np.arange(1, len(words) + 1)  # Zipf, exponent 1
        self._cdf = np.cumsum(weights / weights.sum())

    def sentence(self, rng: np.random.Generator) -> str:
        """One sentence of 5-25 words, sometimes a number and a comma, ending in . ? or !"""
        count = int(rng.integers(5, 26))
        ranks = np.minimum(np.searchsorted(self._cdf, rng.random(count)), len(self.words) - 1)
        words = [self.words[i] for i in ranks]
        while len(words[-1]) < 3:  # spaCy reads "a." or "id." as an abbreviation, not an end
            words[-1] = self.words[
                min(int(np.searchsorted(self._cdf, rng.random())), len(self.words) - 1)
            ]
        if rng.random() < 0.3:
            words.insert(int(rng.integers(1, count)), str(int(rng.integers(1, 2030))))
        if rng.random() < 0.3:
            words[int(rng.integers(0, len(words) - 1))] += ","
        words[0] = words[0][0].upper() + words[0][1:]
        return " ".join(words) + ENDINGS[rng.integers(len(ENDINGS))]

    def sentences(self, count: int, seed: int) -> list[str]:
        rng = np.random.default_rng(seed)
        return [self.sentence(rng) for _ in range(count)]


@dataclass(frozen=True)
class BuiltPackage:
    path: Path  # the .argosmodel
    built_now: bool  # False: taken from the cache
    info: dict  # parameters, vocabulary, sizes, build seconds


def _train_sentencepiece(path: Path, text: EnglishLike) -> list[str]:
    import io

    import sentencepiece as spm

    model = io.BytesIO()  # not model_prefix: that would record the temporary path in the model
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text.sentences(SPM_SENTENCES, seed=SEED + 1)),
        model_writer=model,
        vocab_size=VOCAB_SIZE,
        model_type="unigram",
        character_coverage=1.0,
        input_sentence_size=0,  # all of them, no sampling
        num_threads=1,  # multi-threaded EM sums in varying order; one thread is reproducible
        minloglevel=2,
        # defaults kept: <unk>=0 <s>=1 </s>=2, the tokens CTranslate2 looks for
    )
    path.write_bytes(model.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _random_spec(vocab: list[str], seed: int = SEED):  # -> TransformerSpec
    """Transformer base, random weights with unit-variance activations, tied embeddings."""
    from ctranslate2.specs import transformer_spec

    rng = np.random.default_rng(seed)
    v, d = len(vocab), D_MODEL
    spec = transformer_spec.TransformerSpec.from_config(LAYERS, HEADS)  # pre-norm, ReLU

    def normal(*shape: int, std: float) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(std)

    def ln(layer_norm) -> None:
        layer_norm.gamma, layer_norm.beta = np.ones(d, np.float32), np.zeros(d, np.float32)

    def lin(linear, out_dim: int, in_dim: int) -> None:
        linear.weight = normal(out_dim, in_dim, std=in_dim**-0.5)
        linear.bias = np.zeros(out_dim, np.float32)

    # One table for encoder input, decoder input and output projection (scaled by sqrt(d) on
    # input). The same numpy object three times: spec.optimize() stores it once.
    shared = normal(v, d, std=d**-0.5)
    spec.encoder.embeddings[0].weight = shared
    spec.decoder.embeddings.weight = shared
    spec.decoder.projection.weight = shared
    bias = np.zeros(v, np.float32)
    bias[[vocab.index(t) for t in ("<unk>", "<s>", "</s>")]] = -1e4  # never chosen
    spec.decoder.projection.bias = bias
    ln(spec.encoder.layer_norm)
    ln(spec.decoder.layer_norm)
    for layer in list(spec.encoder.layer) + list(spec.decoder.layer):
        ln(layer.self_attention.layer_norm)
        lin(layer.self_attention.linear[0], 3 * d, d)  # fused Q|K|V
        lin(layer.self_attention.linear[1], d, d)
        ln(layer.ffn.layer_norm)
        lin(layer.ffn.linear_0, FFN, d)
        lin(layer.ffn.linear_1, d, FFN)
    for layer in spec.decoder.layer:
        ln(layer.attention.layer_norm)
        lin(layer.attention.linear[0], d, d)
        lin(layer.attention.linear[1], 2 * d, d)  # fused K|V
        lin(layer.attention.linear[2], d, d)
    # Positions: left unset, CTranslate2 uses the standard sinusoidal table.
    return spec


def _count_parameters(spec) -> int:
    """Distinct float tensors' elements (a tied table counts once)."""
    arrays = {id(a): a for a in spec.variables().values() if isinstance(a, np.ndarray)}
    return int(sum(a.size for a in arrays.values()))


def _blank_spacy_pipeline(out: Path) -> None:
    import spacy

    # No sentencizer in the saved pipeline: argostranslate 1.11.0 adds one after spacy.load()
    # and fails with E007 if one is there already.
    spacy.blank("en").to_disk(out)


def _dir_bytes(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def build_base_argos_package(cache_dir: Path, log=print) -> BuiltPackage:
    """The cached package under cache_dir, built first if it is not there (~25 s)."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{PACKAGE_NAME}-{RECIPE}-s{SEED}"
    path = cache_dir / f"{stem}.argosmodel"
    info_path = cache_dir / f"{stem}.json"
    if path.exists() and info_path.exists():
        return BuiltPackage(path, False, json.loads(info_path.read_text()))

    t0 = time.perf_counter()
    log(f"building {path.name} (Transformer base, {VOCAB_SIZE} pieces, {QUANTIZATION}) ...")
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        root = Path(tmp) / PACKAGE_NAME  # the archive holds exactly one top-level folder
        (root / "model").mkdir(parents=True)
        text = EnglishLike()
        vocab = _train_sentencepiece(root / "sentencepiece.model", text)
        t_spm = time.perf_counter() - t0
        log(f"  sentencepiece: {len(vocab)} pieces in {t_spm:.1f}s")
        spec = _random_spec(vocab)
        parameters = _count_parameters(spec)
        spec.register_source_vocabulary(vocab)
        spec.register_target_vocabulary(vocab)
        spec.validate()
        spec.optimize(quantization=QUANTIZATION)  # aliases the tied table, then int8
        spec.save(str(root / "model"))
        (root / "metadata.json").write_text(json.dumps(METADATA, indent=2))
        _blank_spacy_pipeline(root / "spacy")
        unpacked = _dir_bytes(root)
        model_bytes = _dir_bytes(root / "model")
        partial = Path(tmp) / path.name
        with zipfile.ZipFile(partial, "w") as archive:
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    # the int8 random weights do not compress; deflate only the small files
                    kind = zipfile.ZIP_STORED if file.name == "model.bin" else zipfile.ZIP_DEFLATED
                    archive.write(file, file.relative_to(tmp).as_posix(), compress_type=kind)
        info = {
            "architecture": (
                f"Transformer base: {LAYERS}+{LAYERS} layers, d_model {D_MODEL}, {HEADS} heads, "
                f"ffn {FFN}, pre-norm ReLU, tied embeddings"
            ),
            "parameters": parameters,
            "vocabulary": len(vocab),
            "quantization": QUANTIZATION,
            "model_dir_bytes": model_bytes,
            "unpacked_bytes": unpacked,
            "archive_bytes": partial.stat().st_size,
            "sentencepiece_seconds": round(t_spm, 1),
            "build_seconds": round(time.perf_counter() - t0, 1),
        }
        os.replace(partial, path)  # atomic: a crashed build leaves no half package
    info_path.write_text(json.dumps(info, indent=2))
    log(f"  built in {info['build_seconds']}s: {json.dumps(info)}")
    return BuiltPackage(path, True, info)


if __name__ == "__main__":
    import sys

    default = Path(tempfile.gettempdir()) / "la-bench"
    built = build_base_argos_package(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
    print(built.path, json.dumps(built.info, indent=2))
