"""The rows a unit of work on an instance reads and writes, as plain values, and their form as bind values of
text SQL (which gets no column types): instants as the columns hold them, JSON as text."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass
class ItemRow:
    """The work item being worked, as plain values."""

    id: int
    instance_id: int
    dossier_id: int
    task_id: str
    bpmn_id: str
    name: str
    role_key: str
    unit_id: int
    form: str | None
    state: str
    assignee_id: int | None
    claimed_at: datetime | None
    due_at: datetime | None
    completed_by_id: int | None


@dataclass
class InstanceRow:
    """The instance's row as a unit of work reads and writes it; `save` stores it under its revision."""

    id: int
    dossier_id: int
    process_version_id: int
    unit_id: int
    status: str
    revision: int
    state: str
    next_timer_at: datetime | None = None
    waiting_for: list | None = None


@dataclass
class DossierFacts:
    """What a step reads of its dossier and the status projection may change."""

    id: int
    code: str
    procedure_id: int
    status: int
    due_at: datetime | None
    receiving_unit_id: int
    deciding_unit_id: int
    finished_at: datetime | None
    returned_at: datetime | None
    paused_at: datetime | None = None  # the legal clock stands still since (a supplement, a payment)


@dataclass(frozen=True)
class Loaded:
    instance: InstanceRow
    dossier: DossierFacts
    checksum: str
    item: ItemRow | None = None


def bind_instant(value: datetime | None) -> datetime | None:
    """An instant as the columns store it: naive UTC (engine.models.base.UTCDateTime)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes are refused; pass an aware datetime")
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def _json_default(value):
    if isinstance(value, datetime):
        return bind_instant(value).isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def bind_json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                                                 default=_json_default)
