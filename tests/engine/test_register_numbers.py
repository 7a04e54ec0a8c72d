"""One register number per dossier: given at reception per receiving unit and year, the STT of Mẫu 01 and of
Mẫu 07 alike; a deciding unit's register shows the receiving desk's numbers; earlier dossiers are numbered."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from engine import get_dossier
from engine.infra import migrate
from engine.infra.clock import VN_TZ
from engine.infra.db import make_sessionmaker, unit_of_work
from engine.models import RegisterSequence
from engine.onestop.numbers import next_register_number
from engine.onestop.online import receive_submission
from engine.onestop.reception import receive_dossier, receive_for_integration
from engine.org.accounts import get_unit
from engine.views.register import register_rows

from ..migrating import all_rows, database_at, insert_rows

CENTRE, WARD, LAND_OFFICE = "000.00.01.H99", "000.00.11.H99", "000.21.01.H99"
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"


def receive_at(factory, org, when, unit=CENTRE, officer="motcua.tinh", name="Lê Văn An"):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant={"name": name}, channel="direct",
                               received_at=when, receiving_unit_code=unit, actor_id=org[officer], now=when)


def numbers(factory, *codes):
    with unit_of_work(factory) as s:
        return [(get_dossier(s, code).register_year, get_dossier(s, code).register_number) for code in codes]


def register(factory, org, unit_code, username, start, end):
    with unit_of_work(factory) as s:
        return register_rows(s, get_unit(s, unit_code).id, start, end, org[username])


def test_each_receiving_unit_numbers_its_dossiers_from_1_each_year(factory, org, now):
    new_year_eve = datetime(2025, 12, 31, 16, 0, tzinfo=VN_TZ)
    codes = [receive_at(factory, org, new_year_eve).code,
             receive_at(factory, org, datetime(2025, 12, 31, 23, 30, tzinfo=VN_TZ)).code,  # 31/12 in Vietnam
             receive_at(factory, org, now).code,
             receive_at(factory, org, now, unit=WARD, officer="motcua.hoabinh").code,
             receive_at(factory, org, now + timedelta(hours=1)).code]
    assert numbers(factory, *codes) == [(2025, 1), (2025, 2), (2026, 1), (2026, 1), (2026, 2)]


def test_the_centres_register_lists_the_number_its_receipt_printed(factory, org, now):
    first, second = receive_at(factory, org, now), receive_at(factory, org, now + timedelta(hours=2))
    rows = register(factory, org, CENTRE, "motcua.tinh", date(2026, 3, 2), date(2026, 3, 2))
    assert [(r.code, r.number, r.received_elsewhere) for r in rows] == [(first.code, 1, None), (second.code, 2, None)]
    assert not any("STT theo sổ" in r.note for r in rows)


def test_the_deciding_units_register_shows_each_receiving_desks_number_and_says_so(factory, org, now):
    centre = [receive_at(factory, org, now + timedelta(minutes=m)).code for m in (0, 10)]
    ward = receive_at(factory, org, now + timedelta(minutes=20), unit=WARD, officer="motcua.hoabinh").code
    rows = register(factory, org, LAND_OFFICE, "chuyenvien.vpdk", date(2026, 3, 2), date(2026, 3, 2))
    assert [(r.code, r.number) for r in rows] == [(centre[0], 1), (centre[1], 2), (ward, 1)]
    centre_name = "Trung tâm Phục vụ hành chính công tỉnh"
    ward_name = "Trung tâm Phục vụ hành chính công phường Hòa Bình"
    assert [r.received_elsewhere for r in rows] == [centre_name, centre_name, ward_name]
    assert rows[2].note.startswith(f"STT theo sổ của {ward_name}")


def test_an_online_submission_enters_the_register_when_the_desk_receives_it(factory, org, now):
    desk = org["motcua.tinh"]
    before = receive_at(factory, org, now - timedelta(hours=1)).code
    with unit_of_work(factory) as s:
        online = receive_for_integration(s, actor_id=desk, procedure_code="dinh-chinh-gcn", channel="online",
                                         applicant={"name": "Trần Văn Bình"}, received_at=now, now=now).code
    after = receive_at(factory, org, now + timedelta(minutes=5)).code
    rows = register(factory, org, CENTRE, "motcua.tinh", date(2026, 3, 2), date(2026, 3, 2))
    assert [r.code for r in rows] == [before, after]  # a submission is not received yet
    with unit_of_work(factory) as s:
        receive_submission(s, online, components=[FORM, CERTIFICATE], return_method="desk", return_address="",
                           actor_id=desk, now=now + timedelta(minutes=30))
    rows = register(factory, org, CENTRE, "motcua.tinh", date(2026, 3, 2), date(2026, 3, 2))
    assert [(r.code, r.number) for r in rows] == [(before, 1), (after, 2), (online, 3)]


def test_a_stopped_dossier_has_no_result_date_in_the_register_but_its_verdict(factory, org, now):
    from engine.onestop.lifecycle import stop_dossier

    code = receive_at(factory, org, now).code
    with unit_of_work(factory) as s:
        stop_dossier(s, code, "Tòa án đang thụ lý tranh chấp", org["lanhdao.vpdk"], now + timedelta(days=1))
    [row] = register(factory, org, CENTRE, "motcua.tinh", date(2026, 3, 2), date(2026, 3, 2))
    assert row.result_received_at is None and row.note.startswith("Dừng giải quyết; Trước hạn")


def test_the_migration_numbers_earlier_dossiers_in_the_order_received_and_the_count_goes_on(
        request, db_engine, factory, org, now):
    """Dossiers received before numbers existed get them per unit and year; the next reception follows."""
    late = receive_at(factory, org, now + timedelta(hours=3)).code
    early = receive_at(factory, org, now).code
    last_year = receive_at(factory, org, datetime(2025, 12, 31, 23, 0, tzinfo=VN_TZ)).code
    ward = receive_at(factory, org, now, unit=WARD, officer="motcua.hoabinh").code
    rows = all_rows(db_engine)
    for row in rows["dossier"]:
        row["register_year"] = row["register_number"] = None
    rows["register_sequence"] = []
    old = database_at(request, db_engine.dialect.name, "0012")
    with old.begin() as conn:
        insert_rows(conn, rows)

    migrate.upgrade(old)

    old_factory = make_sessionmaker(old)
    assert numbers(old_factory, early, late, last_year, ward) == [(2026, 1), (2026, 2), (2025, 1), (2026, 1)]
    with unit_of_work(old_factory) as s:
        assert s.scalar(select(RegisterSequence.last).where(
            RegisterSequence.unit_id == get_unit(s, CENTRE).id, RegisterSequence.year == 2026)) == 2
        assert next_register_number(s, get_unit(s, CENTRE).id, now + timedelta(hours=4)) == (2026, 3)
        assert next_register_number(s, get_unit(s, WARD).id, now) == (2026, 2)
