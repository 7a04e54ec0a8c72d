"""The citizen's side of a dossier: look it up by code and lookup secret, and rate the service once."""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.onestop import tallies
from engine.onestop.dossiers import hash_secret
from engine.onestop.letters import latest_letter
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import Dossier, Evaluation, Unit
from engine.onestop.statuses import is_finished, status_label

NOT_FOUND_MESSAGE = "Không tìm thấy hồ sơ với mã và mã tra cứu đã nhập."
RATINGS = {3: "Hài lòng", 2: "Bình thường", 1: "Không hài lòng"}
COMMENT_MAX = 1000
_DUMMY_HASH = hash_secret("")  # compared against when the code is unknown, so both refusals cost the same


@dataclass(frozen=True)
class PublicStatus:
    """What a citizen may see of a dossier: no identity number, no phone, no official's name."""

    code: str
    procedure_name: str
    status: int
    status_label: str
    received_at: datetime
    due_at: datetime | None
    extended_due_at: datetime | None
    missing: list[str]
    result_ready: bool
    returned_at: datetime | None
    finished: bool
    receiving_unit_name: str
    can_rate: bool
    rating: int | None


def normalise_secret(secret: str) -> str:
    """Citizens type the secret as they read it: any case, with spaces or dashes between groups."""
    return re.sub(r"[\s\-]+", "", secret or "").upper()


def lookup_dossier(session: Session, code: str, secret: str) -> PublicStatus:
    """The dossier's public status; one NotFound for an unknown code and a wrong secret alike."""
    dossier = _dossier_by_secret(session, code, secret)
    evaluation = session.scalar(select(Evaluation).where(Evaluation.dossier_id == dossier.id))
    unit_name = session.scalar(select(Unit.name).where(Unit.id == dossier.receiving_unit_id)) or ""
    return PublicStatus(
        code=dossier.code, procedure_name=dossier.procedure.name, status=dossier.status,
        status_label=status_label(dossier.status), received_at=dossier.received_at, due_at=dossier.due_at,
        extended_due_at=dossier.extended_due_at,
        missing=_missing(session, dossier) if dossier.status == 5 else [],
        result_ready=dossier.status == 9, returned_at=dossier.returned_at,
        finished=is_finished(dossier), receiving_unit_name=unit_name,
        can_rate=evaluation is None and _ratable(dossier),
        rating=evaluation.rating if evaluation is not None else None,
    )


def rate_dossier(session: Session, code: str, secret: str, rating: int, comment: str, now: datetime) -> Evaluation:
    """The citizen's one rating of the service (3 hài lòng, 2 bình thường, 1 không hài lòng)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or rating not in RATINGS:
        errors["rating"] = ["Chọn một mức đánh giá: Hài lòng, Bình thường hoặc Không hài lòng."]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [f"Ý kiến tối đa {COMMENT_MAX} ký tự."]
    if errors:
        raise ValidationFailed("Đánh giá chưa hợp lệ.", errors)
    dossier = _dossier_by_secret(session, code, secret)
    if dossier.status == 3:
        raise Conflict("Hồ sơ chưa được tiếp nhận nên chưa thể đánh giá.")
    if not _ratable(dossier):
        raise Conflict("Hồ sơ chưa giải quyết xong nên chưa thể đánh giá; ông/bà đánh giá khi hồ sơ đã có kết quả "
                       "hoặc đã dừng giải quyết.")
    evaluation = Evaluation(dossier_id=dossier.id, rating=rating, comment=comment, created_at=now)
    try:
        # The unique dossier_id decides, also between two requests racing; the savepoint keeps ours usable.
        with session.begin_nested():
            session.add(evaluation)
            session.flush()
    except IntegrityError as error:
        raise Conflict("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.") from error
    tallies.record_rating(session, dossier, rating, now)
    record_event(session, action="dossier_rated", at=now, dossier_id=dossier.id,
                 detail={"rating": rating, "has_comment": bool(comment)})
    session.flush()
    return evaluation


def _ratable(dossier: Dossier) -> bool:
    """The service is rated once the dossier has its outcome: result ready or returned, or processing stopped."""
    return is_finished(dossier) and dossier.status != 3


def _dossier_by_secret(session: Session, code: str, secret: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == (code or "").strip()))
    given = hash_secret(normalise_secret(secret))
    expected = dossier.secret_hash if dossier is not None else _DUMMY_HASH
    if not hmac.compare_digest(given, expected) or dossier is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return dossier


def _missing(session: Session, dossier: Dossier) -> list[str]:
    """The components listed by the latest supplement request (Mẫu 02 lists them all, once)."""
    letter = latest_letter(session, dossier.id, "supplement_request")
    return [str(item) for item in (letter.content if letter is not None else {}).get("missing", [])]
