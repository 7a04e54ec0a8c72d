"""The menu follows the roles a user holds; an idle session ends after the configured minutes."""
from __future__ import annotations

import re
import time

import itsdangerous.timed

from webpages import login


def menu(client) -> list[str]:
    html = client.get("/").get_data(as_text=True) if client.get("/").status_code == 200 else \
        client.get("/procedures").get_data(as_text=True)
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(0)) if nav else []


def test_the_one_stop_officer_sees_reception_and_a_specialist_does_not(client, org):
    login(client, "motcua.tinh")
    assert {"Công việc", "Tiếp nhận hồ sơ", "Hồ sơ", "Sổ theo dõi"} <= set(menu(client))
    login(client, "chuyenvien.vpdk")
    items = menu(client)
    assert "Công việc" in items and "Tiếp nhận hồ sơ" not in items


def test_a_designer_sees_the_catalogue_but_no_dossier_work(client, org):
    login(client, "thietke.tinh")
    items = menu(client)
    assert "Thủ tục" in items
    assert not {"Công việc", "Tiếp nhận hồ sơ", "Hồ sơ", "Sổ theo dõi"} & set(items)


def test_an_idle_session_expires_after_the_configured_lifetime(app, client, org, monkeypatch):
    login(client, "motcua.tinh")
    assert client.get("/").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 5
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_english_locale_is_chosen_and_remembered(client, org):
    page = client.get("/login?lang=en")
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)  # kept by the cookie
    assert '<html lang="vi">' in client.get("/login?lang=vi").get_data(as_text=True)


def test_pages_name_the_favicon_and_the_old_address_leads_to_it(client):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/login").get_data(as_text=True)
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"].endswith("/static/favicon.svg")
    assert client.get("/static/favicon.svg").status_code == 200
