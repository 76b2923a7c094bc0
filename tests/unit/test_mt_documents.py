"""Documents for machine translation: segments in reading order, rebuilt in their own format."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

import pytest
from docx import Document as DocxDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from hypothesis import given, settings
from hypothesis import strategies as st

from app.mt.documents import (
    NO_TEXT,
    OLE_SIGNATURE,
    DocumentUnreadable,
    SourceDocument,
    open_document,
)

BANNER = "MACHINE DRAFT - needs human review. Engine argos 1.9, 2026-11-29 10:30 UTC"


def identity(doc: SourceDocument) -> dict[int, str]:
    return {s.index: s.text for s in doc.segments}


def upper(doc: SourceDocument) -> dict[int, str]:
    return {s.index: s.text.upper() for s in doc.segments}


def texts(doc: SourceDocument) -> list[str]:
    return [s.text for s in doc.segments]


# --------------------------------------------------------------------------- Word


def tiny_png() -> bytes:
    """A valid 1x1 RGB PNG, built from plain bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _xml(fragment: str) -> object:
    return parse_xml(fragment.replace("<w:r>", f"<w:r {nsdecls('w')}>", 1))


@functools.cache
def word_document() -> bytes:
    """Heading, mixed runs, a line break, nested tables, an image, a link, headers and footers."""
    doc = DocxDocument()
    doc.add_heading("Water notice", level=1)
    mixed = doc.add_paragraph(style="List Bullet")
    mixed.add_run("Pay now").bold = True
    mixed.add_run(" or later.")
    broken = doc.add_paragraph("Line one")
    broken.add_run().add_break()
    broken.add_run("Line two")
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.cell(0, 0).text = "Amount"
    table.cell(0, 1).add_table(rows=1, cols=1).cell(0, 0).text = "Nested cell"
    doc.add_picture(io.BytesIO(tiny_png()))
    link = doc.add_paragraph("Visit ")
    link._p.append(
        parse_xml(
            f'<w:hyperlink {nsdecls("w", "r")} r:id="rId99">'
            "<w:r><w:t>our site</w:t></w:r></w:hyperlink>"
        )
    )
    link.add_run(" today.")
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    section.header.paragraphs[0].text = "City of Charlotte"
    section.first_page_header.paragraphs[0].text = "First page header"
    footer = section.footer.paragraphs[0]
    footer.add_run("Page ")
    for run in (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        "<w:r><w:t>1</w:t></w:r>",
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        footer._p.append(_xml(run))
    footer.add_run(" of the notice")
    doc.add_section()  # its headers and footers are linked to the first section's
    doc.add_paragraph("Second section")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


WORD_SEGMENTS = [
    "Water notice",
    "Pay now or later.",
    "Line one\nLine two",
    "Amount",
    "Nested cell",
    "Visit",
    "our site",
    "today.",
    "Second section",
    "City of Charlotte",
    "First page header",
    "Page",
    "of the notice",
]


def reopen(data: bytes) -> DocxDocument:  # type: ignore[valid-type]
    return DocxDocument(io.BytesIO(data))


def test_docx_segments_come_in_reading_order_with_headers_and_footers_once() -> None:
    doc = open_document(word_document(), ".docx")
    assert texts(doc) == WORD_SEGMENTS
    assert [s.index for s in doc.segments] == list(range(len(WORD_SEGMENTS)))


def test_docx_identity_rebuild_gives_the_same_segments_after_the_banner() -> None:
    doc = open_document(word_document(), ".docx")
    again = open_document(doc.rebuild(identity(doc), BANNER, "es"), ".docx")
    assert texts(again) == [BANNER, *WORD_SEGMENTS]


def test_docx_rebuild_keeps_styles_tables_headers_footers_and_images() -> None:
    source = word_document()
    doc = open_document(source, ".docx")
    before, after = reopen(source), reopen(doc.rebuild(upper(doc), "", "es"))
    assert [p.style.name for p in after.paragraphs] == [p.style.name for p in before.paragraphs]
    assert len(after.tables) == 1
    assert after.tables[0].style.name == "Table Grid"
    assert after.tables[0].cell(0, 1).tables[0].cell(0, 0).text == "NESTED CELL"
    assert len(after.inline_shapes) == 1
    first = after.sections[0]
    assert first.header.paragraphs[0].text == "CITY OF CHARLOTTE"
    assert first.first_page_header.paragraphs[0].text == "FIRST PAGE HEADER"
    assert first.different_first_page_header_footer
    assert after.sections[1].header.is_linked_to_previous
    assert texts(open_document(doc.rebuild(upper(doc), "", "es"), ".docx")) == [
        t.upper() for t in WORD_SEGMENTS
    ]


def test_docx_translation_goes_into_the_first_run_keeping_its_formatting() -> None:
    doc = open_document(word_document(), ".docx")
    after = reopen(doc.rebuild({1: "Pague ahora o más tarde."}, "", "es"))
    runs = after.paragraphs[1].runs
    assert [(r.text, r.bold) for r in runs] == [("Pague ahora o más tarde.", True), ("", None)]


def test_docx_line_breaks_become_breaks_again() -> None:
    doc = open_document(word_document(), ".docx")
    after = reopen(doc.rebuild({2: "Línea uno\nLínea dos"}, "", "es"))
    paragraph = after.paragraphs[2]
    assert paragraph.text == "Línea uno\nLínea dos"
    assert len(paragraph._p.findall(f".//{qn('w:br')}")) == 1


def test_docx_fields_and_hyperlinks_stay_in_place() -> None:
    doc = open_document(word_document(), ".docx")
    after = reopen(doc.rebuild({6: "nuestro sitio", 11: "Página", 12: "del aviso"}, "", "es"))
    link = after.paragraphs[4]._p.find(qn("w:hyperlink"))
    assert "".join(t.text for t in link.iter(qn("w:t"))) == "nuestro sitio"
    footer = after.sections[0].footer.paragraphs[0]._p
    assert [t.text for t in footer.iter(qn("w:t"))] == ["Página ", "1", " del aviso"]
    assert footer.find(f".//{qn('w:instrText')}").text == " PAGE "


def test_docx_missing_translation_keeps_source_text() -> None:
    doc = open_document(word_document(), ".docx")
    again = open_document(doc.rebuild({0: "Aviso de agua"}, "", "es"), ".docx")
    assert texts(again) == ["Aviso de agua", *WORD_SEGMENTS[1:]]


def test_docx_banner_is_a_bold_first_paragraph_even_before_a_table() -> None:
    doc = DocxDocument()
    doc.add_table(rows=1, cols=1).cell(0, 0).text = "Only a table"
    out = io.BytesIO()
    doc.save(out)
    source = open_document(out.getvalue(), ".docx")
    after = reopen(source.rebuild(identity(source), BANNER, "es"))
    first = after.element.body[0]
    assert first.tag == qn("w:p")
    assert after.paragraphs[0].text == BANNER
    assert after.paragraphs[0].runs[0].bold


def test_docx_target_language_is_recorded() -> None:
    doc = open_document(word_document(), ".docx")
    after = reopen(doc.rebuild(identity(doc), BANNER, "es"))
    assert after.core_properties.language == "es"
    lang = after.styles.element.find(f".//{qn('w:rPrDefault')}//{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "es"


def docx_with_paragraph(xml: str) -> bytes:
    """A document whose only paragraph is the given w:p content."""
    doc = DocxDocument()
    doc.add_paragraph()._p.append(
        parse_xml(f'<w:r {nsdecls("w")} xmlns:mc="{MC}"><w:t>Before</w:t></w:r>')
    )
    doc.paragraphs[0]._p.append(parse_xml(xml))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def test_docx_text_box_is_read_once_and_its_old_reader_copy_is_skipped() -> None:
    box = "<w:txbxContent><w:p><w:r><w:t>In the box</w:t></w:r></w:p></w:txbxContent>"
    data = docx_with_paragraph(
        f'<w:r {nsdecls("w")} xmlns:mc="{MC}"><mc:AlternateContent>'
        f'<mc:Choice Requires="wps">{box}</mc:Choice><mc:Fallback>{box}</mc:Fallback>'
        "</mc:AlternateContent></w:r>"
    )
    doc = open_document(data, ".docx")
    assert texts(doc) == ["Before", "In the box"]
    out = reopen(doc.rebuild(upper(doc), "", "es")).element.body
    assert [t.text for t in out.iter(qn("w:t"))] == ["BEFORE", "IN THE BOX", "In the box"]


def test_docx_tracked_deletions_are_not_translated() -> None:
    data = docx_with_paragraph(
        f'<w:del {nsdecls("w")} w:id="1" w:author="A">'
        "<w:r><w:tab/><w:delText>Removed words</w:delText></w:r></w:del>"
    )
    doc = open_document(data, ".docx")
    assert texts(doc) == ["Before"]
    deleted = reopen(doc.rebuild(upper(doc), "", "es")).element.body.find(f".//{qn('w:del')}")
    assert deleted.find(f".//{qn('w:tab')}") is not None


def test_docx_old_word_format_is_named() -> None:
    data = OLE_SIGNATURE + b"\x00" * 64 + "WordDocument".encode("utf-16-le")
    with pytest.raises(DocumentUnreadable, match=r"old Word document \(\.doc\)"):
        open_document(data, ".docx")


def test_docx_not_a_zip_is_damaged() -> None:
    with pytest.raises(DocumentUnreadable, match="The Word document is damaged"):
        open_document(b"PK\x03\x04 this is not really a zip", ".docx")


def test_docx_truncated_zip_is_damaged() -> None:
    with pytest.raises(DocumentUnreadable, match="The Word document is damaged"):
        open_document(word_document()[:-200], ".docx")


def test_docx_encrypted_is_password_protected() -> None:
    with pytest.raises(DocumentUnreadable, match="The Word document is password-protected"):
        open_document(OLE_SIGNATURE + b"\x00" * 504, ".docx")


def test_docx_zip_without_word_document_is_not_a_word_document() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/styles.xml", "<styles/>")
    with pytest.raises(DocumentUnreadable, match="The file is not a Word document"):
        open_document(out.getvalue(), ".docx")


def test_docx_without_text_has_nothing_to_translate() -> None:
    doc = DocxDocument()
    doc.add_paragraph("   ")
    out = io.BytesIO()
    doc.save(out)
    with pytest.raises(DocumentUnreadable, match=NO_TEXT):
        open_document(out.getvalue(), ".docx")


def test_unknown_extension_is_unreadable() -> None:
    with pytest.raises(DocumentUnreadable, match="cannot be translated"):
        open_document(b"%PDF-1.7", ".pdf")


# --------------------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Water &amp; sewer</title>
<meta name="description" content=" Bill notice ">
<script>if (a < b && c) { x = "<p>Not text</p>"; }</script><style>p > a { color: red }</style>
</head>
<body><!-- keep this comment -->
<h1 class="big  title" id="t">Water notice</h1>
<p>Pay   by
  <b>Friday</b>, or call&nbsp;311.</p>
<img src="map.png" alt="Service map"><a href="/pay" title="Pay online">Pay</a>
<pre>  keep  </pre><code>x = 1</code><textarea>draft</textarea>
<template><p>hidden</p></template><p translate="no">Charlotte Water</p>
<input disabled value=""><img src="line.png" alt="">
</body></html>
"""
PAGE_SEGMENTS = [
    "Water & sewer",
    "Bill notice",
    "Water notice",
    "Pay by",
    "Friday",
    ", or call\xa0311.",
    "Service map",
    "Pay online",
    "Pay",
]


def test_html_segments_skip_code_scripts_comments_and_untranslatable() -> None:
    assert texts(open_document(PAGE.encode(), ".html")) == PAGE_SEGMENTS


def test_html_identity_rebuild_without_banner_or_language_is_unchanged() -> None:
    doc = open_document(PAGE.encode(), ".html")
    assert doc.rebuild(identity(doc), "", "").decode() == PAGE


def test_html_uppercase_changes_only_text_and_keeps_surrounding_whitespace() -> None:
    doc = open_document(PAGE.encode(), ".html")
    out = doc.rebuild(upper(doc), "", "").decode()
    assert '<h1 class="big  title" id="t">WATER NOTICE</h1>' in out
    assert "<p>PAY BY\n  <b>FRIDAY</b>, OR CALL&nbsp;311.</p>" in out
    assert '<img src="map.png" alt="SERVICE MAP"><a href="/pay" title="PAY ONLINE">PAY</a>' in out
    assert '<meta name="description" content=" BILL NOTICE ">' in out
    assert '<script>if (a < b && c) { x = "<p>Not text</p>"; }</script>' in out
    assert "<!-- keep this comment -->" in out
    assert "<pre>  keep  </pre><code>x = 1</code><textarea>draft</textarea>" in out
    assert '<p translate="no">Charlotte Water</p>' in out
    assert texts(open_document(out.encode(), ".html")) == [t.upper() for t in PAGE_SEGMENTS]


def test_html_banner_is_first_in_body_and_escaped() -> None:
    doc = open_document(PAGE.encode(), ".html")
    out = doc.rebuild(identity(doc), "Draft <b>review</b>", "es").decode()
    body = out.split("<body>", 1)[1]
    assert body.startswith(
        '<p class="machine-draft-banner" role="note">'
        "<strong>Draft &lt;b&gt;review&lt;/b&gt;</strong></p>\n"
    )
    again = open_document(out.encode(), ".html")
    assert texts(again) == PAGE_SEGMENTS[:2] + ["Draft <b>review</b>"] + PAGE_SEGMENTS[2:]


def test_html_language_sets_lang_and_rtl_direction() -> None:
    doc = open_document(PAGE.encode(), ".html")
    assert '<html lang="es">' in doc.rebuild(identity(doc), "", "es").decode()
    assert '<html lang="ar" dir="rtl">' in doc.rebuild(identity(doc), "", "ar").decode()


def test_html_fragment_gets_a_body_for_the_banner() -> None:
    doc = open_document(b"<p>Hello <i>there</i></p>", ".htm")
    out = doc.rebuild({0: "Hola"}, "Draft", "es").decode()
    assert out == (
        '<html lang="es"><body><p class="machine-draft-banner" role="note">'
        "<strong>Draft</strong></p>\n<p>Hola <i>there</i></p></body></html>"
    )


def test_html_keeps_crlf_line_endings() -> None:
    source = PAGE.replace("\n", "\r\n").encode()
    doc = open_document(source, ".html")
    out = doc.rebuild(upper(doc), BANNER, "es")
    assert out.count(b"\r\n") == out.count(b"\n")
    assert texts(doc) == PAGE_SEGMENTS


def test_html_keeps_a_lowercase_doctype() -> None:
    doc = open_document(b"<!doctype html>\n<html><body><p>Hi</p></body></html>", ".html")
    assert doc.rebuild({0: "Hola"}, "", "").decode() == (
        "<!doctype html>\n<html><body><p>Hola</p></body></html>"
    )


def test_html_without_text_has_nothing_to_translate() -> None:
    with pytest.raises(DocumentUnreadable, match=NO_TEXT):
        open_document(b"<html><body>  <script>x()</script></body></html>", ".html")


# --------------------------------------------------------------------------- plain text

TEXT = "Water notice\n\nPay by Friday.\nOr call 311.\n\n\n  Indented paragraph.  \n"


def test_txt_segments_are_paragraphs_with_inner_newlines() -> None:
    doc = open_document(TEXT.encode(), ".txt")
    assert texts(doc) == ["Water notice", "Pay by Friday.\nOr call 311.", "Indented paragraph."]


def test_txt_identity_rebuild_is_unchanged() -> None:
    doc = open_document(TEXT.encode(), ".txt")
    assert doc.rebuild(identity(doc), "", "es").decode() == TEXT


def test_txt_banner_is_the_first_line_then_a_blank_line() -> None:
    doc = open_document(TEXT.encode(), ".txt")
    out = doc.rebuild(upper(doc), BANNER, "es").decode()
    assert out == BANNER + "\n\n" + TEXT.upper()


def test_txt_keeps_crlf_and_drops_the_bom() -> None:
    source = b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode()
    doc = open_document(source, ".txt")
    out = doc.rebuild({1: "Pague el viernes.\nO llame al 311."}, BANNER, "es")
    assert (
        out
        == (
            BANNER + "\n\nWater notice\n\nPague el viernes.\nO llame al 311.\n\n\n"
            "  Indented paragraph.  \n"
        )
        .replace("\n", "\r\n")
        .encode()
    )


def test_txt_invalid_utf8_is_unreadable() -> None:
    with pytest.raises(DocumentUnreadable, match="not valid UTF-8"):
        open_document(b"Caf\xe9 menu\n", ".txt")


def test_txt_whitespace_only_has_nothing_to_translate() -> None:
    with pytest.raises(DocumentUnreadable, match=NO_TEXT):
        open_document(b" \n\t\n\n  ", ".txt")


_LINE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    min_size=1,
).filter(str.strip)
_PARAGRAPH = st.lists(_LINE, min_size=1, max_size=4).map("\n".join)


@settings(max_examples=150)
@given(
    paragraphs=st.lists(_PARAGRAPH, min_size=1, max_size=6),
    gap=st.sampled_from(["\n\n", "\n\n\n", "\n \n"]),
    end=st.sampled_from(["", "\n", "\n\n"]),
    banner=st.sampled_from(["", BANNER]),
)
def test_txt_identity_round_trip_returns_the_original(
    paragraphs: list[str], gap: str, end: str, banner: str
) -> None:
    source = gap.join(paragraphs) + end
    doc = open_document(source.encode(), ".txt")
    out = doc.rebuild(identity(doc), banner, "es").decode()
    assert out == (banner + "\n\n" if banner else "") + source


# --------------------------------------------------------------------------- markdown

MARKDOWN = """# Water *service* notice ##

Pay your bill by **Friday**.
See [the guide](https://city.gov/pay_(bill) "Guide") or ![map](map.png) [sic].

- First item
  continues here
- [ ] Second item
1. Ordered item

> Quoted line
> > Nested quote

```python
print("Do not translate")
```

~~~
Tilde fence
~~~

    indented code stays

| Service | Cost |
|---------|-----:|
| Water   | $40  |

---
Last line
"""
MARKDOWN_SEGMENTS = [
    "Water *service* notice",
    "Pay your bill by **Friday**.\nSee [the guide] or [map] [sic].",
    "First item\ncontinues here",
    "Second item",
    "Ordered item",
    "Quoted line",
    "Nested quote",
    "Service",
    "Cost",
    "Water",
    "$40",
    "Last line",
]


def test_md_segments_leave_out_code_prefixes_and_link_targets() -> None:
    assert texts(open_document(MARKDOWN.encode(), ".md")) == MARKDOWN_SEGMENTS


def test_md_identity_rebuild_is_unchanged() -> None:
    doc = open_document(MARKDOWN.encode(), ".md")
    assert doc.rebuild(identity(doc), "", "es").decode() == MARKDOWN


def test_md_uppercase_keeps_code_blocks_prefixes_and_urls() -> None:
    doc = open_document(MARKDOWN.encode(), ".md")
    out = doc.rebuild(upper(doc), "", "es").decode()
    assert out.startswith("# WATER *SERVICE* NOTICE ##\n")
    assert '[THE GUIDE](https://city.gov/pay_(bill) "Guide") OR ![MAP](map.png) [SIC].' in out
    assert "- FIRST ITEM\n  CONTINUES HERE\n- [ ] SECOND ITEM\n1. ORDERED ITEM\n" in out
    assert "> QUOTED LINE\n> > NESTED QUOTE\n" in out
    assert '```python\nprint("Do not translate")\n```' in out
    assert "~~~\nTilde fence\n~~~" in out
    assert "    indented code stays\n" in out
    assert "| SERVICE | COST |\n|---------|-----:|\n| WATER   | $40  |\n" in out


def test_md_link_targets_survive_a_translation_that_drops_brackets() -> None:
    doc = open_document(b"See [the guide](https://city.gov) today.\n", ".md")
    assert doc.rebuild({0: "Vea la guía hoy."}, "", "es").decode() == (
        "Vea la guía hoy. [the guide](https://city.gov)\n"
    )


def test_md_banner_is_a_bold_quote_first() -> None:
    doc = open_document(MARKDOWN.encode(), ".md")
    out = doc.rebuild(identity(doc), "Draft *review*", "es").decode()
    assert out == "> **Draft \\*review\\***\n\n" + MARKDOWN


def test_md_banner_goes_after_front_matter() -> None:
    source = "---\ntitle: Notice\n---\nHello\n"
    doc = open_document(source.encode(), ".md")
    assert texts(doc) == ["Hello"]
    out = doc.rebuild(identity(doc), "Draft", "es").decode()
    assert out == "---\ntitle: Notice\n---\n> **Draft**\n\nHello\n"


def test_md_only_code_has_nothing_to_translate() -> None:
    with pytest.raises(DocumentUnreadable, match=NO_TEXT):
        open_document(b"```\ncode only\n```\n", ".md")
