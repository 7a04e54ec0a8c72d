"""Who will work a procedure's steps: the lanes whose role nobody holds (nor acts in under a valid delegation) at the
unit their steps go to, so the desk is warned before it receives a dossier that would stop there."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Unit
from engine.org.accounts import role_delegates, role_holders
from engine.org.roles import role_names
from engine.workflow.catalog import get_procedure, version_bundle


@dataclass(frozen=True)
class Unstaffed:
    """A lane of the procedure's active process that nobody can take where a dossier received at `receiving` goes."""

    receiving: str  # the receiving unit's name
    role_key: str
    role_name: str
    unit_name: str  # where the lane's steps are worked
    steps: tuple[str, ...]  # their names, in the process's order


def unstaffed_lanes(session: Session, procedure_code: str, receiving_unit_ids: list[int],
                    now: datetime) -> list[Unstaffed]:
    """For each receiving unit: the lanes of the procedure's active process with no active holder of their role
    and no valid delegate at the unit their steps go to (the lane's unit in procedure.toml, or the step's own)."""
    procedure = get_procedure(session, procedure_code)
    if procedure.active_version_id is None:
        return []
    bundle = version_bundle(session, procedure.active_version_id)
    lanes: dict[tuple[str, str], list[str]] = {}
    for task in bundle.parsed.user_tasks.values():
        if task.lane:
            where = task.properties.get("unit") or bundle.lane_unit(task.lane)
            lanes.setdefault((task.lane, where), []).append(task.name)
    codes = {where for _, where in lanes if where not in ("receiving", "deciding")}
    unit_ids = dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all()) if codes else {}
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    roles = role_names(session)
    staffed: dict[tuple[str, int], bool] = {}
    found = []
    for receiving in receiving_unit_ids:
        for (lane, where), steps in lanes.items():
            unit_id = {"receiving": receiving, "deciding": procedure.deciding_unit_id or receiving}.get(
                where, unit_ids.get(where))
            if unit_id is None:
                continue  # a lane at a unit that does not exist is refused when the version is loaded
            if (lane, unit_id) not in staffed:
                staffed[lane, unit_id] = bool(role_holders(session, lane, unit_id)
                                              or role_delegates(session, lane, unit_id, procedure.id, now))
            if not staffed[lane, unit_id]:
                found.append(Unstaffed(names.get(receiving, ""), lane, roles.get(lane, lane), names.get(unit_id, ""),
                                       tuple(dict.fromkeys(steps))))
    return found
