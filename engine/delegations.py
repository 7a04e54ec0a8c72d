"""Ủy quyền: a role holder lets another official act in that role for a period; who may act on what."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from .accounts import get_unit, get_user, holds_role
from .audit import record_event
from .catalog import get_procedure
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .models import Delegation, Membership, Role, WorkItem

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
    if not holds_role(session, from_user_id, role_key, unit.id):
        raise Forbidden("Người ủy quyền không giữ vai trò này tại đơn vị.")
    if actor_id != from_user_id:
        raise Forbidden("Chỉ người giữ vai trò mới ủy quyền được.")
    procedure_id = get_procedure(session, procedure_code).id if procedure_code else None
    delegation = Delegation(from_user_id=from_user_id, to_user_id=to_user_id, role_key=role_key, unit_id=unit.id,
                            procedure_id=procedure_id, signature_form=signature_form, valid_from=valid_from,
                            valid_to=valid_to, created_by_id=actor_id, created_at=now)
    session.add(delegation)
    session.flush()
    record_event(session, action="delegation_created", at=now, actor_id=actor_id,
                 detail={"delegation_id": delegation.id, "to_user_id": to_user_id, "role": role_key,
                         "unit": unit_code, "until": valid_to.isoformat(), "form": signature_form})
    return delegation


def revoke_delegation(session: Session, delegation_id: int, actor_id: int, now: datetime) -> Delegation:
    delegation = session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound(f"Không có ủy quyền #{delegation_id}.")
    if actor_id != delegation.from_user_id:
        raise Forbidden("Chỉ người ủy quyền mới thu hồi được.")
    if delegation.revoked_at is not None:
        raise Conflict("Ủy quyền đã được thu hồi.")
    delegation.revoked_at = now
    record_event(session, action="delegation_revoked", at=now, actor_id=actor_id,
                 detail={"delegation_id": delegation.id})
    session.flush()
    return delegation


def holds_role_clause(user_id: int):
    """SQL condition: the user holds the work item's role in its unit."""
    return exists(select(Membership.id).join(Role, Membership.role_id == Role.id).where(
        Membership.user_id == user_id, Role.key == WorkItem.role_key, Membership.unit_id == WorkItem.unit_id))


def delegated_clause(user_id: int, now: datetime):
    """SQL condition: a valid delegation lets the user act in the work item's role and unit."""
    from .models import Dossier

    return exists(select(Delegation.id).where(
        Delegation.to_user_id == user_id, Delegation.role_key == WorkItem.role_key,
        Delegation.unit_id == WorkItem.unit_id, Delegation.revoked_at.is_(None),
        Delegation.valid_from <= now, Delegation.valid_to > now,
        or_(Delegation.procedure_id.is_(None),
            Delegation.procedure_id == select(Dossier.procedure_id).where(Dossier.id == WorkItem.dossier_id)
            .correlate(WorkItem).scalar_subquery())))  # two levels down: auto-correlation would not reach it


def may_act_clause(user_id: int, now: datetime | None):
    return holds_role_clause(user_id) if now is None else or_(holds_role_clause(user_id),
                                                               delegated_clause(user_id, now))


def active_delegation(session: Session, user_id: int, item: WorkItem, now: datetime) -> Delegation | None:
    """The delegation under which the user acts on this item, if they do not hold its role themselves."""
    from .models import Dossier

    procedure_id = session.scalar(select(Dossier.procedure_id).where(Dossier.id == item.dossier_id))
    return session.scalar(select(Delegation).where(and_(
        Delegation.to_user_id == user_id, Delegation.role_key == item.role_key, Delegation.unit_id == item.unit_id,
        Delegation.revoked_at.is_(None), Delegation.valid_from <= now, Delegation.valid_to > now,
        or_(Delegation.procedure_id.is_(None), Delegation.procedure_id == procedure_id))).limit(1))
