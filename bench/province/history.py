"""The history of the generated province: dossiers from START to NOW, day by day (daily_counts: how many begin
each day; generate: each one's procedure, unit, channel, applicant, reception and code; outcome: its due date,
pauses, end, verdict, hand-over and rating, or what keeps it open at NOW). Gen holds one generated dossier."""
from __future__ import annotations

import random
from bisect import bisect
from collections import defaultdict
from datetime import date, datetime, time as clock_time, timedelta
from itertools import accumulate

from engine.infra.clock import VN_TZ

from bench.province.organisation import Province
from bench.province.period import NOW, START, Days, office_time

FAMILY = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 2 + ["Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
                                                        "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Hoài", "Xuân", "Kim"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân",
         "Việt", "Yến"]


class Gen:
    """One generated dossier: its row's values and what else it leaves (a scan, an e-result, a stop, a rating)."""

    __slots__ = ("id", "code", "procedure", "channel", "submitted_at", "received_at", "promised_due_at", "due_at",
                 "extended_due_at", "status", "finished_at", "returned_at", "receiving", "deciding",
                 "supplement_count", "paused_at", "extension_count", "return_method", "name", "id_number",
                 "scanned", "e_result", "stop_before", "rating", "rated_at", "register")

    def __init__(self):
        for slot in self.__slots__:
            setattr(self, slot, None)



def daily_counts(size: int) -> list[tuple[date, int]]:
    """Dossiers begun each day (submitted online or brought to a desk): working days carry most, days off only
    online submissions; more each year; the total is exactly `size`."""
    days, weights = [], []
    cal = Days()
    span = (NOW.date() - START).days
    day = START
    while day <= NOW.date():
        if cal.is_working(day):
            weight = 1.0
        else:
            weight = 0.12 if day.weekday() == 5 else 0.06
        if day == NOW.date():
            weight *= 0.7
        days.append(day)
        weights.append(weight * (1 + 0.25 * (day - START).days / span))
        day += timedelta(days=1)
    total, out, before = sum(weights), [], 0
    for day, cumulative in zip(days, accumulate(weights)):
        upto = round(cumulative / total * size)
        out.append((day, upto - before))
        before = upto
    return out


def generate(prov: Province, size: int, rng: random.Random):
    """Yield (day, the dossiers begun that day), day by day. Every instant of a dossier (reception, due, end,
    hand-over, rating) falls on or after its day, so the counters of earlier days are final."""
    cal = Days()
    procedures = prov.procedures
    cum_procedures = list(accumulate(p["weight"] for p in procedures))
    names = [f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" for _ in range(4000)]
    span = (NOW.date() - START).days
    next_id, numbers = 1, defaultdict(int)
    for day, count in daily_counts(size):
        progress = (day - START).days / span
        online_share = 0.24 + 0.30 * progress
        working = cal.is_working(day)
        day_start = datetime.combine(day, clock_time(0), VN_TZ)
        sequence: dict[int, int] = defaultdict(int)
        batch = []
        for _ in range(count):
            g = Gen()
            g.id, next_id = next_id, next_id + 1
            p = procedures[bisect(cum_procedures, rng.random() * cum_procedures[-1])]
            g.procedure = p
            if p["deciding"] is None:
                commune = prov.communes[bisect(prov.commune_weights, rng.random() * prov.commune_weights[-1])]
                g.receiving = g.deciding = commune
            else:
                g.receiving, g.deciding = prov.centre, p["deciding"]
            roll = rng.random()
            g.channel = "online" if not working or roll < online_share else "postal" if roll > 0.95 else "direct"
            if g.channel == "online":
                g.submitted_at = day_start + timedelta(seconds=rng.randrange(6 * 3600, 23 * 3600))
                if day == NOW.date():
                    g.submitted_at = min(g.submitted_at, NOW - timedelta(seconds=rng.randrange(1, 8 * 3600)))
                checked = cal.next_open(g.submitted_at + timedelta(minutes=rng.randrange(10, 180)), rng)
                g.return_method = "postal" if rng.random() < 0.3 else "desk"
            else:
                g.submitted_at = None
                checked = office_time(day, rng)
                if day == NOW.date() and checked > NOW:
                    checked = NOW - timedelta(seconds=rng.randrange(1, 7 * 3600))
                g.return_method = "postal" if g.channel == "postal" or rng.random() < 0.1 else "desk"
            sequence[g.receiving] += 1
            g.code = f"{prov.unit_code[g.receiving]}-{day:%y%m%d}-{sequence[g.receiving]:04d}"
            g.name = names[g.id % len(names)]
            g.id_number = f"0{rng.randrange(10 ** 11):011d}"
            g.supplement_count = g.extension_count = 0
            if g.channel == "online" and checked > NOW:  # not yet checked by the desk
                g.status, g.received_at = 1, g.submitted_at
            elif g.channel == "online" and rng.random() < 0.02:  # refused at intake (Mẫu 03)
                g.status, g.received_at, g.finished_at = 3, g.submitted_at, checked
            else:
                g.received_at = checked
                outcome(g, cal, rng, progress)
            if g.status not in (1, 3):
                year = g.received_at.year
                numbers[(g.receiving, year)] += 1
                g.register = (year, numbers[(g.receiving, year)])
            batch.append(g)
        yield day, batch


def outcome(g: Gen, cal: Days, rng: random.Random, progress: float) -> None:
    """What became of a received dossier by NOW."""
    received, limit = g.received_at, g.procedure["limit"]
    due = g.promised_due_at = g.due_at = cal.due(received, limit)
    roll = rng.random()
    g.scanned = g.channel != "online" and rng.random() < 0.5 + 0.4 * progress
    if roll < 0.02:  # withdrawn at the citizen's request (Mẫu 05 after it), or stopped by the authority
        end = cal.next_open(received + (due - received) * rng.uniform(0.1, 0.8), rng)
        if end > NOW:
            still_open(g, rng)
        else:
            g.stop_before = 7 if roll < 0.012 else 4
            finish(g, end, 8)
        return
    pause = rng.random()
    if pause < 0.05:  # a supplement asked during processing: the legal due moves by the pause
        g.supplement_count = 2 if pause < 0.008 else 1
        g.due_at = due = cal.add_working(due, rng.randint(2, 10))
    day_open = datetime.combine(due.date(), clock_time(7, 30), VN_TZ)
    aim = rng.random()
    if aim < 0.0025:  # stuck: open long after its due
        end = due + timedelta(days=rng.uniform(60, 500))
    elif aim < 0.08:  # late
        end = due + timedelta(hours=1 + rng.expovariate(1 / 90))
    elif aim < 0.38 or day_open <= received:  # on the due day
        end = max(day_open, received) + (due - max(day_open, received)) * rng.random()
    else:  # early
        end = received + (day_open - received) * rng.uniform(0.1, 1)
    end = cal.next_open(end, rng)
    if end > NOW:
        still_open(g, rng)
        return
    if end > due and g.supplement_count < 2 and rng.random() < 0.5:  # an apology letter set a later date
        g.extension_count, g.extended_due_at = 1, due + timedelta(days=rng.randint(3, 15))
    g.e_result = rng.random() < 0.4 + 0.45 * progress
    finish(g, end, 9)
    if rng.random() < 0.95:
        handed = cal.next_open(end + timedelta(hours=rng.expovariate(1 / 30)), rng)
        if handed <= NOW:
            g.status, g.returned_at = 10, handed
    if rng.random() < 0.04:
        rated = (g.returned_at or end) + timedelta(hours=rng.uniform(0, 72))
        if rated <= NOW:
            g.rated_at = rated
            g.rating = 3 if rng.random() < 0.85 else 2 if rng.random() < 0.67 else 1


def finish(g: Gen, end: datetime, status: int) -> None:
    g.status, g.finished_at = status, end


def still_open(g: Gen, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.1:  # waiting for a supplement (5) or a financial obligation (6): the clock stands
        g.status = 5 if roll < 0.08 else 6
        g.paused_at = g.received_at + (NOW - g.received_at) * rng.uniform(0.2, 1)
    else:
        g.status = 7 if roll > 0.99 else 4  # a withdrawal asked and not yet stopped; processing
