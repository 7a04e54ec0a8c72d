"""Who may see what beyond work items: dossiers, units' registers, and which roles lead, design or administer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from .dossiers import get_dossier
from .errors import Forbidden
from .models import Delegation, Dossier, Membership, Role, WorkItem

LEADER_ROLES = frozenset({"lanh_dao", "lanh_dao_phong"})  # may reassign work within their unit, stop a dossier
DESIGNER_ROLE = "thiet_ke"  # builds BPMN versions; holds no lane, so completes no task
ADMIN_ROLE = "quan_tri"  # approves versions, manages units and users


NO_DOSSIER_ROLES = frozenset({DESIGNER_ROLE, ADMIN_ROLE})  # their work is the catalogue, not citizens' files


def unit_ids_of(session: Session, user_id: int, roles: set[str] | frozenset[str] | None = None) -> set[int]:
    """Units where the user works dossiers (any role but designer and administrator), or holds one of `roles`."""
    query = select(Membership.unit_id).join(Role, Membership.role_id == Role.id).where(Membership.user_id == user_id)
    query = query.where(Role.key.in_(roles)) if roles is not None else query.where(Role.key.not_in(NO_DOSSIER_ROLES))
    return set(session.scalars(query))


def role_keys_of(session: Session, user_id: int) -> set[str]:
    return set(session.scalars(select(Role.key).join(Membership, Membership.role_id == Role.id)
                               .where(Membership.user_id == user_id)))


def is_leader_of(session: Session, user_id: int, unit_id: int) -> bool:
    return bool(unit_ids_of(session, user_id, LEADER_ROLES) & {unit_id})


def may_view_dossier(session: Session, dossier: Dossier, user_id: int, now: datetime | None = None) -> bool:
    """Officials of its receiving or deciding unit, and of any unit one of its steps was worked in by a role
    they hold there (partner agencies of a liên thông dossier), or under a valid delegation for such a step."""
    if unit_ids_of(session, user_id) & {dossier.receiving_unit_id, dossier.deciding_unit_id}:
        return True
    by_role = exists(select(Membership.id).join(Role, Membership.role_id == Role.id).where(
        Membership.user_id == user_id, Role.key == WorkItem.role_key, Membership.unit_id == WorkItem.unit_id))
    clauses = [by_role]
    if now is not None:
        clauses.append(exists(select(Delegation.id).where(
            Delegation.to_user_id == user_id, Delegation.role_key == WorkItem.role_key,
            Delegation.unit_id == WorkItem.unit_id, Delegation.revoked_at.is_(None),
            Delegation.valid_from <= now, Delegation.valid_to > now)))
    row = session.scalar(select(WorkItem.id).where(WorkItem.dossier_id == dossier.id, or_(*clauses)).limit(1))
    return row is not None


def view_dossier(session: Session, code: str, user_id: int, now: datetime | None = None) -> Dossier:
    """The dossier if the user may see it; Forbidden otherwise (NotFound when there is no such code)."""
    dossier = get_dossier(session, code)
    if not may_view_dossier(session, dossier, user_id, now):
        raise Forbidden("Bạn không có quyền xem hồ sơ này.")
    return dossier
