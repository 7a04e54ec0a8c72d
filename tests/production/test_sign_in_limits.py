"""Sign-in limits: one password sprayed over many accounts from one address is stopped, and says why."""
from __future__ import annotations

from tests.webapp.webpages import csrf_token, PASSWORD

from engine.infra.settings import Settings
from webapp.app import create_app

SIGN_IN_MESSAGE = "Đăng nhập sai quá nhiều lần từ địa chỉ này"
USERNAMES = ["motcua.tinh", "chuyenvien.vpdk", "lanhdao.vpdk", "vanthu.vpdk", "thue.coso"]


def limited_client(db_engine, tmp_path, **limits):
    settings = Settings(instance_path=tmp_path / "limited", secret_key="test", embedded_worker=False, **limits)
    return create_app(settings, engine=db_engine).test_client()


def sign_in(client, username, password, address="192.0.2.10"):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "username": username,
                                       "password": password}, environ_base={"REMOTE_ADDR": address})


def test_one_password_sprayed_over_every_account_is_stopped_after_the_address_limit(db_engine, tmp_path, org):
    client = limited_client(db_engine, tmp_path, sign_in_rate_limit="10/minute", sign_in_address_rate_limit="4/hour")
    for username in USERNAMES[:3]:
        wrong = client.post("/api/v1/tokens", json={"username": username, "password": "Mua-xuan-2026"},
                            environ_base={"REMOTE_ADDR": "192.0.2.10"})
        assert wrong.status_code == 401
    assert sign_in(client, USERNAMES[3], "Mua-xuan-2026").status_code == 401  # the page and the API share it
    refused = client.post("/api/v1/tokens", json={"username": USERNAMES[4], "password": "Mua-xuan-2026"},
                          environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert refused.status_code == 429
    assert SIGN_IN_MESSAGE in refused.get_json()["error"]["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 3601  # the hour's window, rounded up to whole seconds
    page = sign_in(client, USERNAMES[4], PASSWORD)
    assert page.status_code == 429 and SIGN_IN_MESSAGE in page.get_data(as_text=True)
    # another address is not held back by this one
    assert sign_in(client, USERNAMES[4], PASSWORD, address="192.0.2.77").status_code == 302


def test_officials_signing_in_behind_one_address_do_not_use_up_the_address_limit(db_engine, tmp_path, org):
    client = limited_client(db_engine, tmp_path, sign_in_address_rate_limit="2/hour")
    for username in USERNAMES:
        issued = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD},
                             environ_base={"REMOTE_ADDR": "192.0.2.20"})
        assert issued.status_code == 201, username
    assert sign_in(client, "motcua.tinh", PASSWORD, address="192.0.2.20").status_code == 302


def test_the_per_account_limit_still_stops_guessing_one_password_and_speaks_of_signing_in(db_engine, tmp_path, org):
    client = limited_client(db_engine, tmp_path, sign_in_rate_limit="2/minute", sign_in_address_rate_limit="50/hour")
    for _ in range(2):
        assert sign_in(client, "motcua.tinh", "sai-mat-khau").status_code == 401
    page = sign_in(client, "motcua.tinh", PASSWORD)
    assert page.status_code == 429 and SIGN_IN_MESSAGE in page.get_data(as_text=True)
    assert sign_in(client, "chuyenvien.vpdk", PASSWORD).status_code == 302
