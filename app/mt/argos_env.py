"""Offline argostranslate: where it keeps its files, installing packages, the plain translate call.

argostranslate 1.11.0 reads its settings when `argostranslate.settings` is first imported and
cannot be re-pointed afterwards, so `prepare_offline_environment` must run before anything
imports it. Nothing here imports argostranslate at module level.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

CHUNK_TYPE = "SPACY"


@dataclass(frozen=True)
class InstalledArgosPackage:
    """What an installed .argosmodel provides, read from its metadata.json."""

    name: str
    from_code: str
    to_code: str
    package_version: str
    path: Path


def _layout(data_dir: Path) -> dict[str, Path]:
    """The folders argostranslate and its dependencies will use, all under data_dir."""
    return {
        "XDG_DATA_HOME": data_dir / "data",
        "XDG_CACHE_HOME": data_dir / "cache",
        "XDG_CONFIG_HOME": data_dir / "config",
        "ARGOS_PACKAGES_DIR": data_dir / "packages",
        # stanza is imported by argostranslate.sbd; it only downloads in STANZA chunking,
        # but its default folder is in $HOME, so keep it here too.
        "STANZA_RESOURCES_DIR": data_dir / "stanza",
    }


def _check_already_imported(folders: dict[str, Path]) -> None:
    """Raise if argostranslate already read settings that differ from the ones requested."""
    settings = sys.modules.get("argostranslate.settings")
    if settings is None:
        return
    expected = {
        "data_dir": folders["XDG_DATA_HOME"] / "argos-translate",
        "cache_dir": folders["XDG_CACHE_HOME"] / "argos-translate",
        "config_dir": folders["XDG_CONFIG_HOME"] / "argos-translate",
        "package_data_dir": folders["ARGOS_PACKAGES_DIR"],
    }
    actual = {name: Path(getattr(settings, name)).resolve() for name in expected}
    chunk_type = settings.chunk_type.name
    if actual != expected or chunk_type != CHUNK_TYPE:
        raise RuntimeError(
            "argostranslate was imported before prepare_offline_environment() with different "
            f"settings (it reads them once, at import): has {actual}, chunk type {chunk_type}; "
            f"wanted {expected}, chunk type {CHUNK_TYPE}. Call prepare_offline_environment() "
            "once per process, before anything imports argostranslate."
        )


def prepare_offline_environment(data_dir: Path) -> None:
    """Point argostranslate's folders into data_dir and select its offline spaCy chunking."""
    data_dir = Path(data_dir).resolve()
    folders = _layout(data_dir)
    _check_already_imported(folders)
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(folder)
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    # The default chunker (MiniSBD) downloads an ONNX model on first use; SPACY splits with
    # the package's own spacy/ folder, or else the fallback pipeline below.
    os.environ["ARGOS_CHUNK_TYPE"] = CHUNK_TYPE
    # LIBRETRANSLATE or OPENAI here would send every text over the network.
    os.environ["ARGOS_MODEL_PROVIDER"] = "OPENNMT"
    _install_fallback_spacy_pipeline(folders["XDG_CACHE_HOME"] / "argos-translate" / "spacy")


def _install_fallback_spacy_pipeline(spacy_cache: Path) -> None:
    """Put a blank multilingual spaCy pipeline where argostranslate caches xx_sent_ud_sm."""
    # With SPACY chunking, importing argostranslate.sbd calls networking.cache_spacy(), which
    # runs `spacy download xx_sent_ud_sm` unless senter/model exists, and returns spacy_cache.
    # Packages without a spacy/ folder (real ones carry stanza/) are split with whatever
    # spacy.load(spacy_cache) finds; if that fails, every pair fails, since
    # get_installed_languages() builds all translations at once.
    (spacy_cache / "senter" / "model").mkdir(parents=True, exist_ok=True)
    if not (spacy_cache / "meta.json").exists():
        import spacy

        spacy.blank("xx").to_disk(spacy_cache)  # argostranslate adds the sentencizer itself


def _read_metadata(path: Path) -> tuple[str, dict[str, str]]:
    """The single top-level folder of an .argosmodel archive and its metadata.json."""
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not an .argosmodel (not a zip archive)")
    with zipfile.ZipFile(path) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
        if len(tops) != 1:
            raise ValueError(f"{path} must hold exactly one top-level folder, has {sorted(tops)}")
        top = tops.pop()
        try:
            metadata = json.loads(archive.read(f"{top}/metadata.json"))
        except KeyError:
            raise ValueError(f"{path} has no {top}/metadata.json") from None
    return top, metadata


def install_argos_package(path: Path) -> InstalledArgosPackage:
    """Install an .argosmodel from disk and drop argostranslate's caches so it is used at once."""
    top, metadata = _read_metadata(Path(path))
    from argostranslate import package, settings, translate

    package.install_from_path(Path(path))
    # install_from_path clears only get_installed_languages. installed_translates keeps the
    # loaded translations (with their paragraph caches and Language links) across that, so a
    # reinstalled pair would keep the old model and pivots would miss the new pair.
    translate.installed_translates.clear()
    translate.get_installed_languages.cache_clear()
    return InstalledArgosPackage(
        name=top,
        from_code=metadata["from_code"],
        to_code=metadata["to_code"],
        package_version=metadata.get("package_version", ""),
        path=Path(settings.package_data_dir) / top,
    )


def translate_text(text: str, from_code: str, to_code: str) -> str:
    """Translate text with the installed argostranslate packages (one call, no batching)."""
    from argostranslate import translate

    from_lang = translate.get_language_from_code(from_code)
    to_lang = translate.get_language_from_code(to_code)
    translation = from_lang.get_translation(to_lang) if from_lang and to_lang else None
    if translation is None:
        raise LookupError(f"no installed Argos model translates {from_code} to {to_code}")
    result: str = translation.translate(text)
    return result
