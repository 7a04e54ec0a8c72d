"""A validation finding: what is wrong or doubtful in a procedure version, and exactly where."""
from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"  # blocks storing a runnable version and submitting a draft
WARNING = "warning"  # shown to the designer; does not block


@dataclass(frozen=True)
class Finding:
    """One finding of the one validation function; `file`, `element` (BPMN id), `name` (the element's
    name) and `line` (in `file`) are given whenever they are known."""

    severity: str
    message: str
    file: str | None = None
    element: str | None = None
    name: str | None = None
    line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return asdict(self)


def as_fields(findings) -> dict[str, list[str]]:
    """Findings as a form's field errors: keyed by file and element (`process.bpmn#ut_a`), the line and
    severity in the message; errors first."""
    fields: dict[str, list[str]] = {}
    for finding in sorted(findings, key=lambda f: not f.is_error):
        key = "#".join(part for part in (finding.file or "package", finding.element) if part)
        where = f"dòng {finding.line}: " if finding.line else ""
        fields.setdefault(key, []).append(("" if finding.is_error else "cảnh báo: ") + where + finding.message)
    return fields
