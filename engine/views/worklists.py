"""Work lists beside the inbox: a leader's open work of the units they lead, the steps an official completed, and
a dossier's current steps."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from engine.models import Dossier, Unit, User, WorkItem
from engine.org import access
from engine.views.inbox import (
    MAX_PER_PAGE, Timing, joined, search_clauses, view_counts, work_item_timing,
)
from engine.views.operations import unassignable_ids
from engine.workflow.tasks import assignment_candidates

MAX_PAGE = 100_000  # an OFFSET beyond any real history


@dataclass(frozen=True)
class TeamRow:
    """An open step of a unit the user leads: who has it, and whom the leader may hand it to."""

    item: WorkItem
    timing: Timing
    assignee: str | None  # full name; None while unclaimed
    nobody: bool  # no holder of its role, no delegate, no assignee: "Không có người xử lý"
    candidates: tuple[tuple[int, str], ...]  # (user id, full name)


@dataclass(frozen=True)
class TeamPage:
    rows: list[TeamRow]
    total: int
    page: int
    per_page: int
    pages: int
    counts: dict[str, int]


@dataclass(frozen=True)
class DonePage:
    """Steps the user completed, newest first; paged without a count (a long career holds many)."""

    rows: list[WorkItem]
    page: int
    per_page: int
    has_next: bool
    counts: dict[str, int]


@dataclass(frozen=True)
class CurrentStep:
    """An open step of a dossier as its page lists it; `may_open` when the user may open its task page."""

    id: int
    name: str
    unit_name: str
    assignee: str | None
    due_at: datetime | None
    may_open: bool


def tab_counts(session: Session, user_id: int, now: datetime, query: str = "",
               procedure_code: str | None = None) -> dict[str, int]:
    """The inbox views' counts, and the team view's when the user leads a unit."""
    counts = view_counts(session, user_id, now, query, procedure_code)
    team = team_count(session, user_id, query, procedure_code)
    return counts if team is None else {**counts, "team": team}


def team_count(session: Session, user_id: int, query: str = "", procedure_code: str | None = None) -> int | None:
    """How many open steps the units the user leads have (searched as the team view is); None for a non-leader."""
    led = _led_units(session, user_id)
    if not led:
        return None
    return session.scalar(joined(select(func.count()).select_from(WorkItem))
                          .where(*_team_clauses(session, led, query, procedure_code)))


def list_team(session: Session, user_id: int, now: datetime, *, query: str = "", procedure_code: str | None = None,
              page: int = 1, per_page: int = 25) -> TeamPage:
    """Open steps of the units the user leads (lãnh đạo, lãnh đạo phòng), claimed or not, by step due time."""
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    counts = tab_counts(session, user_id, now, query, procedure_code)
    total = counts.get("team", 0)
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(int(page), pages))
    led = _led_units(session, user_id)
    items = list(session.scalars(
        joined(select(WorkItem)).where(*_team_clauses(session, led, query, procedure_code))
        .options(joinedload(WorkItem.dossier).joinedload(Dossier.procedure))
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
        .limit(per_page).offset((page - 1) * per_page)).unique()) if led else []
    return TeamPage(_team_rows(session, items, now), total, page, per_page, pages, counts)


def list_done(session: Session, user_id: int, now: datetime, *, query: str = "", procedure_code: str | None = None,
              page: int = 1, per_page: int = 25) -> DonePage:
    """Steps the user completed, newest first (the index on completer and completion time reads one page)."""
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, min(int(page), MAX_PAGE))
    items = list(session.scalars(
        joined(select(WorkItem)).where(WorkItem.completed_by_id == user_id,
                                       *search_clauses(session, query, procedure_code))
        .options(joinedload(WorkItem.dossier).joinedload(Dossier.procedure))
        .order_by(WorkItem.completed_at.desc(), WorkItem.id.desc())
        .limit(per_page + 1).offset((page - 1) * per_page)).unique())
    return DonePage(items[:per_page], page, per_page, len(items) > per_page,
                    tab_counts(session, user_id, now, query, procedure_code))


def current_steps(session: Session, dossier: Dossier, user_id: int, now: datetime) -> list[CurrentStep]:
    """The dossier's open steps, oldest first, with who has them; the user may open those they may work or lead
    (the dossier page's access was checked by its caller)."""
    grants = access.grants_of(session, user_id)
    rows = session.execute(
        select(WorkItem, Unit.name, User.full_name).join(Unit, Unit.id == WorkItem.unit_id)
        .outerjoin(User, User.id == WorkItem.assignee_id)
        .where(WorkItem.dossier_id == dossier.id, WorkItem.state == "ready")
        .order_by(WorkItem.ready_at, WorkItem.id)).all()
    return [CurrentStep(item.id, item.name, unit_name, assignee, item.due_at,
                        grants.may_work(item.role_key, item.unit_id, dossier.procedure_id, now)
                        or grants.assigned(item) or grants.leads(item.unit_id))
            for item, unit_name, assignee in rows]


def _led_units(session: Session, user_id: int) -> list[int]:
    return sorted(access.grants_of(session, user_id).units_with(access.LEADER_ROLES))


def _team_clauses(session: Session, led: list[int], query: str, procedure_code: str | None) -> list:
    return [WorkItem.state == "ready", WorkItem.unit_id.in_(led), *search_clauses(session, query, procedure_code)]


def _team_rows(session: Session, items: list[WorkItem], now: datetime) -> list[TeamRow]:
    """Each row's assignee and candidates: one query for the names, one for who nobody can take, and the
    candidates once per role, unit and procedure on the page."""
    names = dict(session.execute(select(User.id, User.full_name).where(
        User.id.in_({i.assignee_id for i in items if i.assignee_id}))).all()) if items else {}
    stuck = unassignable_ids(session, [i.id for i in items], now)
    candidates: dict[tuple, tuple] = {}
    rows = []
    for item in items:
        key = (item.role_key, item.unit_id, item.dossier.procedure_id)
        if key not in candidates:
            people = assignment_candidates(session, *key, now)[0]
            candidates[key] = tuple((person.id, person.full_name) for person in people)
        rows.append(TeamRow(item, work_item_timing(session, item, now), names.get(item.assignee_id),
                            item.id in stuck, candidates[key]))
    return rows
