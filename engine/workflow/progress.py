"""What a dossier's process diagram reads from the workflow core: a version's outline (its processes and their
elements, cached by checksum) and an instance's element runs."""
from __future__ import annotations

from dataclasses import dataclass

from engine.models import ProcessVersion
from engine.spiff.elements import describe_elements
from engine.spiff.progress import ElementRun, ProcessOutline, element_runs, process_outlines

_OUTLINES: dict[str, "VersionOutline"] = {}  # checksum -> outline; versions never change (as the specs' cache)


@dataclass(frozen=True)
class VersionOutline:
    """The top process and the processes it calls (directly or not), top first; each file's flow elements (dicts
    of engine.spiff.elements.describe_elements) in document order."""

    processes: tuple[ProcessOutline, ...]
    elements: dict[str, tuple[dict, ...]]
    known: frozenset[str]  # every element id of the files


def version_outline(version: ProcessVersion) -> VersionOutline:
    """The version's outline, read from its files once per process (the files are only loaded when not cached)."""
    outline = _OUTLINES.get(version.checksum)
    if outline is None:
        files = version.files
        every = process_outlines(files)
        reached, queue = [], [version.process_id]
        while queue:
            process = queue.pop(0)
            if process in every and every[process] not in reached:
                reached.append(every[process])
                queue += every[process].calls
        elements: dict[str, list[dict]] = {}
        for element in describe_elements(files):
            elements.setdefault(element["file"], []).append(element)
        outline = VersionOutline(tuple(reached), {name: tuple(found) for name, found in elements.items()},
                                 frozenset(element["id"] for found in elements.values() for element in found))
        _OUTLINES[version.checksum] = outline
    return outline


def instance_runs(state: str, outline: VersionOutline) -> tuple[ElementRun, ...]:
    """The runs of the outline's elements reached so far in a stored instance state (none before its first save)."""
    return element_runs(state, outline.processes[0].id, outline.known) if state and outline.processes else ()
