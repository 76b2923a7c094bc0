"""`flask report export`: a compliance report to a file, with a progress bar on stderr."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from app.auth.actor import Actor
from app.auth.models import Role
from app.reports import exporters, services
from app.reports import queries as q

report = AppGroup("report", help="Compliance reports.")

#: The command line reads reports with a compliance officer's rights: every department, no change.
CLI_READER = Actor(label="cli", role=Role.COMPLIANCE, department_id=None)


@report.command("export")
@click.option("--department", "slug", help="Department slug.")
@click.option("--all", "everything", is_flag=True, help="Every department.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--format", "fmt", type=click.Choice(sorted(exporters.FORMATS)), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(
    slug: str | None, everything: bool, start: datetime, end: datetime, fmt: str, output: Path
) -> None:
    """Export a department's (or every department's) report as CSV, XLSX or PDF."""
    if bool(slug) == everything:
        raise click.UsageError("give either --department SLUG or --all")
    try:
        selection = services.select_report(
            CLI_READER, slug or services.ALL, start.date().isoformat(), end.date().isoformat()
        )
    except services.NotVisible as exc:
        raise click.ClickException(f"no department {slug}") from exc
    except services.BadPeriod as exc:
        raise click.ClickException(str(exc)) from exc
    built, scope, records = services.compliance_export(selection, fmt)
    total = q.count_export_rows(scope) if fmt != "pdf" else len(built.tables)
    mode = "w" if fmt == "csv" else "wb"
    encoding = "utf-8" if fmt == "csv" else None
    with (
        click.progressbar(length=total, label=f"{fmt} export", file=sys.stderr) as bar,
        open(output, mode, encoding=encoding, newline="" if fmt == "csv" else None) as out,
    ):
        exporters.write_report(built, scope, fmt, out, bar.update, records)
    click.echo(f"wrote {output}", err=True)
