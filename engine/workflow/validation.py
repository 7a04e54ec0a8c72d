"""The one validation of a procedure version (studio, API upload, load-procedures): every finding at once."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from engine import spiff
from engine.infra.errors import InvalidProcess
from engine.workflow.catalog import check_version
from engine.workflow.findings import ERROR, WARNING, Finding
from engine.workflow.forms import form_warnings


@dataclass
class Report:
    """What validation found; `parsed`, `used` (the files the version uses) and `digest` are set only when
    no finding is an error."""

    findings: list[Finding] = field(default_factory=list)
    parsed: spiff.ParsedVersion | None = None
    used: dict[str, str] = field(default_factory=dict)
    digest: str | None = None

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]


def validate_package(session: Session, slug: str, meta: dict, files: dict[str, str], forms: dict[str, dict],
                     max_bytes: int = 2_000_000) -> Report:
    """Check a version's procedure.toml data, BPMN files and forms; never raises for a bad version."""
    try:
        parsed, used, digest = check_version(session, slug, meta, files, forms, max_bytes)
    except InvalidProcess as exc:
        return Report([Finding(ERROR, exc.message, exc.file, exc.element)])
    return Report([Finding(WARNING, text) for text in form_warnings(forms)], parsed, used, digest)
