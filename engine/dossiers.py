"""Dossier intake: numbering, lookup secret, legal due date, status and the start of its process."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, time

from jsonschema import Draft202012Validator
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from . import runtime
from .accounts import get_unit
from .audit import record_event
from .calendar import legal_due
from .catalog import get_procedure, version_bundle
from .clock import VN_TZ
from .db import is_postgresql
from .errors import Forbidden, NotFound, ValidationFailed
from .forms import field_errors
from .models import Dossier, DossierSequence, Membership, Procedure, Role, Unit
from .statuses import RETURN_METHODS
from .unit_calendars import unit_calendar

DESK_ROLE = "mot_cua"  # the one-stop desk: receives dossiers, hands results back
CHANNELS = {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"}
SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes
APPLICANT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255, "title": "Họ và tên"},
        "id_number": {"type": "string", "pattern": "^[0-9]{9,12}$", "title": "Số định danh/CCCD"},
        "phone": {"type": "string", "pattern": "^[0-9+ .-]{8,15}$", "title": "Số điện thoại"},
        "email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "title": "Thư điện tử"},
        "address": {"type": "string", "maxLength": 500, "title": "Địa chỉ"},
    },
}
_APPLICANT = Draft202012Validator(APPLICANT_SCHEMA)


@dataclass(frozen=True)
class Receipt:
    dossier_id: int
    code: str
    secret: str
    status: int
    due_at: datetime


def receive_dossier(
    session: Session, *, procedure_code: str, applicant: dict, channel: str, received_at: datetime,
    receiving_unit_code: str, actor_id: int | None, now: datetime, deciding_unit_code: str | None = None,
    components: list[str] | None = None, return_method: str = "desk", return_address: str = "",
) -> Receipt:
    """Receive a complete dossier: number it, compute its due date, set status 2 and start its process.

    `components` names the ticked thành phần hồ sơ; None (callers that do not record them) skips the check."""
    errors = applicant_errors(applicant)
    if channel not in CHANNELS:
        errors.setdefault("channel", []).append(f"Kênh phải là một trong: {', '.join(CHANNELS)}.")
    if received_at.tzinfo is None:
        errors.setdefault("received_at", []).append("Thời điểm tiếp nhận phải có múi giờ.")
    elif received_at > now:
        errors.setdefault("received_at", []).append("Thời điểm tiếp nhận không thể ở tương lai.")
    return_address = (return_address or "").strip()
    if return_method not in RETURN_METHODS:
        errors.setdefault("return_method", []).append("Hình thức nhận kết quả không hợp lệ.")
    elif return_method == "postal" and not return_address:
        errors.setdefault("return_address", []).append("Nhận kết quả qua bưu chính cần địa chỉ nhận.")
    elif len(return_address) > 500:
        errors.setdefault("return_address", []).append("Tối đa 500 ký tự.")
    procedure = get_procedure(session, procedure_code)
    ticked = []
    if components is not None:
        ticked, component_errors = check_components(procedure, components)
        errors.update(component_errors)
    if errors:
        raise ValidationFailed("Thông tin hồ sơ chưa hợp lệ.", errors)
    if procedure.active_version_id is None:
        raise NotFound(f"Thủ tục {procedure.code} chưa có quy trình nội bộ được áp dụng.")
    receiving = get_unit(session, receiving_unit_code)
    if deciding_unit_code:
        deciding_id = get_unit(session, deciding_unit_code).id
    else:
        deciding_id = procedure.deciding_unit_id or receiving.id
    meta = version_bundle(session, procedure.active_version_id).meta
    due_at = legal_due(unit_calendar(session, deciding_id), received_at, procedure.time_limit,
                       _cutoff(procedure.cutoff_hour), bool(meta.get("cutoff_all_limits", False)))
    secret = new_secret()
    dossier = Dossier(
        code=next_dossier_code(session, receiving, received_at), procedure_id=procedure.id,
        process_version_id=procedure.active_version_id, applicant=applicant, channel=channel,
        received_at=received_at, due_at=due_at, status=2, receiving_unit_id=receiving.id,
        deciding_unit_id=deciding_id, secret_hash=hash_secret(secret), components=ticked,
        return_method=return_method, return_address=return_address if return_method == "postal" else "",
    )
    session.add(dossier)
    session.flush()
    record_event(session, action="dossier_received", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_after=2, detail={"channel": channel, "due_at": due_at.isoformat()})
    runtime.start_instance(session, dossier, now=now, actor_id=actor_id)
    return Receipt(dossier.id, dossier.code, secret, dossier.status, due_at)


def applicant_errors(applicant) -> dict[str, list[str]]:
    """Field errors of an applicant record ({name, id_number, phone, email, address}), keyed `applicant.<field>`."""
    return field_errors(_APPLICANT, applicant, prefix="applicant")


def check_components(procedure: Procedure, names: list[str]) -> tuple[list[dict], dict[str, list[str]]]:
    """The ticked components as stored on the dossier, and the errors: an unknown name, a required one missing."""
    documents = {doc["name"]: doc for doc in procedure.documents}
    unknown = [name for name in names if name not in documents]
    missing = [doc["name"] for doc in procedure.documents if doc.get("required") and doc["name"] not in names]
    messages = [f"Thủ tục không có thành phần: {name}." for name in unknown]
    if missing:
        messages.append("Còn thiếu thành phần bắt buộc: " + "; ".join(missing)
                        + ". Hãy lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02).")
    ticked = [{"name": doc["name"], "original": doc.get("original", 0), "certified_copy": doc.get("certified_copy", 0),
               "photocopy": doc.get("photocopy", 0)} for doc in procedure.documents if doc["name"] in names]
    return ticked, ({"components": messages} if messages else {})


def new_secret() -> str:
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(8))


def reset_lookup_secret(session: Session, code: str, actor_id: int, now: datetime) -> str:
    """A new lookup secret for a reprinted receipt (only the hash is kept, so the old one cannot be shown);
    only the desk of the receiving unit, which hands the receipt to the citizen, may issue one."""
    dossier = get_dossier(session, code)
    desk = session.scalar(select(Membership.id).join(Role, Membership.role_id == Role.id).where(
        Membership.user_id == actor_id, Membership.unit_id == dossier.receiving_unit_id,
        Role.key == DESK_ROLE).limit(1))
    if desk is None:
        raise Forbidden("Chỉ công chức Bộ phận Một cửa của đơn vị tiếp nhận được cấp lại mã tra cứu.")
    secret = new_secret()
    dossier.secret_hash = hash_secret(secret)
    record_event(session, action="lookup_secret_reset", at=now, actor_id=actor_id, dossier_id=dossier.id)
    session.flush()
    return secret


def next_dossier_code(session: Session, unit: Unit, received_at: datetime) -> str:
    """`<unit code>-<YYMMDD>-<NNNN>`: an atomic per-unit daily counter, safe under concurrent intake."""
    day = received_at.astimezone(VN_TZ).date()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DossierSequence).values(unit_id=unit.id, day=day, last=1)
        .on_conflict_do_update(index_elements=["unit_id", "day"], set_={"last": DossierSequence.last + 1})
        .returning(DossierSequence.last)
    )
    number = session.execute(statement).scalar_one()
    return f"{unit.code}-{day:%y%m%d}-{number:04d}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def get_dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None:
        raise NotFound(f"Không có hồ sơ mã {code}.")
    return dossier


def lock_dossier(session: Session, dossier_id: int) -> Dossier:
    """The dossier row locked until the transaction ends and re-read, so a check-then-write on it cannot
    race another request's (FOR UPDATE on PostgreSQL; on SQLite a no-op write takes the database write lock)."""
    if not is_postgresql(session):
        session.execute(update(Dossier).where(Dossier.id == dossier_id).values(status=Dossier.status)
                        .execution_options(synchronize_session=False))
    dossier = session.scalar(select(Dossier).where(Dossier.id == dossier_id).with_for_update()
                             .execution_options(populate_existing=True))
    if dossier is None:
        raise NotFound(f"Không có hồ sơ #{dossier_id}.")
    return dossier


def _cutoff(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
