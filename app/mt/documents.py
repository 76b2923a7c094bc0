"""Documents for machine translation: split into segments, rebuild in the same format.

Every format re-reads the source bytes on `rebuild`, walks it in the same order as when it was
opened, and swaps each segment's text for its translation, so a document can be rebuilt any
number of times. A translation equal to the source text leaves that piece exactly as it was.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag
from bs4.dammit import EntitySubstitution
from bs4.formatter import HTMLFormatter
from docx import Document as DocxDocument
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement

from app.requests.documents import MAX_DOCX_UNPACKED_BYTES

NO_TEXT = "The document has no text to translate"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Base language codes written right to left.
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb", "sd", "ug"})
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})


class DocumentUnreadable(ValueError):
    """The document cannot be segmented; str(exc) is a short reason in plain English."""


@dataclass(frozen=True)
class Segment:
    """One piece of text to translate; index is its place in reading order."""

    index: int
    text: str


class SourceDocument(Protocol):
    """A document split into segments that can be put back together translated."""

    segments: list[Segment]

    def rebuild(self, translations: Mapping[int, str], banner: str, language: str) -> bytes:
        """The document in its own format, translated, with the banner at the top."""
        ...


def open_document(data: bytes, extension: str) -> SourceDocument:
    """extension is one of '.docx', '.html', '.htm', '.txt', '.md' (lowercase, with the dot)."""
    doc: SourceDocument
    extension = extension.lower()
    if extension == ".docx":
        doc = DocxSource(data)
    elif extension in (".html", ".htm"):
        doc = HtmlSource(data)
    elif extension == ".txt":
        doc = PlainTextSource(data)
    elif extension == ".md":
        doc = MarkdownSource(data)
    else:
        raise DocumentUnreadable(f"Documents of type {extension or '(none)'} cannot be translated")
    if not doc.segments:
        raise DocumentUnreadable(NO_TEXT)
    return doc


def _one_line(banner: str) -> str:
    return " ".join(banner.split())


def _split_space(text: str) -> tuple[str, str, str]:
    """Leading whitespace, the middle, trailing whitespace."""
    middle = text.strip()
    if not middle:
        return text, "", ""
    start = len(text) - len(text.lstrip())
    return text[:start], middle, text[start + len(middle) :]


def _base_language(language: str) -> str:
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]


# --------------------------------------------------------------------------- plain text, markdown


def _decode(data: bytes) -> tuple[str, str]:
    """The text with '\\n' line endings, and the line ending the source used."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentUnreadable("The file is not valid UTF-8 text") from exc
    first = re.search(r"\r?\n", text)
    return text.replace("\r\n", "\n"), first.group() if first else "\n"


def _clean_translation(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class _Slot:
    """Where a segment goes in a text layout, and how its translation is written there."""

    index: int
    render: Callable[[str], str]


def _keep(text: str) -> str:
    return text


class _TextLayout:
    """A text document as literal pieces and segment slots, in order."""

    def __init__(self, data: bytes) -> None:
        text, self._newline = _decode(data)
        self._parts: list[str | _Slot] = []
        self._banner_at = 0
        self.segments: list[Segment] = []
        self._parse(text)

    def _parse(self, text: str) -> None:
        raise NotImplementedError

    def _literal(self, text: str) -> None:
        if text:
            self._parts.append(text)

    def _slot(self, text: str, render: Callable[[str], str] = _keep) -> None:
        index = len(self.segments)
        self.segments.append(Segment(index, text))
        self._parts.append(_Slot(index, render))

    def _banner(self, line: str) -> str:
        return line

    def rebuild(self, translations: Mapping[int, str], banner: str, language: str) -> bytes:
        """The text with translations in place and the banner (if any) as its first line."""
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
                continue
            source = self.segments[part.index].text
            text = translations.get(part.index, source)
            out.append(part.render(source if text == source else _clean_translation(text)))
        line = _one_line(banner)
        if line:
            out.insert(self._banner_at, self._banner(line) + "\n\n")
        return "".join(out).replace("\n", self._newline).encode("utf-8")


def _lines(text: str) -> list[str]:
    """Lines with their '\\n' (the last may lack one); only '\\n' ends a line."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


class PlainTextSource(_TextLayout):
    """A .txt file: paragraphs separated by blank lines."""

    def _parse(self, text: str) -> None:
        block: list[str] = []
        for line in [*_lines(text), ""]:
            if line.strip():
                block.append(line)
                continue
            if block:
                lead, middle, trail = _split_space("".join(block))
                self._literal(lead)
                self._slot(middle)
                self._literal(trail)
                block = []
            self._literal(line)


# Markdown, line by line. A line is prefix + content + suffix; only content is translated.
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_THEMATIC = re.compile(r"^ {0,3}(?:([-*_])(?:[ \t]*\1){2,}|=+)[ \t]*$")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:")
_QUOTES = re.compile(r"(?:[ \t]*>[ \t]?)*")
_MARKER = re.compile(
    r"[ \t]*(?:(?P<heading>#{1,6})|(?P<item>[-*+]|\d{1,9}[.)])(?:[ \t]+\[[ xX]\])?)"
    r"(?=[ \t]|$)[ \t]*"
)
_CLOSING_HASHES = re.compile(r"(?:[ \t]+#+)?[ \t]*$")
# [text](url "title") and ![alt](src): the part in parentheses stays out of the segment.
_INLINE_LINK = re.compile(
    r"(!?)\[([^\[\]]*)\](\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\))"
)
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


@dataclass(frozen=True)
class _MdLine:
    prefix: str
    content: str
    suffix: str
    continuation: str  # prefix for a further line of the same block (no list marker)
    kind: str  # "heading", "item" or "text"
    quotes: int  # blockquote depth


def _md_line(line: str) -> _MdLine:
    quotes = _QUOTES.match(line)
    pos = quotes.end() if quotes else 0
    kind = "text"
    marker = _MARKER.match(line, pos)
    if marker:
        kind = "heading" if marker.group("heading") else "item"
        end = marker.end()
    else:
        end = pos + len(line[pos:]) - len(line[pos:].lstrip(" \t"))
    rest = line[end:]
    cut = _CLOSING_HASHES.search(rest) if kind == "heading" else re.search(r"\s*$", rest)
    stop = cut.start() if cut else len(rest)
    prefix = line[:end]
    continuation = line[:pos] + " " * (end - pos) if kind == "item" else prefix
    quotes_depth = line[:pos].count(">")
    return _MdLine(prefix, rest[:stop], rest[stop:], continuation, kind, quotes_depth)


def _strip_links(text: str) -> tuple[str, tuple[tuple[str, str, str] | None, ...]]:
    """The text without link targets; per [bracket] group its (bang, label, target) or None."""
    shown: list[str] = []
    targets: list[tuple[str, str, str] | None] = []
    last = 0
    for match in _INLINE_LINK.finditer(text):
        before = text[last : match.start()]
        shown.append(before)
        targets.extend(None for _ in _BRACKETS.finditer(before))
        shown.append(f"[{match.group(2)}]")
        targets.append((match.group(1), match.group(2), match.group(3)))
        last = match.end()
    shown.append(text[last:])
    targets.extend(None for _ in _BRACKETS.finditer(text[last:]))
    return "".join(shown), tuple(targets)


@dataclass(frozen=True)
class _MdBlock:
    """How a markdown segment is written back: line prefixes, suffixes and link targets."""

    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    continuation: str
    targets: tuple[tuple[str, str, str] | None, ...]
    one_line: bool

    def __call__(self, text: str) -> str:
        text = self._relink(text)
        lines = [" ".join(text.split("\n"))] if self.one_line else text.split("\n")
        out = []
        for i, line in enumerate(lines):
            prefix = self.prefixes[i] if i < len(self.prefixes) else self.continuation
            suffix = self.suffixes[i] if i < len(self.suffixes) else ""
            out.append(prefix + line + suffix)
        return "\n".join(out)

    def _relink(self, text: str) -> str:
        if not any(self.targets):
            return text
        groups = list(_BRACKETS.finditer(text))
        if len(groups) != len(self.targets):
            # The translation moved or lost brackets: keep every link target, at the end.
            links = [f" {t[0]}[{t[1]}]{t[2]}" for t in self.targets if t]
            return text + "".join(links)
        out, last = [], 0
        for match, target in zip(groups, self.targets, strict=True):
            out.append(text[last : match.start()])
            out.append(match.group() if target is None else target[0] + match.group() + target[2])
            last = match.end()
        return "".join(out) + text[last:]


class MarkdownSource(_TextLayout):
    """A .md file: like plain text, with code, block markers and link targets kept out."""

    def _parse(self, text: str) -> None:
        lines = _lines(text)
        block: list[_MdLine] = []
        block_end = ""
        fence: tuple[str, int] | None = None
        comment = in_list = False

        def close() -> None:
            if block:
                self._md_segment(block)
                self._literal(block_end)
                block.clear()

        for raw in lines[self._front_matter(lines) :]:
            body = raw.rstrip("\n")
            ending = raw[len(body) :]
            if fence or comment:
                self._literal(raw)
                if fence and re.fullmatch(rf"[ \t]*{re.escape(fence[0])}{{{fence[1]},}}\s*", body):
                    fence = None
                comment = comment and "-->" not in body
                continue
            opening = _FENCE.match(body)
            indented = body.startswith(("    ", "\t"))
            line = _md_line(body)
            if (
                opening
                or (indented and not block and not in_list)  # indented code
                or body.lstrip().startswith("<!--")
                or _THEMATIC.match(body)
                or _LINK_DEFINITION.match(body)
                or not any(ch.isalnum() for ch in _strip_links(line.content)[0])
            ):
                close()
                self._literal(raw)
                if opening:
                    fence = (opening.group(1)[0], len(opening.group(1)))
                comment = body.lstrip().startswith("<!--") and "-->" not in body
                continue
            if line.content.startswith("|"):
                close()
                self._table_row(line)
                self._literal(ending)
                continue
            if line.kind != "text" or not block or line.quotes != block[-1].quotes:
                close()
                in_list = line.kind == "item" or (in_list and indented)
            block.append(line)
            block_end = ending
            if line.kind == "heading":
                close()
        close()

    def _front_matter(self, lines: list[str]) -> int:
        if not lines or lines[0].rstrip() != "---":
            return 0
        for end, line in enumerate(lines[1:], start=1):
            if line.rstrip() in ("---", "..."):
                self._literal("".join(lines[: end + 1]))
                self._banner_at = len(self._parts)
                return end + 1
        return 0

    def _md_segment(self, block: list[_MdLine]) -> None:
        shown, targets = _strip_links("\n".join(line.content for line in block))
        render = _MdBlock(
            prefixes=tuple(line.prefix for line in block),
            suffixes=tuple(line.suffix for line in block),
            continuation=block[-1].continuation,
            targets=targets,
            one_line=block[0].kind == "heading",
        )
        self._slot(shown, render)

    def _table_row(self, line: _MdLine) -> None:
        self._literal(line.prefix)
        for piece in re.split(r"((?<!\\)\|)", line.content):
            lead, middle, trail = _split_space(piece)
            shown, targets = _strip_links(middle)
            if piece == "|" or not any(ch.isalnum() for ch in shown):
                self._literal(piece)
                continue
            self._literal(lead)
            self._slot(shown, _MdBlock(("",), ("",), "", targets, one_line=True))
            self._literal(trail)
        self._literal(line.suffix)

    def _banner(self, line: str) -> str:
        escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", line)
        return f"> **{escaped}**"


# --------------------------------------------------------------------------- HTML

_SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "pre", "textarea", "template"})
_TEXT_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
# Written bare (`<input disabled>`) when empty; any other empty attribute keeps its `=""`.
# fmt: off
_BOOLEAN_ATTRIBUTES = frozenset({
    "allowfullscreen", "async", "autofocus", "autoplay", "checked", "controls", "default",
    "defer", "disabled", "formnovalidate", "hidden", "inert", "ismap", "itemscope", "loop",
    "multiple", "muted", "nomodule", "novalidate", "open", "playsinline", "readonly", "required",
    "reversed", "selected",
})
# fmt: on


class _SourceFormatter(HTMLFormatter):
    """Serialises close to the source: attribute order kept, only &, <, > and nbsp escaped."""

    def __init__(self) -> None:
        super().__init__(
            entity_substitution=_escape_text,
            void_element_close_prefix="",
        )

    def attributes(self, tag: Tag) -> Any:
        """Attributes in source order (the default sorts them)."""
        return [
            (k, None if v == "" and k.lower() in _BOOLEAN_ATTRIBUTES else v)
            for k, v in (tag.attrs or {}).items()
        ]


def _escape_text(text: str) -> str:
    return EntitySubstitution.substitute_xml(text).replace("\xa0", "&nbsp;")


def _collapse(text: str) -> str:
    """HTML whitespace runs as one space, as a browser shows them."""
    return re.sub(r"[ \t\n\r\f]+", " ", text)


def _html_slots(soup: BeautifulSoup) -> list[tuple[Tag | NavigableString, str | None, str]]:
    """Translatable text: (text node, None, its text) or (tag, attribute, its value), in order."""
    slots: list[tuple[Tag | NavigableString, str | None, str]] = []
    # (node, text translated here, attributes translated here); a stack keeps deep pages safe.
    stack: list[tuple[Any, bool, bool]] = [(soup, True, True)]
    while stack:
        node, text_ok, attributes_ok = stack.pop()
        if isinstance(node, Tag):
            if node.name == "template":
                continue
            flag = str(node.get("translate") or "").strip().lower()
            if flag in ("yes", "no"):
                text_ok = attributes_ok = flag == "yes"
            text_ok = text_ok and node.name not in _SKIPPED_ELEMENTS
            names = list(_TEXT_ATTRIBUTES)
            if node.name == "meta" and str(node.get("name") or "").lower() == "description":
                names.append("content")
            for name in names if attributes_ok else ():
                value = node.get(name)
                if isinstance(value, str) and value.strip():
                    slots.append((node, name, value))
            stack.extend((child, text_ok, attributes_ok) for child in reversed(node.contents))
        elif text_ok and type(node) is NavigableString and node.strip():
            slots.append((node, None, str(node)))
    return slots


class HtmlSource:
    """An HTML page: text nodes, alt/title/placeholder/aria-label and meta description."""

    def __init__(self, data: bytes) -> None:
        self._text, self._newline = _decode(data)
        self.segments = [
            Segment(i, _collapse(_split_space(value)[1]))
            for i, (_, _, value) in enumerate(_html_slots(self._parse()))
        ]

    def _parse(self) -> BeautifulSoup:
        # multi_valued_attributes=None keeps class="a  b" exactly as written.
        soup = BeautifulSoup(self._text, "html.parser", multi_valued_attributes=None)
        soup.smooth()  # a stray end tag leaves two text nodes that print, and re-read, as one
        return soup

    def rebuild(self, translations: Mapping[int, str], banner: str, language: str) -> bytes:
        """The page with translated text, lang (and dir) on <html>, the banner first in <body>."""
        soup = self._parse()
        for segment, (node, attribute, value) in zip(self.segments, _html_slots(soup), strict=True):
            text = translations.get(segment.index, segment.text)
            if text == segment.text:
                continue
            lead, _, trail = _split_space(value)
            text = lead + _clean_translation(text) + trail
            if isinstance(node, Tag) and attribute is not None:
                node[attribute] = text
            else:
                node.replace_with(text)
        html, body = _html_and_body(soup)
        if language:
            html["lang"] = language
            if html.has_attr("xml:lang"):
                html["xml:lang"] = language
            if _base_language(language) in RTL_LANGUAGES:
                html["dir"] = "rtl"
            elif html.has_attr("dir"):
                html["dir"] = "ltr"
        line = _one_line(banner)
        if line:
            notice = soup.new_tag("p", attrs={"class": "machine-draft-banner", "role": "note"})
            strong = soup.new_tag("strong")
            strong.string = line
            notice.append(strong)
            body.insert(0, notice)
            body.insert(1, "\n")
        doctype = re.search(r"<!(doctype)", self._text, re.IGNORECASE)
        html_text = _serialise(soup, doctype.group(1) if doctype else "DOCTYPE")
        return html_text.replace("\n", self._newline).encode("utf-8")


def _html_and_body(soup: BeautifulSoup) -> tuple[Tag, Tag]:
    """The <html> and <body> elements, wrapping a fragment in them when missing."""
    html = soup.find("html")
    if not isinstance(html, Tag):
        html = soup.new_tag("html")
        for node in list(soup.contents):
            if not isinstance(node, Doctype | Comment) or html.contents:
                html.append(node.extract())
        soup.append(html)
    body = html.find("body")
    if not isinstance(body, Tag):
        body = soup.new_tag("body")
        for node in list(html.contents):
            if not (isinstance(node, Tag) and node.name == "head"):
                body.append(node.extract())
        html.append(body)
    return html, body


def _serialise(soup: BeautifulSoup, doctype: str) -> str:
    formatter = _SourceFormatter()
    out = []
    for node in soup.contents:
        if isinstance(node, Doctype):
            # bs4 would add a newline after it and upper-case it; keep the source's spelling.
            out.append(f"<!{doctype} {node}>")
        elif isinstance(node, Tag):
            out.append(node.decode(formatter=formatter))
        elif isinstance(node, NavigableString):
            out.append(node.output_ready(formatter))
    return "".join(out)


# --------------------------------------------------------------------------- Word

_W_T, _W_TAB, _W_BR, _W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_R, _W_P, _W_FLDCHAR, _W_PTAB = qn("w:r"), qn("w:p"), qn("w:fldChar"), qn("w:ptab")
_W_HYPERLINK, _W_FLDSIMPLE = qn("w:hyperlink"), qn("w:fldSimple")
_SKIPPED_WORD = frozenset({qn("w:del"), qn("w:moveFrom"), qn("w:pPr"), qn("w:rPr")})
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_TEXT_ITEMS = frozenset({_W_T, _W_TAB, _W_BR, _W_CR, qn("w:noBreakHyphen"), qn("w:softHyphen")})
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FIELD = -1  # run key for field codes and results, which are never translated


def _is_text_item(child: Any) -> bool:
    if child.tag == _W_BR:
        return child.get(qn("w:type")) in (None, "textWrapping")
    return child.tag in _TEXT_ITEMS


def _run_text(run: Any) -> str:
    out = []
    for child in run:
        if not _is_text_item(child):
            continue
        if child.tag == _W_T:
            out.append(child.text or "")
        elif child.tag == _W_TAB:
            out.append("\t")
        elif child.tag in (_W_BR, _W_CR):
            out.append("\n")
        elif child.tag == qn("w:noBreakHyphen"):
            out.append("-")
    return "".join(out)


def _paragraph_runs(paragraph: Any) -> Iterator[tuple[Any, int]]:
    """The paragraph's runs in order, each with a key: 0 plain, n for the n-th link, or field."""
    links = 0
    depth = 0  # nesting of complex fields (begin ... end)

    def walk(element: Any, key: int) -> Iterator[tuple[Any, int]]:
        nonlocal links, depth
        for child in element:
            if child.tag in _SKIPPED_WORD or child.tag == _MC_FALLBACK:
                continue
            if child.tag == _W_R:
                chars = [c.get(qn("w:fldCharType")) for c in child if c.tag == _W_FLDCHAR]
                boundary = bool(chars) or any(c.tag == _W_PTAB for c in child)
                yield child, _FIELD if depth or boundary or key == _FIELD else key
                depth = max(0, depth + chars.count("begin") - chars.count("end"))
            elif child.tag == _W_HYPERLINK:
                links += 1
                yield from walk(child, key if key == _FIELD else links)
            else:
                yield from walk(child, _FIELD if child.tag == _W_FLDSIMPLE else key)

    yield from walk(paragraph, 0)


def _chunks(paragraph: Any) -> Iterator[list[Any]]:
    """Runs that are translated together: split at hyperlinks, fields and positional tabs."""
    runs: list[Any] = []
    current: int | None = None
    for run, key in [*_paragraph_runs(paragraph), (None, _FIELD)]:
        if key != current and runs:
            if "".join(_run_text(r) for r in runs).strip():
                yield runs
            runs = []
        current = None if key == _FIELD else key
        if key != _FIELD:
            runs.append(run)


def _story_chunks(story: Any) -> Iterator[list[Any]]:
    for paragraph in story.iter(_W_P):
        if any(a.tag == _MC_FALLBACK for a in paragraph.iterancestors()):
            continue  # an old-reader copy of a text box; Word shows the mc:Choice copy
        yield from _chunks(paragraph)


def _write_runs(runs: list[Any], text: str) -> None:
    """All text into the first run that has some, keeping its formatting; others emptied."""
    lead, _, trail = _split_space("".join(_run_text(r) for r in runs))
    target = next(r for r in runs if _run_text(r).strip())
    for run in runs:
        items = [child for child in run if _is_text_item(child)]
        at = list(run).index(items[0]) if items else len(run)
        for child in items:
            run.remove(child)
        if run is target:
            for offset, element in enumerate(_text_elements(lead + text + trail)):
                run.insert(at + offset, element)


def _text_elements(text: str) -> list[Any]:
    elements = []
    for piece in re.split(r"(\n|\t)", _XML_INVALID.sub("", _clean_translation(text))):
        if piece == "\n":
            elements.append(OxmlElement("w:br"))
        elif piece == "\t":
            elements.append(OxmlElement("w:tab"))
        elif piece:
            t = OxmlElement("w:t")
            t.text = piece
            t.set(_XML_SPACE, "preserve")
            elements.append(t)
    return elements


def _load_docx(data: bytes) -> Any:
    if data.startswith(OLE_SIGNATURE):
        if "WordDocument".encode("utf-16-le") in data and b"E\x00n\x00c\x00r" not in data:
            raise DocumentUnreadable("The file is an old Word document (.doc), not .docx")
        raise DocumentUnreadable("The Word document is password-protected")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise DocumentUnreadable("The Word document is damaged") from exc
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise DocumentUnreadable("The file is not a Word document")
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise DocumentUnreadable("The Word document is too large once unpacked")
    try:
        return DocxDocument(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for broken packages
        if "word/document.xml" not in names:
            raise DocumentUnreadable("The file is not a Word document") from exc
        raise DocumentUnreadable("The Word document is damaged") from exc


def _stories(doc: Any) -> list[Any]:
    """The body, then each section's headers and footers; linked or repeated parts skipped."""
    stories = [doc.element.body]
    seen: set[str] = set()
    for section in doc.sections:
        for item in (
            section.header,
            section.first_page_header,
            section.even_page_header,
            section.footer,
            section.first_page_footer,
            section.even_page_footer,
        ):
            # is_linked_to_previous first: .part on a linked one would add a definition.
            if item.is_linked_to_previous or str(item.part.partname) in seen:
                continue
            seen.add(str(item.part.partname))
            stories.append(item.part.element)
    return stories


def _set_word_language(doc: Any, language: str) -> None:
    """Core properties and the default spelling language, so Word checks the right language."""
    doc.core_properties.language = language
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = None if defaults is None else defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    base = _base_language(language)
    attribute = "bidi" if base in RTL_LANGUAGES else "eastAsia" if base in CJK_LANGUAGES else "val"
    lang.set(qn(f"w:{attribute}"), language)


class DocxSource:
    """A Word document: paragraphs of the body, tables, text boxes, headers and footers."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        doc = _load_docx(data)
        self.segments: list[Segment] = []
        for story in _stories(doc):
            for runs in _story_chunks(story):
                text = "".join(_run_text(r) for r in runs).strip()
                self.segments.append(Segment(len(self.segments), text))

    def rebuild(self, translations: Mapping[int, str], banner: str, language: str) -> bytes:
        """The document with translated text, its language set, and a bold banner first."""
        doc = _load_docx(self._data)
        chunks = [runs for story in _stories(doc) for runs in _story_chunks(story)]
        for segment, runs in zip(self.segments, chunks, strict=True):
            text = translations.get(segment.index, segment.text)
            if text != segment.text:
                _write_runs(runs, text)
        line = _one_line(banner)
        if line:
            paragraph = doc.add_paragraph()
            body = doc.element.body
            body.remove(paragraph._p)
            body.insert(0, paragraph._p)
            paragraph.add_run(_XML_INVALID.sub("", line)).bold = True
        if language:
            _set_word_language(doc, language)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()
