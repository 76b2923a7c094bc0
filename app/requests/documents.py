"""Reading uploaded documents: what they really are (by content), their words, and storing them."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from bs4 import BeautifulSoup
from docx import Document as DocxDocument
from flask_babel import gettext as _

#: Extensions we accept, and the media type each must turn out to be.
MEDIA_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
}
# A .docx unpacking to more than this is refused before python-docx reads it (zip bombs).
MAX_DOCX_UNPACKED_BYTES = 100 * 1024 * 1024
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_HTML_TAG = re.compile(r"<\s*(html|head|body|p|div|h[1-6]|span|table|ul|ol|li|a|br)\b", re.I)


class DocumentRejected(ValueError):
    """The upload is not a document we can take; the message says why, in the user's language."""


class StorageFull(DocumentRejected):
    """The server's disk has no room for the file; nothing was kept."""


@dataclass(frozen=True)
class InspectedDocument:
    """What an upload turned out to be."""

    original_name: str
    extension: str
    media_type: str
    data: bytes
    word_count: int
    sha256: str


def count_words(text: str) -> int:
    """Words in a text, for turnaround and cost (runs of letters or digits)."""
    return len(_WORD.findall(text))


def _as_text(data: bytes) -> str | None:
    """The bytes as UTF-8 text, or None when they are binary or not UTF-8."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return None if controls else text


def _docx_text(data: bytes) -> str:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentRejected(
            _("This file is not a Word document (.docx), although its name says so.")
        )
    try:
        # is_zipfile only finds the end record: the directory it points to can still be broken.
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            sizes = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise DocumentRejected(_("This Word document is damaged and cannot be read.")) from exc
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise DocumentRejected(
            _("This file is not a Word document (.docx), although its name says so.")
        )
    if sizes > MAX_DOCX_UNPACKED_BYTES:
        raise DocumentRejected(_("This Word document is too large once unpacked."))
    try:
        doc = DocxDocument(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for broken packages
        raise DocumentRejected(_("This Word document is damaged and cannot be read.")) from exc
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in doc.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def inspect_document(original_name: str, data: bytes, max_bytes: int) -> InspectedDocument:
    """Check an upload by its content, not its name; raise DocumentRejected with the reason."""
    name = os.path.basename(original_name or "").strip() or "document.txt"
    ext = Path(name).suffix.lower()
    if ext not in MEDIA_TYPES:
        raise DocumentRejected(
            _(
                "Files of type %(ext)s are not accepted. Upload a .docx, .txt, .md or .html file.",
                ext=ext or _("(none)"),
            )
        )
    if len(data) > max_bytes:
        raise DocumentRejected(
            _("The file is larger than the limit of %(mb)s MB.", mb=max_bytes // (1024 * 1024))
        )
    if not data.strip():
        raise DocumentRejected(_("The file is empty."))
    if ext == ".docx":
        text = _docx_text(data)
    else:
        decoded = _as_text(data)
        if decoded is None:
            kind = filetype.guess(data)
            if kind is not None:
                raise DocumentRejected(
                    _(
                        "This file is really a %(kind)s file, not %(ext)s text.",
                        kind=kind.extension.upper(),
                        ext=ext,
                    )
                )
            raise DocumentRejected(_("This file is not readable UTF-8 text."))
        if ext in (".html", ".htm"):
            if not _HTML_TAG.search(decoded):
                raise DocumentRejected(
                    _("This file has no HTML markup, although its name says .html.")
                )
            text = BeautifulSoup(decoded, "html.parser").get_text(" ")
        else:
            text = decoded
    words = count_words(text)
    if words == 0:
        raise DocumentRejected(_("The document has no words to translate."))
    return InspectedDocument(
        original_name=name,
        extension=ext,
        media_type=MEDIA_TYPES[ext],
        data=data,
        word_count=words,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def stored_path(upload_folder: str, sha256: str) -> Path:
    """Where a document's bytes live: content-addressed, two-level fan-out."""
    return Path(upload_folder) / sha256[:2] / sha256


def store_bytes(upload_folder: str, doc: InspectedDocument) -> bool:
    """Write an upload's bytes atomically if not stored yet; True when this call made the file."""
    return store_blob(upload_folder, doc.data, doc.sha256)


def store_blob(upload_folder: str, data: bytes, sha256: str | None = None) -> bool:
    """Write bytes under their SHA-256, atomically, if not stored yet; True when created."""
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    path = stored_path(upload_folder, sha256)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    except OSError as exc:
        raise _full_or(exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _full_or(exc) from exc
        raise
    return True


def remove_stored(upload_folder: str, sha256: str) -> None:
    """Remove a stored file (used to undo a store when its transaction fails)."""
    stored_path(upload_folder, sha256).unlink(missing_ok=True)


def _full_or(exc: OSError) -> Exception:
    """A disk-full error as the clear StorageFull; any other error as it was."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(
            _("The server has no room to store this file right now. Nothing was saved. "
              "Try again later, or tell the language-access coordinator.")
        )  # fmt: skip
    return exc
