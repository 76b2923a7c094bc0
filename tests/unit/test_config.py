"""Configuration: every setting documented, environment variables honoured."""

from __future__ import annotations

import re
from pathlib import Path

from app import create_app
from app.config import DEFAULTS

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_and_readme_list_every_setting():
    example = ROOT / ".env.example"
    listed = set(re.findall(r"^#?\s*FLASK_([A-Z_]+)=", example.read_text(), re.M))
    readme = (ROOT / "README.md").read_text()
    for name in DEFAULTS:
        assert name in listed, f"FLASK_{name} missing from .env.example"
        assert f"FLASK_{name}" in readme, f"FLASK_{name} missing from README"


def test_prefixed_environment_variables_configure_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_PAGE_SIZE", "7")
    monkeypatch.setenv("FLASK_QUEUE_IMMEDIATE", "true")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'env.db'}")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["QUEUE_IMMEDIATE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
