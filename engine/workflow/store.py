"""The instance store: the few prepared statements that lock, load and write an instance with its work items.

A task completion is the hottest path of the application, so it speaks SQL directly instead of going through
the session's unit of work: one statement locks and loads the work item, its instance and its dossier; at the
end the instance is stored under its revision with the completed item, the dossier's status and the new work
items, audit events and messages (one statement on PostgreSQL, a few on SQLite). PostgreSQL's statements run
straight on the driver's cursor (infra.db.Precompiled). Mapped objects of those rows the session already holds
are kept in step, so callers reading them afterwards see what was written.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select, text, true, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value

from engine.infra.db import Precompiled, fetch, fetch_first
from engine.models import Dossier, Event, Message, ProcessInstance, ProcessVersion, WorkItem
from engine.org import access
from engine.workflow.rows import DossierFacts, InstanceRow, ItemRow, Loaded, pg_save_values

_pi, _wi, _dossier = ProcessInstance.__table__, WorkItem.__table__, Dossier.__table__
_version, _event, _message = ProcessVersion.__table__, Event.__table__, Message.__table__

_ITEM = [_wi.c.id, _wi.c.instance_id, _wi.c.dossier_id, _wi.c.task_id, _wi.c.bpmn_id, _wi.c.name, _wi.c.role_key,
         _wi.c.unit_id, _wi.c.form, _wi.c.state, _wi.c.assignee_id, _wi.c.claimed_at, _wi.c.due_at,
         _wi.c.completed_by_id]
_INSTANCE = [_pi.c.id, _pi.c.dossier_id, _pi.c.process_version_id, _pi.c.unit_id, _pi.c.status, _pi.c.revision,
             _pi.c.state]
_DOSSIER = [_dossier.c.id, _dossier.c.code, _dossier.c.procedure_id, _dossier.c.status, _dossier.c.due_at,
            _dossier.c.receiving_unit_id, _dossier.c.deciding_unit_id, _dossier.c.finished_at,
            _dossier.c.returned_at, _dossier.c.paused_at]
_ITEM_END = len(_INSTANCE) + len(_DOSSIER) + 1 + len(_ITEM)  # the item's columns end here
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
_LOCK_INSTANCE = Precompiled(_LOAD_INSTANCE.with_for_update(of=[_dossier, _pi]))
_LOCKING_ITEM = _LOAD_ITEM.with_for_update(of=[_dossier, _pi, _wi])
_LOCK_ITEM = Precompiled(_LOCKING_ITEM)
# PostgreSQL, a completion: the completing user's grants (access.GRANTS) come with the locked row, one row
# per grant, one round trip fewer. The three rows above are locked in a one-row CTE the grants join after:
# joined inside the locking SELECT, a lock that waited on a concurrent update (a worker delivering a message
# to the dossier) rechecked the rows and kept one grant of many, refusing a user holding the step's role.
_GRANTS_OF_USER = access.GRANTS.lateral("grants")
_LOCKED_ITEM = _LOCKING_ITEM.cte("locked_item").prefix_with("MATERIALIZED", dialect="postgresql")
_LOCK_ITEM_WITH_GRANTS = Precompiled(select(*_LOCKED_ITEM.c, *_GRANTS_OF_USER.c)
                                     .select_from(_LOCKED_ITEM.outerjoin(_GRANTS_OF_USER, true())))
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

# PostgreSQL: the whole save in one statement, one wait on the server instead of five (each costs more than the
# SQL it carries). Text written once (building a combined statement per call cost more than it saved); its bind
# values are workflow.rows.pg_save_values. Variable rows come as one JSON array per table (json_to_recordset,
# not jsonb_: json keeps form data and details as given, key order included), inserted in their order. Every part runs only if the instance UPDATE matched its revision
# (EXISTS on `saved`): a stale save writes nothing and returns no row. SQLite runs the statements above in turn.
_PG_SAVE = Precompiled(text("""
WITH saved AS (
    UPDATE process_instance
       SET state = :state, status = :status, next_timer_at = :next_timer_at,
           waiting_for = CAST(:waiting_for AS json), updated_at = :now, revision = revision + 1
     WHERE id = :id AND revision = :revision
    RETURNING revision
), completed AS (
    UPDATE work_item
       SET state = 'completed', completed_by_id = :c_completed_by_id, completed_at = :c_completed_at,
           verdict = :c_verdict, data = CAST(:c_data AS json), on_behalf_of_id = :c_on_behalf_of_id,
           signature_form = :c_signature_form, assignee_id = :c_assignee_id, claimed_at = :c_claimed_at
     WHERE id = :c_id AND EXISTS (SELECT FROM saved)
), dossier_status AS (
    UPDATE dossier SET status = :d_status, finished_at = :d_finished_at, returned_at = :d_returned_at
     WHERE id = :d_id AND EXISTS (SELECT FROM saved)
), new_items AS (
    INSERT INTO work_item (instance_id, dossier_id, task_id, bpmn_id, name, role_key, unit_id, form, state,
                           ready_at, due_at)
    SELECT r.instance_id, r.dossier_id, r.task_id, r.bpmn_id, r.name, r.role_key, r.unit_id, r.form, r.state,
           r.ready_at, r.due_at
      FROM ROWS FROM (json_to_recordset(CAST(:items AS json))
           AS (instance_id int, dossier_id int, task_id text, bpmn_id text, name text, role_key text,
               unit_id int, form text, state text, ready_at timestamp, due_at timestamp)) WITH ORDINALITY AS r
     WHERE EXISTS (SELECT FROM saved)
     ORDER BY r.ordinality
), new_events AS (
    INSERT INTO event (at, actor_id, action, dossier_id, instance_id, work_item_id, status_before,
                       status_after, detail)
    SELECT r.at, r.actor_id, r.action, r.dossier_id, r.instance_id, r.work_item_id, r.status_before,
           r.status_after, r.detail
      FROM ROWS FROM (json_to_recordset(CAST(:events AS json))
           AS (at timestamp, actor_id int, action text, dossier_id int, instance_id int, work_item_id int,
               status_before smallint, status_after smallint, detail json)) WITH ORDINALITY AS r
     WHERE EXISTS (SELECT FROM saved)
     ORDER BY r.ordinality
), new_messages AS (
    INSERT INTO message (name, correlation, payload, state, attempts, sender_instance_id, created_at)
    SELECT r.name, r.correlation, r.payload, r.state, r.attempts, r.sender_instance_id, r.created_at
      FROM ROWS FROM (json_to_recordset(CAST(:messages AS json))
           AS (name text, correlation text, payload json, state text, attempts int, sender_instance_id int,
               created_at timestamp)) WITH ORDINALITY AS r
     WHERE EXISTS (SELECT FROM saved)
     ORDER BY r.ordinality
)
SELECT revision FROM saved
"""))


def lock_and_load_instance(session: Session, instance_id: int) -> Loaded | None:
    """Lock the instance (with its dossier) for the rest of the transaction and read it."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        row = next(iter(fetch(connection, _LOCK_INSTANCE, {"instance_id": instance_id})), None)
    else:
        connection.execute(_WRITE_LOCK_INSTANCE, {"instance_id": instance_id})
        row = connection.execute(_LOAD_INSTANCE, {"instance_id": instance_id}).first()
    return _loaded(row) if row is not None else None


def lock_and_load_item(session: Session, item_id: int, user_id: int | None = None) -> Loaded | None:
    """Lock a work item's instance (with its dossier and the item) and read all three; given `user_id`, the
    user's grants may come with them (then `access.grants_of` finds them kept)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql" and user_id is not None:
        rows = fetch_first(connection, _LOCK_ITEM_WITH_GRANTS, {"item_id": item_id, "user_id": user_id})
        if not rows:
            return None
        access.keep_grants(session, user_id, [row[_ITEM_END:] for row in rows])
        row = rows[0]
    elif connection.dialect.name == "postgresql":
        row = next(iter(fetch(connection, _LOCK_ITEM, {"item_id": item_id})), None)
    else:
        connection.execute(_WRITE_LOCK_ITEM, {"item_id": item_id})
        row = connection.execute(_LOAD_ITEM, {"item_id": item_id}).first()
    return _loaded(row, ItemRow(*row[len(_INSTANCE) + len(_DOSSIER) + 1:_ITEM_END])) if row is not None else None


def _loaded(row, item: ItemRow | None = None) -> Loaded:
    instance = InstanceRow(*row[:len(_INSTANCE)])
    end = len(_INSTANCE) + len(_DOSSIER)
    return Loaded(instance, DossierFacts(*row[len(_INSTANCE):end]), row[end], item)


def save_with_rows(session: Session, instance: InstanceRow, now: datetime, *, dossier: DossierFacts | None,
                   completed: dict | None, items: list[dict], events: list[dict], messages: list[dict]) -> bool:
    """Store the instance under the revision that was read and, with it, the completed work item (`completed`:
    its id and the values `complete_item` takes), the dossier's status (`dossier`: None when unchanged) and the
    new rows. False when another unit of work saved first: then nothing at all is written."""
    connection = session.connection()
    values = {key: value for key, value in completed.items() if key != "id"} if completed is not None else {}
    if connection.dialect.name == "postgresql":
        if not fetch(connection, _PG_SAVE, pg_save_values(instance, now, dossier, completed, items, events, messages)):
            return False
        _saved(session, instance, now)
        if completed is not None:
            _sync(session, WorkItem, completed["id"], state="completed", **values)
        if dossier is not None:
            _dossier_saved(session, dossier)
        return True
    if not save_instance(session, instance, now):
        return False
    if completed is not None:
        complete_item(session, completed["id"], **values)
    if dossier is not None:
        save_dossier_status(session, dossier)
    add_rows(session, items, events, messages)
    return True


def save_instance(session: Session, instance: InstanceRow, now: datetime) -> bool:
    """Store the state under the revision that was read; False when another unit of work saved first."""
    saved = session.connection().execute(_SAVE_INSTANCE, {
        "p_id": instance.id, "p_revision": instance.revision, "p_state": instance.state,
        "p_status": instance.status, "p_next_timer_at": instance.next_timer_at,
        "p_waiting_for": instance.waiting_for, "p_updated_at": now}).rowcount == 1
    if saved:
        _saved(session, instance, now)
    return saved


def _saved(session: Session, instance: InstanceRow, now: datetime) -> None:
    instance.revision += 1
    _sync(session, ProcessInstance, instance.id, state=instance.state, status=instance.status,
          next_timer_at=instance.next_timer_at, waiting_for=instance.waiting_for, updated_at=now,
          revision=instance.revision)


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
    _dossier_saved(session, dossier)


def _dossier_saved(session: Session, dossier: DossierFacts) -> None:
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
