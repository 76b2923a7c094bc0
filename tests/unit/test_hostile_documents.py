"""Hostile documents: any bytes get a clear refusal, no crash; bombs in bounded memory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.mt.documents import DocumentUnreadable, open_document
from app.requests.documents import DocumentRejected, inspect_document
from tests.unit.test_documents import make_docx

MB = 1024 * 1024
EXTENSIONS = (".docx", ".txt", ".md", ".html")
VALID_DOCX = make_docx(["Your water will be shut off on Monday.", "Call 311."])


def _read_both(name: str, data: bytes) -> None:
    """What an upload goes through: inspection, then segmentation for drafts or deliveries."""
    try:
        inspected = inspect_document(name, data, MB)
    except DocumentRejected as exc:
        assert str(exc)  # a message a person can read
        return
    try:
        doc = open_document(inspected.data, inspected.extension)
    except DocumentUnreadable as exc:
        assert str(exc)
        return
    assert doc.segments


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=4096), ext=st.sampled_from(EXTENSIONS))
def test_arbitrary_bytes_are_refused_clearly_or_read(data: bytes, ext: str) -> None:
    _read_both(f"upload{ext}", data)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=2000), ext=st.sampled_from((".txt", ".md", ".html")))
def test_arbitrary_text_is_refused_clearly_or_read(text: str, ext: str) -> None:
    _read_both(f"upload{ext}", text.encode("utf-8", "surrogatepass"))


@settings(max_examples=150, deadline=None)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(VALID_DOCX) - 1), st.integers(0, 255)), min_size=1, max_size=8
    )
)
def test_a_damaged_word_document_is_refused_clearly_or_read(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID_DOCX)
    for at, value in flips:
        data[at] = value
    _read_both("notice.docx", bytes(data))


def test_a_word_document_with_a_broken_central_directory_is_refused_as_damaged() -> None:
    # Found by the test above: the end record is intact, so is_zipfile says yes, but the
    # directory it points to is not; zipfile then raised BadZipFile past the refusal.
    data = bytearray(VALID_DOCX)
    at = data.index(b"PK\x01\x02")  # the central directory's first entry
    data[at + 2] = 0x09
    with pytest.raises(DocumentRejected, match="damaged"):
        inspect_document("notice.docx", bytes(data), MB)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(0, len(VALID_DOCX) - 1))
def test_a_truncated_word_document_is_refused_clearly(cut: int) -> None:
    _read_both("notice.docx", VALID_DOCX[:cut])


def _zip_bomb(path: Path, unpacked_mb: int) -> None:
    """A .docx-shaped zip whose document.xml inflates from a few hundred KB to `unpacked_mb`."""
    chunk = b"\0" * MB
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(chunk)


# Peak memory from VmHWM: ru_maxrss would carry the forking pytest process's peak over exec.
CHECK = """
import sys
from app.mt.documents import DocumentUnreadable, open_document
from app.requests.documents import DocumentRejected, inspect_document
data = open(sys.argv[1], "rb").read()
outcomes = []
try:
    inspect_document("bomb.docx", data, 10 * 1024 * 1024)
    outcomes.append("inspect accepted")
except DocumentRejected as exc:
    outcomes.append(str(exc))
try:
    open_document(data, ".docx")
    outcomes.append("open accepted")
except DocumentUnreadable as exc:
    outcomes.append(str(exc))
print("|".join(outcomes))
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(int(hwm.split()[1]) // 1024)
"""


@pytest.mark.parametrize("unpacked_mb", [300])
def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path, unpacked_mb: int) -> None:
    bomb = tmp_path / "bomb.docx"
    _zip_bomb(bomb, unpacked_mb)
    assert bomb.stat().st_size < 2 * MB
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", CHECK, str(bomb)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    outcomes, peak_mb = out[0].split("|"), int(out[1])
    assert all("too large once unpacked" in o for o in outcomes), outcomes
    assert peak_mb < 200, f"peak memory {peak_mb} MB"
