"""The action table: what a BPMN node may ask of its dossier through its `dossier_action` property.

The one-stop domain builds the table (engine.onestop.actions) and the engine's composition root hands it over
once with `use_actions`; the runtime and the catalogue read it here, so the core never imports the features
that build on it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

Action = Callable[..., None]  # (run: runtime.InstanceRun, properties: dict, task data: dict) -> None
_table: Mapping[str, Action] = MappingProxyType({})


def use_actions(table: Mapping[str, Action]) -> None:
    global _table
    _table = MappingProxyType(dict(table))


def action_names() -> frozenset[str]:
    return frozenset(_table)


def handler(name: str) -> Action | None:
    return _table.get(name)
