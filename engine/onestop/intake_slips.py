"""Mẫu 02 / Mẫu 03 at the desk: the intake slips for a dossier not received, numbered per unit and day."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.clock import VN_TZ
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import Dossier, Event, IntakeSlip, Procedure, Unit, User
from engine.onestop.reception import CHANNELS, applicant_errors, desk_unit
from engine.org import access
from engine.workflow.catalog import get_procedure

SLIP_KINDS = {"supplement": "HDHS", "refusal": "TCTN"}  # Mẫu 02 hướng dẫn hồ sơ, Mẫu 03 từ chối tiếp nhận
MAX_ITEM_CHARS = 500
MAX_REASON_CHARS = 2000


def issue_intake_slip(
    session: Session, *, kind: str, procedure_code: str, applicant: dict, channel: str, missing: list[str],
    reason: str, unit_code: str, actor_id: int, now: datetime,
) -> IntakeSlip:
    """Mẫu 02 (every missing component at once) or Mẫu 03 (refused, with the reason) for a dossier not received."""
    if kind not in SLIP_KINDS:
        raise ValidationFailed("Loại phiếu không hợp lệ.", {"kind": ["Chỉ nhận: supplement, refusal."]})
    unit = desk_unit(session, actor_id, unit_code)
    procedure = get_procedure(session, procedure_code)
    reason = (reason or "").strip()
    items = list(dict.fromkeys(item.strip() for item in missing if item and item.strip()))
    errors = applicant_errors(applicant)
    if channel not in CHANNELS:
        errors.setdefault("channel", []).append("Kênh tiếp nhận không hợp lệ.")
    if kind == "supplement" and not items:
        errors.setdefault("missing", []).append("Phiếu yêu cầu bổ sung phải nêu ít nhất một thành phần còn thiếu.")
    if any(len(item) > MAX_ITEM_CHARS for item in items):
        errors.setdefault("missing", []).append(f"Mỗi thành phần tối đa {MAX_ITEM_CHARS} ký tự.")
    if kind == "refusal" and not reason:
        errors.setdefault("reason", []).append("Phiếu từ chối tiếp nhận phải nêu rõ lý do.")
    if len(reason) > MAX_REASON_CHARS:
        errors.setdefault("reason", []).append(f"Tối đa {MAX_REASON_CHARS} ký tự.")
    if errors:
        raise ValidationFailed("Thông tin phiếu chưa hợp lệ.", errors)
    documents = {doc["name"]: doc for doc in procedure.documents}
    listed = [_missing_item(item, documents.get(item)) for item in items]
    slip = IntakeSlip(kind=kind, procedure_id=procedure.id, unit_id=unit.id, applicant=applicant, channel=channel,
                      missing=listed, reason=reason, actor_id=actor_id, created_at=now)
    _number_and_add(session, slip, unit, now)
    record_event(session, action="intake_slip_issued", at=now, actor_id=actor_id,
                 detail={"slip_id": slip.id, "number": slip.number, "kind": kind, "procedure": procedure.code,
                         "missing": items, "reason": reason})
    return slip


def get_intake_slip(session: Session, slip_id: int, user_id: int) -> IntakeSlip:
    """A slip for officials who work dossiers in the unit that issued it (not its designers or administrators)."""
    slip = session.get(IntakeSlip, slip_id)
    if slip is None:
        raise NotFound(f"Không có phiếu #{slip_id}.")
    access.check_unit_records(access.grants_of(session, user_id), slip.unit_id, "phiếu")
    return slip


def receiving_officer(session: Session, dossier_id: int) -> User | None:
    """Who received the dossier, for the signature on its receipt."""
    actor_id = session.scalar(select(Event.actor_id).where(Event.dossier_id == dossier_id,
                                                           Event.action == "dossier_received").limit(1))
    return session.get(User, actor_id) if actor_id is not None else None


def slip_parties(session: Session, slip: IntakeSlip) -> tuple[Procedure, Unit, User | None]:
    """The procedure, the issuing unit and the officer a printed slip names."""
    officer = session.get(User, slip.actor_id) if slip.actor_id is not None else None
    return session.get(Procedure, slip.procedure_id), session.get(Unit, slip.unit_id), officer


def slip_of_dossier(session: Session, dossier_id: int) -> IntakeSlip | None:
    """The Mẫu 03 that refused an online submission at the desk, if it was refused."""
    return session.scalar(select(IntakeSlip).where(IntakeSlip.dossier_id == dossier_id).limit(1))


def slip_dossier_code(session: Session, slip: IntakeSlip) -> str | None:
    """The code of the online dossier a slip refused (printed on its Mẫu 03); None for a walk-in's slip."""
    if slip.dossier_id is None:
        return None
    return session.scalar(select(Dossier.code).where(Dossier.id == slip.dossier_id))


def parent_unit(session: Session, unit: Unit) -> Unit | None:
    """The governing body printed above a unit's name on its forms."""
    return session.get(Unit, unit.parent_id) if unit.parent_id is not None else None


def _missing_item(name: str, document: dict | None) -> dict:
    """A missing component with the copies the procedure asks for; free text has no counts."""
    if document is None:
        return {"name": name, "original": None, "certified_copy": None, "photocopy": None}
    return {"name": name, "original": document.get("original", 0),
            "certified_copy": document.get("certified_copy", 0), "photocopy": document.get("photocopy", 0)}


def _number_and_add(session: Session, slip: IntakeSlip, unit: Unit, now: datetime, attempts: int = 5) -> None:
    """`<unit code>-HDHS-<YYMMDD>-<NNNN>`: the next number of the day; a clash with a concurrent desk retries."""
    prefix = f"{unit.code}-{SLIP_KINDS[slip.kind]}-{now.astimezone(VN_TZ):%y%m%d}-"
    for _ in range(attempts):
        last = session.scalar(select(func.max(IntakeSlip.number)).where(IntakeSlip.number.like(prefix + "%")))
        slip.number = f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"
        try:
            with session.begin_nested():
                session.add(slip)
                session.flush()
            return
        except IntegrityError:
            continue
    raise Conflict("Không cấp được số phiếu do nhiều người cùng lập; hãy thử lại.")
