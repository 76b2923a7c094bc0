"""Which engine and model drafts each language, installing models, and loading engines once."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from app.languages import PRIORITY_CODES
from app.mt.argos_env import (
    InstalledArgosPackage,
    install_argos_package,
    prepare_offline_environment,
)
from app.mt.engines import NLLB_CODES, ArgosEngine, Ct2NllbEngine, Engine

CT2_REGISTRY = "ct2_models.json"
CT2_REQUIRED = ("model.bin", "config.json", "sentencepiece.bpe.model")


class ModelError(ValueError):
    """A model file or directory cannot be installed; the message says why."""


@dataclass(frozen=True)
class Coverage:
    """What will draft one language: engine and model, or None (human translation only)."""

    language: str
    engine: str | None
    model: str | None
    version: str | None


def mt_data_dir(app: Flask | None = None) -> Path:
    """The app's MT folder (Argos data, caches, packages, the CTranslate2 registry)."""
    return Path((app or current_app).config["MT_DATA_DIR"])


def ensure_environment(app: Flask | None = None) -> None:
    """Point argostranslate at the instance's folders before it is imported (idempotent)."""
    prepare_offline_environment(mt_data_dir(app) / "argos")


def install_files(paths: list[Path]) -> list[InstalledArgosPackage]:
    """Install .argosmodel files from disk; every file is checked before any is installed."""
    ensure_environment()
    for path in paths:
        _check_argos_file(path)
    installed = [install_argos_package(p) for p in paths]
    _forget_engines()
    return installed


def _check_argos_file(path: Path) -> None:
    import zipfile

    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path}: not a valid Argos package (not a zip archive)")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1:
            raise ModelError(f"{path}: not a valid Argos package (expected one top folder)")
        top = tops.pop()
        try:
            meta = json.loads(zf.read(f"{top}/metadata.json"))
        except (KeyError, ValueError) as exc:
            raise ModelError(
                f"{path}: not a valid Argos package (no readable metadata.json)"
            ) from exc
        if not any(n.startswith(f"{top}/model/") for n in names):
            raise ModelError(f"{path}: not a valid Argos package (no model/ folder)")
    if meta.get("from_code") != "en" or meta.get("to_code") not in PRIORITY_CODES:
        raise ModelError(
            f"{path}: translates {meta.get('from_code')}->{meta.get('to_code')}; "
            f"the city needs en-> one of {', '.join(PRIORITY_CODES)}"
        )


def install_online(codes: list[str]) -> list[str]:
    """Download and install en->code packages from the Argos index (only with --online)."""
    ensure_environment()
    from argostranslate import package, settings

    unknown = [c for c in codes if c not in PRIORITY_CODES]
    if unknown:
        raise ModelError(f"unknown language codes: {', '.join(unknown)}")
    # Fetch the index ourselves: argostranslate's own fetch hides every error and has no timeout.
    index_url = current_app.config["MT_ARGOS_INDEX_URL"] or settings.remote_package_index
    timeout = current_app.config["MT_DOWNLOAD_TIMEOUT"]
    try:
        raw = _fetch(index_url, timeout)
        index = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot reach the Argos package index {index_url}: {exc}") from exc
    Path(settings.local_package_index).write_bytes(raw)
    available = [package.AvailablePackage(meta) for meta in index]
    done = []
    for code in codes:
        match = next((p for p in available if p.from_code == "en" and p.to_code == code), None)
        if match is None:
            raise ModelError(f"the Argos index has no en->{code} package")
        target = Path(settings.downloads_dir) / f"en_{code}-{match.package_version}.argosmodel"
        try:
            target.write_bytes(_fetch(match.links[0], timeout))
        except (OSError, IndexError) as exc:
            raise ModelError(f"cannot download en->{code}: {exc}") from exc
        install_files([target])
        done.append(f"en->{code} {match.package_version}")
    return done


def _fetch(url: str, timeout: float) -> bytes:
    """GET a URL (http or https only) with a timeout."""
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (scheme checked)
        return bytes(response.read())


def _registry_path() -> Path:
    return mt_data_dir() / CT2_REGISTRY


def ct2_registrations() -> list[dict[str, Any]]:
    """Registered CTranslate2 (NLLB-style) model directories."""
    path = _registry_path()
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    return list(data.get("models", []))


def register_ct2(
    model_dir: Path, languages: list[str], version: str | None = None
) -> dict[str, Any]:
    """Register an NLLB-200 style CTranslate2 directory for languages Argos lacks."""
    import ctranslate2

    model_dir = model_dir.resolve()
    missing = [f for f in CT2_REQUIRED if not (model_dir / f).exists()]
    if not model_dir.is_dir() or missing:
        raise ModelError(
            f"{model_dir}: not a CTranslate2 NLLB model (missing {', '.join(missing)})"
        )
    unknown = [c for c in languages if c not in PRIORITY_CODES]
    if unknown or not languages:
        raise ModelError(f"pick languages among {', '.join(PRIORITY_CODES)} (got {languages})")
    vocab = _ct2_vocabulary(model_dir)
    absent = [c for c in languages if vocab and NLLB_CODES[c] not in vocab]
    if absent:
        raise ModelError(f"{model_dir}: the model has no language token for {', '.join(absent)}")
    try:
        ctranslate2.Translator(str(model_dir), device="cpu")
    except Exception as exc:  # CTranslate2 reports bad models with RuntimeError or ValueError
        raise ModelError(f"{model_dir}: CTranslate2 cannot load it: {exc}") from exc
    entry = {
        "path": str(model_dir),
        "languages": sorted(set(languages)),
        "version": version or model_dir.name,
    }
    models = [m for m in ct2_registrations() if m["path"] != entry["path"]]
    models.append(entry)
    _write_json(_registry_path(), {"models": models})
    _forget_engines()
    return entry


def _ct2_vocabulary(model_dir: Path) -> set[str]:
    for name in ("shared_vocabulary.json", "shared_vocabulary.txt"):
        path = model_dir / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            return set(json.loads(text)) if name.endswith(".json") else set(text.splitlines())
    return set()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".registry-")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, path)


def _argos_packages() -> dict[str, Any]:
    ensure_environment()
    from argostranslate import package

    return {p.to_code: p for p in package.get_installed_packages() if p.from_code == "en"}


def coverage() -> list[Coverage]:
    """For each priority language: the engine and model version that drafts it, if any."""
    argos = _argos_packages()
    ct2 = {code: m for m in ct2_registrations() for code in m["languages"]}
    rows = []
    for code in PRIORITY_CODES:
        if code in argos:
            pkg = argos[code]
            rows.append(Coverage(code, "argos", f"en-{code}", str(pkg.package_version)))
        elif code in ct2:
            rows.append(
                Coverage(
                    code, "ctranslate2", Path(ct2[code]["path"]).name, str(ct2[code]["version"])
                )
            )
        else:
            rows.append(Coverage(code, None, None, None))
    return rows


_ENGINES_LOCK = threading.Lock()


def _models_stamp() -> tuple[float, ...]:
    """Changes whenever a model is installed or registered, by this process or another."""
    ensure_environment()
    from argostranslate import settings

    paths = (Path(settings.package_data_dir), _registry_path())
    return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)


def engine_for(language: str) -> Engine | None:
    """The loaded engine for a language (one per worker process), or None for human only.

    Engines stay loaded while the installed models stay the same; a model installed from the
    command line while the worker runs is picked up at its next job.
    """
    stamp = _models_stamp()
    with _ENGINES_LOCK:
        if current_app.extensions.get("mt_engines_stamp") != stamp:
            current_app.extensions["mt_engines"] = {}
            current_app.extensions["mt_engines_stamp"] = stamp
        engines: dict[str, Engine | None] = current_app.extensions["mt_engines"]
        if language not in engines:
            engines[language] = _load_engine(language)
        return engines[language]


def _load_engine(language: str) -> Engine | None:
    argos = _argos_packages()
    if language in argos:
        return ArgosEngine(argos[language])
    for model in ct2_registrations():
        if language in model["languages"]:
            return Ct2NllbEngine(Path(model["path"]), language, str(model["version"]))
    return None


def _forget_engines() -> None:
    current_app.extensions.pop("mt_engines", None)
    current_app.extensions.pop("mt_engines_stamp", None)
