"""A generated province for bench/reports.py: its units, procedures and three years of dossiers, with the report
counters computed while generating.

The province (the same at every size; generated from a fixed seed):
- 150 units: the provincial People's Committee (the root); 25 agencies under it (the provincial public
  administration service centre, where provincial dossiers are received; the departments after the 2025 mergers;
  the land registration office with a regional branch below it, the forest protection sub-department below the
  agriculture and environment department; police, tax, social insurance …); 4 former district-level committees
  grouping 25 communes/wards each, and 20 communes directly under the province (the two-tier model since July
  2025): 120 communes.
- 300 procedures in 33 fields: 113 commune-level ones (civil status, certification, social protection, land …),
  received and decided by the commune; 187 provincial ones received at the service centre and decided by a
  department (or the land office's branch, the forest sub-department); each with its legal time limit in working
  days (0 = same day) and its variant: mostly one-stop, some liên thông (inter_agency), some 4 tại chỗ (on_the_spot,
  short provincial procedures). Popularity is Zipf-like: a weight per field (civil status and certification lead),
  and within a field 1/k^1.1 for its k-th procedure; communes' sizes are Zipf-like too.
- Dossiers from 1 January 2024 to NOW (31 December 2026, 15:00), more each year; on working days by every channel,
  on days off only online submissions, which the desk receives in the next office hours. The online share grows
  from about a quarter to over half (≈ 40 % overall), post ≈ 5 %, the rest at the desk. Legal due dates from
  the national working-day calendar (engine.org.calendar.legal_due). Outcomes: ≈ 2 % of online submissions
  refused at intake, ≈ 2 % stopped or withdrawn, some paused for a supplement (once, or twice: late by rule), the
  processed ones mostly early or on time and ≈ 8 % late, a few stuck open for months; results handed over within
  days (some never collected), e-results and desk scans more common each year; ≈ 4 % rated by the citizen. What
  NOW finds unfinished stays open (processing, paused for a supplement or a fee, withdrawal asked) and online
  submissions not yet checked wait.
- Rows the reports and the counters read: dossier, attachment (a scan at the desk, an electronic result),
  event (each stop, with the status before it: 7 when the citizen had asked to withdraw), evaluation. No process
  instances or work items.

The counters (dossier_stat) are computed while generating, from each dossier's tally with the engine's own rules
(engine.onestop.tallies: Tally, contributions, period_keys, unit_chain) and summed in Python before a bulk insert:
what the engine would have kept dossier by dossier. At the smaller sizes (≤ --verify-up-to, 20,000) the bench
asserts that rebuild_report_counters recomputes exactly the same rows ("counters match rebuild").
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from bisect import bisect
from collections import Counter, defaultdict
from datetime import date, datetime, time as clock_time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from engine import rebuild_report_counters  # noqa: E402
from engine.infra import migrate  # noqa: E402
from engine.infra.clock import VN_TZ  # noqa: E402
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from engine.infra.text import dossier_search_text, search_words  # noqa: E402
from engine.models import COUNTS, DossierStat, Procedure, ProcessVersion, Unit, User  # noqa: E402
from engine.onestop.dossiers import hash_secret  # noqa: E402
from engine.onestop.statuses import on_time_verdict  # noqa: E402
from engine.onestop.tallies import RATING_COUNTS, Tally, contributions, period_keys, unit_chain  # noqa: E402
from engine.org.accounts import ensure_role, ensure_unit, grant_role  # noqa: E402
from engine.org.calendar import WorkCalendar, forget_all_calendars, legal_due  # noqa: E402

START = date(2024, 1, 1)
NOW = datetime(2026, 12, 31, 15, 0, tzinfo=VN_TZ)  # a Thursday afternoon
YEAR = (date(2025, 1, 1), date(2025, 12, 31))  # the report's period
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 20_000  # dossiers per insert transaction
CALENDAR = WorkCalendar()  # every generated unit keeps the default calendar (national holidays, 7:30-17:00)
CUTOFF = clock_time(15, 0)  # Procedure.cutoff_hour's default
SECRET_HASH = hash_secret("ABCDEFGH")

PROVINCE = "Bình Sơn"  # fictional
AGENCIES = [  # (name, parent name or None for the province); the first receives the provincial dossiers
    ("Trung tâm Phục vụ hành chính công tỉnh", None), ("Văn phòng Ủy ban nhân dân tỉnh", None),
    ("Sở Tài chính", None), ("Sở Nội vụ", None), ("Sở Tư pháp", None), ("Sở Xây dựng", None),
    ("Sở Nông nghiệp và Môi trường", None), ("Sở Công Thương", None), ("Sở Y tế", None),
    ("Sở Giáo dục và Đào tạo", None), ("Sở Văn hóa, Thể thao và Du lịch", None), ("Sở Khoa học và Công nghệ", None),
    ("Sở Dân tộc và Tôn giáo", None), ("Sở Ngoại vụ", None), ("Thanh tra tỉnh", None),
    ("Ban Quản lý các khu công nghiệp tỉnh", None), ("Văn phòng Đăng ký đất đai tỉnh", None),
    ("Chi nhánh Văn phòng Đăng ký đất đai khu vực I", "Văn phòng Đăng ký đất đai tỉnh"),
    ("Chi cục Kiểm lâm", "Sở Nông nghiệp và Môi trường"), ("Công an tỉnh", None), ("Thuế tỉnh", None),
    ("Bảo hiểm xã hội tỉnh", None), ("Bộ Chỉ huy Quân sự tỉnh", None), ("Kho bạc Nhà nước khu vực", None),
    ("Ban Quản lý dự án đầu tư xây dựng tỉnh", None),
]
DISTRICTS = ["thành phố Bình Sơn", "thị xã Đông Lâm", "huyện Tây Phong", "huyện Nam Giang"]
COMMUNES_PER_DISTRICT, DIRECT_COMMUNES = 25, 20
_PLACE_A = ["Tân", "Hòa", "Phú", "An", "Bình", "Thạnh", "Long", "Mỹ", "Vĩnh", "Phước", "Đông", "Tây"]
_PLACE_B = ["Lập", "Hưng", "Thành", "Lộc", "Thịnh", "Sơn", "Tiến", "Hiệp", "Định", "Xuân", "Khánh", "Trung"]

# (field, deciding agency (None: the commune), procedures, legal limits in working days, share of the volume)
FIELDS = [
    ("Hộ tịch", None, 20, (0, 1, 3, 5, 10), 30), ("Chứng thực", None, 10, (0, 0, 1, 2), 26),
    ("Bảo trợ xã hội", None, 12, (7, 10, 15, 20), 4), ("Người có công", None, 8, (5, 10, 12, 20), 2),
    ("Đất đai (cấp xã)", None, 12, (10, 15, 20, 30), 10),
    ("Thành lập và hoạt động của hộ kinh doanh", None, 8, (3, 5), 4),
    ("Xây dựng (cấp xã)", None, 8, (7, 15, 20), 3), ("Giáo dục và đào tạo (cấp xã)", None, 8, (5, 10, 15), 2),
    ("Nông nghiệp (cấp xã)", None, 6, (5, 10, 15), 1), ("Thi đua, khen thưởng", None, 6, (10, 20), 1),
    ("Nuôi con nuôi", None, 4, (10, 30), 0.3), ("Tín ngưỡng, tôn giáo", None, 5, (10, 20, 30), 0.4),
    ("Thành lập và hoạt động của doanh nghiệp", "Sở Tài chính", 18, (3,), 5),
    ("Đầu tư tại Việt Nam", "Sở Tài chính", 9, (15, 20, 35), 0.6),
    ("Đất đai", "Văn phòng Đăng ký đất đai tỉnh", 16, (10, 15, 20, 30), 8),
    ("Xây dựng", "Sở Xây dựng", 12, (15, 20, 30), 1.2), ("Đường bộ", "Sở Xây dựng", 12, (3, 5, 10), 4),
    ("Môi trường", "Sở Nông nghiệp và Môi trường", 10, (15, 20, 30), 0.6),
    ("Tài nguyên nước", "Sở Nông nghiệp và Môi trường", 6, (15, 20, 30), 0.3),
    ("Lâm nghiệp", "Chi cục Kiểm lâm", 6, (5, 10, 15), 0.4),
    ("Trồng trọt, bảo vệ thực vật và thú y", "Sở Nông nghiệp và Môi trường", 9, (5, 7, 10), 0.6),
    ("Lưu thông hàng hóa trong nước", "Sở Công Thương", 10, (5, 7, 10, 15), 1.2),
    ("Điện", "Sở Công Thương", 5, (10, 15), 0.2), ("Khám bệnh, chữa bệnh", "Sở Y tế", 10, (10, 20, 30), 1.5),
    ("Dược phẩm", "Sở Y tế", 10, (5, 10, 20), 1.0),
    ("Giáo dục và đào tạo", "Sở Giáo dục và Đào tạo", 10, (5, 10, 15), 1.0),
    ("Văn hóa, thể thao và du lịch", "Sở Văn hóa, Thể thao và Du lịch", 10, (5, 7, 10), 0.7),
    ("Việc làm và lao động nước ngoài", "Sở Nội vụ", 10, (3, 5, 10), 1.0),
    ("Lý lịch tư pháp", "Sở Tư pháp", 4, (10, 15), 3),
    ("Công chứng, luật sư và đấu giá tài sản", "Sở Tư pháp", 8, (5, 7, 10), 0.4),
    ("Khoa học, công nghệ và viễn thông", "Sở Khoa học và Công nghệ", 7, (5, 10, 15), 0.4),
    ("Phòng cháy, chữa cháy", "Công an tỉnh", 5, (5, 10), 0.6),
    ("Quản lý khu công nghiệp", "Ban Quản lý các khu công nghiệp tỉnh", 6, (5, 10, 15), 0.3),
]
KNOWN_NAMES = {  # the most used procedures of a field, by their published names; the others are numbered
    "Hộ tịch": ["Đăng ký khai sinh", "Đăng ký kết hôn", "Cấp bản sao trích lục hộ tịch", "Đăng ký khai tử",
                "Cấp giấy xác nhận tình trạng hôn nhân",
                "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
                "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Đăng ký nhận cha, mẹ, con"],
    "Chứng thực": ["Chứng thực bản sao từ bản chính", "Chứng thực chữ ký trong các giấy tờ, văn bản",
                   "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
                   "Chứng thực hợp đồng, giao dịch liên quan đến thực hiện quyền của người sử dụng đất"],
    "Bảo trợ xã hội": ["Trợ giúp xã hội thường xuyên đối với đối tượng bảo trợ xã hội", "Hỗ trợ chi phí mai táng"],
    "Đất đai (cấp xã)": ["Xác nhận tình trạng sử dụng đất", "Đăng ký đất đai, tài sản gắn liền với đất lần đầu",
                         "Chuyển mục đích sử dụng đất"],
    "Thành lập và hoạt động của hộ kinh doanh": ["Đăng ký thành lập hộ kinh doanh",
                                                 "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
                                                 "Tạm ngừng hoạt động hộ kinh doanh"],
    "Thành lập và hoạt động của doanh nghiệp": [
        "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
        "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", "Đăng ký thành lập doanh nghiệp tư nhân",
        "Thông báo tạm ngừng kinh doanh"],
    "Đất đai": ["Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
                "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "Xóa đăng ký thế chấp", "Tách thửa hoặc hợp thửa đất",
                "Đính chính Giấy chứng nhận đã cấp"],
    "Đường bộ": ["Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "Cấp lại giấy phép lái xe",
                 "Cấp giấy phép lái xe quốc tế"],
    "Lý lịch tư pháp": ["Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
                        "Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng"],
}
FAMILY = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 2 + ["Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
                                                        "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Hoài", "Xuân", "Kim"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân",
         "Việt", "Yến"]


class Province:
    """Ids of the generated units and procedures, as a database holds them."""

    def __init__(self):
        self.root = self.centre = 0
        self.units: dict[str, int] = {}  # name -> id
        self.communes: list[int] = []
        self.commune_weights: list[float] = []
        self.procedures: list[dict] = []  # id, version_id, limit, variant, deciding (None: the commune), weight
        self.chains: list[tuple[int, ...]] = []  # unit chains, as engine.onestop.tallies.unit_chain gives them
        self.chain_of: dict[tuple[int, int], int] = {}  # (receiving, deciding) -> index in chains
        self.unit_code: dict[int, str] = {}
        self.leader = 0
        self.department = 0  # the department measured: the land registration office


def build_province(factory) -> Province:
    """Units, procedures (each with one active process version), and a provincial leader who reads all reports."""
    rng = random.Random(2024)
    prov = Province()
    at = datetime(2023, 12, 1, 9, 0, tzinfo=VN_TZ)
    with unit_of_work(factory) as s:
        root_code = "000.00.00.H60"
        ensure_unit(s, root_code, f"Ủy ban nhân dân tỉnh {PROVINCE}", "tinh")
        codes = {None: root_code}
        for k, (name, parent) in enumerate(AGENCIES, 1):
            codes[name] = f"000.00.{k:02d}.H60"
            ensure_unit(s, codes[name], name, "tinh", codes[parent])
        names = [f"{a} {b}" for a in _PLACE_A for b in _PLACE_B if a != b]
        rng.shuffle(names)
        places = iter(names)
        communes = []
        for d, district in enumerate(DISTRICTS, 41):
            district_code = f"000.{d:02d}.00.H60"
            ensure_unit(s, district_code, f"Ủy ban nhân dân {district}", "xa", root_code)
            kind = "phường" if d == 41 else "xã"
            for c in range(1, COMMUNES_PER_DISTRICT + 1):
                communes.append((f"000.{d:02d}.{c:02d}.H60", f"Ủy ban nhân dân {kind} {next(places)}", district_code))
        for c in range(1, DIRECT_COMMUNES + 1):
            communes.append((f"000.50.{c:02d}.H60", f"Ủy ban nhân dân xã {next(places)}", root_code))
        for code, name, parent in communes:
            ensure_unit(s, code, name, "xa", parent)
        units = {u.code: u for u in s.scalars(select(Unit))}
        prov.unit_code = {u.id: u.code for u in units.values()}
        prov.root, prov.centre = units[root_code].id, units[codes[AGENCIES[0][0]]].id
        prov.units = {u.name: u.id for u in units.values()}
        prov.communes = [units[code].id for code, _, _ in communes]
        sizes = [1 / (k + 1) ** 0.6 for k in range(len(communes))]
        rng.shuffle(sizes)
        prov.commune_weights = list(accumulate(sizes))
        prov.department = prov.units["Văn phòng Đăng ký đất đai tỉnh"]
        number = 0
        for field, agency, count, limits, share in FIELDS:
            harmonic = sum(1 / (k + 1) ** 1.1 for k in range(count))
            known = KNOWN_NAMES.get(field, [])
            for k in range(count):
                number += 1
                limit = rng.choice(limits)
                deciding = None if agency is None else prov.units[agency]
                if field == "Đất đai" and k % 2:
                    deciding = prov.units["Chi nhánh Văn phòng Đăng ký đất đai khu vực I"]
                roll = rng.random()
                if "Liên thông" in (known[k] if k < len(known) else "") or roll < 0.08:
                    variant = "inter_agency"
                elif agency is not None and limit <= 3 and roll < 0.30:
                    variant = "on_the_spot"
                else:
                    variant = "one_stop"
                name = known[k] if k < len(known) else f"{field}: thủ tục số {k + 1 - len(known):02d}"
                procedure = Procedure(code=f"1.{number:06d}", slug=f"bench-{number:03d}", name=name, field=field,
                                      level="xa" if agency is None else "tinh", variant=variant,
                                      time_limit=Decimal(limit), time_limit_unit="working_days",
                                      deciding_unit_id=deciding, fees=[], documents=[], unverified=[])
                s.add(procedure)
                s.flush()
                version = ProcessVersion(procedure_id=procedure.id, number=1, process_id="bench", files={}, forms={},
                                         meta={}, checksum="0" * 64, status="active", created_at=at, activated_at=at)
                s.add(version)
                s.flush()
                procedure.active_version_id = version.id
                prov.procedures.append(dict(id=procedure.id, version_id=version.id, limit=limit, variant=variant,
                                            deciding=deciding, weight=share / harmonic / (k + 1) ** 1.1))
        assert len(units) == 150 and number == 300, (len(units), number)
        pairs = [(c, c) for c in prov.communes] + sorted({(prov.centre, p["deciding"]) for p in prov.procedures
                                                         if p["deciding"] is not None})
        for pair in pairs:
            prov.chain_of[pair] = len(prov.chains)
            prov.chains.append(unit_chain(s, *pair))  # the engine's own chain: the units and all units above
        ensure_role(s, "lanh_dao", "Lãnh đạo đơn vị")
        leader = User(username="bench.leader", full_name="Lãnh đạo tỉnh", password_hash="!", is_active=True,
                      created_at=at)
        s.add(leader)
        s.flush()
        grant_role(s, leader, "lanh_dao", root_code)
        prov.leader = leader.id
    return prov


# --- dossiers ---------------------------------------------------------------------------------------------------

class Gen:
    """One generated dossier: its row's values and what else it leaves (a scan, an e-result, a stop, a rating)."""

    __slots__ = ("id", "code", "procedure", "channel", "submitted_at", "received_at", "promised_due_at", "due_at",
                 "extended_due_at", "status", "finished_at", "returned_at", "receiving", "deciding",
                 "supplement_count", "paused_at", "extension_count", "return_method", "name", "id_number",
                 "scanned", "e_result", "stop_before", "rating", "rated_at", "register")

    def __init__(self):
        for slot in self.__slots__:
            setattr(self, slot, None)


class Days:
    """The working-day calendar of the generated period, looked up in a dict."""

    def __init__(self):
        self.working: dict[date, bool] = {}
        self.due_cache: dict[tuple, datetime] = {}

    def is_working(self, day: date) -> bool:
        value = self.working.get(day)
        if value is None:
            value = self.working[day] = CALENDAR.is_working_day(day)
        return value

    def next_open(self, instant: datetime, rng: random.Random) -> datetime:
        """The instant itself if it is in office hours, else the next opening of the office, a little after."""
        local = instant.astimezone(VN_TZ)
        day, moment = local.date(), local.time()
        if self.is_working(day):
            if clock_time(7, 30) <= moment < clock_time(11, 30) or clock_time(13, 30) <= moment < clock_time(17, 0):
                return local
            if moment < clock_time(7, 30):
                return datetime.combine(day, clock_time(7, 30), VN_TZ) + timedelta(minutes=rng.randrange(60))
            if moment < clock_time(13, 30):
                return datetime.combine(day, clock_time(13, 30), VN_TZ) + timedelta(minutes=rng.randrange(60))
        day += timedelta(days=1)
        while not self.is_working(day):
            day += timedelta(days=1)
        return datetime.combine(day, clock_time(7, 30), VN_TZ) + timedelta(minutes=rng.randrange(90))

    def due(self, received: datetime, limit: int) -> datetime:
        local = received.astimezone(VN_TZ)
        key = (local.date(), limit, local.time() > CUTOFF)
        value = self.due_cache.get(key)
        if value is None:
            value = self.due_cache[key] = legal_due(CALENDAR, local, Decimal(limit), CUTOFF)
        return value

    def add_working(self, instant: datetime, days: int) -> datetime:
        return CALENDAR.end_of_day(CALENDAR.add_working_days(instant.astimezone(VN_TZ).date(), days))


def office_time(day: date, rng: random.Random) -> datetime:
    minute = rng.randrange(450)  # 7:30-11:30 and 13:30-17:00
    start = clock_time(7, 30) if minute < 240 else clock_time(13, 30)
    return datetime.combine(day, start, VN_TZ) + timedelta(minutes=minute % 240, seconds=rng.randrange(60))


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


# --- the counters, as the engine keeps them -----------------------------------------------------------------------

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
        work_centidays=work_centidays(g, end_at) if end_at else 0,
        e_result=end_kind == "processed" and bool(g.e_result),
        returned_at=g.returned_at if received and g.status == 10 else None,
        refused_at=g.finished_at if g.status == 3 else None)


def work_centidays(g: Gen, end_at: datetime) -> int:
    """engine.onestop.tallies._work_centidays on the default calendar (office time from OFFICE)."""
    spent = OFFICE.between(g.received_at, end_at)
    if g.promised_due_at is not None and g.due_at is not None and g.due_at > g.promised_due_at:
        spent -= OFFICE.between(g.promised_due_at, g.due_at)
    hours = Decimal(str(CALENDAR.hours_per_day)) or Decimal(8)
    days = Decimal(max(spent.total_seconds(), 0)) / Decimal(3600) / hours
    return int((days * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class OfficeTime:
    """CALENDAR.working_time_between(start, end) without pauses, in constant time: office microseconds before an
    instant, counted from a fixed day (whole days summed once), the difference of two of them. Checked against the
    calendar on the first calls."""

    EPOCH = date(2020, 1, 1)
    SESSIONS = [(7 * 3600 + 1800, 11 * 3600 + 1800), (13 * 3600 + 1800, 17 * 3600)]  # CALENDAR's, in seconds
    DAY = sum(b - a for a, b in SESSIONS) * 10 ** 6

    def __init__(self):
        self.before_day = [0]  # office microseconds before EPOCH + i days
        self.working: list[bool] = []
        self.checked = 0

    def _upto(self, index: int) -> None:
        while len(self.before_day) <= index + 1:
            day = self.EPOCH + timedelta(days=len(self.working))
            self.working.append(CALENDAR.is_working_day(day))
            self.before_day.append(self.before_day[-1] + (self.DAY if self.working[-1] else 0))

    def before(self, instant: datetime) -> int:
        local = instant.astimezone(VN_TZ)
        index = (local.date() - self.EPOCH).days
        self._upto(index)
        total = self.before_day[index]
        if self.working[index]:
            moment = (local.hour * 3600 + local.minute * 60 + local.second) * 10 ** 6 + local.microsecond
            for a, b in self.SESSIONS:
                total += max(0, min(moment, b * 10 ** 6) - a * 10 ** 6)
        return total

    def between(self, start: datetime, end: datetime) -> timedelta:
        value = timedelta(microseconds=self.before(end) - self.before(start)) if end > start else timedelta()
        if self.checked < 2000:  # the calendar's own answer, for the first ones
            self.checked += 1
            assert value == CALENDAR.working_time_between(start, end), (start, end)
        return value


OFFICE = OfficeTime()


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


# --- bulk writing --------------------------------------------------------------------------------------------------

class Sink:
    """Rows into tables fast: COPY on PostgreSQL, executemany on SQLite, instants as each stores them."""

    def __init__(self, engine):
        self.postgres = engine.dialect.name == "postgresql"

    def ts(self, value: datetime | None):
        if value is None:
            return None
        utc = value.astimezone(timezone.utc).replace(tzinfo=None)
        return utc if self.postgres else utc.isoformat(" ", "microseconds")  # as SQLAlchemy stores it

    def day(self, value: date):
        return value if self.postgres else value.isoformat()

    def put(self, conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        if self.postgres:
            with conn.connection.driver_connection.cursor() as cursor:
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


DOSSIER_COLUMNS = ("id", "code", "procedure_id", "process_version_id", "applicant", "search_text", "channel",
                   "received_at", "promised_due_at", "due_at", "extended_due_at", "status", "finished_at",
                   "returned_at", "receiving_unit_id", "deciding_unit_id", "secret_hash", "supplement_count",
                   "paused_at", "extension_count", "components", "return_method", "return_address", "submitted_at",
                   "register_year", "register_number")
ATTACHMENT_COLUMNS = ("id", "dossier_id", "kind", "component", "filename", "content_type", "size", "sha256",
                      "uploaded_at")
EVENT_COLUMNS = ("id", "at", "action", "dossier_id", "status_before", "status_after")
EVALUATION_COLUMNS = ("id", "dossier_id", "rating", "comment", "created_at")
STAT_COLUMNS = ("unit_id", "grain", "period", "procedure_id", *COUNTS)


def populate(engine, size: int, seed: int = 1) -> tuple[Province, dict]:
    """A migrated empty database receives the province, `size` dossiers and their counters; returns the province
    and what the load took (seconds, rows)."""
    factory = make_sessionmaker(engine)
    forget_all_calendars()
    began = time.perf_counter()
    prov = build_province(factory)
    rng = random.Random(seed * 1_000_003 + size)
    sink, counters = Sink(engine), Counters(prov.chains)
    ts = sink.ts
    rows = {"dossier": [], "attachment": [], "event": [], "evaluation": []}
    ids = {"attachment": 0, "event": 0, "evaluation": 0}
    stats = {"dossier": 0, "dossier_stat": 0}
    month = None

    def write(final: bool = False) -> None:
        with engine.begin() as conn:
            for table, columns in (("dossier", DOSSIER_COLUMNS), ("attachment", ATTACHMENT_COLUMNS),
                                   ("event", EVENT_COLUMNS), ("evaluation", EVALUATION_COLUMNS)):
                sink.put(conn, table, columns, rows[table])
                rows[table].clear()
            stat_rows = counters.flush(None if final else month)
            stats["dossier_stat"] += len(stat_rows)
            sink.put(conn, "dossier_stat", STAT_COLUMNS,
                     [(u, g, sink.day(p), pid, *counts) for u, g, p, pid, *counts in stat_rows])

    for day, batch in generate(prov, size, rng):
        if day.replace(day=1) != month:
            if month is not None:
                month = day.replace(day=1)
                write()
            month = day.replace(day=1)
        for g in batch:
            chain = prov.chain_of[(g.receiving, g.deciding)]
            counters.add(chain, g.procedure["id"], contributions(tally(g, prov.chains[chain])).items())
            if g.rating:
                counters.add(chain, g.procedure["id"], [((RATING_COUNTS[g.rating], g.rated_at), 1)])
            rows["dossier"].append(dossier_row(g, ts))
            if g.scanned and g.status not in (1, 3):
                ids["attachment"] += 1
                rows["attachment"].append((ids["attachment"], g.id, "component", "Đơn đề nghị", "don.pdf",
                                           "application/pdf", 180_000, "0" * 64, ts(g.received_at)))
            if g.e_result and g.status in (9, 10):
                ids["attachment"] += 1
                rows["attachment"].append((ids["attachment"], g.id, "result", "", "ket-qua.pdf", "application/pdf",
                                           95_000, "1" * 64, ts(g.finished_at)))
            if g.stop_before:
                ids["event"] += 1
                rows["event"].append((ids["event"], ts(g.finished_at), "dossier_stopped", g.id, g.stop_before, 8))
            if g.rating:
                ids["evaluation"] += 1
                rows["evaluation"].append((ids["evaluation"], g.id, g.rating, "", ts(g.rated_at)))
        stats["dossier"] += len(batch)
        if len(rows["dossier"]) >= BATCH:
            with engine.begin() as conn:
                for table, columns in (("dossier", DOSSIER_COLUMNS), ("attachment", ATTACHMENT_COLUMNS),
                                       ("event", EVENT_COLUMNS), ("evaluation", EVALUATION_COLUMNS)):
                    sink.put(conn, table, columns, rows[table])
                    rows[table].clear()
        if size >= 100_000 and day.month != (day + timedelta(days=1)).month and day.month % 6 == 0:
            print(f"    {day:%Y-%m}: {stats['dossier']:,} dossiers, {time.perf_counter() - began:.0f} s", flush=True)
    write(final=True)
    finish_load(engine, {**ids, "dossier": stats["dossier"]})
    stats.update(attachment=ids["attachment"], event=ids["event"], evaluation=ids["evaluation"],
                 seconds=time.perf_counter() - began)
    return prov, stats


_NAME_WORDS: dict[str, str] = {}


def dossier_row(g: Gen, ts) -> tuple:
    applicant = {"name": g.name, "id_number": g.id_number}
    year, number = g.register or (None, None)
    words = _NAME_WORDS.get(g.name)
    if words is None:
        words = _NAME_WORDS[g.name] = search_words(g.name)
    search = f"{g.code.lower().replace('.', ' ').replace('-', ' ')} {words} {g.id_number}"[:400]
    if g.id <= 100:
        assert search == dossier_search_text(g.code, applicant), search  # what reception would have stored
    return (g.id, g.code, g.procedure["id"], g.procedure["version_id"], json.dumps(applicant, ensure_ascii=False),
            search, g.channel, ts(g.received_at), ts(g.promised_due_at),
            ts(g.due_at), ts(g.extended_due_at), g.status, ts(g.finished_at), ts(g.returned_at), g.receiving,
            g.deciding, SECRET_HASH, g.supplement_count, ts(g.paused_at), g.extension_count, "[]", g.return_method,
            "", ts(g.submitted_at), year, number)


def finish_load(engine, counts: dict) -> None:
    """Sequences past the explicit ids, then the statistics the planner reads (VACUUM ANALYZE: the steady state
    autovacuum reaches after a bulk load)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table, n in counts.items():
                if n:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("unit", "procedure", "process_version", "dossier", "attachment", "event", "evaluation",
                          "dossier_stat"):  # this schema's tables only: the database is shared
                conn.execute(text(f'VACUUM ANALYZE "{table}"'))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


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
