"""The reception desk: finding a procedure, receiving with scans, and the Mẫu 02 / Mẫu 03 intake slips."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .attachments import check_upload, store_attachment
from .audit import record_event
from .catalog import get_procedure
from .clock import VN_TZ
from .access import unit_ids_of
from .dossiers import CHANNELS, DESK_ROLE, Receipt, applicant_errors, receive_dossier
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .models import Event, IntakeSlip, Membership, Procedure, Role, Unit, User

SLIP_KINDS = {"supplement": "HDHS", "refusal": "TCTN"}  # Mẫu 02 hướng dẫn hồ sơ, Mẫu 03 từ chối tiếp nhận
MAX_ITEM_CHARS = 500
MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class Upload:
    """One scanned component as received from the desk: which component, the file name and its bytes."""
    component: str
    filename: str
    data: bytes
    field: str = "file"  # where an error about this file is shown


def reception_units(session: Session, user_id: int) -> list[Unit]:
    """Units where the user works the desk (holds mot_cua), by name."""
    return list(session.scalars(
        select(Unit).join(Membership, Membership.unit_id == Unit.id).join(Role, Membership.role_id == Role.id)
        .where(Membership.user_id == user_id, Role.key == DESK_ROLE).order_by(Unit.name).distinct()))


def require_desk(session: Session, user_id: int) -> list[Unit]:
    """The units whose desk the user works; Forbidden for anyone who holds mot_cua nowhere."""
    units = reception_units(session, user_id)
    if not units:
        raise Forbidden("Chỉ công chức Bộ phận Một cửa mới được tiếp nhận hồ sơ.")
    return units


def check_desk(session: Session, user_id: int, unit_code: str | None = None) -> Unit:
    """The unit whose desk the user works (the only one, or `unit_code`); Forbidden if they hold no mot_cua there."""
    units = reception_units(session, user_id)
    if unit_code:
        units = [unit for unit in units if unit.code == unit_code]
    if not units:
        raise Forbidden("Chỉ công chức Bộ phận Một cửa của đơn vị mới được tiếp nhận hồ sơ.")
    if len(units) > 1:
        raise ValidationFailed("Hãy chọn đơn vị tiếp nhận.", {"unit": ["Hãy chọn đơn vị tiếp nhận."]})
    return units[0]


def fold(text: str) -> str:
    """Lower case without diacritics, so 'dinh chinh' matches 'Đính chính'."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_procedures(session: Session, query: str, active_only: bool = True) -> list[Procedure]:
    """Procedures (with an active version, unless `active_only` is off) whose name, code or field holds every
    word of the query; the catalogue is small, so matching is done here rather than in SQL per backend."""
    words = fold(query).split()
    statement = select(Procedure).order_by(Procedure.name)
    if active_only:
        statement = statement.where(Procedure.active_version_id.is_not(None))
    rows = session.scalars(statement)
    return [p for p in rows if all(w in fold(f"{p.name} {p.code} {p.slug} {p.field}") for w in words)]


def receive_at_desk(
    session: Session, *, storage_dir: Path, max_bytes: int, procedure_code: str, applicant: dict, channel: str,
    unit_code: str | None, components: list[str], uploads: list[Upload], actor_id: int, now: datetime,
    return_method: str = "desk", return_address: str = "",
) -> Receipt:
    """Receive a dossier at the desk with its scans, all or nothing: a bad file means nothing is received."""
    unit = check_desk(session, actor_id, unit_code)
    errors: dict[str, list[str]] = {}
    for upload in uploads:
        try:
            check_upload(upload.filename, upload.data, max_bytes)
        except ValidationFailed as exc:
            errors.setdefault(upload.field, []).extend(exc.errors.get("file", [exc.message]))
    unticked = sorted({u.component for u in uploads} - set(components))
    if unticked:
        errors.setdefault("components", []).append(
            "Có tệp quét cho thành phần chưa được đánh dấu: " + "; ".join(unticked) + ".")
    try:
        receipt = receive_dossier(
            session, procedure_code=procedure_code, applicant=applicant, channel=channel, received_at=now,
            receiving_unit_code=unit.code, actor_id=actor_id, now=now, components=components,
            return_method=return_method, return_address=return_address)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, {**errors, **_merge(errors, exc.errors)}) from exc
    if errors:
        raise ValidationFailed("Tệp đính kèm chưa hợp lệ; hồ sơ chưa được tiếp nhận.", errors)
    for upload in uploads:
        store_attachment(session, storage_dir=storage_dir, dossier_id=receipt.dossier_id, filename=upload.filename,
                         data=upload.data, actor_id=actor_id, now=now, component=upload.component,
                         max_bytes=max_bytes)
    return receipt


def issue_intake_slip(
    session: Session, *, kind: str, procedure_code: str, applicant: dict, channel: str, missing: list[str],
    reason: str, unit_code: str, actor_id: int, now: datetime,
) -> IntakeSlip:
    """Mẫu 02 (every missing component at once) or Mẫu 03 (refused, with the reason) for a dossier not received."""
    if kind not in SLIP_KINDS:
        raise ValidationFailed("Loại phiếu không hợp lệ.", {"kind": ["Chỉ nhận: supplement, refusal."]})
    unit = check_desk(session, actor_id, unit_code)
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
    if slip.unit_id not in unit_ids_of(session, user_id):
        raise Forbidden("Bạn không có quyền xem phiếu của đơn vị khác.")
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


def _merge(first: dict[str, list[str]], second: dict[str, list[str]]) -> dict[str, list[str]]:
    return {key: [*first.get(key, []), *messages] for key, messages in second.items()}
