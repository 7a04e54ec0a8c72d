"""The instance store: the few prepared statements that lock, load and write an instance with its work items.

A task completion is the hottest path of the application, so it speaks SQL directly instead of going
through the session's unit of work: one statement locks and loads the work item, its instance and its
dossier; at the end one UPDATE stores the instance under its revision and batched INSERTs add the new
work items, audit events and messages. Mapped objects of those rows that the session already holds are
kept in step, so callers reading them afterwards see what was written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value

from engine.models import Dossier, Event, Message, ProcessInstance, ProcessVersion, WorkItem

_pi, _wi, _dossier = ProcessInstance.__table__, WorkItem.__table__, Dossier.__table__
_version, _event, _message = ProcessVersion.__table__, Event.__table__, Message.__table__


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


@dataclass(frozen=True)
class Loaded:
    instance: InstanceRow
    dossier: DossierFacts
    checksum: str
    item: ItemRow | None = None


_ITEM = [_wi.c.id, _wi.c.instance_id, _wi.c.dossier_id, _wi.c.task_id, _wi.c.bpmn_id, _wi.c.name, _wi.c.role_key,
         _wi.c.unit_id, _wi.c.form, _wi.c.state, _wi.c.assignee_id, _wi.c.claimed_at, _wi.c.due_at,
         _wi.c.completed_by_id]
_INSTANCE = [_pi.c.id, _pi.c.dossier_id, _pi.c.process_version_id, _pi.c.unit_id, _pi.c.status, _pi.c.revision,
             _pi.c.state]
_DOSSIER = [_dossier.c.id, _dossier.c.code, _dossier.c.procedure_id, _dossier.c.status, _dossier.c.due_at,
            _dossier.c.receiving_unit_id, _dossier.c.deciding_unit_id, _dossier.c.finished_at,
            _dossier.c.returned_at]
_INSTANCE_FROM = (_pi.join(_dossier, _dossier.c.id == _pi.c.dossier_id)
                  .join(_version, _version.c.id == _pi.c.process_version_id))

_LOAD_INSTANCE = (select(*_INSTANCE, *_DOSSIER, _version.c.checksum).select_from(_INSTANCE_FROM)
                  .where(_pi.c.id == bindparam("instance_id")))
_LOAD_ITEM = (select(*_INSTANCE, *_DOSSIER, _version.c.checksum, *_ITEM)
              .select_from(_INSTANCE_FROM.join(_wi, _wi.c.instance_id == _pi.c.id))
              .where(_wi.c.id == bindparam("item_id")))
# PostgreSQL: the dossier first, then its instance (then the item): the order the dossier actions of the
# pages take them in, so a BPMN step and a page action on one dossier wait for each other instead of
# deadlocking. The rows are locked in the order they are named here.
_LOCK_INSTANCE = _LOAD_INSTANCE.with_for_update(of=[_dossier, _pi])
_LOCK_ITEM = _LOAD_ITEM.with_for_update(of=[_dossier, _pi, _wi])
# SQLite has no row locks: a no-op write takes the database write lock before the state is read.
_WRITE_LOCK_INSTANCE = (update(_pi).where(_pi.c.id == bindparam("instance_id"))
                        .values(revision=_pi.c.revision))
_WRITE_LOCK_ITEM = (update(_pi).where(_pi.c.id == select(_wi.c.instance_id).where(_wi.c.id == bindparam("item_id"))
                                      .scalar_subquery())
                    .values(revision=_pi.c.revision))

_SAVE_INSTANCE = (update(_pi).where(_pi.c.id == bindparam("p_id"), _pi.c.revision == bindparam("p_revision"))
                  .values(state=bindparam("p_state"), status=bindparam("p_status"),
                          next_timer_at=bindparam("p_next_timer_at"), waiting_for=bindparam("p_waiting_for"),
                          updated_at=bindparam("p_updated_at"), revision=_pi.c.revision + 1))
_SAVE_STATUS = (update(_pi).where(_pi.c.id == bindparam("p_id"), _pi.c.revision == bindparam("p_revision"))
                .values(status=bindparam("p_status"), next_timer_at=bindparam("p_next_timer_at"),
                        updated_at=bindparam("p_updated_at"), revision=_pi.c.revision + 1))
_SAVE_DOSSIER = (update(_dossier).where(_dossier.c.id == bindparam("p_id"))
                 .values(status=bindparam("p_status"), finished_at=bindparam("p_finished_at"),
                         returned_at=bindparam("p_returned_at")))
_COMPLETE_ITEM = (update(_wi).where(_wi.c.id == bindparam("p_id"))
                  .values(state="completed", completed_by_id=bindparam("p_completed_by_id"),
                          completed_at=bindparam("p_completed_at"), verdict=bindparam("p_verdict"),
                          data=bindparam("p_data", type_=_wi.c.data.type),
                          on_behalf_of_id=bindparam("p_on_behalf_of_id"),
                          signature_form=bindparam("p_signature_form"), assignee_id=bindparam("p_assignee_id"),
                          claimed_at=bindparam("p_claimed_at")))
_INSERT_ITEMS = insert(_wi).inline()  # inline: nobody reads the new ids back
_INSERT_EVENTS = insert(_event).inline()
_INSERT_MESSAGES = insert(_message).inline()


def lock_and_load_instance(session: Session, instance_id: int) -> Loaded | None:
    """Lock the instance (with its dossier) for the rest of the transaction and read it."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        row = connection.execute(_LOCK_INSTANCE, {"instance_id": instance_id}).first()
    else:
        connection.execute(_WRITE_LOCK_INSTANCE, {"instance_id": instance_id})
        row = connection.execute(_LOAD_INSTANCE, {"instance_id": instance_id}).first()
    return _loaded(row) if row is not None else None


def lock_and_load_item(session: Session, item_id: int) -> Loaded | None:
    """Lock a work item's instance (with its dossier and the item) and read all three."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        row = connection.execute(_LOCK_ITEM, {"item_id": item_id}).first()
    else:
        connection.execute(_WRITE_LOCK_ITEM, {"item_id": item_id})
        row = connection.execute(_LOAD_ITEM, {"item_id": item_id}).first()
    return _loaded(row, ItemRow(*row[len(_INSTANCE) + len(_DOSSIER) + 1:])) if row is not None else None


def _loaded(row, item: ItemRow | None = None) -> Loaded:
    instance = InstanceRow(*row[:len(_INSTANCE)])
    end = len(_INSTANCE) + len(_DOSSIER)
    return Loaded(instance, DossierFacts(*row[len(_INSTANCE):end]), row[end], item)


def save_instance(session: Session, instance: InstanceRow, now: datetime) -> bool:
    """Store the state under the revision that was read; False when another unit of work saved first."""
    saved = session.connection().execute(_SAVE_INSTANCE, {
        "p_id": instance.id, "p_revision": instance.revision, "p_state": instance.state,
        "p_status": instance.status, "p_next_timer_at": instance.next_timer_at,
        "p_waiting_for": instance.waiting_for, "p_updated_at": now}).rowcount == 1
    if saved:
        instance.revision += 1
        _sync(session, ProcessInstance, instance.id, state=instance.state, status=instance.status,
              next_timer_at=instance.next_timer_at, waiting_for=instance.waiting_for, updated_at=now,
              revision=instance.revision)
    return saved


def save_instance_status(session: Session, instance: InstanceRow, now: datetime) -> bool:
    """Store only the status and next timer (e.g. a stopped dossier's instance), under the revision read."""
    saved = session.connection().execute(_SAVE_STATUS, {
        "p_id": instance.id, "p_revision": instance.revision, "p_status": instance.status,
        "p_next_timer_at": instance.next_timer_at, "p_updated_at": now}).rowcount == 1
    if saved:
        instance.revision += 1
        _sync(session, ProcessInstance, instance.id, status=instance.status, next_timer_at=instance.next_timer_at,
              updated_at=now, revision=instance.revision)
    return saved


def save_dossier_status(session: Session, dossier: DossierFacts) -> None:
    session.connection().execute(_SAVE_DOSSIER, {"p_id": dossier.id, "p_status": dossier.status,
                                    "p_finished_at": dossier.finished_at, "p_returned_at": dossier.returned_at})
    _sync(session, Dossier, dossier.id, status=dossier.status, finished_at=dossier.finished_at,
          returned_at=dossier.returned_at)


def complete_item(session: Session, item_id: int, **values) -> None:
    """Mark a work item completed: completed_by_id, completed_at, verdict, data, on_behalf_of_id,
    signature_form, assignee_id, claimed_at."""
    session.connection().execute(_COMPLETE_ITEM, {f"p_{key}": value for key, value in values.items()} | {"p_id": item_id})
    _sync(session, WorkItem, item_id, state="completed", **values)


def claimed(item: WorkItem, user_id: int, now: datetime) -> None:
    """The mapped item after a successful claim statement, without reading it back."""
    set_committed_value(item, "assignee_id", user_id)
    set_committed_value(item, "claimed_at", now)


def cancel_items(session: Session, instance_id: int, task_ids: set[str]) -> list[int]:
    """Cancel the instance's ready items of tasks that are no longer ready; their ids."""
    ids = list(session.scalars(select(_wi.c.id).where(_wi.c.instance_id == instance_id, _wi.c.task_id.in_(task_ids),
                                                      _wi.c.state == "ready")))
    if ids:
        session.execute(update(_wi).where(_wi.c.id.in_(ids)).values(state="cancelled"))
        for item_id in ids:
            _sync(session, WorkItem, item_id, state="cancelled")
    return ids


def add_rows(session: Session, items: list[dict], events: list[dict], messages: list[dict]) -> None:
    """New work items, audit events and messages, one INSERT per table (events in the order given)."""
    connection = session.connection()
    if items:
        connection.execute(_INSERT_ITEMS, items)
    if events:
        connection.execute(_INSERT_EVENTS, events)
    if messages:
        connection.execute(_INSERT_MESSAGES, messages)


def _sync(session: Session, model, pk: int, **values) -> None:
    """Bring a mapped object the session already holds in line with what a statement just wrote."""
    obj = session.identity_map.get(identity_key(model, pk))
    if obj is not None:
        for key, value in values.items():
            set_committed_value(obj, key, value)
