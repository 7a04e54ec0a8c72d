"""The inbox: a user's open work items by view (mine, unit, due soon, overdue), searched, counted and paged in SQL."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, false, func, or_, select
from sqlalchemy.orm import Session, joinedload

from engine.org import access
from engine.infra.errors import ValidationFailed
from engine.models import Dossier, Procedure, Unit, User, WorkItem
from engine.infra.text import fold
from engine.org.calendar import unit_calendar
from engine.views.search import search_text_clause

VIEWS = ("mine", "unit", "due_soon", "overdue")
MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class Timing:
    """Where an open work item stands against its step budget, in office time of its unit."""

    remaining: timedelta | None  # negative once late; None when the step has no budget
    late: bool
    due_soon: bool  # due within one working day
    day_hours: float | None = None  # office hours of one working day of the unit: remaining told in working days


@dataclass(frozen=True)
class InboxPage:
    rows: list[tuple[WorkItem, Timing]]
    total: int
    page: int
    per_page: int
    pages: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class NextItem:
    """An open step of a dossier that the user may take now: theirs already, or unclaimed in a role they hold."""

    id: int
    name: str
    bpmn_id: str
    role_key: str
    unit_code: str
    unit_name: str
    due_at: datetime | None
    claimed: bool  # already the user's own (claimed by them)


def list_inbox(session: Session, user_id: int, now: datetime, *, view: str = "mine", query: str = "",
               procedure_code: str | None = None, page: int = 1, per_page: int = 25) -> InboxPage:
    """One page of a view, sorted by step due time (none last) then id, with each view's count for tab badges.

    The search and the procedure filter apply to every count as well, so a badge says what its tab would show.
    """
    if view not in VIEWS:
        raise ValidationFailed("Không có danh sách công việc này.", {"view": [f"Chọn một trong: {', '.join(VIEWS)}."]})
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    base, clauses = _views(session, user_id, now, query, procedure_code)
    counts = _counts(session, base, clauses)
    total = counts[view]
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(int(page), pages))
    statement = (
        joined(select(WorkItem)).where(*base, clauses[view])
        .options(joinedload(WorkItem.dossier).joinedload(Dossier.procedure))
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
        .limit(per_page).offset((page - 1) * per_page)
    )
    items = list(session.scalars(statement).unique())
    rows = [(item, work_item_timing(session, item, now)) for item in items]
    return InboxPage(rows, total, page, per_page, pages, counts)


def view_counts(session: Session, user_id: int, now: datetime, query: str = "",
                procedure_code: str | None = None) -> dict[str, int]:
    """The count of each view, searched and filtered as its tab would be (the badges of the other work lists)."""
    return _counts(session, *_views(session, user_id, now, query, procedure_code))


def _views(session: Session, user_id: int, now: datetime, query: str, procedure_code: str | None) -> tuple[list, dict]:
    """The clauses every view shares (open, mine or unclaimed, workable by the user, searched) and each view's own."""
    mine = WorkItem.assignee_id == user_id
    unit = WorkItem.assignee_id.is_(None)
    base = [WorkItem.state == "ready", or_(mine, unit), access.grants_of(session, user_id).work_item_clause(now),
            *search_clauses(session, query, procedure_code)]
    late = and_(WorkItem.due_at.is_not(None), WorkItem.due_at < now)
    return base, {"mine": mine, "unit": unit, "due_soon": _due_soon_clause(session, base, now), "overdue": late}


# A completion's answer, so the hot path: built once; the user's grants (read with the completion) are applied to
# the dossier's few open steps here rather than compiled into the statement each time.
_OPEN_STEPS = (
    select(WorkItem.id, WorkItem.name, WorkItem.bpmn_id, WorkItem.role_key, Unit.code, Unit.name,
           WorkItem.due_at, WorkItem.assignee_id, WorkItem.unit_id, Dossier.procedure_id)
    .join(Unit, Unit.id == WorkItem.unit_id).join(Dossier, Dossier.id == WorkItem.dossier_id)
    .where(WorkItem.dossier_id == bindparam("dossier_id"), WorkItem.state == "ready",
           or_(WorkItem.assignee_id == bindparam("user_id"), WorkItem.assignee_id.is_(None)))
    .order_by(WorkItem.ready_at, WorkItem.id))


def items_to_take(session: Session, dossier_id: int, user_id: int, now: datetime) -> list[NextItem]:
    """The dossier's open steps the user may take now, in one query: what a completion answers comes next."""
    grants = access.grants_of(session, user_id)
    rows = session.execute(_OPEN_STEPS, {"dossier_id": dossier_id, "user_id": user_id})
    return [NextItem(*row[:7], claimed=row[7] == user_id) for row in rows
            if grants.may_work(row.role_key, row.unit_id, row.procedure_id, now) or grants.assigned(row)]


def work_item_timing(session: Session, item: WorkItem, now: datetime) -> Timing:
    if item.due_at is None:
        return Timing(None, False, False)
    calendar = unit_calendar(session, item.unit_id)
    remaining = calendar.remaining(now, item.due_at)
    late = item.due_at < now
    day = calendar.hours_per_day
    return Timing(remaining, late, not late and remaining <= timedelta(hours=day), day)


def joined(statement):
    return (statement.join(Dossier, Dossier.id == WorkItem.dossier_id)
            .join(Procedure, Procedure.id == Dossier.procedure_id))


def _counts(session: Session, base: list, clauses: dict) -> dict[str, int]:
    """All four counts in one query."""
    columns = [func.coalesce(func.sum(case((clause, 1), else_=0)), 0).label(name) for name, clause in clauses.items()]
    row = session.execute(joined(select(*columns).select_from(WorkItem)).where(*base)).one()
    return {name: int(value) for name, value in zip(clauses, row)}


def _due_soon_clause(session: Session, base: list, now: datetime):
    """Not late and due within one working day of the item's unit: one threshold instant per unit involved."""
    unit_ids = session.scalars(joined(select(WorkItem.unit_id).select_from(WorkItem))
                               .where(*base, WorkItem.due_at >= now).distinct())
    per_unit = []
    for unit_id in unit_ids:
        calendar = unit_calendar(session, unit_id)
        until = calendar.add_working_hours(now, calendar.hours_per_day)
        per_unit.append(and_(WorkItem.unit_id == unit_id, WorkItem.due_at <= until))
    if not per_unit:
        return false()
    return and_(WorkItem.due_at.is_not(None), WorkItem.due_at >= now, or_(*per_unit))


def search_clauses(session: Session, query: str, procedure_code: str | None) -> list:
    """The procedure filter, and the words typed: part of the dossier's code, applicant name or id number, or of
    the procedure's name, ignoring case and diacritics (the catalogue is small: its names are folded here)."""
    clauses = []
    if procedure_code:
        clauses.append(Procedure.code == procedure_code)
    text = " ".join(fold(query or "").split())[:MAX_QUERY_LENGTH]
    if text:
        named = [id_ for id_, name in session.execute(select(Procedure.id, Procedure.name)) if text in fold(name)]
        found = search_text_clause(session, text)
        clauses.append(or_(found, Procedure.id.in_(named)) if named else found)
    return clauses


def names_for_items(session: Session, items: list[WorkItem]) -> dict[int, tuple[str, str | None]]:
    """Per work item: its unit's code and its assignee's username (None when unclaimed), in two queries."""
    unit_codes = dict(session.execute(select(Unit.id, Unit.code)
                                      .where(Unit.id.in_({i.unit_id for i in items}))).all()) if items else {}
    assignees = {i.assignee_id for i in items if i.assignee_id is not None}
    usernames = dict(session.execute(select(User.id, User.username)
                                     .where(User.id.in_(assignees))).all()) if assignees else {}
    return {i.id: (unit_codes.get(i.unit_id, ""), usernames.get(i.assignee_id)) for i in items}
