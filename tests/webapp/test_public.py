"""Citizens' pages without login: look a dossier up by code and secret, rate the service once; rate-limited."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.infra.db import unit_of_work
from engine.onestop.lifecycle import stop_dossier
from engine.models import Event
from engine.infra.settings import Settings
from webapp.app import create_app
from webpages import csrf_token, receive


def look_up(client, code, secret):
    token = csrf_token(client.get("/tra-cuu").get_data(as_text=True))
    return client.post("/tra-cuu", data={"csrf_token": token, "code": code, "secret": secret})


def rate(client, code, secret, rating, comment=""):
    token = csrf_token(client.get("/tra-cuu").get_data(as_text=True))
    return client.post("/tra-cuu/danh-gia", data={"csrf_token": token, "code": code, "secret": secret,
                                                  "rating": rating, "comment": comment})


def finished(factory, org, now):
    """A received dossier its deciding unit's leader has stopped (Mẫu 05): it has an outcome, so it may be rated."""
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        stop_dossier(s, receipt.code, "Người nộp xin rút hồ sơ", org["lanhdao.vpdk"], now)
    return receipt


def wrong(secret):
    return "AAAAAAAA" if secret != "AAAAAAAA" else "BBBBBBBB"


def test_lookup_form_is_prefilled_with_the_code_from_the_receipts_qr(client, factory, org, now):
    receipt = receive(factory, org, now)
    page = client.get(f"/tra-cuu?code={receipt.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="{receipt.code}"' in html and 'name="secret"' in html
    assert "Đăng xuất" not in html  # nobody signed in: no menu, no account


def test_lookup_shows_status_and_due_date_but_nothing_personal(client, factory, org, now):
    receipt = receive(factory, org, now)
    page = look_up(client, receipt.code, receipt.secret.lower())
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Được tiếp nhận" in html and "Đính chính Giấy chứng nhận đã cấp" in html
    assert receipt.due_at.astimezone(now.tzinfo).strftime("%d/%m/%Y") in html
    assert "001085012345" not in html and "0912345678" not in html and "Hoàng Văn Dũng" not in html


def test_wrong_secret_is_refused_with_one_message_and_logged_without_the_secret(client, factory, org, now):
    receipt = receive(factory, org, now)
    bad = wrong(receipt.secret)
    for code, secret in ((receipt.code, bad), (receipt.code + "9", receipt.secret)):
        page = look_up(client, code, secret)
        assert page.status_code == 404
        assert "Không tìm thấy hồ sơ với mã và mã tra cứu đã nhập." in page.get_data(as_text=True)
    with unit_of_work(factory) as s:
        refusals = list(s.scalars(select(Event).where(Event.action == "access_refused")))
    assert len(refusals) == 2 and refusals[0].detail["code"] == receipt.code
    logged = json.dumps([r.detail for r in refusals])
    assert bad not in logged and receipt.secret not in logged


def test_fourth_lookup_within_a_minute_is_refused_when_the_limit_is_three(db_engine, tmp_path, fixed_clock,
                                                                           factory, org, now):
    settings = Settings(instance_path=tmp_path / "limited", secret_key="test", embedded_worker=False,
                        public_rate_limit="3/minute")
    client = create_app(settings, engine=db_engine).test_client()
    receipt = receive(factory, org, now)
    assert [look_up(client, receipt.code, receipt.secret).status_code for _ in range(3)] == [200, 200, 200]
    page = look_up(client, receipt.code, receipt.secret)
    assert page.status_code == 429
    assert "Bạn đã tra cứu quá nhiều lần, vui lòng thử lại sau ít phút." in page.get_data(as_text=True)
    assert client.get("/tra-cuu").status_code == 200  # the form itself is not counted


def test_citizen_rates_once_and_a_second_rating_is_refused(client, factory, org, now):
    receipt = finished(factory, org, now)
    assert 'name="rating"' in look_up(client, receipt.code, receipt.secret).get_data(as_text=True)
    thanks = rate(client, receipt.code, receipt.secret, "3", "Cán bộ hướng dẫn tận tình")
    assert thanks.status_code == 200
    html = thanks.get_data(as_text=True)
    assert "Cảm ơn ông/bà đã đánh giá" in html and 'name="rating"' not in html
    again = rate(client, receipt.code, receipt.secret, "1")
    assert again.status_code == 409
    assert "mỗi hồ sơ chỉ được đánh giá một lần" in again.get_data(as_text=True)
    with unit_of_work(factory) as s:
        rated = list(s.scalars(select(Event).where(Event.action == "dossier_rated")))
    assert [e.detail["rating"] for e in rated] == [3]


@pytest.mark.parametrize("rating", ["", "5", "tot"])
def test_rating_without_a_valid_choice_is_refused(client, factory, org, now, rating):
    receipt = finished(factory, org, now)
    page = rate(client, receipt.code, receipt.secret, rating)
    assert page.status_code == 422 and 'name="rating"' in page.get_data(as_text=True)


def test_a_dossier_still_in_progress_cannot_be_rated_yet(client, factory, org, now):
    receipt = receive(factory, org, now)
    html = look_up(client, receipt.code, receipt.secret).get_data(as_text=True)
    assert 'name="rating"' not in html and "có thể đánh giá khi hồ sơ đã có kết quả" in html
    refused = rate(client, receipt.code, receipt.secret, "3")
    assert refused.status_code == 409 and "chưa giải quyết xong" in refused.get_data(as_text=True)
    with unit_of_work(factory) as s:
        assert not list(s.scalars(select(Event).where(Event.action == "dossier_rated")))


def test_rating_with_a_wrong_secret_is_refused_like_a_lookup(client, factory, org, now):
    receipt = receive(factory, org, now)
    page = rate(client, receipt.code, wrong(receipt.secret), "3")
    assert page.status_code == 404
    assert "Không tìm thấy hồ sơ với mã và mã tra cứu đã nhập." in page.get_data(as_text=True)


def test_lookup_without_csrf_token_is_refused(client, factory, org, now):
    receipt = receive(factory, org, now)
    page = client.post("/tra-cuu", data={"code": receipt.code, "secret": receipt.secret})
    assert page.status_code == 400


def test_extended_due_date_comes_with_the_apology(client, factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        from engine.onestop.dossiers import get_dossier
        get_dossier(s, receipt.code).extended_due_at = receipt.due_at + timedelta(days=3)
    html = look_up(client, receipt.code, receipt.secret).get_data(as_text=True)
    assert "xin lỗi" in html and (receipt.due_at + timedelta(days=3)).astimezone(now.tzinfo).strftime("%d/%m/%Y") in html
