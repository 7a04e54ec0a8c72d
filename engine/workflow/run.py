"""An instance loaded for one unit of work, with the writes it keeps until the instance is saved."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from engine.infra.audit import record_event
from engine.models import Dossier
from engine.workflow import store
from engine.workflow.catalog import VersionBundle
from engine.workflow.rows import DossierFacts, InstanceRow

_STATUS_FIELDS = ("status", "finished_at", "returned_at")


@dataclass(eq=False)
class InstanceRun:
    """An instance loaded for one unit of work; `runtime.finish` saves it.

    The run keeps its own writes (the completed item, status projection, new work items, audit events) as
    plain values and stores them with the instance at `save`, in one statement on PostgreSQL. Reading the
    dossier as a mapped object (`run.dossier`, e.g. the report counters taking its tally) changes nothing in
    that. A dossier action writes through the session: `write_through` hands it the mapped dossier, and from
    then on the session writes the dossier and the run's events (the completed item at once: an action may read
    it, e.g. the signer of a letter).
    """

    session: Session
    instance: InstanceRow
    facts: DossierFacts
    bundle: VersionBundle
    workflow: object
    now: datetime
    actor_id: int | None
    completed_before: set[str] = field(default_factory=set)
    ready_before: set[str] = field(default_factory=set)
    events: list[dict] = field(default_factory=list)
    new_items: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    status_changed: bool = False  # the facts' status, end and hand-over instants are to be saved
    mapped: Dossier | None = None
    completed_item: dict | None = None
    through: bool = False  # the session writes the dossier and the run's events (a dossier action ran)

    @property
    def dossier(self) -> Dossier:
        """The dossier as a mapped object, loaded on first use, showing the run's pending status (which is still
        saved with the instance: the object takes it as if read)."""
        if self.mapped is None:
            self.mapped = self.session.get(Dossier, self.facts.id, populate_existing=True)
            if self.status_changed:
                for key in _STATUS_FIELDS:
                    set_committed_value(self.mapped, key, getattr(self.facts, key))
        return self.mapped

    def write_through(self) -> Dossier:
        """The mapped dossier for a dossier action; the session writes the run's pending changes from now on."""
        dossier = self.dossier
        if not self.through:
            self.through = True
            if self.status_changed:
                for key in _STATUS_FIELDS:
                    flag_modified(dossier, key)
                self.status_changed = False
            for event in self.events:
                record_event(self.session, **event)
            self.events.clear()
            if self.completed_item is not None:
                item = self.completed_item
                store.complete_item(self.session, item["id"], **{k: v for k, v in item.items() if k != "id"})
                self.completed_item = None
        return dossier

    @property
    def current(self) -> Dossier | DossierFacts:
        """The dossier as the run sees it now: the mapped object once loaded, the plain facts until then."""
        return self.mapped if self.mapped is not None else self.facts

    def set_status(self, status: int) -> None:
        """The dossier's new status, with its end instant (processed or stopped) or hand-over instant."""
        target = self.mapped if self.through else self.facts
        target.status = status
        if status in (8, 9) and target.finished_at is None:  # processed or stopped: the end time of its verdict
            target.finished_at = self.now
        if status == 10:
            target.returned_at = self.now
        if self.through:  # the plain facts follow the mapped dossier: messages and timers read them
            self.facts.status, self.facts.finished_at, self.facts.returned_at = (
                status, target.finished_at, target.returned_at)
            return
        self.status_changed = True
        if self.mapped is not None:
            for key in _STATUS_FIELDS:
                set_committed_value(self.mapped, key, getattr(self.facts, key))

    def complete_item(self, item_id: int, **values) -> None:
        """The work item this run's user task completes (values as `store.complete_item` takes them), stored
        with the instance at `save`."""
        if self.through:
            store.complete_item(self.session, item_id, **values)
        else:
            self.completed_item = {"id": item_id, **values}

    def record(self, **event) -> None:
        """An audit event, written with the run's other rows (in the order recorded)."""
        if self.through:
            record_event(self.session, **event)
        else:
            self.events.append({"status_before": None, "status_after": None, "work_item_id": None,
                                "detail": None, **event})
