"""Ủy quyền: a role holder lets another official act in that role for a period (the access policy reads them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import Delegation
from engine.org import access
from engine.org.accounts import get_unit, get_user
from engine.workflow.catalog import get_procedure

SIGNATURE_FORMS = {"TUQ.": "Thừa ủy quyền", "KT.": "Ký thay", "TL.": "Thừa lệnh", "Q.": "Quyền"}


def create_delegation(session: Session, *, from_user_id: int, to_user_id: int, role_key: str, unit_code: str,
                      valid_from: datetime, valid_to: datetime, signature_form: str, actor_id: int,
                      now: datetime, procedure_code: str | None = None) -> Delegation:
    """The delegator (or an administrator acting for them) grants one role at one unit for a period."""
    errors = {}
    if signature_form not in SIGNATURE_FORMS:
        errors["signature_form"] = [f"Chọn một trong: {', '.join(SIGNATURE_FORMS)}."]
    if valid_to <= valid_from:
        errors["valid_to"] = ["Thời hạn ủy quyền phải kết thúc sau khi bắt đầu."]
    if from_user_id == to_user_id:
        errors["to_user_id"] = ["Không thể tự ủy quyền cho chính mình."]
    if errors:
        raise ValidationFailed("Văn bản ủy quyền chưa hợp lệ.", errors)
    unit = get_unit(session, unit_code)
    get_user(session, to_user_id)
    access.check_delegate(access.grants_of(session, from_user_id), actor_id, role_key, unit.id)
    procedure_id = get_procedure(session, procedure_code).id if procedure_code else None
    delegation = Delegation(from_user_id=from_user_id, to_user_id=to_user_id, role_key=role_key, unit_id=unit.id,
                            procedure_id=procedure_id, signature_form=signature_form, valid_from=valid_from,
                            valid_to=valid_to, created_by_id=actor_id, created_at=now)
    session.add(delegation)
    session.flush()
    access.forget_grants(session)
    record_event(session, action="delegation_created", at=now, actor_id=actor_id,
                 detail={"delegation_id": delegation.id, "to_user_id": to_user_id, "role": role_key,
                         "unit": unit_code, "until": valid_to.isoformat(), "form": signature_form})
    return delegation


def revoke_delegation(session: Session, delegation_id: int, actor_id: int, now: datetime) -> Delegation:
    delegation = session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound(f"Không có ủy quyền #{delegation_id}.")
    access.check_revoke(actor_id, delegation)
    if delegation.revoked_at is not None:
        raise Conflict("Ủy quyền đã được thu hồi.")
    delegation.revoked_at = now
    access.forget_grants(session)
    record_event(session, action="delegation_revoked", at=now, actor_id=actor_id,
                 detail={"delegation_id": delegation.id})
    session.flush()
    return delegation
