"""The one reception: receive a dossier (at the desk with its scans, or from another system through the API),
number it, compute its legal due date and start its process."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import NotFound, ValidationFailed
from engine.infra.text import dossier_search_text
from engine.models import Dossier, Procedure, Unit
from engine.onestop import tallies
from engine.onestop.attachments import check_upload, store_attachment
from engine.onestop.dossiers import hash_secret, new_secret
from engine.onestop.numbers import next_dossier_code, next_register_number
from engine.onestop.repeats import LikelyDuplicate, check_duplicate
from engine.onestop.statuses import RETURN_METHODS
from engine.org import access
from engine.org.accounts import get_unit
from engine.org.calendar import legal_due, unit_calendar
from engine.workflow import runtime
from engine.workflow.catalog import get_procedure, version_bundle
from engine.workflow.forms import field_errors

CHANNELS = {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"}
APPLICANT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255, "title": "Họ và tên"},
        "id_number": {"type": "string", "pattern": "^[0-9]{9,12}$", "title": "Số định danh/CCCD"},
        "phone": {"type": "string", "pattern": "^[0-9+ .-]{8,15}$", "title": "Số điện thoại"},
        # domain labels cannot hold a dot, so the match is linear (the old pattern backtracked on "a@....@")
        "email": {"type": "string", "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s.]+(?:\\.[^@\\s.]+)+$",
                  "title": "Thư điện tử"},
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


@dataclass(frozen=True)
class Upload:
    """One scanned component as received from the desk: which component, the file name and its bytes."""
    component: str
    filename: str
    data: bytes
    field: str = "file"  # where an error about this file is shown


def desk_units(session: Session, user_id: int) -> list[Unit]:
    """Units where the user works the one-stop desk (holds mot_cua), by name."""
    ids = access.grants_of(session, user_id).units_with({access.DESK_ROLE})
    return sorted((session.get(Unit, unit_id) for unit_id in ids), key=lambda unit: unit.name)


def require_desk(session: Session, user_id: int) -> list[Unit]:
    """The units whose desk the user works; Forbidden for anyone who works it nowhere."""
    access.check_desk(access.grants_of(session, user_id))
    return desk_units(session, user_id)


def desk_unit(session: Session, user_id: int, unit_code: str | None = None, field: str = "unit") -> Unit:
    """The unit whose desk the user works: `unit_code`, or their only desk; Forbidden if they hold no mot_cua
    there, a field error when they work several desks and named none."""
    grants = access.grants_of(session, user_id)
    units = [unit for unit in desk_units(session, user_id) if not unit_code or unit.code == unit_code]
    access.check_desk(grants, units[0].id if units else -1)
    if len(units) > 1:
        message = "Hãy chọn đơn vị tiếp nhận."
        if field != "unit":
            message = f"Bắt buộc khi bạn làm Một cửa ở nhiều đơn vị: {', '.join(sorted(u.code for u in units))}."
        raise ValidationFailed("Hãy chọn đơn vị tiếp nhận.", {field: [message]})
    return units[0]


def receive_dossier(
    session: Session, *, procedure_code: str, applicant: dict, channel: str, received_at: datetime,
    receiving_unit_code: str, actor_id: int | None, now: datetime, deciding_unit_code: str | None = None,
    components: list[str] | None = None, return_method: str = "desk", return_address: str = "",
    ask_duplicate: bool = False, submitted: bool = False, by_name: bool = False,
) -> Receipt:
    """Receive a complete dossier: number it, compute its due date, set status 2 and start its process.

    `submitted`: an online submission instead, registered at status 1 (Mới đăng ký) with its code and lookup
    secret but no due date, register number or process until the desk receives it (onestop.online); its
    components need not be complete yet. `components` names the ticked thành phần hồ sơ; None (callers that do
    not record them) skips the check. With `ask_duplicate` (the desk and the API, until the officer confirms),
    a likely duplicate (same procedure, unit and applicant id number that day; `by_name`, the desk form's, also
    the same name when neither gives an id number) is a LikelyDuplicate."""
    errors = applicant_errors(applicant)
    if channel not in CHANNELS:
        errors.setdefault("channel", []).append(f"Kênh phải là một trong: {', '.join(CHANNELS)}.")
    if received_at.tzinfo is None:
        errors.setdefault("received_at", []).append("Thời điểm tiếp nhận phải có múi giờ.")
    elif received_at > now:
        errors.setdefault("received_at", []).append("Thời điểm tiếp nhận không thể ở tương lai.")
    return_address = (return_address or "").strip()
    errors.update(return_errors(return_method, return_address))
    procedure = get_procedure(session, procedure_code)
    ticked = []
    if components is not None:
        ticked, component_errors = check_components(procedure, components, complete=not submitted)
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
    if ask_duplicate:
        check_duplicate(session, procedure.id, receiving.id, applicant, received_at, by_name=by_name)
    secret = new_secret()
    dossier = Dossier(
        code=next_dossier_code(session, receiving, received_at), procedure_id=procedure.id,
        process_version_id=procedure.active_version_id, applicant=applicant, channel=channel,
        received_at=received_at, receiving_unit_id=receiving.id, status=1,
        deciding_unit_id=deciding_id, secret_hash=hash_secret(secret), components=ticked,
        return_method=return_method, return_address=return_address if return_method == "postal" else "",
    )
    dossier.search_text = dossier_search_text(dossier.code, applicant)
    if submitted:
        dossier.submitted_at = received_at
    else:
        set_received(session, dossier, procedure, received_at)
    session.add(dossier)
    session.flush()
    if submitted:
        record_event(session, action="dossier_submitted", at=now, actor_id=actor_id, dossier_id=dossier.id,
                     status_after=1, detail={"channel": channel})
    else:
        start_processing(session, dossier, actor_id, now)
    return Receipt(dossier.id, dossier.code, secret, dossier.status, dossier.due_at)


def set_received(session: Session, dossier: Dossier, procedure: Procedure, received_at: datetime) -> None:
    """Received at `received_at`: status 2, the legal due date (promised on Mẫu 01) and the register number."""
    meta = version_bundle(session, dossier.process_version_id).meta
    due_at = legal_due(unit_calendar(session, dossier.deciding_unit_id), received_at, procedure.time_limit,
                       _cutoff(procedure.cutoff_hour), bool(meta.get("cutoff_all_limits", False)),
                       procedure.time_limit_unit)
    dossier.received_at, dossier.promised_due_at, dossier.due_at, dossier.status = received_at, due_at, due_at, 2
    dossier.register_year, dossier.register_number = next_register_number(session, dossier.receiving_unit_id,
                                                                          received_at)
    tallies.hold(session, dossier)  # booked by start_processing, with any scan stored before it


def start_processing(session: Session, dossier: Dossier, actor_id: int | None, now: datetime,
                     status_before: int | None = None) -> None:
    """A dossier just received (`set_received`, flushed): its event and its process, started now."""
    record_event(session, action="dossier_received", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_before=status_before, status_after=2,
                 detail={"channel": dossier.channel, "due_at": dossier.due_at.isoformat(),
                         "register": f"{dossier.register_number}/{dossier.register_year}"})
    tallies.book_reception(session, dossier, now)
    runtime.start_instance(session, dossier, now=now, actor_id=actor_id)


def receive_at_desk(
    session: Session, *, storage_dir: Path, max_bytes: int, procedure_code: str, applicant: dict, channel: str,
    unit_code: str | None, components: list[str], uploads: list[Upload], actor_id: int, now: datetime,
    return_method: str = "desk", return_address: str = "", confirm_duplicate: bool = False,
) -> Receipt:
    """Receive a dossier at the desk with its scans, all or nothing: a bad file means nothing is received."""
    unit = desk_unit(session, actor_id, unit_code)
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
            return_method=return_method, return_address=return_address, ask_duplicate=not confirm_duplicate,
            by_name=True)  # the form sent again after Back has a new token: nothing else tells it apart
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, {**errors, **_merge(errors, exc.errors)}) from exc
    except LikelyDuplicate as exc:
        if errors:  # the files' errors too, so one more round shows everything left to fix
            raise ValidationFailed("Tệp đính kèm chưa hợp lệ; hồ sơ chưa được tiếp nhận.",
                                   {**errors, **exc.errors}) from exc
        raise
    if errors:
        raise ValidationFailed("Tệp đính kèm chưa hợp lệ; hồ sơ chưa được tiếp nhận.", errors)
    for upload in uploads:
        store_attachment(session, storage_dir=storage_dir, dossier_id=receipt.dossier_id, filename=upload.filename,
                         data=upload.data, actor_id=actor_id, now=now, component=upload.component,
                         max_bytes=max_bytes)
    return receipt


def receive_for_integration(session: Session, *, actor_id: int, procedure_code: str, applicant: dict,
                            channel: str, received_at: datetime, now: datetime,
                            receiving_unit_code: str | None = None, components: list[str] | None = None,
                            return_method: str = "desk", return_address: str = "",
                            confirm_duplicate: bool = False) -> Receipt:
    """Receive a dossier sent by another system on behalf of a desk officer: a postal or desk dossier is received
    at once; an online one (the national portal's) is a submission the desk then checks (status 1)."""
    unit = desk_unit(session, actor_id, receiving_unit_code, field="receiving_unit_code")
    return receive_dossier(session, procedure_code=procedure_code, applicant=applicant, channel=channel,
                           received_at=received_at, receiving_unit_code=unit.code, actor_id=actor_id, now=now,
                           components=components, return_method=return_method, return_address=return_address,
                           ask_duplicate=not confirm_duplicate, submitted=channel == "online")


def applicant_errors(applicant) -> dict[str, list[str]]:
    """Field errors of an applicant record ({name, id_number, phone, email, address}), keyed `applicant.<field>`."""
    return field_errors(_APPLICANT, applicant, prefix="applicant")


def return_errors(return_method: str, return_address: str) -> dict[str, list[str]]:
    """How the citizen will get the result: a known method, and an address (at most 500 characters) by post."""
    if return_method not in RETURN_METHODS:
        return {"return_method": ["Hình thức nhận kết quả không hợp lệ."]}
    if return_method == "postal" and not return_address:
        return {"return_address": ["Nhận kết quả qua bưu chính cần địa chỉ nhận."]}
    if len(return_address) > 500:
        return {"return_address": ["Tối đa 500 ký tự."]}
    return {}


def check_components(procedure: Procedure, names: list[str],
                     complete: bool = True) -> tuple[list[dict], dict[str, list[str]]]:
    """The ticked components as stored on the dossier, and the errors: an unknown name, a required one missing
    (unless not `complete`: an online submission the desk has yet to check)."""
    documents = {doc["name"]: doc for doc in procedure.documents}
    unknown = [name for name in names if name not in documents]
    missing = [doc["name"] for doc in procedure.documents
               if complete and doc.get("required") and doc["name"] not in names]
    messages = [f"Thủ tục không có thành phần: {name}." for name in unknown]
    if missing:
        messages.append("Còn thiếu thành phần bắt buộc: " + "; ".join(missing)
                        + ". Hãy lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02).")
    ticked = [{"name": doc["name"], "original": doc.get("original", 0), "certified_copy": doc.get("certified_copy", 0),
               "photocopy": doc.get("photocopy", 0)} for doc in procedure.documents if doc["name"] in names]
    return ticked, ({"components": messages} if messages else {})


def _cutoff(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _merge(first: dict[str, list[str]], second: dict[str, list[str]]) -> dict[str, list[str]]:
    return {key: [*first.get(key, []), *messages] for key, messages in second.items()}
