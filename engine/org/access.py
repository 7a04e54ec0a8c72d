"""The one access policy: a user's grants, loaded once per unit of work, and every "may this user …" answer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, false, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from engine.infra.errors import Forbidden
from engine.models import Delegation, Dossier, Membership, Procedure, ProcessVersion, Role, Unit, WorkItem

LEADER_ROLES = frozenset({"lanh_dao", "lanh_dao_phong"})  # may reassign work within their unit, stop a dossier
DESK_ROLE = "mot_cua"  # the one-stop desk: receives dossiers, hands results back
DESIGNER_ROLE = "thiet_ke"  # builds BPMN versions; holds no lane, so completes no task
ADMIN_ROLE = "quan_tri"  # approves versions, manages units and users
NO_DOSSIER_ROLES = frozenset({DESIGNER_ROLE, ADMIN_ROLE})  # their work is the catalogue, not citizens' files
LEVEL_RANKS = {"xa": 1, "tinh": 2, "bo": 3}  # an administrator approves procedures of their unit's level and below
_CACHE_KEY = "motcua_grants"
_APPROVERS_KEY = "motcua_approvers"


@dataclass(frozen=True)
class Delegated:
    """A delegation the user holds (ủy quyền): act in `role_key` at `unit_id` for the period, perhaps for one
    procedure only."""

    id: int
    from_user_id: int
    role_key: str
    unit_id: int
    procedure_id: int | None
    signature_form: str
    valid_from: datetime
    valid_to: datetime

    def covers(self, role_key: str, unit_id: int, procedure_id: int | None, now: datetime) -> bool:
        return (self.role_key == role_key and self.unit_id == unit_id and self.valid_from <= now < self.valid_to
                and self.procedure_id in (None, procedure_id))


@dataclass(frozen=True)
class Grants:
    """What one user holds: (role key, unit id) memberships and unrevoked delegations to them."""

    user_id: int
    roles: frozenset[tuple[str, int]]
    delegations: tuple[Delegated, ...]

    def holds(self, role_key: str, unit_id: int) -> bool:
        return (role_key, unit_id) in self.roles

    def units_with(self, roles) -> set[int]:
        return {unit for key, unit in self.roles if key in roles}

    def dossier_units(self) -> set[int]:
        """Units where the user works citizens' dossiers: any role but designer and administrator."""
        return {unit for key, unit in self.roles if key not in NO_DOSSIER_ROLES}

    def report_units(self) -> set[int]:  # reports of these units and those below: leaders and administrators
        return self.units_with(LEADER_ROLES | {ADMIN_ROLE})

    def leads(self, unit_id: int) -> bool:
        return any(self.holds(key, unit_id) for key in LEADER_ROLES)

    def delegation_for(self, role_key: str, unit_id: int, procedure_id: int | None,
                       now: datetime | None) -> Delegated | None:
        """The valid delegation letting the user act in this role and unit for this procedure, if any."""
        if now is None:
            return None
        return next((d for d in self.delegations if d.covers(role_key, unit_id, procedure_id, now)), None)

    def assigned(self, item: WorkItem) -> bool:
        """Handed the item by a leader of a unit they work in (a step whose role nobody there holds)."""
        return item.assignee_id == self.user_id and item.unit_id in self.dossier_units()

    def may_work(self, role_key: str, unit_id: int, procedure_id: int | None, now: datetime | None) -> bool:
        """Hold the step's role in its unit, or act in it under a valid delegation (given `now`)."""
        return self.holds(role_key, unit_id) or self.delegation_for(role_key, unit_id, procedure_id, now) is not None

    def roles_at(self, unit_ids) -> set[tuple[str, int]]:
        """Dossier-working roles held in the given units (designers' and administrators' give no hold)."""
        return {(key, unit) for key, unit in self.roles if unit in unit_ids and key not in NO_DOSSIER_ROLES}

    def may_take(self, action: str, dossier: Dossier) -> bool:
        """Role rule of a dossier action on the dossier page (its state rule lives with the action)."""
        return _ACTION_RULES[action](dossier, self.roles_at({dossier.receiving_unit_id, dossier.deciding_unit_id}))

    def work_item_clause(self, now: datetime | None):
        """SQL condition on WorkItem: the user may work it, by role, as its assignee in a unit they work in, or
        (given `now`) under a valid delegation."""
        clauses = [tuple_(WorkItem.role_key, WorkItem.unit_id).in_(sorted(self.roles))] if self.roles else []
        units = self.dossier_units()
        clauses += [and_(WorkItem.assignee_id == self.user_id, WorkItem.unit_id.in_(sorted(units)))] if units else []
        for d in self.delegations:
            if now is None or not d.valid_from <= now < d.valid_to:
                continue
            clause = and_(WorkItem.role_key == d.role_key, WorkItem.unit_id == d.unit_id)
            if d.procedure_id is not None:
                procedure = (select(Dossier.procedure_id).where(Dossier.id == WorkItem.dossier_id)
                             .correlate(WorkItem).scalar_subquery())
                clause = and_(clause, procedure == d.procedure_id)
            clauses.append(clause)
        return or_(*clauses) if clauses else false()


NOBODY = Grants(0, frozenset(), ())  # an actor the caller did not name holds nothing


def grants_of(session: Session, user_id: int) -> Grants:
    """The user's grants, read in one query and kept for the rest of the unit of work."""
    cache = session.info.setdefault(_CACHE_KEY, {})
    grants = cache.get(user_id)
    if grants is None:
        grants = cache[user_id] = _load(session, user_id)
    return grants


def forget_grants(session: Session) -> None:
    """Called by whatever changes memberships or delegations within a unit of work."""
    session.info.pop(_CACHE_KEY, None)
    session.info.pop(_APPROVERS_KEY, None)


def _grants_statement():
    """Delegations to the user, then their memberships, in one UNION built once (only the user id varies)."""
    d, m, r = Delegation.__table__, Membership.__table__, Role.__table__
    user_id = bindparam("user_id")
    delegations = (select(d.c.id, d.c.role_key, d.c.unit_id, d.c.from_user_id, d.c.procedure_id,
                          d.c.signature_form, d.c.valid_from, d.c.valid_to)
                   .where(d.c.to_user_id == user_id, d.c.revoked_at.is_(None)))
    stamp = d.c.valid_from.type  # the first SELECT of a UNION gives every column its type
    memberships = (select(literal(0), r.c.key, m.c.unit_id, literal(None), literal(None), literal(None),
                          literal(None, stamp), literal(None, stamp))
                   .join_from(m, r, m.c.role_id == r.c.id).where(m.c.user_id == user_id))
    return union_all(delegations, memberships)


GRANTS = _grants_statement()  # also joined to the row a task completion locks (workflow.store), saving a query


def keep_grants(session: Session, user_id: int, rows) -> Grants:
    """The user's grants from rows of GRANTS another statement read, kept for the rest of the unit of work."""
    grants = session.info.setdefault(_CACHE_KEY, {})[user_id] = _grants(user_id, rows)
    return grants


def _load(session: Session, user_id: int) -> Grants:
    return _grants(user_id, session.execute(GRANTS, {"user_id": user_id}))


def _grants(user_id: int, rows) -> Grants:
    roles, delegated = set(), []
    for row in rows:
        if row[0]:
            delegated.append(Delegated(row[0], row[3], row[1], row[2], row[4], row[5], row[6], row[7]))
        elif row[1] is not None:  # a row of the other statement with no grant at all
            roles.add((row[1], row[2]))
    return Grants(user_id, frozenset(roles), tuple(delegated))


def refuse(message: str) -> Forbidden:
    """The refusal every check raises; the entry point logs it as `access_refused`, naming who tried."""
    return Forbidden(message)


def check(allowed: bool, message: str) -> None:
    if not allowed:
        raise refuse(message)


def may_view_dossier(session: Session, grants: Grants, dossier: Dossier, now: datetime | None = None) -> bool:
    """Officials of its receiving or deciding unit, and of any unit one of its steps was worked in by a role
    they hold there (partner agencies of a liên thông dossier), or under a valid delegation for such a step
    of this dossier's procedure."""
    if grants.dossier_units() & {dossier.receiving_unit_id, dossier.deciding_unit_id}:
        return True
    steps = session.execute(select(WorkItem.role_key, WorkItem.unit_id).where(WorkItem.dossier_id == dossier.id)
                            .distinct())
    return any(grants.may_work(role, unit, dossier.procedure_id, now) for role, unit in steps)


def check_view_dossier(session: Session, grants: Grants, dossier: Dossier, now: datetime | None,
                       what: str = "hồ sơ này") -> None:
    check(may_view_dossier(session, grants, dossier, now), f"Bạn không có quyền xem {what}.")


def check_work(grants: Grants, item: WorkItem, procedure_id: int | None, now: datetime | None) -> Delegated | None:
    """May the user work this step? None when by their own role, the delegation when acting under one."""
    if grants.holds(item.role_key, item.unit_id) or grants.assigned(item):
        return None
    delegation = grants.delegation_for(item.role_key, item.unit_id, procedure_id, now)
    check(delegation is not None, "Bạn không có vai trò xử lý công việc này tại đơn vị của nó.")
    return delegation


def check_open_task(grants: Grants, item: WorkItem, procedure_id: int | None, now: datetime) -> tuple[bool, bool]:
    """A task page: its workers (role or delegation) and its unit's leaders may open it; (may work, may assign)."""
    works = grants.may_work(item.role_key, item.unit_id, procedure_id, now) or grants.assigned(item)
    leads = grants.leads(item.unit_id)
    check(works or leads, "Bạn không có vai trò xử lý công việc này tại đơn vị của nó.")
    return works, leads


def check_lead(grants: Grants, unit_id: int) -> None:
    check(grants.leads(unit_id), "Chỉ lãnh đạo đơn vị xử lý bước này mới giao lại được công việc.")


def check_dossier_action(grants: Grants, action: str, dossier: Dossier) -> None:
    check(grants.may_take(action, dossier), "Bạn không có quyền thực hiện thao tác này với hồ sơ.")


def check_unit_records(grants: Grants, unit_id: int, what: str) -> None:
    """A unit's register, intake slips …: for officials who work dossiers there."""
    check(unit_id in grants.dossier_units(), f"Bạn không có quyền xem {what} của đơn vị này.")


def check_desk(grants: Grants, unit_id: int | None = None) -> None:
    """Receiving at a unit (or anywhere, without `unit_id`) takes the one-stop desk role there."""
    if unit_id is None:
        check(bool(grants.units_with({DESK_ROLE})), "Chỉ công chức Bộ phận Một cửa mới được tiếp nhận hồ sơ.")
    else:
        check(grants.holds(DESK_ROLE, unit_id), "Chỉ công chức Bộ phận Một cửa của đơn vị mới được tiếp nhận hồ sơ.")


def may_reissue_secret(grants: Grants, dossier: Dossier) -> bool:
    return grants.holds(DESK_ROLE, dossier.receiving_unit_id)


def check_reissue_secret(grants: Grants, dossier: Dossier) -> None:
    check(may_reissue_secret(grants, dossier),
          "Chỉ công chức Bộ phận Một cửa của đơn vị tiếp nhận được cấp lại mã tra cứu.")


def check_delegate_for(actor: Grants, delegator_id: int) -> None:
    """A delegation is made by the delegator themselves, or by an administrator recording it on their behalf."""
    check(actor.user_id == delegator_id or is_admin(actor), "Chỉ người giữ vai trò hoặc quản trị hệ thống mới ủy quyền được.")


def check_delegate(delegator: Grants, role_key: str, unit_id: int) -> None:
    """Only the holder of a role (these are the delegator's grants) delegates it."""
    check(delegator.holds(role_key, unit_id), "Người ủy quyền không giữ vai trò này tại đơn vị.")


def check_revoke(actor: Grants, delegation: Delegation) -> None:
    check(actor.user_id == delegation.from_user_id or is_admin(actor),
          "Chỉ người ủy quyền hoặc quản trị hệ thống mới thu hồi được.")


def check_catalogue(grants: Grants) -> None:
    """Reading a procedure's versions, diagrams and differences: designers and administrators."""
    check(bool(grants.units_with({DESIGNER_ROLE, ADMIN_ROLE})),
          "Chỉ người thiết kế quy trình và quản trị hệ thống mới xem được các phiên bản quy trình.")


def check_design(grants: Grants, *, draft: ProcessVersion | None = None) -> None:
    """Drafting and submitting: the designer role (anywhere); editing a `draft`, its author too (or none yet)."""
    check(bool(grants.units_with({DESIGNER_ROLE})), "Chỉ người thiết kế quy trình mới soạn và gửi phiên bản.")
    check(draft is None or draft.author_id in (None, grants.user_id), "Chỉ người soạn mới sửa được bản nháp này.")


def is_admin(grants: Grants) -> bool:
    return bool(grants.units_with({ADMIN_ROLE}))


def check_admin(grants: Grants) -> None:
    check(is_admin(grants), "Chỉ quản trị hệ thống mới thực hiện được thao tác này.")


def may_approve(session: Session, grants: Grants, version: ProcessVersion) -> bool:
    """An administrator at a unit of the procedure's level or above (a province administrator approves the
    province's and its communes' procedures)."""
    units = grants.units_with({ADMIN_ROLE})
    if not units:
        return False
    answers, key = session.info.setdefault(_APPROVERS_KEY, {}), (grants.user_id, version.procedure_id)
    if key not in answers:  # a page asks it once per action it may offer
        level = session.scalar(select(Procedure.level).where(Procedure.id == version.procedure_id))
        levels = session.scalars(select(Unit.level).where(Unit.id.in_(units)))
        answers[key] = max(LEVEL_RANKS.get(v, 0) for v in levels) >= LEVEL_RANKS.get(level, 2)
    return answers[key]


def check_approve(session: Session, grants: Grants, version: ProcessVersion, author_may: bool = False) -> None:
    """Approving, rejecting, activating and retiring versions: an administrator of the procedure's level; the
    author of a version never approves or rejects it."""
    check(may_approve(session, grants, version),
          "Chỉ quản trị viên cấp của thủ tục mới phê duyệt, áp dụng hoặc ngừng áp dụng quy trình.")
    check(author_may or version.author_id != grants.user_id,
          "Người soạn phiên bản không được tự phê duyệt hoặc từ chối phiên bản của mình.")


_ACTION_RULES = {  # (dossier, the user's roles at its receiving and deciding units) -> allowed
    "request_supplement": lambda d, roles: bool(roles), "record_supplement": lambda d, roles: bool(roles),
    "withdraw": lambda d, roles: bool(roles),
    "extend": lambda d, roles: any(key in LEADER_ROLES and unit == d.deciding_unit_id for key, unit in roles),
    "stop": lambda d, roles: ("lanh_dao", d.deciding_unit_id) in roles,
    "record_fee": lambda d, roles: (DESK_ROLE, d.receiving_unit_id) in roles,
    "intake": lambda d, roles: (DESK_ROLE, d.receiving_unit_id) in roles,  # an online submission, checked
}
