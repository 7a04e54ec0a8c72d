"""The action table: what a BPMN node may ask of its dossier through its `dossier_action` property.

The one-stop domain builds the table (engine.onestop.actions) and the engine's composition root hands it over
once with `use_actions`; the runtime and the catalogue read it here, so the core never imports the features
that build on it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

Action = Callable[..., None]  # (run: runtime.InstanceRun, properties: dict, task data: dict) -> None
# The task data the fee actions read (assess_fee, record_fee): the fee step's form (bpmn/common/forms/thu_phi.json)
# and what a process computes before it (its scripts); the domain's fees and the dry run read the same names.
AMOUNT, RECEIPT, METHOD, REASON = "so_tien_phi", "so_bien_lai", "hinh_thuc_thanh_toan", "ly_do_khac_muc_phi"
DUE_AMOUNT, DUE_BASIS = "le_phi_phai_thu", "cach_tinh_phi"
_table: Mapping[str, Action] = MappingProxyType({})


def use_actions(table: Mapping[str, Action]) -> None:
    global _table
    _table = MappingProxyType(dict(table))


def action_names() -> frozenset[str]:
    return frozenset(_table)


def handler(name: str) -> Action | None:
    return _table.get(name)


# What the domain books when the runtime moves a dossier's status (the report counters): called with the run and
# the statuses before and after, before the change; returns what to call once the change is made, or None.
StatusObserver = Callable[..., "Callable[[], None] | None"]
_status_observer: StatusObserver | None = None


def use_status_observer(observer: StatusObserver | None) -> None:
    global _status_observer
    _status_observer = observer


def observe_status(run, before: int, after: int):
    """Tell the observer a status move is about to happen; returns what to call once it has."""
    return _status_observer(run, before, after) if _status_observer is not None else None
