"""`flask models` (install and list MT models) and `flask mt translate` (draft one file)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit import utcnow
from app.languages import PRIORITY_CODES
from app.mt import registry

models = AppGroup("models", help="Offline machine translation models.")
mt = AppGroup("mt", help="Machine translation from the command line.")


@models.command("install")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--online",
    is_flag=True,
    help="Download from the Argos index: give language codes instead of files.",
)
def install(paths: tuple[Path, ...], online: bool) -> None:
    """Install .argosmodel files from disk (or, with --online, en->CODE packages)."""
    if not paths:
        raise click.UsageError("give .argosmodel files, or language codes with --online")
    try:
        if online:
            for line in registry.install_online([str(p) for p in paths]):
                click.echo(f"installed {line}")
            return
        for pkg in registry.install_files(list(paths)):
            click.echo(f"installed {pkg.from_code}->{pkg.to_code} {pkg.package_version}")
    except registry.ModelError as exc:
        hint = "" if online else " (nothing was installed; --online fetches from the Argos index)"
        raise click.ClickException(f"{exc}{hint}") from exc


@models.command("install-ct2")
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.option("--languages", required=True, help="Comma-separated codes, e.g. vi,ta,te,lo.")
@click.option("--version", "version", help="A label for the model version (default: folder name).")
def install_ct2(model_dir: Path, languages: str, version: str | None) -> None:
    """Register an NLLB-200 style CTranslate2 model directory for the given languages."""
    codes = [c.strip() for c in languages.split(",") if c.strip()]
    try:
        entry = registry.register_ct2(model_dir, codes, version)
    except registry.ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"registered {entry['path']} ({entry['version']}) for {', '.join(entry['languages'])}"
    )


@models.command("list")
def list_models() -> None:
    """Show which engine and model will draft each priority language."""
    for row in registry.coverage():
        what = f"{row.engine:<12} {row.model} {row.version}" if row.engine else "human only"
        click.echo(f"{row.language:<4} {what}")


@mt.command("translate")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "language", required=True, type=click.Choice(list(PRIORITY_CODES)))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def translate(source: Path, language: str, output: Path) -> None:
    """Draft one file (.docx, .html, .txt, .md) into a language, with the city glossary."""
    from flask import current_app

    from app.glossary.services import get_matcher
    from app.mt.documents import DocumentUnreadable
    from app.mt.pipeline import banner, finish, lookup_memory, prepare

    engine = registry.engine_for(language)
    if engine is None:
        raise click.ClickException(f"no model drafts {language}; see `flask models list`")
    try:
        prepared = prepare(
            source.read_bytes(),
            source.suffix.lower(),
            get_matcher(language),
            lookup_memory(language),
            current_app.config["MT_MAX_SEGMENTS"],
        )
    except DocumentUnreadable as exc:
        raise click.ClickException(f"{source}: {exc}") from exc
    texts = [shielded.text for _index, shielded in prepared.pending]
    with click.progressbar(
        length=len(texts), label=f"drafting {len(texts)} segments", file=sys.stderr
    ) as bar:
        machine = engine.translate(texts, bar.update)
    data, flags, _targets = finish(
        prepared, machine, banner(engine.name, engine.model_version, utcnow()), language
    )
    output.write_bytes(data)
    click.echo(
        f"wrote {output}: {prepared.total} segments, {len(prepared.reused)} from memory, "
        f"{len(flags)} flagged"
    )
    for flag in flags:
        click.echo(
            f"  segment {flag['segment']}: {flag['kind']} differs "
            f"({', '.join(flag['source'])} -> {', '.join(flag['target']) or 'missing'})"
        )
