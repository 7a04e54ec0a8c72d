"""The report counters are kept by every change a dossier goes through (reception, steps, supplement pauses,
withdrawal, stop, refusal of an online submission, rating, a scan or result file attached) and equal what counting
the dossiers again gives; the overdue stock keeps history as it was."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from engine import (Upload, dossiers_behind, ensure_report_counters, periodic_report, rebuild_report_counters,
                    receive_at_desk, receive_dossier, report_indicators, store_attachment, update_unit)
from engine.infra import migrate
from engine.infra.db import make_sessionmaker, unit_of_work
from engine.models import COUNTS, Dossier, DossierStat, Unit
from engine.onestop import reception
from engine.onestop.lifecycle import record_supplement, request_supplement, request_withdrawal, stop_dossier
from engine.workflow.catalog import load_procedure

from ..bpmn_builder import procedure_folder, sequence, user_task
from ..driving import do
from ..migrating import all_rows, database_at, insert_rows

PROVINCE_LEADER = "lanhdao.tinh"
FORM = "Đơn đề nghị"  # the one component of the test procedure
SCAN = b"%PDF-1.4 ban quet"


def _procedure(tmp_path, factory, now):
    nodes = [("ut_0", user_task("ut_0", "Thẩm định", {"step_budget": "1d", "dossier_status": "4"})),
             ("ut_1", user_task("ut_1", "Trả kết quả", {"step_budget": "1d", "dossier_status": "9"})),
             ("ut_2", user_task("ut_2", "Lưu trữ hồ sơ", {"dossier_status": "10"}))]
    xml = sequence("tthc_bc", nodes, {"chuyen_vien": ["ut_0"], "lanh_dao": ["ut_1"], "van_thu": ["ut_2"]})
    with unit_of_work(factory) as s:
        folder = procedure_folder(tmp_path, "bc", xml, "tthc_bc", time_limit=3, field="Đất đai", variant="on_the_spot")
        with (folder / "procedure.toml").open("a", encoding="utf-8") as toml:
            toml.write(f'\n[[documents]]\nname = "{FORM}"\noriginal = 1\n')
        load_procedure(s, folder, None, now)


def _receive(factory, org, when, channel="direct"):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="bc", applicant={"name": "Lê Văn Báo"}, channel=channel,
                               received_at=when, receiving_unit_code="000.00.01.H99",
                               actor_id=org["motcua.tinh"], now=when)


def _counters(factory):
    with unit_of_work(factory) as s:
        rows = s.execute(select(DossierStat)).scalars().all()
        return {(r.unit_id, r.grain, r.period, r.procedure_id): tuple(getattr(r, c) for c in COUNTS)
                for r in rows if any(getattr(r, c) for c in COUNTS)}


def _report(factory, org, start, end, now):
    with unit_of_work(factory) as s:
        return periodic_report(s, org[PROVINCE_LEADER], None, start, end, now=now).total


def test_counters_kept_through_a_month_of_work_equal_counting_again(tmp_path, factory, org, now):
    _procedure(tmp_path, factory, now)
    # A: processed the same day (early), handed over the next; B: paused for a supplement, finished after its due
    a = _receive(factory, org, now)
    do(factory, org, "chuyenvien.vpdk", "ut_0", {}, now + timedelta(hours=2))  # the signing step: processed (9)
    do(factory, org, "lanhdao.vpdk", "ut_1", {}, now + timedelta(days=1))  # the hand-over step: returned (10)
    b = _receive(factory, org, now + timedelta(hours=1), channel="postal")
    with unit_of_work(factory) as s:
        request_supplement(s, b.code, ["Bản sao CCCD"], "Bản sao mờ", org["chuyenvien.vpdk"], now + timedelta(hours=3))
    with unit_of_work(factory) as s:
        record_supplement(s, b.code, org["chuyenvien.vpdk"], now + timedelta(days=1, hours=3))
    do(factory, org, "chuyenvien.vpdk", "ut_0", {}, now + timedelta(days=8))  # long after its due
    do(factory, org, "lanhdao.vpdk", "ut_1", {}, now + timedelta(days=9))
    # C: withdrawn at the citizen's request; D: stopped by the leader; E: left open past its due
    c = _receive(factory, org, now + timedelta(hours=2), channel="online")
    with unit_of_work(factory) as s:
        request_withdrawal(s, c.code, org["motcua.tinh"], now + timedelta(days=1), "Công dân không còn nhu cầu")
    with unit_of_work(factory) as s:
        stop_dossier(s, c.code, "Công dân xin rút hồ sơ", org["lanhdao.vpdk"], now + timedelta(days=1, hours=1))
    d = _receive(factory, org, now + timedelta(hours=3))
    with unit_of_work(factory) as s:
        stop_dossier(s, d.code, "Có tranh chấp đang được tòa án giải quyết", org["lanhdao.vpdk"],
                     now + timedelta(days=2))
    _receive(factory, org, now + timedelta(hours=4))
    kept = _counters(factory)
    later = now + timedelta(days=30)
    report = _report(factory, org, date(2026, 3, 1), date(2026, 3, 31), later)
    with unit_of_work(factory) as s:
        assert rebuild_report_counters(s) == 5
    assert _counters(factory) == kept
    assert (report.received_direct, report.received_postal, report.received_online, report.on_the_spot) == (3, 1, 1, 5)
    assert (report.resolved, report.processed, report.stopped, report.withdrawn) == (4, 2, 1, 1)
    assert (report.resolved_early, report.resolved_late, report.returned) == (3, 1, 2)
    assert (report.in_progress_not_due, report.in_progress_overdue, report.carried_over) == (0, 1, 0)
    # the same month seen from the unit that decided (a sub-unit of the province), and the next month
    april = _report(factory, org, date(2026, 4, 1), date(2026, 4, 30), later + timedelta(days=30))
    assert (april.carried_over, april.received_new, april.in_progress_overdue) == (1, 0, 1)


def test_a_clock_stopped_after_the_due_date_leaves_history_as_it_was(tmp_path, factory, org, now):
    _procedure(tmp_path, factory, now)
    receipt = _receive(factory, org, now)  # due Thursday 5 March 17:00
    paused_at = now + timedelta(days=7)  # Monday 9 March: overdue since Thursday evening
    with unit_of_work(factory) as s:
        request_supplement(s, receipt.code, ["Sơ đồ thửa đất"], "Thiếu sơ đồ", org["chuyenvien.vpdk"], paused_at)
    week_one = _report(factory, org, date(2026, 3, 2), date(2026, 3, 6), paused_at)
    assert (week_one.in_progress_overdue, week_one.in_progress_not_due) == (1, 0)  # as it stood on Friday
    week_two = _report(factory, org, date(2026, 3, 9), date(2026, 3, 13), paused_at + timedelta(days=5))
    assert (week_two.carried_over, week_two.in_progress_overdue, week_two.in_progress_not_due) == (1, 0, 1)


def test_a_dossier_due_later_today_is_not_yet_overdue(tmp_path, factory, org, now):
    _procedure(tmp_path, factory, now)
    receipt = _receive(factory, org, now)  # due Thursday 5 March 17:00
    due_day = receipt.due_at.date()
    morning = _report(factory, org, date(2026, 3, 1), due_day, receipt.due_at - timedelta(hours=6))
    evening = _report(factory, org, date(2026, 3, 1), due_day, receipt.due_at + timedelta(minutes=1))
    assert (morning.in_progress_not_due, morning.in_progress_overdue) == (1, 0)
    assert (evening.in_progress_not_due, evening.in_progress_overdue) == (0, 1)



def _upgraded(request, db_engine, revision: str, rows: dict):
    """A database at `revision` holding `rows`, upgraded to the head; its session factory."""
    old = database_at(request, db_engine.dialect.name, revision)
    with old.begin() as conn:
        insert_rows(conn, rows)
    migrate.upgrade(old)
    return make_sessionmaker(old)


def test_counters_kept_before_revision_0020_are_counted_again_by_the_upgrade(request, tmp_path, factory, org, now,
                                                                              db_engine):
    """Revision 0020 empties the counters that missed scans stored with a dossier; the upgrade counts again."""
    _procedure(tmp_path, factory, now)
    _receive(factory, org, now)
    kept = _counters(factory)
    rows = all_rows(db_engine)
    stale = [dict(row, received_direct=row["received_direct"] + 1)  # figures kept wrong by the earlier code
             for row in rows["dossier_stat"]]
    assert stale
    rows["dossier_stat"] = stale
    old_factory = _upgraded(request, db_engine, "0019", rows)
    with unit_of_work(old_factory) as s:
        assert ensure_report_counters(s) == 1
    assert _counters(old_factory) == kept


def test_an_older_database_is_counted_once_after_the_upgrade(request, tmp_path, factory, org, now, db_engine):
    _procedure(tmp_path, factory, now)
    _receive(factory, org, now)
    do(factory, org, "chuyenvien.vpdk", "ut_0", {}, now + timedelta(hours=2))  # processed
    b = _receive(factory, org, now + timedelta(hours=3), channel="online")  # still open
    kept = _counters(factory)
    rows = all_rows(db_engine)
    rows["dossier_stat"] = []  # the counters did not exist before revision 0016
    old_factory = _upgraded(request, db_engine, "0015", rows)
    with unit_of_work(old_factory) as s:
        assert ensure_report_counters(s) == 2
    with unit_of_work(old_factory) as s:
        assert ensure_report_counters(s) is None  # once
    assert _counters(old_factory) == kept and b.code


def test_moving_a_unit_moves_its_dossiers_between_the_counters_of_the_units_above(tmp_path, factory, org, now):
    _procedure(tmp_path, factory, now)
    _receive(factory, org, now)
    do(factory, org, "chuyenvien.vpdk", "ut_0", {}, now + timedelta(hours=2))
    _receive(factory, org, now + timedelta(hours=3), channel="postal")
    with unit_of_work(factory) as s:
        land = s.scalar(select(Unit).where(Unit.code == "000.21.01.H99"))
        ward = s.scalar(select(Unit.id).where(Unit.code == "000.00.10.H99"))
        values = {name: getattr(land, name) for name in ("code", "name", "level", "office_hours")}
        update_unit(s, org["quantri.tinh"], land.id, now, **values, parent_id=None)  # out of the province
        province = s.scalar(select(Unit.id).where(Unit.code == "000.00.00.H99"))
    moved = _counters(factory)
    with unit_of_work(factory) as s:
        rebuild_report_counters(s)
    assert _counters(factory) == moved
    # the province still counts them through its centre, which received them; the land office alone now
    with unit_of_work(factory) as s:
        figures = periodic_report(s, org["lanhdao.vpdk"], None, date(2026, 3, 1), date(2026, 3, 31),
                                  now=now + timedelta(days=1)).total
    assert (figures.received_new, figures.resolved) == (2, 1) and province and ward


def _attach(factory, org, storage, code, when, kind="component", component=FORM):
    with unit_of_work(factory) as s:
        dossier_id = s.scalar(select(Dossier.id).where(Dossier.code == code))
        store_attachment(s, storage_dir=storage, dossier_id=dossier_id, filename=f"{kind}.pdf", data=SCAN,
                         actor_id=org["motcua.tinh"], now=when, component=component, kind=kind, max_bytes=10 ** 6)


def test_indicator_4_2_and_its_list_count_a_scan_whenever_it_was_attached(tmp_path, factory, org, now, monkeypatch):
    """Indicator 4.2 (số hóa) counts the dossiers its drill-down lists, and 4.1 (kết quả điện tử) likewise, whether
    the file came with the reception (stored after the dossier is booked, or before), with a supplement or after
    processing; the counters kept equal the rebuilt ones."""
    _procedure(tmp_path, factory, now)
    storage = tmp_path / "files"

    def desk(applicant, when):
        with unit_of_work(factory) as s:
            return receive_at_desk(s, storage_dir=storage, max_bytes=10 ** 6, procedure_code="bc",
                                   applicant={"name": applicant}, channel="direct", unit_code="000.00.01.H99",
                                   components=[FORM], uploads=[Upload(FORM, "scan.pdf", SCAN)],
                                   actor_id=org["motcua.tinh"], now=when, confirm_duplicate=True)

    # A: received at the desk with its scan (stored after the dossier), processed, its e-result attached after
    a = desk("Trần Thị An", now)
    do(factory, org, "chuyenvien.vpdk", "ut_0", {}, now + timedelta(hours=2))  # processed (9)
    _attach(factory, org, storage, a.code, now + timedelta(hours=3), kind="result", component="")
    # B: received without a scan; the citizen's supplement brought one, scanned then
    b = _receive(factory, org, now + timedelta(hours=1))
    with unit_of_work(factory) as s:
        request_supplement(s, b.code, [FORM], "Bản chụp mờ", org["chuyenvien.vpdk"], now + timedelta(hours=4))
    with unit_of_work(factory) as s:
        record_supplement(s, b.code, org["chuyenvien.vpdk"], now + timedelta(days=1))
    _attach(factory, org, storage, b.code, now + timedelta(days=1), component="Hồ sơ bổ sung")
    _attach(factory, org, storage, b.code, now + timedelta(days=1, hours=1))  # a second scan changes nothing
    # C: a reception that stores the scan before it books the dossier
    booking = reception.start_processing

    def scan_first(session, dossier, actor_id, when, status_before=None):
        store_attachment(session, storage_dir=storage, dossier_id=dossier.id, filename="scan.pdf", data=SCAN,
                         actor_id=actor_id, now=when, component=FORM, max_bytes=10 ** 6)
        booking(session, dossier, actor_id, when, status_before)

    monkeypatch.setattr(reception, "start_processing", scan_first)
    _receive(factory, org, now + timedelta(hours=5))
    monkeypatch.undo()
    _receive(factory, org, now + timedelta(hours=6))  # D: never scanned
    later, period = now + timedelta(days=3), (date(2026, 3, 1), date(2026, 3, 31))
    with unit_of_work(factory) as s:
        items = {i.code: i for i in report_indicators(s, org[PROVINCE_LEADER], None, *period, now=later).items}
        listed = {measure: dossiers_behind(s, org[PROVINCE_LEADER], None, *period, measure, now=later).total
                  for measure in ("digitised", "e_result")}
    assert (items["4.2"].numerator, items["4.2"].denominator, listed["digitised"]) == (3, 4, 3)
    assert (items["4.1"].numerator, items["4.1"].denominator, listed["e_result"]) == (1, 1, 1)
    kept = _counters(factory)
    with unit_of_work(factory) as s:
        rebuild_report_counters(s)
    assert _counters(factory) == kept
