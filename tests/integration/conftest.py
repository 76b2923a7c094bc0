"""Integration fixtures for offline MT: tiny models built once per session, real argostranslate.

argostranslate reads its settings once per process, at import, so the whole session shares one
Argos data folder; nothing here needs a Flask app.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.mt.argos_env import install_argos_package, prepare_offline_environment
from tests.support.tiny_models import build_tiny_argos_package, build_tiny_nllb_model


@pytest.fixture(scope="session")
def argos_data_dir(mt_data_dir: Path) -> Path:
    """The session's Argos data folder (the app's, too), prepared before argostranslate loads."""
    data_dir = mt_data_dir / "argos"
    prepare_offline_environment(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def tiny_argos_copy_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a tiny en->es copy-model .argosmodel (its output equals its input)."""
    return build_tiny_argos_package(tmp_path_factory.mktemp("argos-packages"), "en", "es")


@pytest.fixture(scope="session")
def argos_installed(
    argos_data_dir: Path, tiny_argos_copy_package: Path
) -> Iterator[tuple[str, str]]:
    """The copy model installed into the session's Argos folder; yields (from_code, to_code)."""
    installed = install_argos_package(tiny_argos_copy_package)
    yield installed.from_code, installed.to_code


@pytest.fixture(scope="session")
def tiny_nllb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny copy-model CTranslate2 directory shaped like a converted NLLB-200."""
    return build_tiny_nllb_model(tmp_path_factory.mktemp("nllb"))
