"""Receiving a dossier once: likely duplicates to confirm, the desk form's one-time tokens, the API's
idempotency keys (a repeat is answered with what the first request made)."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.infra.clock import VN_TZ
from engine.infra.errors import Conflict, ValidationFailed
from engine.models import Dossier, FormSubmission, IdempotencyKey

KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII without spaces, as a header carries it
KEY_LIFETIME = timedelta(hours=24)  # how long a key is remembered (its answer holds the citizen's lookup secret)
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class FieldConflict(Conflict):
    """A conflict the caller resolves through a field: `errors` maps it to the message shown beside it."""

    def __init__(self, message: str, errors: dict[str, list[str]]):
        super().__init__(message)
        self.errors = errors


class LikelyDuplicate(FieldConflict):
    """The same procedure and applicant (id number, else name) were received at the unit that day: confirm to
    receive again."""


def check_duplicate(session: Session, procedure_id: int, unit_id: int, applicant: dict, at: datetime, *,
                    by_name: bool = False) -> None:
    """A LikelyDuplicate when a dossier of the procedure with the applicant's id number was received (or
    submitted online) at the unit on the same day (Vietnam time) and not refused; `by_name` (the desk form),
    without an id number, one with the applicant's name (as typed) and no id number either: the same form sent
    again after Back. Other systems' repeats are told apart by their Idempotency-Key."""
    id_number = (applicant or {}).get("id_number")
    name = ((applicant or {}).get("name") or "").strip()
    if not id_number and not (by_name and name):
        return
    day = at.astimezone(VN_TZ).date()
    begin = datetime.combine(day, time(0), VN_TZ)
    earlier_id = Dossier.applicant["id_number"].as_string()
    same = (earlier_id == id_number if id_number
            else and_(Dossier.applicant["name"].as_string() == name, or_(earlier_id.is_(None), earlier_id == "")))
    codes = list(session.scalars(
        select(Dossier.code).where(Dossier.receiving_unit_id == unit_id, Dossier.received_at >= begin,
                                   Dossier.received_at < begin + timedelta(days=1),
                                   Dossier.procedure_id == procedure_id, Dossier.status != 3, same)
        .order_by(Dossier.received_at, Dossier.id)))
    if codes:
        whom = f"cùng số định danh {id_number}" if id_number else f"cùng người nộp {name} (chưa ghi số định danh)"
        message = (f"Ngày {day:%d/%m/%Y} đã có hồ sơ {', '.join(codes)} cùng thủ tục và {whom}. Nếu đây là một "
                   f"hồ sơ khác, hãy xác nhận để tiếp nhận.")
        raise LikelyDuplicate("Có thể trùng hồ sơ đã tiếp nhận trong ngày.", {"confirm_duplicate": [message]})


@dataclass(frozen=True)
class EarlierSubmission:
    """What the first POST of a desk form made: a received dossier (its code) or an intake slip (Mẫu 02/03)."""

    dossier_code: str | None
    slip_id: int | None


def claim_form_token(session: Session, token: str, user_id: int, now: datetime) -> EarlierSubmission | None:
    """Claim the desk form's one-time token for this POST (None), or, when a POST with it was already
    committed, what that POST made. A concurrent POST with the same token waits for the first to end."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise ValidationFailed("Biểu mẫu không hợp lệ; hãy tải lại trang.", {"form_token": ["Thiếu mã biểu mẫu."]})
    claimed = session.execute(
        _insert(session, FormSubmission).values(token=token, user_id=user_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["token"]).returning(FormSubmission.token)).scalar()
    if claimed is not None:
        return None
    earlier = session.execute(select(FormSubmission.user_id, Dossier.code, FormSubmission.intake_slip_id)
                              .outerjoin(Dossier, Dossier.id == FormSubmission.dossier_id)
                              .where(FormSubmission.token == token)).one()
    if earlier.user_id != user_id or (earlier.code is None and earlier.intake_slip_id is None):
        raise ValidationFailed("Biểu mẫu không hợp lệ; hãy tải lại trang.", {"form_token": ["Mã biểu mẫu đã dùng."]})
    return EarlierSubmission(earlier.code, earlier.intake_slip_id)


def record_form_outcome(session: Session, token: str, *, dossier_id: int | None = None,
                        slip_id: int | None = None) -> None:
    """What the claimed form made, for its repeats; in the same unit of work as the claim."""
    session.execute(update(FormSubmission).where(FormSubmission.token == token)
                    .values(dossier_id=dossier_id, intake_slip_id=slip_id))


def request_fingerprint(body: dict) -> str:
    """sha256 of the body as canonical JSON: key order and spacing do not make another request."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def claim_idempotency_key(session: Session, user_id: int, key: str, body: dict, now: datetime) -> dict | None:
    """Claim the caller's `Idempotency-Key` for this request (None), or the answer stored for it when the same
    body came with it within KEY_LIFETIME; a FieldConflict when another body did. A concurrent request with
    the same key waits for the first to end. Keys are the token holder's own: another user's never match."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValidationFailed("Idempotency-Key không hợp lệ.", {"Idempotency-Key": [
            "Từ 1 đến 255 ký tự ASCII in được, không có khoảng trắng (ví dụ một UUID)."]})
    fingerprint = request_fingerprint(body)
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                 IdempotencyKey.created_at < now - KEY_LIFETIME))
    claimed = session.execute(
        _insert(session, IdempotencyKey).values(user_id=user_id, key=key, request_hash=fingerprint, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(IdempotencyKey.id)).scalar()
    if claimed is not None:
        return None
    stored = session.execute(select(IdempotencyKey.request_hash, IdempotencyKey.response)
                             .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)).one()
    if stored.request_hash != fingerprint or stored.response is None:
        raise FieldConflict("Idempotency-Key này đã dùng cho một yêu cầu khác.", {"Idempotency-Key": [
            "Khóa đã dùng với nội dung khác trong 24 giờ qua; mỗi hồ sơ mới cần một khóa mới."]})
    return stored.response


def record_idempotent_answer(session: Session, user_id: int, key: str, response: dict, dossier_id: int) -> None:
    """The answer of the claimed key's request, replayed to its repeats; in the same unit of work as the claim."""
    session.execute(update(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
                    .values(response=response, dossier_id=dossier_id))


def _insert(session: Session, model):
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(model)
