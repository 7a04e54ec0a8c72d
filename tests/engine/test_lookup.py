"""Citizens look a dossier up by code and secret, see what is missing or ready, and rate it once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.infra.db import unit_of_work
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.onestop.lifecycle import request_supplement, stop_dossier
from engine.views.lookup import NOT_FOUND_MESSAGE, lookup_dossier, rate_dossier
from engine.models import Event
from .test_dinh_chinh_gcn import receive
from ..driving import do


def stopped(factory, org, now):
    """A received dossier its deciding unit's leader stopped: it has an outcome and may be rated."""
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        stop_dossier(s, receipt.code, "Người nộp xin rút hồ sơ", org["lanhdao.vpdk"], now)
    return receipt


def drive_to_result(factory, org, now):
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    appraisal = {"noi_dung_sai_sot": "Sai năm sinh", "nguyen_nhan": "Lỗi nhập liệu", "de_xuat": "dinh_chinh"}
    later = now + timedelta(days=1)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", appraisal, later)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, later)
    do(factory, org, "vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "125/CNVPĐK"}, later)


def test_citizen_sees_status_and_due_date_with_the_right_secret(factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        found = lookup_dossier(s, receipt.code, receipt.secret)
    assert (found.code, found.status, found.status_label) == (receipt.code, 2, "Được tiếp nhận")
    assert found.due_at == receipt.due_at and found.received_at == now
    assert found.procedure_name and found.receiving_unit_name
    assert not found.can_rate and found.rating is None and not found.result_ready and not found.finished
    assert "001085012345" not in repr(found) and "0912345678" not in repr(found)


def test_wrong_secret_and_unknown_code_get_the_same_message(factory, org, now):
    receipt = receive(factory, org, now)
    wrong = "AAAAAAAA" if receipt.secret != "AAAAAAAA" else "BBBBBBBB"
    with unit_of_work(factory) as s:
        with pytest.raises(NotFound) as bad_secret:
            lookup_dossier(s, receipt.code, wrong)
        with pytest.raises(NotFound) as bad_code:
            lookup_dossier(s, receipt.code + "9", receipt.secret)
        with pytest.raises(NotFound):
            lookup_dossier(s, receipt.code, "")
    assert bad_secret.value.message == bad_code.value.message == NOT_FOUND_MESSAGE


def test_secret_typed_in_lower_case_with_spaces_is_accepted(factory, org, now):
    receipt = receive(factory, org, now)
    typed = f" {receipt.secret[:4].lower()} {receipt.secret[4:].lower()} "
    with unit_of_work(factory) as s:
        assert lookup_dossier(s, receipt.code, typed).code == receipt.code


def test_missing_components_are_listed_while_supplement_is_requested(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    missing = ["Bản sao Giấy chứng nhận", "Biên bản kiểm tra sai sót"]
    with unit_of_work(factory) as s:
        request_supplement(s, receipt.code, missing, "Thiếu giấy tờ", org["chuyenvien.vpdk"], now)
    with unit_of_work(factory) as s:
        found = lookup_dossier(s, receipt.code, receipt.secret)
    assert found.status == 5 and found.missing == missing


def test_result_is_ready_once_processed(factory, org, now):
    receipt = receive(factory, org, now)
    drive_to_result(factory, org, now)
    with unit_of_work(factory) as s:
        found = lookup_dossier(s, receipt.code, receipt.secret)
    assert found.status == 9 and found.result_ready and found.finished and found.missing == []


def test_dossier_is_rated_once_then_refused(factory, org, now):
    receipt = stopped(factory, org, now)
    with unit_of_work(factory) as s:
        rate_dossier(s, receipt.code, receipt.secret, 3, "Cán bộ tận tình", now)
    with unit_of_work(factory) as s:
        with pytest.raises(Conflict):
            rate_dossier(s, receipt.code, receipt.secret, 1, "", now)
    with unit_of_work(factory) as s:
        found = lookup_dossier(s, receipt.code, receipt.secret)
        assert not found.can_rate and found.rating == 3
        assert [e.detail["rating"] for e in s.scalars(select(Event).where(Event.action == "dossier_rated"))] == [3]


def test_rating_racing_another_turns_into_conflict(factory, org, now):
    """Two requests open at once: the one committing first wins, the other gets Conflict, not a crash."""
    receipt = stopped(factory, org, now)
    first, second = factory(), factory()
    try:
        lookup_dossier(second, receipt.code, receipt.secret)  # the second request has read the dossier
        rate_dossier(first, receipt.code, receipt.secret, 3, "", now)
        first.commit()
        with pytest.raises(Conflict):
            rate_dossier(second, receipt.code, receipt.secret, 2, "", now)
        assert lookup_dossier(second, receipt.code, receipt.secret).rating == 3  # still usable after Conflict
    finally:
        first.close()
        second.close()


def test_the_service_is_rated_only_once_the_dossier_has_its_outcome(factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s, pytest.raises(Conflict, match="chưa giải quyết xong"):
        rate_dossier(s, receipt.code, receipt.secret, 3, "", now)
    drive_to_result(factory, org, now)
    with unit_of_work(factory) as s:
        assert lookup_dossier(s, receipt.code, receipt.secret).can_rate  # result ready (9): rated from now on


@pytest.mark.parametrize("rating, comment", [(0, ""), (4, ""), (3, "x" * 1001)])
def test_bad_rating_is_refused(factory, org, now, rating, comment):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        with pytest.raises(ValidationFailed):
            rate_dossier(s, receipt.code, receipt.secret, rating, comment, now)
