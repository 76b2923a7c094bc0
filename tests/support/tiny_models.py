"""Tiny, valid MT models built offline in about a second, for tests that run the real engines.

Adapted from shared/reference/tiny_argos_model.py and tiny_nllb_model.py. The *copy* models
have hand-set Transformer weights so that the output tokens equal the input tokens: a test can
push text through the real argostranslate or CTranslate2 path and assert exactly what comes out.
Their SentencePiece vocabularies hold every ASCII letter and digit as a piece, so glossary
placeholders such as "QX7TERM0Q" survive them without <unk>.
"""

from __future__ import annotations

import json
import random
import string
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece as spm
from ctranslate2.specs import common_spec, transformer_spec

_WORD_TEXT = """hello world this is a test the city council meeting will be held on monday at
the town hall please bring your permit application and a copy of your id water service parking
notice garbage collection schedule residents must pay taxes by friday street closed for repairs
library hours are from nine to five"""
WORDS = _WORD_TEXT.split()

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "zh": "Chinese",
    "ar": "Arabic",
    "hi": "Hindi",
    "ru": "Russian",
    "th": "Thai",
}

# NLLB-200's language tokens, in its FAIRSEQ_LANGUAGE_CODES order.
_NLLB_LANG_TEXT = """
ace_Arab ace_Latn acm_Arab acq_Arab aeb_Arab afr_Latn ajp_Arab aka_Latn amh_Ethi apc_Arab arb_Arab
ars_Arab ary_Arab arz_Arab asm_Beng ast_Latn awa_Deva ayr_Latn azb_Arab azj_Latn bak_Cyrl bam_Latn
ban_Latn bel_Cyrl bem_Latn ben_Beng bho_Deva bjn_Arab bjn_Latn bod_Tibt bos_Latn bug_Latn bul_Cyrl
cat_Latn ceb_Latn ces_Latn cjk_Latn ckb_Arab crh_Latn cym_Latn dan_Latn deu_Latn dik_Latn dyu_Latn
dzo_Tibt ell_Grek eng_Latn epo_Latn est_Latn eus_Latn ewe_Latn fao_Latn pes_Arab fij_Latn fin_Latn
fon_Latn fra_Latn fur_Latn fuv_Latn gla_Latn gle_Latn glg_Latn grn_Latn guj_Gujr hat_Latn hau_Latn
heb_Hebr hin_Deva hne_Deva hrv_Latn hun_Latn hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn ita_Latn
jav_Latn jpn_Jpan kab_Latn kac_Latn kam_Latn kan_Knda kas_Arab kas_Deva kat_Geor knc_Arab knc_Latn
kaz_Cyrl kbp_Latn kea_Latn khm_Khmr kik_Latn kin_Latn kir_Cyrl kmb_Latn kon_Latn kor_Hang kmr_Latn
lao_Laoo lvs_Latn lij_Latn lim_Latn lin_Latn lit_Latn lmo_Latn ltg_Latn ltz_Latn lua_Latn lug_Latn
luo_Latn lus_Latn mag_Deva mai_Deva mal_Mlym mar_Deva min_Latn mkd_Cyrl plt_Latn mlt_Latn mni_Beng
khk_Cyrl mos_Latn mri_Latn zsm_Latn mya_Mymr nld_Latn nno_Latn nob_Latn npi_Deva nso_Latn nus_Latn
nya_Latn oci_Latn gaz_Latn ory_Orya pag_Latn pan_Guru pap_Latn pol_Latn por_Latn prs_Arab pbt_Arab
quy_Latn ron_Latn run_Latn rus_Cyrl sag_Latn san_Deva sat_Beng scn_Latn shn_Mymr sin_Sinh slk_Latn
slv_Latn smo_Latn sna_Latn snd_Arab som_Latn sot_Latn spa_Latn als_Latn srd_Latn srp_Cyrl ssw_Latn
sun_Latn swe_Latn swh_Latn szl_Latn tam_Taml tat_Cyrl tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi
taq_Latn taq_Tfng tpi_Latn tsn_Latn tso_Latn tuk_Latn tum_Latn tur_Latn twi_Latn tzm_Tfng uig_Arab
ukr_Cyrl umb_Latn urd_Arab uzn_Latn vec_Latn vie_Latn war_Latn wol_Latn xho_Latn ydd_Hebr yor_Latn
yue_Hant zho_Hans zho_Hant zul_Latn"""
NLLB_LANGUAGES = tuple(_NLLB_LANG_TEXT.split())

_ALNUM = string.ascii_uppercase + string.ascii_lowercase + string.digits


def _corpus(n: int = 400, seed: int = 0) -> list[str]:
    """Sentences from WORDS plus every printable ASCII character, alone and inside words."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        out.append(s[0].upper() + s[1:] + rng.choice([".", ".", "?", "!", ","]))
    return out + [
        string.ascii_letters,
        string.digits + " " + string.punctuation,
        " ".join(_ALNUM),  # each letter and digit as a word of its own
        "QX7TERM0Q ZZ9TERM12ZZ Ab3Cd4 form 12-B",
    ]


def _train_sentencepiece(prefix: Path, model_type: str, vocab_size: int) -> None:
    """Train prefix.model (<unk>=0 <s>=1 </s>=2) and check letters and digits are not <unk>."""
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_corpus()),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    Path(f"{prefix}.vocab").unlink()
    sp = spm.SentencePieceProcessor(model_file=f"{prefix}.model")
    for probe in (_ALNUM, " ".join(_ALNUM), "QX7TERM0Q"):
        assert sp.unk_id() not in sp.encode(probe), f"<unk> in {probe!r}"


def _ln(ln: common_spec.LayerNormSpec, d: int) -> None:
    ln.gamma, ln.beta = np.ones(d, np.float32), np.zeros(d, np.float32)


def _lin(lin: common_spec.LinearSpec, w: np.ndarray) -> None:
    lin.weight, lin.bias = w.astype(np.float32), np.zeros(w.shape[0], np.float32)


def _positions(max_pos: int, k: int, d: int, p0: int) -> tuple[np.ndarray, np.ndarray]:
    """Sinusoidal table [pe | -pe] placed at column p0 of a width-d residual, and its freqs."""
    w = 10000.0 ** (-np.arange(k) / k)
    ang = np.arange(max_pos)[:, None] * w[None, :]
    table = np.zeros((max_pos, d), np.float32)
    table[:, p0 : p0 + 2 * k] = np.concatenate([np.cos(ang), np.sin(ang)], 1)
    table[:, p0 + 2 * k : p0 + 4 * k] = -table[:, p0 : p0 + 2 * k]
    return table, w


def _copy_attention(
    spec: Any, k: int, d: int, w: Any, max_pos: int, p0: int, t0: int, t1: int
) -> float:
    """Cross-attention that matches decoder step p to source position p and copies its token
    block (columns t0:t1) to the output side; returns the output gain h."""
    n = t1 - t0
    sig_x = np.sqrt((2 + 2 * k) / d)
    c, h = _attention_sharpness(k, d, w, max_pos), 10.0
    wq, wk, wv, wo = (np.zeros((d, d)) for _ in range(4))
    wq[p0 : p0 + 2 * k, p0 : p0 + 2 * k] = c * np.eye(2 * k)
    wk[p0 : p0 + 2 * k, p0 : p0 + 2 * k] = np.eye(2 * k)
    wv[t0:t1, t0:t1] = np.eye(n)
    wo[t0:t1, t0:t1], wo[t1:p0, t0:t1] = h * sig_x * np.eye(n), -h * sig_x * np.eye(n)
    att = spec.decoder.layer[0].attention
    _ln(att.layer_norm, d)
    _lin(att.linear[0], wq)
    _lin(att.linear[1], np.concatenate([wk, wv]))  # fused K|V
    _lin(att.linear[2], wo)
    return h


def _attention_sharpness(k: int, d: int, w: np.ndarray, max_pos: int) -> float:
    """Query scale giving a >= 40 logit gap between the matching position and any other."""
    sig_x = np.sqrt((2 + 2 * k) / d)  # LayerNorm std of an encoder vector
    sig_y = np.sqrt((2 * k) / d)  # LayerNorm std of a position-only decoder vector
    margin = k - np.cos(np.outer(np.arange(1, max_pos), w)).sum(1).max()
    return float(40.0 * sig_x * sig_y * np.sqrt(d) / margin)


def _silence_layers(spec: transformer_spec.TransformerSpec, d: int) -> None:
    """Self-attention and feed-forward blocks output zero, so the residual passes through."""
    for layer in list(spec.encoder.layer) + list(spec.decoder.layer):
        _ln(layer.self_attention.layer_norm, d)
        _lin(layer.self_attention.linear[0], np.zeros((3 * d, d)))
        _lin(layer.self_attention.linear[1], np.zeros((d, d)))
        _ln(layer.ffn.layer_norm, d)
        _lin(layer.ffn.linear_0, np.zeros((4, d)))
        _lin(layer.ffn.linear_1, np.zeros((d, 4)))


def _argos_copy_spec(
    vocab: list[str], k: int = 16, max_pos: int = 1024
) -> transformer_spec.TransformerSpec:
    """Copy model; residual layout [tok(V) | -tok(V) | pe(2K) | -pe(2K)], constant norm."""
    v = len(vocab)
    d = 2 * v + 4 * k
    t0, t1, p0 = 0, v, 2 * v
    spec = transformer_spec.TransformerSpec.from_config((1, 1), 1)
    spec.config.add_source_eos = True  # argostranslate sends pieces only; copying </s> stops
    table, w = _positions(max_pos, k, d, p0)

    emb = np.zeros((v, d), np.float32)
    emb[np.arange(v), t0 + np.arange(v)] = 1.0
    emb[np.arange(v), t1 + np.arange(v)] = -1.0
    spec.encoder.embeddings[0].weight = emb
    spec.encoder.scale_embeddings = False
    spec.encoder.position_encodings.encodings = table
    _ln(spec.encoder.layer_norm, d)
    # The decoder sees positions only; cross-attention matches decoder step p to source
    # position p and carries that token's one-hot block to the output projection.
    spec.decoder.embeddings.weight = np.zeros((v, d), np.float32)
    spec.decoder.position_encodings.encodings = table
    _ln(spec.decoder.layer_norm, d)
    _silence_layers(spec, d)

    _copy_attention(spec, k, d, w, max_pos, p0, t0, t1)
    out = np.zeros((v, d))
    out[np.arange(v), t0 + np.arange(v)] = 3.0
    _lin(spec.decoder.projection, out)
    return spec


def _argos_random_spec(
    vocab: list[str], d: int = 32, ffn: int = 64, seed: int = 0
) -> transformer_spec.TransformerSpec:
    """Tiny random Transformer: deterministic output, meaningless, and it never emits </s>."""
    rng = np.random.default_rng(seed)
    v = len(vocab)
    spec = transformer_spec.TransformerSpec.from_config(2, 2)

    def fill(lin: common_spec.LinearSpec, out_dim: int, in_dim: int) -> None:
        lin.weight = (rng.standard_normal((out_dim, in_dim)) * 0.2).astype(np.float32)
        lin.bias = (rng.standard_normal(out_dim) * 0.2).astype(np.float32)

    spec.encoder.embeddings[0].weight = (rng.standard_normal((v, d)) * 0.2).astype(np.float32)
    spec.decoder.embeddings.weight = (rng.standard_normal((v, d)) * 0.2).astype(np.float32)
    _ln(spec.encoder.layer_norm, d)
    _ln(spec.decoder.layer_norm, d)
    for layer in list(spec.encoder.layer) + list(spec.decoder.layer):
        _ln(layer.self_attention.layer_norm, d)
        fill(layer.self_attention.linear[0], 3 * d, d)
        fill(layer.self_attention.linear[1], d, d)
        _ln(layer.ffn.layer_norm, d)
        fill(layer.ffn.linear_0, ffn, d)
        fill(layer.ffn.linear_1, d, ffn)
    for layer in spec.decoder.layer:
        _ln(layer.attention.layer_norm, d)
        fill(layer.attention.linear[0], d, d)
        fill(layer.attention.linear[1], 2 * d, d)  # fused K|V
        fill(layer.attention.linear[2], d, d)
    fill(spec.decoder.projection, v, d)
    return spec


def _save_spec(spec: transformer_spec.TransformerSpec, vocab: list[str], out: Path) -> None:
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize()  # float32; aliases the duplicate zero tensors
    spec.save(str(out))


def _blank_spacy_pipeline(lang: str, out: Path) -> None:
    """Save a blank spaCy pipeline for the source language (or multilingual "xx")."""
    import spacy

    try:
        nlp = spacy.blank(lang)
    except ImportError:  # languages whose tokenizer needs an extra package (th, vi, ...)
        nlp = spacy.blank("xx")
    # No sentencizer in the saved pipeline: argostranslate 1.11.0 calls
    # nlp.add_pipe("sentencizer") after spacy.load(), which raises E007 if one is there.
    nlp.to_disk(out)


def build_tiny_argos_package(
    out_dir: Path,
    from_code: str = "en",
    to_code: str = "es",
    mode: str = "copy",
    with_spacy: bool = True,
) -> Path:
    """Build translate-<from>_<to>-<mode>.argosmodel in out_dir (mode "copy" or "random").

    with_spacy=False leaves out the spacy/ folder, as real packages (which carry stanza/) do.
    """
    if mode not in ("copy", "random"):
        raise ValueError(f"mode must be 'copy' or 'random', not {mode!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"translate-{from_code}_{to_code}-{mode}"
    metadata = {
        "package_version": "0.0.1",
        "argos_version": "1.11.0",
        "from_code": from_code,
        "from_name": LANGUAGE_NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": LANGUAGE_NAMES.get(to_code, to_code),
        "type": "translate",
        "links": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / name  # the archive must hold exactly one top-level folder
        (root / "model").mkdir(parents=True)
        _train_sentencepiece(root / "sentencepiece", "unigram", vocab_size=128)
        sp = spm.SentencePieceProcessor(model_file=str(root / "sentencepiece.model"))
        vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        spec = _argos_copy_spec(vocab) if mode == "copy" else _argos_random_spec(vocab)
        _save_spec(spec, vocab, root / "model")
        (root / "metadata.json").write_text(json.dumps(metadata, indent=2))
        if with_spacy:
            _blank_spacy_pipeline(from_code, root / "spacy")
        path = out_dir / f"{name}.argosmodel"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    archive.write(file, file.relative_to(tmp).as_posix())
    return path


def _nllb_copy_spec(
    vocab: list[str], m: int = 64, k: int = 16, max_pos: int = 1024, seed: int = 0
) -> transformer_spec.TransformerSpec:
    """Copy model with converted NLLB's layer types: decoder position p emits source token p.

    Pre-norm, ReLU, sinusoidal positions, scaled embeddings. Residual layout
    [code(m) | -code(m) | pe(2K) | -pe(2K)]; each token's code is a random unit vector, so the
    width does not grow with the vocabulary. Decoder position 0 is the start token "</s>" and 1
    the forced target language, aligned with the source's src_lang at 0 and first piece at 1.
    """
    v, d = len(vocab), 2 * m + 4 * k
    t0, t1, p0 = 0, m, 2 * m
    codes = np.random.default_rng(seed).standard_normal((v, m))
    codes /= np.linalg.norm(codes, axis=1, keepdims=True)
    gap = 1.0 - (codes @ codes.T - 2 * np.eye(v)).max()  # worst cosine margin between codes
    assert gap > 0.1, gap
    spec = transformer_spec.TransformerSpec.from_config(
        (1, 1), 1, pre_norm=True, activation=common_spec.Activation.RELU
    )
    cfg = spec.config  # what ct2-transformers-converter writes for NLLB
    cfg.bos_token, cfg.eos_token, cfg.unk_token = "<s>", "</s>", "<unk>"
    cfg.decoder_start_token = "</s>"
    cfg.add_source_bos = cfg.add_source_eos = False  # the caller adds src_lang and </s>

    table, w = _positions(max_pos, k, d, p0)
    scale = float(np.sqrt(d))  # NLLB multiplies embeddings by sqrt(d)
    emb = np.zeros((v, d), np.float32)
    emb[:, t0:t1], emb[:, t1:p0] = codes, -codes
    spec.encoder.embeddings[0].weight = emb / scale
    spec.decoder.embeddings.weight = np.zeros((v, d), np.float32)  # tgt_lang cannot matter
    spec.encoder.scale_embeddings = spec.decoder.scale_embeddings = scale
    spec.encoder.position_encodings.encodings = table
    spec.decoder.position_encodings.encodings = table
    _ln(spec.encoder.layer_norm, d)
    _ln(spec.decoder.layer_norm, d)
    _silence_layers(spec, d)

    h = _copy_attention(spec, k, d, w, max_pos, p0, t0, t1)
    sig_o = np.sqrt((2 * h * h + 2 * k) / d)  # std of the decoder output before its LayerNorm
    out = np.zeros((v, d))
    out[:, t0:t1] = codes * (40.0 * sig_o / (h * gap))  # >= 40 logit gap to any other token
    _lin(spec.decoder.projection, out)
    return spec


def build_tiny_nllb_model(out_dir: Path) -> Path:
    """Build a copy model directory shaped like a converted NLLB-200 and return its path.

    Files: model.bin, config.json, shared_vocabulary.json, sentencepiece.bpe.model. Vocabulary
    in fairseq order: <s> <pad> </s> <unk>, the pieces, all 202 language tokens, <mask>.
    Call it NLLB's way: source [src_lang] + pieces + ["</s>"], target_prefix [[tgt_lang]],
    drop the first output token; replace_unknowns=True; max_decoding_length > len(pieces).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / "sentencepiece.bpe"
    _train_sentencepiece(prefix, "bpe", vocab_size=256)
    sp = spm.SentencePieceProcessor(model_file=f"{prefix}.model")
    pieces = [sp.id_to_piece(i) for i in range(3, sp.get_piece_size())]  # fairseq id = sp id + 1
    vocab = ["<s>", "<pad>", "</s>", "<unk>", *pieces, *NLLB_LANGUAGES, "<mask>"]
    _save_spec(_nllb_copy_spec(vocab), vocab, out_dir)  # leaves the sentencepiece model be
    return out_dir
