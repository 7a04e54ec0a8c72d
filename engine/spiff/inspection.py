"""Everything the spiff door can say about a version's BPMN, at once: unreadable files, constructs motcua
cannot run, SpiffWorkflow's refusals, the specs' own problems, and what starting the process would break."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .checks import construct_problems
from .documents import Documents, Problem, read_documents
from .parsing import ParsedVersion, build
from .spec_checks import spec_problems
from .trial import trial_start


@dataclass
class Inspection:
    """`parsed` is None when the specs could not be built; `problems` are located on their elements."""

    parsed: ParsedVersion | None
    problems: list[Problem]
    documents: Documents

    def problem(self, message: str, element: str | None = None, file: str | None = None,
                warning: bool = False) -> Problem:
        """A problem found outside this package (forms, properties, roles), located on the element."""
        return self.documents.problem(message, element, file, warning)

    def trial(self, helpers: dict, now: datetime) -> list[Problem]:
        """Start the process in memory as reception would; call only for a version without errors."""
        return trial_start(self.documents, self.parsed, helpers, now) if self.parsed is not None else []


def inspect_version(files: dict[str, str], process_id: str, max_bytes: int, helpers: dict,
                    known_names: set[str]) -> Inspection:
    """Read, check and build a version's BPMN; `known_names` are the names its forms set (read by scripts)."""
    documents, problems = read_documents(files, max_bytes)
    if problems or not documents.roots:  # the files that can be read would not make the version
        return Inspection(None, problems, documents)
    found, buildable = construct_problems(documents, process_id)
    problems += found
    if not buildable:  # SpiffWorkflow would only repeat that a process is missing
        return Inspection(None, problems, documents)
    parsed, refusals = build(documents, process_id, lenient=bool(problems))
    # SpiffWorkflow stops at its first refusal, often one a check above already named: keep the others.
    named = {p.element for p in problems if p.element}
    problems += [p for p in refusals if not p.element or p.element not in named]
    if parsed is not None:
        problems += spec_problems(documents, parsed, helpers, known_names)
    return Inspection(parsed, problems, documents)
