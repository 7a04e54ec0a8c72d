"""The rows a unit of work on an instance reads and writes, as plain values, and their form as bind values of
text SQL (which gets no column types): instants as the columns hold them, JSON as text."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson


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
    """Compact JSON as the standard library writes it (orjson, about ten times faster, where it can)."""
    if value is None:
        return None
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()
    except orjson.JSONEncodeError:  # integers beyond 64 bits, keys that are not text, what nothing can write
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def pg_save_values(instance: InstanceRow, now: datetime, dossier: DossierFacts | None, completed: dict | None,
                   items: list[dict], events: list[dict], messages: list[dict]) -> dict:
    """Bind values of PostgreSQL's one-statement save (workflow.store), the completed item's (`completed`: its
    id and values) and the dossier's status (None: unchanged) included; new rows as JSON arrays."""
    completed = completed or {}
    d_id, d_status, d_finished_at, d_returned_at = (
        (dossier.id, dossier.status, bind_instant(dossier.finished_at), bind_instant(dossier.returned_at))
        if dossier else [None] * 4)
    return {
        "id": instance.id, "revision": instance.revision, "state": instance.state, "status": instance.status,
        "next_timer_at": bind_instant(instance.next_timer_at), "waiting_for": bind_json(instance.waiting_for),
        "now": bind_instant(now),
        "c_id": completed.get("id"), "c_completed_by_id": completed.get("completed_by_id"),
        "c_completed_at": bind_instant(completed.get("completed_at")), "c_verdict": completed.get("verdict"),
        "c_data": bind_json(completed.get("data")), "c_on_behalf_of_id": completed.get("on_behalf_of_id"),
        "c_signature_form": completed.get("signature_form"), "c_assignee_id": completed.get("assignee_id"),
        "c_claimed_at": bind_instant(completed.get("claimed_at")),
        "d_id": d_id, "d_status": d_status, "d_finished_at": d_finished_at, "d_returned_at": d_returned_at,
        "items": bind_json(items), "events": bind_json(events), "messages": bind_json(messages),
    }
