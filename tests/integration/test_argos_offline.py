"""The real argostranslate and CTranslate2 paths, offline, through tiny copy models."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import ctranslate2
import pytest
import sentencepiece as spm
from pytest_socket import SocketBlockedError, SocketConnectBlockedError

from app.mt.argos_env import install_argos_package, prepare_offline_environment, translate_text
from tests.support.tiny_models import build_tiny_argos_package

SENTENCES = [
    "Hello world.",
    "The city council meeting will be held on Monday at the town hall.",
    "Please bring your permit application and a copy of your ID (form 12-B)!",
    "Keep QX7TERM0Q and ZZ9TERM12ZZ as they are: Ab3Cd4, x9Y8z7, 0123456789.",
    "Water service notice. Parking is closed on Friday? Yes, until 5.",
    "the library hours are from nine to five",
    "First paragraph, QX7TERM0Q.\nSecond paragraph with MiXeD CaSe 42.",
]

PATH_VARIABLES = (
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "ARGOS_PACKAGES_DIR",
    "STANZA_RESOURCES_DIR",
)


@pytest.mark.parametrize("text", SENTENCES)
def test_copy_model_returns_input_exactly(argos_installed: tuple[str, str], text: str) -> None:
    from_code, to_code = argos_installed
    assert translate_text(text, from_code, to_code) == text


def test_translates_while_the_network_is_blocked(argos_installed: tuple[str, str]) -> None:
    # pytest-socket warns before it raises; under filterwarnings=error the warning would win.
    with (
        pytest.raises((SocketBlockedError, SocketConnectBlockedError)),
        pytest.warns(UserWarning, match="tried to use socket"),
    ):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1, never routed
    assert translate_text("QX7TERM0Q at 9.", *argos_installed) == "QX7TERM0Q at 9."


def test_unknown_pair_raises_lookup_error(argos_installed: tuple[str, str]) -> None:
    with pytest.raises(LookupError, match="en to xx"):
        translate_text("Hello.", "en", "xx")


def test_second_pair_is_usable_right_after_install(
    argos_installed: tuple[str, str], tmp_path: Path
) -> None:
    assert translate_text("Hello.", *argos_installed) == "Hello."  # languages now cached
    with pytest.raises(LookupError):
        translate_text("Hello.", "en", "fr")
    installed = install_argos_package(build_tiny_argos_package(tmp_path, "en", "fr"))
    assert (installed.from_code, installed.to_code) == ("en", "fr")
    assert installed.path.is_dir()
    assert translate_text("Hello QX7TERM0Q.", "en", "fr") == "Hello QX7TERM0Q."


def test_package_without_spacy_folder_uses_the_offline_fallback(
    argos_installed: tuple[str, str], tmp_path: Path
) -> None:
    install_argos_package(build_tiny_argos_package(tmp_path, "en", "hi", with_spacy=False))
    assert translate_text("One. Two QX7TERM0Q?", "en", "hi") == "One. Two QX7TERM0Q?"
    assert translate_text("Still here.", *argos_installed) == "Still here."


def test_install_drops_loaded_translations(
    argos_installed: tuple[str, str], tmp_path: Path
) -> None:
    from argostranslate import translate

    def loaded() -> dict[str, object]:
        return {t.package_key: t.cached_translation for t in translate.installed_translates}

    translate_text("Hello.", *argos_installed)
    before = loaded()["-".join(argos_installed)]
    install_argos_package(build_tiny_argos_package(tmp_path, "en", "ru"))
    assert translate.installed_translates == []
    translate_text("Hello.", *argos_installed)
    assert loaded()["-".join(argos_installed)] is not before


def test_environment_points_only_into_data_dir(argos_data_dir: Path) -> None:
    root = argos_data_dir.resolve()
    for name in PATH_VARIABLES:
        assert Path(os.environ[name]).is_relative_to(root), name
    assert os.environ["ARGOS_CHUNK_TYPE"] == "SPACY"
    assert os.environ["ARGOS_MODEL_PROVIDER"] == "OPENNMT"
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
    spacy_cache = Path(os.environ["XDG_CACHE_HOME"]) / "argos-translate" / "spacy"
    assert (spacy_cache / "senter" / "model").is_dir()
    assert (spacy_cache / "meta.json").is_file()


def test_argostranslate_settings_point_only_into_data_dir(
    argos_installed: tuple[str, str], argos_data_dir: Path
) -> None:
    from argostranslate import sbd, settings

    root = argos_data_dir.resolve()
    folders = [
        settings.data_dir,
        settings.cache_dir,
        settings.config_dir,
        settings.downloads_dir,
        settings.package_data_dir,
        *settings.package_dirs,
        sbd.minisbd_models.cache_dir,
    ]
    for folder in folders:
        assert Path(folder).resolve().is_relative_to(root), folder
    assert settings.chunk_type is settings.ChunkType.SPACY
    # cache_spacy() took its no-download branch: it returns the cache folder (holding the
    # blank fallback pipeline), and the placeholder senter/model folder is still empty.
    assert sbd._cached_spacy_path == settings.cache_dir / "spacy"
    assert not any((settings.cache_dir / "spacy" / "senter" / "model").iterdir())


def test_prepare_is_repeatable_with_the_same_dir(
    argos_installed: tuple[str, str], argos_data_dir: Path
) -> None:
    before = {name: os.environ[name] for name in PATH_VARIABLES}
    prepare_offline_environment(argos_data_dir)
    assert {name: os.environ[name] for name in PATH_VARIABLES} == before


def test_prepare_refuses_another_dir_once_argostranslate_is_imported(
    argos_installed: tuple[str, str], tmp_path: Path
) -> None:
    before = {name: os.environ[name] for name in PATH_VARIABLES}
    with pytest.raises(RuntimeError, match="imported before prepare_offline_environment"):
        prepare_offline_environment(tmp_path / "elsewhere")
    assert {name: os.environ[name] for name in PATH_VARIABLES} == before
    assert not (tmp_path / "elsewhere").exists()


NLLB_TEXTS = [
    "the city council meeting will be held on Monday at the town hall.",  # first piece "▁the"
    "Please bring your permit application and a copy of your ID (form 12-B)!",
    "Keep QX7TERM0Q and ZZ9TERM12ZZ: Ab3Cd4 x9Y8z7 0123456789.",
    "Café hours",  # "é" is not in the vocabulary: replace_unknowns restores it
]


@pytest.mark.parametrize("tgt_lang", ["vie_Latn", "tam_Taml", "tel_Telu", "lao_Laoo"])
def test_tiny_nllb_model_copies_with_the_nllb_calling_convention(
    tiny_nllb_dir: Path, tgt_lang: str
) -> None:
    sp = spm.SentencePieceProcessor(model_file=str(tiny_nllb_dir / "sentencepiece.bpe.model"))
    translator = ctranslate2.Translator(str(tiny_nllb_dir), device="cpu")
    pieces = [sp.encode(text, out_type=str) for text in NLLB_TEXTS]
    results = translator.translate_batch(
        [["eng_Latn", *p, "</s>"] for p in pieces],
        target_prefix=[[tgt_lang]] * len(pieces),
        replace_unknowns=True,
        max_decoding_length=max(map(len, pieces)) + 1,  # counts the target language token
    )
    hypotheses = [r.hypotheses[0] for r in results]
    assert [h[0] for h in hypotheses] == [tgt_lang] * len(pieces)
    assert [h[1:] for h in hypotheses] == pieces
    assert [sp.decode(h[1:]) for h in hypotheses] == NLLB_TEXTS
