"""A version's BPMN files read with the hardened XML parser, and where each element stands (file, line, name)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMN = f"{{{BPMN_NS}}}"
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
    huge_tree=False,  # libxml2 then refuses documents nested deeper than 256 elements
    remove_comments=True, remove_pis=True,
)
# The text is decoded already: whatever encoding the declaration names, the parser reads UTF-8 bytes.
_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml\b[^>]*\?>")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class BpmnError(Exception):
    """Raised for a version that cannot be used; carries the element, file and line concerned."""

    def __init__(self, message: str, element: str | None = None, file: str | None = None,
                 line: int | None = None):
        super().__init__(message)
        self.message, self.element, self.file, self.line = message, element, file, line


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful, `warning`) in a version's BPMN, as plain data."""

    message: str
    element: str | None = None
    file: str | None = None
    name: str | None = None
    line: int | None = None
    warning: bool = False


@dataclass(frozen=True)
class Place:
    file: str
    line: int | None
    name: str | None
    tag: str


@dataclass
class Documents:
    """The parsed files by name, and every element with an id by id (first one wins)."""

    roots: dict[str, object] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)

    def problem(self, message: str, element: str | None = None, file: str | None = None,
                warning: bool = False) -> Problem:
        """A problem located: the element's file, line and name come from the documents."""
        place = self.places.get(element) if element else None
        if place is None:
            return Problem(message, element, file, None, None, warning)
        return Problem(message, element, file or place.file, place.name, place.line, warning)

    def processes(self) -> dict[str, tuple[str, object]]:
        """Every bpmn:process by id: (file, element)."""
        return {node.get("id"): (name, node) for name, root in self.roots.items()
                for node in root.iter(f"{BPMN}process") if node.get("id")}


def parse_xml(data: bytes | str, filename: str, max_bytes: int):
    """Parse one BPMN document with entities, DTDs and network access refused; decoded text is read as
    itself (an encoding the declaration names is ignored, so no declared encoding can hide a DOCTYPE)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BpmnError(f"tệp {filename} không phải văn bản UTF-8", file=filename) from None
    raw = _DECLARATION.sub("", data, count=1).lstrip("\ufeff").encode("utf-8")
    if len(raw) > max_bytes:
        raise BpmnError(f"tệp {filename} lớn hơn giới hạn {max_bytes} byte", file=filename)
    if _DTD.search(data):
        raise BpmnError(f"tệp {filename} chứa DOCTYPE/ENTITY, không được phép", file=filename)
    try:
        root = etree.fromstring(raw, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        raise BpmnError(f"tệp {filename} không phải XML hợp lệ: {exc.msg}", file=filename, line=line) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise BpmnError(f"tệp {filename} chứa DOCTYPE/ENTITY, không được phép", file=filename)
    return root


def read_documents(files: dict[str, str], max_bytes: int) -> tuple[Documents, list[Problem]]:
    """Parse every file; a file that cannot be read is a problem, the others are still read and indexed."""
    documents, problems = Documents(), []
    for filename, text in files.items():
        try:
            root = parse_xml(text, filename, max_bytes)
        except BpmnError as exc:
            problems.append(Problem(exc.message, file=filename, line=exc.line))
            continue
        if root.tag != f"{BPMN}definitions":
            problems.append(Problem(f"tệp {filename} không phải tệp BPMN (gốc phải là bpmn:definitions)",
                                    file=filename, line=root.sourceline))
            continue
        documents.roots[filename] = root
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            element_id = node.get("id")
            if element_id and element_id not in documents.places:
                tag = node.tag.rsplit("}", 1)[-1]
                documents.places[element_id] = Place(filename, node.sourceline, node.get("name") or None, tag)
    return documents, problems
