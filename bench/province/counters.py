"""The report counters, as the engine keeps them: the tally of a generated dossier (tally, work_centidays, with
the engine's own rules), Counters (the dossier_stat rows summed in Python per day, month and year), and
verify_counters (rebuild_report_counters must recompute exactly the same rows)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time as clock_time

from sqlalchemy import select

from engine import rebuild_report_counters
from engine.infra.clock import VN_TZ
from engine.infra.db import make_sessionmaker, unit_of_work
from engine.models import COUNTS, DossierStat
from engine.onestop.statuses import on_time_verdict
from engine.onestop.tallies import Tally, period_keys, work_centidays
from engine.org.calendar import forget_all_calendars

from bench.province.history import Gen
from bench.province.period import CALENDAR

STAT_COLUMNS = ("unit_id", "grain", "period", "procedure_id", *COUNTS)


def tally(g: Gen, chain: tuple[int, ...]) -> Tally:
    """engine.onestop.tallies.tally_of of the generated dossier (its units' calendars are the default one)."""
    received = g.status not in (1, 3)
    closed = received and g.status in (8, 9, 10)
    end_at = (g.finished_at or g.returned_at) if closed else None
    end_kind = None if end_at is None else ("withdrawn" if g.stop_before == 7 else "stopped") if g.status == 8 \
        else "processed"
    verdict = None
    if end_at is not None:
        verdict = on_time_verdict(g)
        assert verdict is not None, "every generated end has a finish time and a due"
    return Tally(
        procedure_id=g.procedure["id"], unit_ids=chain, received_at=g.received_at if received else None,
        channel=g.channel, variant=g.procedure["variant"],
        digitised=received and (g.channel == "online" or bool(g.scanned)),
        due_at=g.due_at if received else None,
        clock_running=received and end_at is None and g.paused_at is None and g.status not in (5, 6),
        end_at=end_at, end_kind=end_kind, verdict=verdict,
        work_centidays=work_centidays(CALENDAR, g.received_at, end_at, g.promised_due_at, g.due_at) if end_at else 0,
        e_result=end_kind == "processed" and bool(g.e_result),
        returned_at=g.returned_at if received and g.status == 10 else None,
        refused_at=g.finished_at if g.status == 3 else None)


class Counters:
    """dossier_stat rows summed in Python: each contribution (count, instant) of a tally goes to the rows of its
    Vietnam day, month and year (engine.onestop.tallies.period_keys) for every unit of the dossier's chain. Rows of
    a day are final once the generation has passed it; months and years likewise. Counts are summed per unit
    chain first and spread over the chain's units when final (a row exists once anything touched it, as the
    engine's upserts create it, whatever the sum)."""

    def __init__(self, chains: list[tuple[int, ...]]):
        self.chains = chains
        self.pending: dict[tuple, Counter] = defaultdict(Counter)  # (day, chain, procedure) -> counts
        self.months: dict[tuple, Counter] = defaultdict(Counter)  # (month, chain, procedure) -> counts
        self.years: dict[tuple, Counter] = defaultdict(Counter)
        self.keys: dict[date, tuple] = {}

    def add(self, chain: int, procedure_id: int, items) -> None:
        pending = self.pending
        for (count, instant), n in items:
            pending[(instant.astimezone(VN_TZ).date(), chain, procedure_id)][count] += n

    def flush(self, before: date | None) -> list[tuple]:
        """The final rows: days before `before` (everything when None), and the months and years they close."""
        days: dict[tuple, Counter] = defaultdict(Counter)
        for key in [k for k in self.pending if before is None or k[0] < before]:
            counts = self.pending.pop(key)
            day, chain, procedure_id = key
            keys = self.keys.get(day)
            if keys is None:
                keys = self.keys[day] = period_keys(datetime.combine(day, clock_time(12), VN_TZ))
            (_, year), (_, month), (_, day_) = keys
            for unit_id in self.chains[chain]:
                days[(unit_id, "d", day_, procedure_id)].update(counts)
            self.months[(month, chain, procedure_id)].update(counts)
            self.years[(year, chain, procedure_id)].update(counts)
        out = [(*key, *(counts.get(c, 0) for c in COUNTS)) for key, counts in days.items()]
        for store, grain, first in ((self.months, "m", before and before.replace(day=1)),
                                    (self.years, "y", before and before.replace(month=1, day=1))):
            rows: dict[tuple, Counter] = defaultdict(Counter)
            for key in [k for k in store if first is None or k[0] < first]:
                counts = store.pop(key)
                period, chain, procedure_id = key
                for unit_id in self.chains[chain]:
                    rows[(unit_id, grain, period, procedure_id)].update(counts)
            out += [(*key, *(counts.get(c, 0) for c in COUNTS)) for key, counts in rows.items()]
        return out


def stat_rows(engine) -> dict[tuple, tuple]:
    table = DossierStat.__table__
    with engine.connect() as conn:
        return {tuple(row[:4]): tuple(row[4:]) for row in conn.execute(select(
            *[table.c[c] for c in STAT_COLUMNS]))}


def verify_counters(engine) -> int:
    """Assert that rebuild_report_counters recomputes exactly the rows computed while generating; returns the
    number of rows."""
    fast = stat_rows(engine)
    factory = make_sessionmaker(engine)
    forget_all_calendars()
    with unit_of_work(factory) as session:
        rebuild_report_counters(session)
    rebuilt = stat_rows(engine)
    if fast != rebuilt:
        keys = sorted(set(fast) | set(rebuilt), key=str)
        diff = [(k, fast.get(k), rebuilt.get(k)) for k in keys if fast.get(k) != rebuilt.get(k)]
        for key, mine, theirs in diff[:10]:
            print(f"  {key}: generated {mine}\n  {' ' * len(str(key))}  rebuilt   {theirs}")
        raise AssertionError(f"{len(diff)} of {len(keys)} counter rows differ from rebuild_report_counters")
    return len(fast)
