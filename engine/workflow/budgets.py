"""Step budgets along a procedure's paths: the worst path must fit the legal time limit."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine import spiff
from engine.org.calendar import parse_budget

DEFAULT_HOURS_PER_DAY = Decimal("7.5")


@dataclass(frozen=True)
class BudgetReport:
    limit_days: Decimal
    worst_days: Decimal
    worst_path: tuple[str, ...]  # BPMN ids of the budgeted steps on the worst path

    @property
    def fits(self) -> bool:
        return self.worst_days <= self.limit_days


def budget_report(parsed: spiff.ParsedVersion, limit_days: Decimal,
                  hours_per_day: Decimal = DEFAULT_HOURS_PER_DAY) -> BudgetReport:
    """Walk every path from start to end of the top process (each step once per path, boundary-event
    exception paths excluded) and return the one whose step budgets sum highest."""
    successors = {node.name: node.successors for node in parsed.nodes if node.top}
    days = {bpmn_id: _days(props["step_budget"], hours_per_day)
            for bpmn_id, props in spiff.step_properties(parsed).items() if props.get("step_budget")}
    best: tuple[Decimal, tuple[str, ...]] = (Decimal(0), ())
    stack = [(spiff.start_node(parsed), Decimal(0), (), frozenset())]
    visited_states = 0
    while stack:
        node, total, path, seen = stack.pop()
        visited_states += 1
        if visited_states > 200_000:  # pathological graphs: report what was found so far
            break
        if node in days:
            total, path = total + days[node], path + (node,)
        if total > best[0]:
            best = (total, path)
        for nxt in successors[node]:
            if nxt not in seen:
                stack.append((nxt, total, path, seen | {node}))
    limit = max(limit_days, Decimal(1)) if limit_days <= 0 else limit_days  # same-day: within one working day
    return BudgetReport(limit, best[0], best[1])


def _days(text: str, hours_per_day: Decimal) -> Decimal:
    amount, unit = parse_budget(text)
    return amount if unit == "d" else (amount / hours_per_day).quantize(Decimal("0.01"))
