"""Dry run of a version against the legal clock: one path, every path (bounded), and the gate validation uses."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from engine import spiff
from engine.infra.clock import VN_TZ
from engine.infra.errors import ValidationFailed
from engine.org.calendar import WorkCalendar
from engine.spiff import simulation
from engine.spiff.elements import describe_elements
from engine.workflow.dry_run_parts import Outcome, Setting, Step
from engine.workflow.findings import ERROR, Finding
from engine.workflow.simulator import Simulation

PACES = ("budget", "immediate")  # each step takes its whole budget (the worst case) | is done at once
MAX_PATHS = 64
MAX_STEPS = 500
LOOP_LIMIT = 2  # every-path mode: a gateway's way out taken this often on a path is not taken again
GATE_RECEPTION = datetime(2030, 1, 7, 8, 0, tzinfo=VN_TZ)  # a Monday morning: the gate's reception instant
GATE_PATHS = 32
GATE_STEPS = 200  # a bundled procedure needs a few dozen; a loop's task tree grows, and each step costs more
GATE_PREFIX = "Chạy thử"

__all__ = ["Outcome", "Step", "Paths", "GatewayChoice", "dry_run", "dry_run_paths", "gate", "gateway_choices",
           "resolve_choices", "default_reception", "overrun_days"]


@dataclass(frozen=True)
class GatewayChoice:
    """A gateway the designer may force: its ways out as (key, label), key a sequence-flow id when known."""

    bpmn_id: str
    name: str
    kind: str
    options: tuple[tuple[str, str], ...]
    targets: dict  # key -> target BPMN id


@dataclass
class Paths:
    """Every-path mode: each path's run, the index of the worst, and whether the bound cut the search short."""

    runs: list[Outcome]
    worst: int | None
    truncated: bool


class Chooser:
    """Decides gateways for a run: the designer's forced ways out, then a replayed prefix, then the conditions.
    Exploring, it lists the ways not yet taken on the path, and breaks a loop the conditions would not leave."""

    def __init__(self, forced: dict[str, str], script: list[tuple[str, ...]] = (), explore: bool = False):
        self.forced, self.script, self.explore = dict(forced), list(script), explore
        self.made: list[tuple[tuple[str, ...], list[tuple[str, ...]]]] = []
        self.uses: Counter = Counter()

    def __call__(self, gateway: simulation.Gateway, natural) -> list[str]:
        if gateway.bpmn_id in self.forced:  # the first time the path passes it; then as the data says
            chosen = (self.forced.pop(gateway.bpmn_id),)
        elif len(self.made) < len(self.script):
            chosen = self.script[len(self.made)]
            self.made.append((chosen, []))
        else:
            chosen, alternatives = tuple(natural()), []
            if self.explore:
                uses = {o.target: self.uses[(gateway.bpmn_id, o.target)] for o in gateway.outlets}
                if any(uses.get(t, 0) >= LOOP_LIMIT for t in chosen):
                    chosen = (min(gateway.outlets, key=lambda o: (uses[o.target], not o.default)).target,)
                alternatives = [(o.target,) for o in gateway.outlets if (o.target,) != chosen and not uses[o.target]]
            self.made.append((chosen, alternatives))
        for target in chosen:
            self.uses[(gateway.bpmn_id, target)] += 1
        return list(chosen)


def dry_run(session: Session | None, meta: dict, parsed: spiff.ParsedVersion, forms: dict, *,
            received_at: datetime, pace: str = "budget", choices: dict[str, str] | None = None,
            data: dict[str, dict] | None = None, max_steps: int = MAX_STEPS, partners: bool = True) -> Outcome:
    """Run the version in memory from `received_at`: `choices` forces a gateway's way out (gateway id -> target
    id) and `data` a step's form data (BPMN id -> values, over the generated sample), both the first time the
    path passes there. Reads units, calendars and partner procedures; writes nothing."""
    setting = Setting.build(session, meta, parsed, forms)
    return _run(setting, received_at, pace, Chooser(choices or {}), data or {}, max_steps, partners)


def dry_run_paths(session: Session | None, meta: dict, parsed: spiff.ParsedVersion, forms: dict, *,
                  received_at: datetime, pace: str = "budget", choices: dict[str, str] | None = None,
                  data: dict[str, dict] | None = None, max_paths: int = MAX_PATHS, max_steps: int = MAX_STEPS,
                  partners: bool = True, stop_at_failure: bool = False) -> Paths:
    """Every way through the gateways (bounded): the conditions' own way first, then each way not yet taken;
    `stop_at_failure` ends the search at the first path that fails."""
    setting = Setting.build(session, meta, parsed, forms)
    runs, pending = [], [[]]
    while pending and len(runs) < max_paths:
        script = pending.pop()
        chooser = Chooser(choices or {}, script, explore=True)
        runs.append(_run(setting, received_at, pace, chooser, data or {}, max_steps, partners))
        if stop_at_failure and (runs[-1].error is not None or runs[-1].never_ends):
            break
        made = [chosen for chosen, _ in chooser.made]
        for i in range(len(chooser.made) - 1, len(script) - 1, -1):
            pending += [made[:i] + [alternative] for alternative in reversed(chooser.made[i][1])]
    return Paths(runs, _worst(runs), bool(pending))


def _run(setting: Setting, received_at: datetime, pace: str, chooser: Chooser, data: dict, max_steps: int,
         partners: bool) -> Outcome:
    if pace not in PACES:
        raise ValueError(f"pace must be one of {PACES}")
    simulation_run = Simulation(setting, received_at, pace=pace, data=data, decide=chooser, max_steps=max_steps,
                                partners=partners)
    return simulation_run.run()


def _worst(runs: list[Outcome]) -> int | None:
    """The path that fails, else the one whose result comes last."""
    if not runs:
        return None
    far = datetime.max.replace(tzinfo=VN_TZ)
    return max(range(len(runs)), key=lambda i: (runs[i].error is not None or runs[i].never_ends,
                                                runs[i].finished_at or far))


def overrun_days(outcome: Outcome, calendar: WorkCalendar) -> Decimal | None:
    """How many working days past the legal due date the result came (None when on time or unknown)."""
    done, due = outcome.finished_at, outcome.dossier.due_at
    if done is None or done <= due:
        return None
    hours = Decimal(calendar.working_time_between(due, done).total_seconds()) / 3600
    return (hours / Decimal(str(calendar.hours_per_day))).quantize(Decimal("0.01"), ROUND_HALF_UP)


def default_reception(calendar: WorkCalendar, now: datetime) -> datetime:
    """The next working day at 08:00, the page's starting point."""
    day = calendar.next_working_day(now.astimezone(VN_TZ).date())
    return datetime.combine(day, time(8, 0), VN_TZ)


def gate(session: Session, meta: dict, parsed: spiff.ParsedVersion, forms: dict) -> list[Finding]:
    """Validation's dry-run gate: every generated path (bounded) must reach an end without an engine error.
    Partners are answered with sample replies, so the verdict does not depend on what else is loaded."""
    paths = dry_run_paths(session, meta, parsed, forms, received_at=GATE_RECEPTION, max_paths=GATE_PATHS,
                          max_steps=GATE_STEPS, partners=False, stop_at_failure=True)
    names = simulation.element_names(parsed)
    findings, seen = [], set()
    for run in paths.runs:
        if run.error is not None:
            message = f"{GATE_PREFIX}: {run.error}"
        elif run.never_ends:
            message = f"{GATE_PREFIX}: quy trình không kết thúc sau {GATE_STEPS} bước (vòng lặp không có lối ra?)"
        else:
            continue
        element = run.error_element or (run.path[-1][0] if run.path else None)
        if (message, element) in seen:
            continue
        seen.add((message, element))
        findings.append(Finding(ERROR, f"{message} — nhánh: {_route(run)}", element=element,
                                name=names.get(element)))
    return findings


def _route(run: Outcome) -> str:
    chosen = [f"{d.gateway_name} → {', '.join(d.target_names)}" for d in run.decisions]
    return "; ".join(chosen) or "theo điều kiện"


def gateway_choices(parsed: spiff.ParsedVersion, files: dict[str, str] | None = None) -> list[GatewayChoice]:
    """Gateways the designer may force, each way out labelled with the step it leads to (and the flow's name)."""
    flows = {}
    for element in describe_elements(files) if files else []:
        if element["kind"] == "sequenceFlow":
            flows[(element["source"], element["target"])] = (element["id"], element["name"])
    out = []
    for gateway in simulation.gateways(parsed).values():
        options, targets = [], {}
        for outlet in gateway.outlets:
            flow_id, flow_name = flows.get((gateway.bpmn_id, outlet.target), (outlet.target, ""))
            label = f"{flow_name} → {outlet.target_name}" if flow_name else outlet.target_name
            options.append((flow_id, label))
            targets[flow_id] = targets[outlet.target] = outlet.target
        out.append(GatewayChoice(gateway.bpmn_id, gateway.name, gateway.kind, tuple(options), targets))
    return out


def resolve_choices(parsed: spiff.ParsedVersion, files: dict[str, str] | None,
                    raw: dict[str, str]) -> dict[str, str]:
    """Gateway id -> target id from what the designer picked (a flow id or a target id; empty: the conditions)."""
    known = {g.bpmn_id: g for g in gateway_choices(parsed, files)}
    chosen, errors = {}, {}
    for gateway_id, key in raw.items():
        key = (key or "").strip()
        if not key:
            continue
        if gateway_id not in known:
            errors[f"choices.{gateway_id}"] = [f"Không có cổng rẽ nhánh {gateway_id} trong quy trình."]
        elif key not in known[gateway_id].targets:
            errors[f"choices.{gateway_id}"] = [f"Cổng {known[gateway_id].name} không có nhánh {key}."]
        else:
            chosen[gateway_id] = known[gateway_id].targets[key]
    if errors:
        raise ValidationFailed("Lựa chọn nhánh chưa hợp lệ.", errors)
    return chosen
