"""Backup and restore: every table's rows as stored, plus the upload files, in one .tar.gz.

Rows are read and written with each column's stored type (a TypeDecorator's `impl`), so what
the app encrypts (resident phone numbers) stays encrypted in the backup, and times and money
come back exactly. A manifest records the schema revision, row counts and a SHA-256 of every
member; restore checks all of it before it writes anything, and only into an empty database.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from app.extensions import db

FORMAT = "language-access-backup/1"
BATCH = 1000
#: Tables the migrations themselves fill (a counter row): replaced by the backup's rows.
MIGRATION_SEEDED = frozenset({"glossary_version"})


class BackupError(RuntimeError):
    """The backup cannot be made or restored; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds, or what a restore put back."""

    revision: str
    rows: dict[str, int]
    files: int


def _stored_type(column: sa.Column[Any]) -> Any:
    kind = column.type
    if isinstance(kind, sa.Enum):
        return sa.String()
    return kind.impl if isinstance(kind, TypeDecorator) else kind


def _stored_table(table: sa.Table) -> sa.TableClause:
    """The table with its columns typed as stored, so no app-level processing runs."""
    return sa.table(table.name, *(sa.column(c.name, _stored_type(c)) for c in table.columns))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return {"$t": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$t": "decimal", "v": str(value)}
    if isinstance(value, bytes | memoryview):
        return {"$t": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    return value


_DECODERS: dict[str, Callable[[str], Any]] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "decimal": Decimal,
    "bytes": base64.b64decode,
}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$t", "v"} and value["$t"] in _DECODERS:
        return _DECODERS[value["$t"]](value["v"])
    return value


def _revision() -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one())


def _rows(conn: sa.Connection, table: sa.Table) -> Iterator[dict[str, Any]]:
    stored = _stored_table(table)
    order = [stored.c[c.name] for c in table.primary_key.columns]
    for row in conn.execute(sa.select(stored).order_by(*order)).mappings():
        yield {key: _encode(value) for key, value in row.items()}


def _add(tar: tarfile.TarFile, name: str, data: bytes, digests: dict[str, str]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
    digests[name] = hashlib.sha256(data).hexdigest()


def make_backup(path: Path, upload_folder: str) -> BackupSummary:
    """Write a backup of the whole database and the upload folder to `path` (.tar.gz)."""
    revision = _revision()
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkstemp(dir=path.parent, prefix=".backup-")[1])
    try:
        # One read transaction, so rows that refer to each other are a consistent snapshot.
        with tarfile.open(tmp, "w:gz") as tar, db.engine.connect() as conn, conn.begin():
            for table in db.metadata.sorted_tables:
                lines = [json.dumps(row, ensure_ascii=False) for row in _rows(conn, table)]
                counts[table.name] = len(lines)
                data = ("\n".join(lines) + "\n" if lines else "").encode("utf-8")
                _add(tar, f"tables/{table.name}.jsonl", data, digests)
            uploads = Path(upload_folder)
            files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []
            for file in files:
                rel = file.relative_to(uploads).as_posix()
                if rel.split("/")[-1].startswith("."):  # half-written temporaries
                    continue
                _add(tar, f"uploads/{rel}", file.read_bytes(), digests)
            manifest = {
                "format": FORMAT,
                "revision": revision,
                "rows": counts,
                "sha256": digests,
            }
            _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode(), {})
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    files_count = sum(1 for name in digests if name.startswith("uploads/"))
    return BackupSummary(revision=revision, rows=counts, files=files_count)


def _read_members(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    try:
        with tarfile.open(path, "r:gz") as tar:
            members: dict[str, bytes] = {}
            for info in tar.getmembers():
                if not info.isfile() or info.name.startswith("/") or ".." in info.name.split("/"):
                    raise BackupError(f"unexpected member in the backup: {info.name!r}")
                handle = tar.extractfile(info)
                assert handle is not None  # noqa: S101 (a regular file)
                members[info.name] = handle.read()
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from exc
    try:
        manifest = json.loads(members.pop("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError("the backup has no readable manifest.json") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"not a backup of this app (format {manifest.get('format')!r})")
    expected = manifest.get("sha256", {})
    if set(expected) != set(members):
        raise BackupError("the backup's files do not match its manifest")
    for name, data in members.items():
        if hashlib.sha256(data).hexdigest() != expected[name]:
            raise BackupError(f"{name} is damaged (its checksum does not match)")
    return manifest, members


def _reset_sequences(conn: sa.Connection) -> None:
    """PostgreSQL: make each id sequence continue after the restored rows."""
    if conn.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def restore_backup(path: Path, upload_folder: str) -> BackupSummary:
    """Put a backup back into an empty database (migrated to the same revision) and uploads."""
    manifest, members = _read_members(path)
    revision = _revision()
    if manifest["revision"] != revision:
        raise BackupError(
            f"the backup is of schema {manifest['revision']}, the database is at {revision}; "
            "run `flask db upgrade` or restore into a matching version"
        )
    tables = {t.name: t for t in db.metadata.sorted_tables}
    if set(manifest["rows"]) - set(tables):
        unknown = sorted(set(manifest["rows"]) - set(tables))
        raise BackupError(f"unknown tables in the backup: {unknown}")
    with db.engine.connect() as conn:
        for table in tables.values():
            if table.name in MIGRATION_SEEDED:
                continue
            if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
                raise BackupError(f"the database is not empty (table {table.name} has rows)")
    counts: dict[str, int] = {}
    with db.engine.begin() as conn:  # all rows, or none
        for name in MIGRATION_SEEDED & set(tables):
            conn.execute(sa.delete(tables[name]))
        for name, table in tables.items():
            text = members.get(f"tables/{name}.jsonl", b"").decode("utf-8")
            rows = [
                {k: _decode(v) for k, v in json.loads(line).items()}
                for line in text.splitlines()
                if line
            ]
            if len(rows) != manifest["rows"].get(name, 0):
                raise BackupError(f"table {name}: {len(rows)} rows, the manifest says otherwise")
            stored = _stored_table(table)
            for start in range(0, len(rows), BATCH):
                conn.execute(sa.insert(stored), rows[start : start + BATCH])
            counts[name] = len(rows)
        _reset_sequences(conn)
    folder = Path(upload_folder)
    written = 0
    for name, data in members.items():
        if not name.startswith("uploads/"):
            continue
        target = folder / name.removeprefix("uploads/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(data)
        written += 1
    return BackupSummary(revision=revision, rows=counts, files=written)
