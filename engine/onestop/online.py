"""Online submissions at the desk: the dossiers waiting at status 1 (Mới đăng ký) for the desk's check, and
the check's outcome: received (2, its legal clock starts, Mẫu 01) or refused (3, Mẫu 03)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine.infra.audit import record_event
from engine.infra.errors import Concealed, Conflict, Forbidden, NotFound, ValidationFailed
from engine.models import Dossier, IntakeSlip
from engine.onestop import tallies
from engine.onestop.intake_slips import MAX_REASON_CHARS, issue_intake_slip
from engine.onestop.lifecycle import dossier_for_action
from engine.onestop.notices import queue_for_dossier
from engine.onestop.reception import (Receipt, check_components, desk_units, return_errors, set_received,
                                     start_processing)
from engine.onestop.statuses import REFUSED, STATUS_LABELS, SUBMITTED
from engine.org import access

WAITING_SHOWN = 200  # the oldest first; a desk with more waiting works through them in that order


def waiting_submissions(session: Session, user_id: int) -> list[Dossier]:
    """Online submissions waiting at the desks the user works, oldest first."""
    units = [unit.id for unit in desk_units(session, user_id)]
    if not units:
        return []
    return list(session.scalars(
        select(Dossier).options(joinedload(Dossier.procedure), joinedload(Dossier.receiving_unit))
        .where(Dossier.status == SUBMITTED, Dossier.receiving_unit_id.in_(units))
        .order_by(Dossier.submitted_at, Dossier.id).limit(WAITING_SHOWN)))


def submission_for_check(session: Session, code: str, user_id: int) -> Dossier:
    """An online submission the user's desk may check (its receiving unit's mot_cua), whatever its status now;
    to anyone else it does not exist (NotFound, the refusal logged)."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None or dossier.submitted_at is None:
        raise NotFound(f"Không có hồ sơ trực tuyến mã {code}.")
    try:
        access.check_dossier_action(access.grants_of(session, user_id), "intake", dossier)
    except Forbidden as refusal:  # answered like a code never issued, as the dossier page answers
        raise Concealed(f"Không có hồ sơ trực tuyến mã {code}.", refusal.message) from None
    return dossier


def receive_submission(session: Session, code: str, *, components: list[str], return_method: str,
                       return_address: str, actor_id: int, now: datetime) -> Receipt:
    """The desk found the online dossier complete and valid: received now (status 2), its legal due date from
    now, its register number, its process started, the citizen told (Mẫu 01 by e-mail/SMS)."""
    dossier = _checked(session, code, actor_id)
    return_address = (return_address or "").strip()
    ticked, errors = check_components(dossier.procedure, components)
    errors.update(return_errors(return_method, return_address))
    if errors:
        raise ValidationFailed("Hồ sơ chưa thể tiếp nhận.", errors)
    procedure = dossier.procedure
    if procedure.active_version_id is None:
        raise NotFound(f"Thủ tục {procedure.code} chưa có quy trình nội bộ được áp dụng.")
    dossier.components, dossier.return_method = ticked, return_method
    dossier.return_address = return_address if return_method == "postal" else ""
    dossier.process_version_id = procedure.active_version_id  # pinned at reception, as at the desk
    set_received(session, dossier, procedure, now)
    session.flush()
    start_processing(session, dossier, actor_id, now, status_before=SUBMITTED)
    queue_for_dossier(session, dossier, "receipt", now)
    return Receipt(dossier.id, dossier.code, "", dossier.status, dossier.due_at)


def refuse_submission(session: Session, code: str, *, reason: str, actor_id: int, now: datetime) -> IntakeSlip:
    """The desk refuses the online dossier (Mẫu 03 with the reason): status 3, ended now; the citizen is told."""
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        message = "Phiếu từ chối tiếp nhận phải nêu rõ lý do." if not reason else f"Tối đa {MAX_REASON_CHARS} ký tự."
        raise ValidationFailed("Thông tin phiếu chưa hợp lệ.", {"reason": [message]})
    dossier = _checked(session, code, actor_id)
    slip = issue_intake_slip(session, kind="refusal", procedure_code=dossier.procedure.code,
                             applicant=dossier.applicant, channel=dossier.channel, missing=[], reason=reason,
                             unit_code=dossier.receiving_unit.code, actor_id=actor_id, now=now)
    slip.dossier_id = dossier.id
    before = tallies.tally_of(session, dossier)
    dossier.status, dossier.finished_at = REFUSED, now
    tallies.record(session, before, tallies.tally_of(session, dossier), now)
    record_event(session, action="dossier_refused", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 status_before=SUBMITTED, status_after=REFUSED, detail={"reason": reason, "slip": slip.number})
    queue_for_dossier(session, dossier, "refusal", now, reason=reason)
    session.flush()
    return slip


def _checked(session: Session, code: str, actor_id: int) -> Dossier:
    """The submission, locked, if the actor's desk may check it and it still waits (else a Conflict)."""
    dossier = dossier_for_action(session, code, actor_id, "intake")
    if dossier.status != SUBMITTED:
        raise Conflict(f"Hồ sơ {code} đã được xử lý: {STATUS_LABELS.get(dossier.status, dossier.status)}.")
    return dossier
