"""The studio's dry-run page as plain data: the version, its gateways, and one path or every path run."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from engine.infra.errors import ValidationFailed
from engine.models import Procedure, ProcessVersion
from engine.org import access
from engine.org.roles import role_names
from engine.workflow.catalog import version_bundle
from engine.workflow.dry_run import (
    GATE_PREFIX,
    PACES,
    GatewayChoice,
    Outcome,
    Paths,
    default_reception,
    dry_run,
    dry_run_paths,
    gateway_choices,
    overrun_days,
    resolve_choices,
)
from engine.workflow.dry_run_parts import Setting
from engine.workflow.findings import Finding
from engine.workflow.validation import validate_package
from engine.workflow.versions import get_version

MODES = ("one", "all")  # one path (the conditions, or the designer's choices) | every path (bounded)
UNCHECKED_STATES = {"draft", "rejected"}  # stored without the approval's checks: validated before running


@dataclass
class DryRunPage:
    procedure: Procedure
    version: ProcessVersion
    findings: list[Finding] = field(default_factory=list)  # blocking findings: nothing ran
    gateways: list[GatewayChoice] = field(default_factory=list)
    received_at: datetime | None = None
    pace: str = "budget"
    mode: str = "one"
    choices: dict[str, str] = field(default_factory=dict)  # gateway id -> the key picked ("" for the conditions)
    deciding_unit: str = ""
    outcome: Outcome | None = None
    paths: Paths | None = None
    overruns: list[Decimal | None] = field(default_factory=list)  # per run shown: working days past the due date
    roles: dict[str, str] = field(default_factory=dict)  # role key (a lane's name) -> the role's name

    def lane_name(self, lane: str | None) -> str | None:
        """The name of the role a lane stands for, or the lane as the BPMN names it when no role has that key."""
        return self.roles.get(lane, lane) if lane else lane

    @property
    def runs(self) -> list[Outcome]:
        return self.paths.runs if self.paths is not None else [self.outcome] if self.outcome is not None else []


def dry_run_page(session: Session, code: str, number: int, user_id: int, now: datetime, *,
                 received_at: datetime | None = None, pace: str = "budget", mode: str = "one",
                 choices: dict[str, str] | None = None, data: dict[str, dict] | None = None,
                 run: bool = True) -> DryRunPage:
    """The page for a designer or administrator: a draft that fails validation shows its findings and does not
    run; otherwise the form's values (reception by default the next working day at 08:00) and, with `run`, the
    result. `data` gives some steps' form answers (BPMN id -> values) over the generated ones. An unknown gateway
    or way out raises ValidationFailed keyed `choices.<gateway id>`, an unknown step one keyed `data`."""
    access.check_catalogue(access.grants_of(session, user_id))
    version = get_version(session, code, number)
    page = DryRunPage(version.procedure, version, pace=pace if pace in PACES else "budget",
                      mode=mode if mode in MODES else "one", choices=dict(choices or {}))
    if version.status in UNCHECKED_STATES:
        report = validate_package(session, version.procedure.slug, version.meta, version.files, version.forms)
        page.findings = [f for f in report.errors if not f.message.startswith(GATE_PREFIX)]
        if page.findings:
            return page
        parsed = report.parsed or version_bundle(session, version.id, version.checksum).parsed
    else:
        parsed = version_bundle(session, version.id, version.checksum).parsed
    meta, forms = version.meta, version.forms
    setting = Setting.build(session, meta, parsed, forms)
    page.deciding_unit = setting.deciding.name
    page.gateways = gateway_choices(parsed, version.files)
    page.received_at = received_at or default_reception(setting.deciding.calendar, now)
    forced = resolve_choices(parsed, version.files, page.choices)
    unknown = sorted(set(data or {}) - set(parsed.user_tasks))
    if unknown:
        raise ValidationFailed("Dữ liệu nhập chưa hợp lệ.", {"data": [
            f"Quy trình không có bước (công việc) mã {', '.join(unknown)}."]})
    if not run:
        return page
    page.roles = role_names(session)
    if page.mode == "all":
        page.paths = dry_run_paths(session, meta, parsed, forms, received_at=page.received_at, pace=page.pace,
                                   choices=forced, data=data)
    else:
        page.outcome = dry_run(session, meta, parsed, forms, received_at=page.received_at, pace=page.pace,
                               choices=forced, data=data)
    page.overruns = [overrun_days(r, setting.deciding.calendar) for r in page.runs]
    return page
