"""Ủy quyền: a role holder lets another official act in that role for a period (the access policy reads them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import Delegation, Membership, Procedure, Role, Unit, User
from engine.org import access
from engine.org.roles import role_names
from engine.org.accounts import get_unit, get_user
from engine.workflow.catalog import get_procedure

SIGNATURE_FORMS = {"TUQ.": "Thừa ủy quyền", "KT.": "Ký thay", "TL.": "Thừa lệnh", "Q.": "Quyền"}
STATE_LABELS = {"active": "Đang hiệu lực", "upcoming": "Chưa đến hạn", "expired": "Hết hạn", "revoked": "Đã thu hồi"}


def create_delegation(session: Session, *, from_user_id: int | None, to_user_id: int | None, role_key: str,
                      unit_code: str, valid_from: datetime | None, valid_to: datetime | None, signature_form: str,
                      actor_id: int, now: datetime, procedure_code: str | None = None) -> Delegation:
    """The delegator (or an administrator acting for them) grants one role at one unit for a period."""
    actor = access.grants_of(session, actor_id)
    access.check_delegate_for(actor, from_user_id)
    errors = {}
    if signature_form not in SIGNATURE_FORMS:
        errors["signature_form"] = [f"Chọn một trong: {', '.join(SIGNATURE_FORMS)}."]
    if valid_from is None:
        errors["valid_from"] = ["Nhập thời điểm bắt đầu."]
    if valid_to is None:
        errors["valid_to"] = ["Nhập thời điểm kết thúc."]
    elif valid_from is not None and valid_to <= valid_from:
        errors["valid_to"] = ["Thời hạn ủy quyền phải kết thúc sau khi bắt đầu."]
    if from_user_id is None:
        errors["from_user_id"] = ["Chọn người ủy quyền."]
    if to_user_id is None:
        errors["to_user_id"] = ["Chọn người được ủy quyền."]
    elif from_user_id == to_user_id:
        errors["to_user_id"] = ["Không thể tự ủy quyền cho chính mình."]
    elif not get_user(session, to_user_id).is_active:
        errors["to_user_id"] = ["Tài khoản người được ủy quyền đang bị khóa."]
    unit = get_unit(session, unit_code) if role_key and unit_code else None
    delegator = access.grants_of(session, from_user_id) if from_user_id is not None else access.NOBODY
    if unit is None:
        errors["scope"] = ["Chọn vai trò và đơn vị được ủy quyền."]
    elif actor.user_id != from_user_id and from_user_id is not None and not delegator.holds(role_key, unit.id):
        errors["scope"] = ["Người ủy quyền không giữ vai trò này tại đơn vị."]  # a slip in the form, not a refusal
    if errors:
        raise ValidationFailed("Văn bản ủy quyền chưa hợp lệ.", errors)
    access.check_delegate(delegator, role_key, unit.id)
    procedure_id = get_procedure(session, procedure_code).id if procedure_code else None
    delegation = Delegation(from_user_id=from_user_id, to_user_id=to_user_id, role_key=role_key, unit_id=unit.id,
                            procedure_id=procedure_id, signature_form=signature_form, valid_from=valid_from,
                            valid_to=valid_to, created_by_id=actor_id, created_at=now)
    session.add(delegation)
    session.flush()
    access.forget_grants(session)
    record_event(session, action="delegation_created", at=now, actor_id=actor_id,
                 detail={"delegation_id": delegation.id, "from_user_id": from_user_id, "to_user_id": to_user_id,
                         "role": role_key, "unit": unit_code, "procedure": procedure_code,
                         "from": valid_from.isoformat(), "until": valid_to.isoformat(), "form": signature_form})
    return delegation


def revoke_delegation(session: Session, delegation_id: int, actor_id: int, now: datetime) -> Delegation:
    """The delegator, or an administrator, ends a delegation before its term."""
    delegation = session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound(f"Không có ủy quyền #{delegation_id}.")
    access.check_revoke(access.grants_of(session, actor_id), delegation)
    if delegation.revoked_at is not None:
        raise Conflict("Ủy quyền đã được thu hồi.")
    delegation.revoked_at = now
    access.forget_grants(session)
    record_event(session, action="delegation_revoked", at=now, actor_id=actor_id,
                 detail={"delegation_id": delegation.id})
    session.flush()
    return delegation


def delegation_state(delegation: Delegation, now: datetime) -> str:
    if delegation.revoked_at is not None:
        return "revoked"
    if now < delegation.valid_from:
        return "upcoming"
    return "active" if now < delegation.valid_to else "expired"


@dataclass(frozen=True)
class DelegationRow:
    delegation: Delegation
    state: str
    from_name: str
    to_name: str
    role_name: str
    unit_name: str
    procedure_name: str


@dataclass(frozen=True)
class DelegationsPage:
    """Every delegation, newest first, and what the form offers: people, role@unit held, procedures."""

    rows: list[DelegationRow]
    people: list[tuple[int, str, str]]  # id, full name, username of active users
    scopes: list[tuple[str, str, str]]  # "role@unit code", role name, unit name
    procedures: list[tuple[str, str]]  # code, name


def delegations_page(session: Session, actor_id: int, now: datetime, state: str | None = None) -> DelegationsPage:
    """The administrator's list of delegations (optionally of one state) with the choices of the form."""
    access.check_admin(access.grants_of(session, actor_id))
    names = dict(session.execute(select(User.id, User.full_name)).all())
    roles = role_names(session)
    units = {row.id: row for row in session.scalars(select(Unit))}
    procedures = list(session.execute(select(Procedure.id, Procedure.code, Procedure.name)
                                      .order_by(Procedure.name)).all())
    procedure_names = {pid: name for pid, _, name in procedures}
    rows = []
    for d in session.scalars(select(Delegation).order_by(Delegation.valid_from.desc(), Delegation.id.desc())):
        shown = delegation_state(d, now)
        if state in (None, shown):
            rows.append(DelegationRow(d, shown, names.get(d.from_user_id, ""), names.get(d.to_user_id, ""),
                                      roles.get(d.role_key, d.role_key), units[d.unit_id].name,
                                      procedure_names.get(d.procedure_id, "")))
    people = list(session.execute(select(User.id, User.full_name, User.username)
                                  .where(User.is_active.is_(True)).order_by(User.full_name, User.id)).all())
    held = session.execute(select(Role.key, Role.name, Unit.code, Unit.name).distinct()
                           .join_from(Membership, Role, Membership.role_id == Role.id)
                           .join(Unit, Membership.unit_id == Unit.id)
                           .where(Role.key.not_in(access.NO_DOSSIER_ROLES)).order_by(Unit.code, Role.key))
    scopes = [(f"{key}@{code}", role_name, unit_name) for key, role_name, code, unit_name in held]
    return DelegationsPage(rows, people, scopes, [(code, name) for _, code, name in procedures])
