"""Document inspection: by content, not by name."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document as DocxDocument
from flask import Flask

from app.requests.documents import DocumentRejected, count_words, inspect_document

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b"\x00\x01" * 20


@pytest.fixture(autouse=True)
def _babel_context():
    app = Flask(__name__)
    from flask_babel import Babel

    Babel(app)
    with app.test_request_context():
        yield


def make_docx(
    paragraphs: list[str], table: list[list[str]] | None = None, header: str | None = None
) -> bytes:
    doc = DocxDocument()
    for p in paragraphs:
        doc.add_paragraph(p)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_docx_words_come_from_body_tables_and_headers():
    data = make_docx(
        ["Water service notice.", "Pay by Friday."],
        [["Amount due", "$40"]],
        header="City of Charlotte",
    )
    doc = inspect_document("notice.docx", data, 10 * MB)
    assert doc.extension == ".docx"
    assert doc.word_count == 3 + 3 + 3 + 3  # body, table, header
    assert len(doc.sha256) == 64


def test_html_counts_text_not_markup():
    html = b"<html><body><h1>Trash pickup</h1><p>Put bins out by seven.</p></body></html>"
    doc = inspect_document("page.html", html, 10 * MB)
    assert doc.media_type == "text/html"
    assert doc.word_count == 2 + 5


def test_markdown_and_text_are_taken_as_utf8():
    assert inspect_document("a.md", b"# Aviso\n\nAgua potable", MB).word_count == 3
    assert inspect_document("a.txt", "\ufeffTiếng Việt ok".encode(), MB).word_count == 3


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.png", PNG, "not accepted"),
        ("noext", b"hello", "not accepted"),
        ("image.txt", PNG, "really a PNG"),
        ("scan.txt", PDF, "really a PDF"),
        ("latin1.txt", "café".encode("latin-1"), "not readable UTF-8"),
        ("letter.docx", b"just some text pretending", "not a Word document"),
        ("plain.html", b"no markup in here at all", "no HTML markup"),
        ("empty.txt", b"   \n\n", "empty"),
        ("symbols.txt", b"... --- !!!", "no words"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(name, data, message):
    with pytest.raises(DocumentRejected, match=message):
        inspect_document(name, data, 10 * MB)


def test_zip_that_is_not_a_word_document_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(DocumentRejected, match="not a Word document"):
        inspect_document("x.docx", buf.getvalue(), MB)


def test_docx_that_unpacks_too_large_is_refused(monkeypatch):
    from app.requests import documents

    monkeypatch.setattr(documents, "MAX_DOCX_UNPACKED_BYTES", 1000)
    data = make_docx(["word " * 2000])
    with pytest.raises(DocumentRejected, match="too large once unpacked"):
        inspect_document("big.docx", data, MB)


def test_oversize_is_refused_before_reading():
    with pytest.raises(DocumentRejected, match="larger than the limit of 1 MB"):
        inspect_document("big.txt", b"a " * (MB // 2 + 1), MB)


def test_path_in_name_is_dropped():
    assert inspect_document("../../etc/notice.txt", b"hello", MB).original_name == "notice.txt"


def test_count_words_keeps_hyphens_and_apostrophes_together():
    assert count_words("Non-emergency line: don't call 911.") == 5
