"""Checks of a version's steps against motcua and its database: task properties, lanes as existing roles
worked at existing units (and someone holding them), dossier actions, step budgets against the legal limit,
and messages that start one procedure only."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from engine import spiff
from engine.models import Delegation, Membership, Procedure, Role, Unit, User
from engine.org.calendar import parse_budget
from engine.workflow import actions
from engine.workflow.budgets import budget_report
from engine.workflow.bundles import version_bundle
from engine.workflow.findings import ERROR, WARNING, Finding
from engine.workflow.form_checks import IDENTIFIER

STATUSES = {str(i) for i in range(1, 11)}


def step_findings(session: Session, slug: str, meta: dict, inspection: spiff.Inspection, forms: dict[str, dict],
                  ui_names: set[str], now: datetime) -> list[Finding]:
    parsed = inspection.parsed

    def finding(message: str, element: str | None = None, severity: str = ERROR) -> Finding:
        return to_finding(inspection.problem(message, element, warning=severity == WARNING))

    found = []
    known_actions = actions.action_names()
    for node in parsed.nodes:
        action = node.properties.get("dossier_action")
        if action and action not in known_actions:
            found.append(finding(f"phần tử {node.bpmn_id}: dossier_action '{action}' không có; dùng: "
                                 f"{', '.join(sorted(known_actions))}", node.bpmn_id))
    lane_units = meta.get("lanes") if isinstance(meta.get("lanes"), dict) else {}
    roles = set(session.scalars(select(Role.key)))
    units = dict(session.execute(select(Unit.code, Unit.id)).all())
    staffed: dict[tuple[str, str], bool] = {}
    for info in parsed.user_tasks.values():
        where = f"công việc {info.bpmn_id} ({info.name})"
        found += [finding(f"{where}: {text}", info.bpmn_id) for text in _property_problems(info.properties, forms,
                                                                                          ui_names)]
        unit = info.properties.get("unit")
        for lane in (lane for lane in info.lanes if lane is not None):
            mapped = unit or lane_units.get(lane, "deciding")
            before = len(found)
            if not IDENTIFIER.match(lane):
                found.append(finding(f"{where}: tên làn '{lane}' phải là mã vai trò (chữ không dấu, số, gạch dưới)",
                                     info.bpmn_id))
            elif lane not in roles:
                found.append(finding(f"{where}: làn '{lane}' không phải vai trò nào trong hệ thống, không ai nhận được "
                                     f"công việc này; dùng một vai trò có sẵn hoặc nhờ quản trị viên tạo vai trò",
                                     info.bpmn_id))
            if mapped not in ("receiving", "deciding") and mapped not in units:
                found.append(finding(f"{where}: đơn vị {mapped} (làn {lane}) không tồn tại, không có lịch làm việc",
                                     info.bpmn_id))
            if len(found) == before:
                at = meta.get("deciding_unit") if mapped == "deciding" else None if mapped == "receiving" else mapped
                key = (lane, at or "")
                if key not in staffed:
                    staffed[key] = _staffed(session, lane, units.get(at) if at else None, now)
                if not staffed[key]:
                    place = f"tại đơn vị {at}" if at else "tại đơn vị nào"
                    found.append(finding(f"{where}: chưa ai giữ vai trò '{lane}' {place} (kể cả theo ủy quyền còn "
                                         "hiệu lực); công việc sẽ không có người nhận", info.bpmn_id, WARNING))
    found += _budget_findings(meta, parsed, finding)
    found += _start_message_findings(session, slug, parsed, finding)
    return found


def to_finding(problem: spiff.Problem) -> Finding:
    return Finding(WARNING if problem.warning else ERROR, problem.message, problem.file, problem.element,
                   problem.name, problem.line)


def _property_problems(props: dict, forms: dict[str, dict], ui_names: set[str]) -> list[str]:
    problems = []
    schema, ui = props.get("formJsonSchemaFilename"), props.get("formUiSchemaFilename")
    if schema and schema not in forms:
        problems.append(f"không có tệp biểu mẫu {schema}")
    elif schema and schema in ui_names:
        problems.append(f"formJsonSchemaFilename trỏ tới {schema}, là biểu mẫu giao diện (UI schema)")
    if ui and ui not in forms:
        problems.append(f"không có tệp biểu mẫu giao diện {ui}")
    if "step_budget" in props:
        try:
            parse_budget(props["step_budget"])
        except ValueError as exc:
            problems.append(str(exc))
    if "dossier_status" in props and props["dossier_status"] not in STATUSES:
        problems.append("dossier_status phải là mã trạng thái 1–10")
    return problems


def _staffed(session: Session, role: str, unit_id: int | None, now: datetime) -> bool:
    """Whether an active official holds the role (at the unit, or anywhere when the unit is only known at
    reception), or acts in it under a delegation valid now."""
    member = (select(Membership.id).join(Role, Role.id == Membership.role_id)
              .join(User, User.id == Membership.user_id).where(Role.key == role, User.is_active.is_(True)))
    delegate = (select(Delegation.id).join(User, User.id == Delegation.to_user_id)
                .where(Delegation.role_key == role, Delegation.revoked_at.is_(None), Delegation.valid_from <= now,
                       Delegation.valid_to > now, User.is_active.is_(True)))
    if unit_id is not None:
        member, delegate = member.where(Membership.unit_id == unit_id), delegate.where(Delegation.unit_id == unit_id)
    return bool(session.scalar(select(or_(exists(member), exists(delegate)))))


def _budget_findings(meta: dict, parsed: spiff.ParsedVersion, finding) -> list[Finding]:
    try:
        limit = Decimal(str(meta["time_limit"]))
    except (KeyError, InvalidOperation):
        return []  # procedure.toml's own finding says so
    try:
        report = budget_report(parsed, limit)
    except ValueError:
        return []  # a step budget that does not parse has its own finding
    if report.fits:
        return []
    return [finding(f"tổng thời hạn các bước trên đường dài nhất ({' → '.join(report.worst_path)}) là "
                    f"{report.worst_days} ngày làm việc, vượt thời hạn luật định {report.limit_days} ngày",
                    report.worst_path[-1] if report.worst_path else None)]


def _start_message_findings(session: Session, slug: str, parsed: spiff.ParsedVersion, finding) -> list[Finding]:
    """A message may start one procedure only, or the bus could not tell whose process to start."""
    mine = spiff.start_message_names(parsed)
    if not mine:
        return []
    found = []
    rows = session.execute(select(Procedure.slug, Procedure.active_version_id)
                           .where(Procedure.active_version_id.is_not(None), Procedure.slug != slug))
    for other, version_id in rows:
        shared = mine & spiff.start_message_names(version_bundle(session, version_id).parsed)
        if shared:
            found.append(finding(f"thông điệp {', '.join(sorted(shared))} đã khởi động quy trình của thủ tục {other}; "
                                 "mỗi thông điệp chỉ khởi động một quy trình", parsed.process_id))
    return found
