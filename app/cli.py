"""Flask CLI commands: seed, users, tokens, worker, translate."""

from __future__ import annotations

import subprocess  # noqa: S404 (runs pybabel from this venv, fixed arguments)
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.auth import services as auth_services
from app.auth.actor import Actor
from app.auth.models import Role
from app.languages import PRIORITY, PRIORITY_CODES

#: Who the audit trail names for changes made from the command line.
CLI_ACTOR = Actor(label="cli", role=Role.ADMIN, department_id=None)


def register_cli(app: Flask) -> None:
    """Add the project's commands to `flask`."""
    app.cli.add_command(seed)
    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(worker)
    app.cli.add_command(translate)
    app.cli.add_command(glossary)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    from app.mt.cli import models, mt

    app.cli.add_command(models)
    app.cli.add_command(mt)
    from app.reports.cli import report

    app.cli.add_command(report)


@click.command()
@click.option("--demo/--no-demo", default=True, help="Also create one demo user per role.")
@with_appcontext
def seed(demo: bool) -> None:
    """Add the city's departments (and demo users); safe to run again."""
    from app.seed import seed_demo_users, seed_departments, seed_glossary

    added = seed_departments()
    click.echo(f"departments: {added} added")
    glossary_counts = seed_glossary()
    click.echo(f"glossary: {glossary_counts['added']} terms added")
    click.echo(f"priority languages: {len(PRIORITY)} ({', '.join(lang.code for lang in PRIORITY)})")
    if not demo:
        return
    created = seed_demo_users()
    if created:
        click.echo("demo logins (shown only now; reset with `flask users set-password EMAIL`):")
        for email, role, password in created:
            click.echo(f"  {role:<12} {email:<32} {password}")
    else:
        click.echo("demo users: already there (reset with `flask users set-password EMAIL`)")


users = AppGroup("users", help="Manage users.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department_slug", help="Department slug (required for staff).")
@click.option("--vendor", "vendor_name", help="Vendor's name (required for vendor users).")
@click.password_option()
def create_user_command(
    email: str,
    name: str,
    role: str,
    department_slug: str | None,
    vendor_name: str | None,
    password: str,
) -> None:
    """Create a user."""
    try:
        auth_services.create_user(
            email, name, Role(role), password, department_slug, vendor_name=vendor_name
        )
    except (ValueError, auth_services.UnknownDepartment) as exc:
        raise click.ClickException(f"cannot create user: {exc}") from exc
    click.echo(f"created {role} {email}")


@users.command("set-password")
@click.argument("email")
@click.password_option()
def set_password_command(email: str, password: str) -> None:
    """Set a user's password."""
    from sqlalchemy import select

    from app.audit import record_event
    from app.auth.actor import SYSTEM
    from app.auth.models import User
    from app.extensions import db

    user = db.session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise click.ClickException(f"no user {email}")
    user.set_password(password)
    record_event(
        db.session, actor=SYSTEM, action="user.password_set", entity_type="user", entity_id=user.id
    )
    db.session.commit()
    click.echo("password set")


tokens = AppGroup("tokens", help="Manage department API tokens.")


@tokens.command("create")
@click.option("--department", "department_slug", required=True)
@click.option("--name", required=True, help="Which system uses it, e.g. 311.")
def create_token_command(department_slug: str, name: str) -> None:
    """Issue an API token; it is printed once and only its hash is kept."""
    try:
        token, secret = auth_services.issue_api_token(department_slug, name)
    except auth_services.UnknownDepartment as exc:
        raise click.ClickException(f"no department {exc}") from exc
    click.echo(f"token {token.id} for {department_slug} ({name}):")
    click.echo(secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke an API token."""
    try:
        auth_services.revoke_api_token(token_id)
    except LookupError as exc:
        raise click.ClickException(f"no token {token_id}") from exc
    click.echo("revoked")


@click.command()
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@with_appcontext
def worker(workers: int) -> None:
    """Run the background worker until Ctrl-C."""
    from app.tasks import recover_drafts

    recover_drafts()  # take back what a killed worker held, before anything new
    huey = current_app.extensions["queue"]
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()


translate = AppGroup("translate", help="Translation catalogs (Babel).")
_ROOT = Path(__file__).resolve().parent.parent


def _pybabel(*args: str) -> None:
    cmd = [sys.executable, "-m", "babel.messages.frontend", *args]
    subprocess.run(cmd, check=True, cwd=_ROOT)  # noqa: S603


@translate.command("update")
def translate_update() -> None:
    """Extract strings and merge them into every catalog."""
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--no-wrap",
        "-o",
        "translations/messages.pot",
        "app",
    )
    _pybabel(
        "update",
        "-i",
        "translations/messages.pot",
        "-d",
        "translations",
        "--no-fuzzy-matching",
        "--no-wrap",
    )


@translate.command("compile")
def translate_compile() -> None:
    """Compile every catalog to .mo."""
    _pybabel("compile", "-d", "translations", "--statistics")


@translate.command("init")
@click.argument("locale")
def translate_init(locale: str) -> None:
    """Start a catalog for a new locale."""
    _pybabel("init", "-i", "translations/messages.pot", "-d", "translations", "-l", locale)


glossary = AppGroup("glossary", help="Import and export the city glossary.")


@glossary.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "tbx"]), help="Default: by extension.")
def glossary_import(path: Path, fmt: str | None) -> None:
    """Import terms from CSV or TBX; prints what happened to each row."""
    from app.glossary import interchange

    fmt = fmt or ("tbx" if path.suffix.lower() in (".tbx", ".xml") else "csv")
    data = path.read_bytes()
    try:
        entries = interchange.read_tbx(data) if fmt == "tbx" else interchange.read_csv(data)
        report = interchange.import_entries(entries, CLI_ACTOR, fmt)
    except interchange.ImportRefused as exc:
        raise click.ClickException(f"{path}: {exc} Nothing was imported.") from exc
    for row in report.rows:
        if row.outcome != "unchanged":
            click.echo(f"  line {row.line}: {row.outcome:<9} {row.term}  {row.reason}".rstrip())
    summary = report.summary()
    click.echo(", ".join(f"{k}: {v}" for k, v in summary.items()))


@glossary.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "tbx"]), help="Default: by extension.")
@click.option("--language", type=click.Choice(list(PRIORITY_CODES)), help="Only one language.")
def glossary_export(output: Path, fmt: str | None, language: str | None) -> None:
    """Export the glossary as CSV (a column per language) or TBX."""
    from app.glossary import interchange

    fmt = fmt or ("tbx" if output.suffix.lower() == ".tbx" else "csv")
    if fmt == "tbx":
        output.write_bytes(interchange.export_tbx(language))
    else:
        output.write_text(interchange.export_csv(language), encoding="utf-8-sig", newline="")
    click.echo(f"wrote {output}")


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def backup(output: Path) -> None:
    """Write every table and every uploaded file to one .tar.gz."""
    from app.backup import BackupError, make_backup

    try:
        summary = make_backup(output, current_app.config["UPLOAD_FOLDER"])
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"backup {output}: schema {summary.revision}, {sum(summary.rows.values())} rows in "
        f"{len(summary.rows)} tables, {summary.files} files"
    )


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore(source: Path) -> None:
    """Restore a backup into an empty, migrated database (checked first; all or nothing)."""
    from app.backup import BackupError, restore_backup

    try:
        summary = restore_backup(source, current_app.config["UPLOAD_FOLDER"])
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"restored {sum(summary.rows.values())} rows in {len(summary.rows)} tables and "
        f"{summary.files} files (schema {summary.revision})"
    )
