"""XLIFF hand-off: export with drafts and glossary notes, import checked against the job."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import pytest
from docx import Document as DocxDocument
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from app.glossary.matcher import Matcher, TermEntry
from app.mt.documents import Segment, open_document
from app.vendors.xliff import (
    DRAFT_QUALIFIER,
    DRAFT_STATE,
    MAX_PROBLEMS,
    GlossaryNote,
    XliffRejected,
    export_xliff,
    glossary_notes,
    import_xliff,
    xml_safe,
)

NS = "urn:oasis:names:tc:xliff:document:1.2"
X = {"x": NS}
JOB = "REQ-2026-0042/es"
SEGMENTS = [
    Segment(0, "Water notice"),
    Segment(1, "Bring your housing voucher to CharMeck 311."),
    Segment(2, "Pay by {date}.\nCall 311."),
]
DRAFTS = {0: "Aviso de agua", 2: "Pague antes del {date}.\nLlame al 311."}
NOTES = {
    1: [
        GlossaryNote("housing voucher", "vale de vivienda", ("cupón de vivienda",)),
        GlossaryNote("CharMeck 311", ""),
    ]
}


def export(
    segments: list[Segment] = SEGMENTS,
    drafts: dict[int, str] = DRAFTS,
    notes: dict[int, list[GlossaryNote]] | None = NOTES,
    original: str = "notice.docx",
) -> bytes:
    return export_xliff(
        job_ref=JOB,
        original=original,
        source_language="en",
        target_language="es",
        segments=segments,
        drafts=drafts,
        notes=notes,
    )


def load(data: bytes, segments: list[Segment] = SEGMENTS, **kwargs: object) -> dict[int, str]:
    options: dict[str, object] = {
        "job_ref": JOB,
        "source_language": "en",
        "target_language": "es",
        **kwargs,
    }
    return import_xliff(data, segments=segments, **options)  # type: ignore[arg-type]


def edit(data: bytes, change: Callable[[etree._Element], None]) -> bytes:
    """The XLIFF after `change` runs on its root, as a vendor's tool would save it."""
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def unit(root: etree._Element, uid: str) -> etree._Element:
    return root.xpath(f"//x:trans-unit[@id='{uid}']", namespaces=X)[0]


def set_target(root: etree._Element, uid: str, text: str) -> None:
    node = unit(root, uid)
    target = node.find("x:target", X)
    if target is None:
        target = etree.Element(f"{{{NS}}}target")
        node.find("x:source", X).addnext(target)
    target.text = text
    target.set("state", "translated")


def translate_all(data: bytes, segments: list[Segment], edits: dict[int, str]) -> bytes:
    """Every unit given a target: the edits, else the draft there, else 'ES ' + source."""

    def change(root: etree._Element) -> None:
        for segment in segments:
            node = unit(root, str(segment.index))
            existing = node.find("x:target", X)
            text = edits.get(segment.index)
            if text is None:
                text = existing.text if existing is not None else f"ES {segment.text}"
            set_target(root, str(segment.index), text)

    return edit(data, change)


def rejected(data: bytes, **kwargs: object) -> list[str]:
    with pytest.raises(XliffRejected) as caught:
        load(data, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


# --------------------------------------------------------------------------- export


def test_export_writes_one_file_with_the_job_and_languages():
    root = etree.fromstring(export())
    assert root.get("version") == "1.2"
    (file_node,) = root.findall("x:file", X)
    assert file_node.get("original") == "notice.docx"
    assert file_node.get("source-language") == "en"
    assert file_node.get("target-language") == "es"
    assert file_node.get("datatype") == "x-docx"
    assert file_node[0].tag == f"{{{NS}}}header"  # the schema wants the header first
    assert file_node.xpath("x:header/x:note[@from='job']/text()", namespaces=X) == [JOB]
    units = root.xpath("//x:trans-unit", namespaces=X)
    assert [u.get("id") for u in units] == ["0", "1", "2"]
    assert [u.get("resname") for u in units] == [f"{JOB}:0", f"{JOB}:1", f"{JOB}:2"]


def test_export_marks_drafts_as_machine_suggestions_to_review():
    root = etree.fromstring(export())
    target = unit(root, "2").find("x:target", X)
    assert target.text == DRAFTS[2]
    assert target.get("state") == DRAFT_STATE == "needs-review-translation"
    assert target.get("state-qualifier") == DRAFT_QUALIFIER == "mt-suggestion"
    assert unit(root, "2").get("approved") == "no"


def test_export_leaves_segments_without_a_draft_untranslated():
    root = etree.fromstring(export())
    assert unit(root, "1").find("x:target", X) is None


def test_export_adds_glossary_notes_after_the_target():
    root = etree.fromstring(export())
    notes = unit(root, "1").xpath("x:note[@from='glossary']/text()", namespaces=X)
    assert notes == [
        'Glossary: translate "housing voucher" as "vale de vivienda". '
        'Do not use: "cupón de vivienda".',
        'Glossary: keep "CharMeck 311" as is (do not translate).',
    ]
    assert [etree.QName(c).localname for c in unit(root, "1")] == ["source", "note", "note"]


def test_glossary_notes_come_from_the_matcher():
    matcher = Matcher(
        [
            TermEntry(1, "housing voucher", approved="vale de vivienda", forbidden=("cupón",)),
            TermEntry(2, "CharMeck 311", do_not_translate=True),
            TermEntry(3, "permit"),  # no approved translation: nothing to tell the vendor
        ]
    )
    segments = [Segment(0, "Bring your Housing Voucher and permit to CharMeck 311.")]
    assert glossary_notes(segments, matcher) == {
        0: [
            GlossaryNote("Housing Voucher", "vale de vivienda", ("cupón",)),
            GlossaryNote("CharMeck 311", ""),
        ]
    }


def test_export_drops_characters_xml_cannot_carry_and_import_still_matches():
    segments = [Segment(0, "Page\x0cbreak\x00 here")]
    data = export(segments, {0: "Salto\x0bde página\ufffe"}, None)
    assert b"\x0c" not in data and b"&#12;" not in data
    assert load(data, segments) == {0: "Saltode página"}


def test_carriage_returns_survive_the_round_trip():
    segments = [Segment(0, "one\r\ntwo\rthree")]
    data = export(segments, {0: "uno\r\ndos\rtres"}, None)
    assert load(data, segments) == {0: "uno\r\ndos\rtres"}


# --------------------------------------------------------------------------- round trips


def word_document() -> bytes:
    doc = DocxDocument()
    doc.add_paragraph("Water notice")
    doc.add_paragraph("Your water will be off on Monday.")
    doc.add_paragraph("Call 311 with questions.")
    doc.add_table(rows=1, cols=1).cell(0, 0).text = "Account number"
    doc.sections[0].header.paragraphs[0].text = "City of Charlotte"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_word_round_trip_rebuilds_the_vendors_text():
    doc = open_document(word_document(), ".docx")
    texts = {s.text: s.index for s in doc.segments}
    assert set(texts) >= {"Water notice", "Account number", "City of Charlotte"}
    drafts = {texts["Water notice"]: "Aviso de agua", texts["Account number"]: "Número"}
    exported = export(doc.segments, drafts, {texts["Call 311 with questions."]: NOTES[1]})
    root = etree.fromstring(exported)
    drafted = root.xpath(f"//x:target[@state='{DRAFT_STATE}']/../@id", namespaces=X)
    assert sorted(drafted) == sorted(str(i) for i in drafts)
    delivered = translate_all(
        exported,
        doc.segments,
        {
            texts["Water notice"]: "Aviso sobre el agua",
            texts["Account number"]: "Número de cuenta",
            texts["City of Charlotte"]: "Ciudad de Charlotte",
        },
    )

    translations = load(delivered, doc.segments)
    rebuilt = DocxDocument(io.BytesIO(doc.rebuild(translations, "", "es")))

    # An empty banner adds nothing: the first paragraph is the first segment, not a blank line.
    assert rebuilt.paragraphs[0].text == "Aviso sobre el agua"
    assert rebuilt.paragraphs[1].text == "ES Your water will be off on Monday."
    assert rebuilt.tables[0].cell(0, 0).text == "Número de cuenta"
    assert rebuilt.sections[0].header.paragraphs[0].text == "Ciudad de Charlotte"


TEXT_DOCUMENTS = {
    ".txt": b"Water notice\n\nPay by Friday.\nCall 311.\n",
    ".md": b"# Water notice\n\nPay by [Friday](https://example.test/f).\n\n- Call 311\n",
    ".html": (
        b"<!DOCTYPE html><html><head><title>Water notice</title></head>"
        b"<body><p>Pay by <b>Friday</b>.</p><img alt='A tap' src='t.png'></body></html>"
    ),
}


@pytest.mark.parametrize("extension", sorted(TEXT_DOCUMENTS))
def test_text_round_trip_rebuilds_the_vendors_text(extension):
    doc = open_document(TEXT_DOCUMENTS[extension], extension)
    assert doc.segments[0].text == "Water notice"
    exported = export(doc.segments, {0: "Aviso de agua"}, None, f"notice{extension}")
    delivered = translate_all(exported, doc.segments, {0: "Aviso sobre el agua"})

    rebuilt = doc.rebuild(load(delivered, doc.segments), "", "es").decode()

    assert "Aviso sobre el agua" in rebuilt
    assert "Water notice" not in rebuilt
    if extension == ".txt":
        assert rebuilt.startswith("Aviso sobre el agua\n\nES Pay by Friday.")  # no banner line


def test_cat_tool_segmentation_and_inline_tags_import_as_plain_text():
    segments = [
        Segment(0, "Pay the bill now. Then call 311."),
        Segment(1, "Visit the office"),
        Segment(2, "Call today"),
    ]
    delivered = f"""<?xml version="1.0" encoding="utf-8"?>
<xliff version="1.2" xmlns="{NS}" xmlns:sdl="http://sdl.com/FileTypes/SdlXliff/1.0">
 <file original="notice.docx" source-language="en-US" target-language="es-ES" datatype="x-docx">
  <header><note from="job">{JOB}</note><sdl:ref-files/></header>
  <body>
   <group id="g1">
    <trans-unit id="0" resname="{JOB}:0" xml:space="preserve">
     <source>Pay the bill now. Then call 311.</source>
     <seg-source><mrk mtype="seg" mid="1">Pay the bill now.</mrk> <mrk mtype="seg" mid="2"
       >Then call 311.</mrk></seg-source>
     <target state="translated"><mrk mtype="seg" mid="1"
       >Pague la <g id="1">factura</g> ahora.</mrk> <mrk mtype="seg" mid="2"
       >Luego llame al <ph id="2">311</ph>.<x id="3"/></mrk></target>
    </trans-unit>
   </group>
   <trans-unit id="1" resname="{JOB}:1" xml:space="preserve">
    <source>Visit the <g id="1">office</g></source>
    <target><bx id="1"/>Visite la oficina<ex id="1"/></target>
    <alt-trans><target>Not this one</target></alt-trans>
   </trans-unit>
   <trans-unit id="2">
    <source>Call
      today</source>
    <target>
      Llame
      hoy
    </target>
   </trans-unit>
  </body>
 </file>
</xliff>""".encode()
    assert load(delivered, segments) == {
        0: "Pague la factura ahora. Luego llame al 311.",
        1: "Visite la oficina",
        2: "Llame hoy",  # no xml:space="preserve": XML's default whitespace rules apply
    }


XML_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r"), max_size=30
).filter(lambda text: "\ufffe" not in text and "\uffff" not in text)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(XML_TEXT, XML_TEXT.filter(str.strip)), min_size=1, max_size=4))
def test_any_xml_text_round_trips_exactly(pairs):
    segments = [Segment(i, source) for i, (source, _) in enumerate(pairs)]
    drafts = {i: draft for i, (_, draft) in enumerate(pairs)}
    assert load(export(segments, drafts, None), segments) == drafts


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), min_size=1, max_size=4))
def test_control_characters_are_dropped_and_the_rest_round_trips(pairs):
    pairs = [(source, draft) for source, draft in pairs if xml_safe(draft).strip()]
    segments = [Segment(i, source) for i, (source, _) in enumerate(pairs)]
    drafts = {i: draft for i, (_, draft) in enumerate(pairs)}
    if segments:
        expected = {i: xml_safe(draft) for i, draft in drafts.items()}
        assert load(export(segments, drafts, None), segments) == expected


# --------------------------------------------------------------------------- rejections


def complete() -> bytes:
    """An exported job with every unit translated, as a vendor delivers it."""
    return translate_all(export(), SEGMENTS, {})


def test_complete_delivery_imports():
    assert load(complete()) == {
        0: "Aviso de agua",
        1: "ES Bring your housing voucher to CharMeck 311.",
        2: DRAFTS[2],
    }


def test_regional_language_codes_from_cat_tools_are_accepted():
    def regional(root: etree._Element) -> None:
        root[0].set("source-language", "en-US")
        root[0].set("target-language", "es_ES")

    assert load(edit(complete(), regional))[0] == "Aviso de agua"


def test_rejects_another_jobs_file():
    problems = rejected(complete(), job_ref="REQ-2026-0099/es")
    assert problems == [f'The file is for job "{JOB}", not "REQ-2026-0099/es".']


def test_rejects_a_file_that_does_not_name_its_job():
    def anonymous(root: etree._Element) -> None:
        for note in root.xpath("//x:note[@from='job']", namespaces=X):
            note.getparent().remove(note)
        for node in root.xpath("//x:trans-unit", namespaces=X):
            del node.attrib["resname"]

    assert "does not say which job" in rejected(edit(complete(), anonymous))[0]


def test_rejects_the_wrong_target_language():
    problems = rejected(complete(), target_language="fr")
    assert problems == ["The target language is es, but this job's target language is fr."]


def test_rejects_a_changed_source_and_shows_where():
    def reword(root: etree._Element) -> None:
        unit(root, "1").find("x:source", X).text = "Bring your housing permit to CharMeck 311."

    (problem,) = rejected(edit(complete(), reword))
    assert problem.startswith('Unit "1": the source text was changed')
    assert '"…r housing permit to CharMeck 311."' in problem
    assert '"…r housing voucher to CharMeck 311."' in problem


def test_source_whitespace_changes_are_not_a_change():
    def respace(root: etree._Element) -> None:
        unit(root, "2").find("x:source", X).text = "  Pay by {date}.   Call 311. "

    assert load(edit(complete(), respace))[2] == DRAFTS[2]


def test_rejects_a_missing_unit():
    def drop(root: etree._Element) -> None:
        node = unit(root, "1")
        node.getparent().remove(node)

    assert rejected(edit(complete(), drop)) == ['Unit "1" is missing.']


def test_rejects_a_unit_that_is_not_in_the_job():
    def add(root: etree._Element) -> None:
        extra = etree.fromstring(etree.tostring(unit(root, "2")))
        extra.set("id", "7")
        unit(root, "2").addnext(extra)

    assert rejected(edit(complete(), add)) == ['Unit "7" is not part of this job.']


def test_rejects_a_duplicate_id():
    def duplicate(root: etree._Element) -> None:
        unit(root, "2").addnext(etree.fromstring(etree.tostring(unit(root, "0"))))

    assert rejected(edit(complete(), duplicate)) == ['Unit "0" appears 2 times.']


def test_rejects_an_empty_target():
    def blank(root: etree._Element) -> None:
        unit(root, "2").find("x:target", X).text = "  \n"

    assert rejected(edit(complete(), blank)) == ['Unit "2" has no translation.']


def test_collects_every_problem_at_once():
    problems = rejected(export(), job_ref="OTHER", target_language="fr")
    assert problems == [
        "The target language is es, but this job's target language is fr.",
        f'The file is for job "{JOB}", not "OTHER".',
        'Unit "1" has no translation.',  # the only segment without a machine draft
    ]


def test_caps_the_list_of_problems():
    segments = [Segment(i, f"Line {i}") for i in range(30)]
    data = export(segments, {}, None)
    problems = rejected(data, segments=segments)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == "... and 10 more problems."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04 not xml at all", "The file is not well-formed XML (line 1)."),
        (b"<xliff version='1.2'><file>", "The file is not well-formed XML (line 1)."),
        (b"<html><body/></html>", "The file is XML but not XLIFF."),
        (
            b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en">'
            b'<file id="f"><unit id="0"><segment><source>Hi</source></segment></unit></file>'
            b"</xliff>",
            "XLIFF 2.0 is not supported; export as XLIFF 1.2.",
        ),
        (f'<xliff xmlns="{NS}" version="1.2"/>'.encode(), "The XLIFF file has no <file> element."),
    ],
    ids=["empty", "binary", "truncated", "html", "xliff-2.0", "no-file"],
)
def test_rejects_files_that_are_not_xliff_1_2(data, message):
    assert rejected(data) == [message]


def billion_laughs() -> bytes:
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE xliff [<!ENTITY lol0 "lol">{entities}]>'
        f'<xliff xmlns="{NS}" version="1.2"><file original="a" source-language="en" '
        f'target-language="es" datatype="plaintext"><body><trans-unit id="0">'
        f"<source>Water notice</source><target>&lol9;</target></trans-unit></body></file>"
        "</xliff>"
    ).encode()


def test_refuses_entity_declarations_without_expanding_them():
    started = time.monotonic()
    problems = rejected(billion_laughs())
    assert time.monotonic() - started < 5  # a generous bound: expansion would take far longer
    assert problems == [
        "The file declares a DOCTYPE or entities, which are not accepted in XLIFF here."
    ]


def test_refuses_a_doctype_hidden_in_utf16():
    data = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE xliff [<!ENTITY e "x">]>'
        + complete().decode().split("?>", 1)[1]
    ).encode("utf-16")
    assert "DOCTYPE" in rejected(data)[0]


def test_refuses_an_oversized_file_before_parsing_it():
    assert rejected(b"<" * 101, max_bytes=100) == ["The file is larger than the 100 bytes limit."]
    assert "20 MB" in rejected(b" " * (20 * 1024 * 1024 + 1))[0]
