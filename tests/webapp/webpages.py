"""Driving the web app like a browser in tests: CSRF tokens, signing in, posting forms, receiving dossiers."""
from __future__ import annotations

import re

from engine import receive_dossier

from tests.driving import open_items
from engine.infra.db import unit_of_work

PASSWORD = "mat-khau-thu-nghiem"  # the password tests/conftest.py's `org` fixture gives every user
APPLICANT = {"name": "Hoàng Văn Dũng", "id_number": "001085012345", "phone": "0912345678",
             "address": "Số 12 phố Hàng Bạc"}
RECEPTION = "Tiếp nhận, kiểm tra và chuyển hồ sơ"
APPRAISAL = "Thẩm định, lập biên bản kết luận sai sót"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def form_token(html: str) -> str:
    """The one-time token a desk form carries (a repeat of its POST shows what the first made)."""
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the page has no form token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Sign in through the login form, signing out first whoever is signed in on this client."""
    page = client.get("/login")
    if page.status_code == 302:
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
        page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password})


def post_form(client, url: str, data: dict, page_url: str | None = None):
    """POST like a browser: first read the CSRF token from the page that shows the form."""
    token = csrf_token(client.get(page_url or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def receive(factory, org, now):
    with unit_of_work(factory) as session:
        return receive_dossier(session, procedure_code="dinh-chinh-gcn", applicant=APPLICANT, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99",
                               actor_id=org["motcua.tinh"], now=now)


def inbox_items(factory, user_id):
    with unit_of_work(factory) as session:
        return [(item.id, item.bpmn_id, item.dossier.code) for item in open_items(session, user_id)]
