"""Cross-checks on the hand-computed fixture: the counters kept change by change equal the rebuilt ones, and the
drill-down lists exactly the dossiers behind every figure of the report.
The 30 dossiers and their hand-counted figures are in tests/engine/report_fixture.py."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from sqlalchemy import select

from engine import REPORT_MEASURES, dossiers_behind, periodic_report, rebuild_report_counters
from engine.infra.db import unit_of_work
from engine.models import COUNTS, Dossier, DossierStat
from engine.onestop.tallies import record, record_rating, tally_of

from tests.engine.report_fixture import DOSSIERS, NOW, Q4, Q4_TOTAL, Spec, at, seed, seeded_and_rebuilt


def test_counters_kept_with_each_change_equal_the_rebuilt_ones(factory):
    """The maintained path: each dossier booked at reception and at every change that moves what it counts
    (supplement pause and resumption, end, hand-over, refusal), at the instant of the change, and each rating
    when given. No clock of the fixture stops after its due, so the rows are exactly those the rebuild makes."""
    ids = seed(factory)
    with unit_of_work(factory) as s:
        for spec in DOSSIERS:
            dossier = s.get(Dossier, ids.dossier[spec.code])
            final = {name: getattr(dossier, name) for name in _STATE}
            before = None
            for instant, changes in _history(spec):
                for name, value in changes.items():
                    setattr(dossier, name, value)
                after = tally_of(s, dossier, withdrawn=spec.stopped_from == 7, kinds=set(spec.kinds))
                record(s, before, after, instant)
                before = after
            assert {name: getattr(dossier, name) for name in _STATE} == final, spec.code
            if spec.rating:
                record_rating(s, dossier, spec.rating[0], at(spec.rating[1]))
    with unit_of_work(factory) as s:
        kept = _stat_rows(s)
        report = periodic_report(s, ids.ld_so, ids.unit["SO"], *Q4, now=NOW)
    assert asdict(report.total) == Q4_TOTAL
    with unit_of_work(factory) as s:
        rebuild_report_counters(s)
    with unit_of_work(factory) as s:
        rebuilt = _stat_rows(s)
    assert len(rebuilt) > 100
    assert kept == rebuilt


_STATE = ("status", "due_at", "finished_at", "returned_at", "paused_at", "supplement_count")


def _history(spec: Spec):
    """(instant, changed fields) of the dossier's life, from its reception (or online submission) on."""
    if spec.status in (1, 3):
        yield at(spec.received), dict(status=1, due_at=None, finished_at=None, returned_at=None, paused_at=None,
                                      supplement_count=0)
        if spec.status == 3:
            yield at(spec.finished), dict(status=3, finished_at=at(spec.finished))
        return
    yield at(spec.received), dict(status=2 if spec.status == 2 else 4, due_at=at(spec.promised or spec.due),
                                  finished_at=None, returned_at=None, paused_at=None, supplement_count=0)
    for n, (paused, resumed, due_after) in enumerate(spec.pauses, start=1):
        yield at(paused), dict(status=5, paused_at=at(paused), supplement_count=n)
        if resumed:
            yield at(resumed), dict(status=4, paused_at=None, due_at=at(due_after))
    if spec.stopped_from == 7:
        yield at(spec.finished), dict(status=7)
    if spec.finished:
        yield at(spec.finished), dict(status=8 if spec.status == 8 else 9, finished_at=at(spec.finished))
    if spec.returned:
        yield at(spec.returned), dict(status=10, returned_at=at(spec.returned))


def _stat_rows(s) -> dict:
    """dossier_stat as {(unit, grain, period, procedure): counts}, rows whose counts are all 0 left out."""
    table = DossierStat.__table__
    out = {}
    for row in s.execute(select(table)).mappings():
        counts = tuple(row[name] for name in COUNTS)
        if any(counts):
            out[(row["unit_id"], row["grain"], row["period"], row["procedure_id"])] = counts
    return out


@pytest.mark.parametrize("period", [Q4, (date(2025, 10, 6), date(2025, 10, 17)), (date(2025, 12, 15), date(2026, 1, 15))])
def test_every_figure_lists_exactly_the_dossiers_it_counts(factory, period):
    """The drill-down (read from the dossiers) agrees with the counters for every figure of the report."""
    ids = seeded_and_rebuilt(factory)
    measures = [name for name in REPORT_MEASURES if name != "work_centidays"]
    with unit_of_work(factory) as s:
        report = periodic_report(s, ids.ld_so, ids.unit["SO"], *period, now=NOW)
        for measure in [*measures, "received_new", "received_total", "in_progress", "judged_on_time"]:
            listed = dossiers_behind(s, ids.ld_so, ids.unit["SO"], *period, measure, now=NOW).total
            expected = (report.total.resolved_early + report.total.resolved_on_time
                        + report.total.in_progress_not_due) if measure == "judged_on_time" \
                else getattr(report.total, measure)
            assert listed == expected, measure
