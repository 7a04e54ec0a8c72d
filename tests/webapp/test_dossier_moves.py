"""The administrator's page for moving running dossiers onto the active version: the dry run, then the move."""
from __future__ import annotations

from sqlalchemy import select
from webpages import login, post_form

from engine.infra.db import unit_of_work
from engine.models import Event

from tests.engine.test_migration import two_running  # noqa: F401  the fixture: two dossiers on version 1

PAGE = "/versions/chuyen-doi/move"


def test_the_administrator_sees_the_dry_run_and_moves_the_chosen_dossier(client, factory, org, two_running):  # noqa: F811
    ahead, behind = two_running
    login(client, "quantri.tinh")
    assert "Chuyển hồ sơ đang xử lý" in client.get("/versions/chuyen-doi").get_data(as_text=True)
    html = client.get(PAGE).get_data(as_text=True)
    assert ahead in html and behind in html and "Không chuyển được" in html
    assert f'name="dossier" value="{behind}"' in html and f'name="dossier" value="{ahead}"' not in html
    response = post_form(client, PAGE, {"dossier": [behind, ahead]})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Đã chuyển 1/2 hồ sơ" in text
    assert f"{behind}</span>: đã chuyển" in text
    with unit_of_work(factory) as s:
        assert s.scalar(select(Event.detail).where(Event.action == "instance_migrated"))["to_version"] == 2
    assert post_form(client, PAGE, {}).status_code == 302  # nothing chosen: back to the list, nothing done


def test_designers_and_officials_cannot_move_dossiers(client, factory, org, two_running):  # noqa: F811
    for who in ("thietke.tinh", "chuyenvien.vpdk"):
        login(client, who)
        assert client.get(PAGE).status_code == 403
        if who == "thietke.tinh":
            assert "Chuyển hồ sơ đang xử lý" not in client.get("/versions/chuyen-doi").get_data(as_text=True)


def test_a_designer_uploads_a_draft_from_the_procedure_page(client, factory, org):
    import io

    from tests.webapp.test_api_versions import folder_zip, renamed

    login(client, "thietke.tinh")
    page = "/versions/1.004227"
    html = client.get(page).get_data(as_text=True)
    assert 'name="package"' in html
    from webpages import csrf_token

    token = csrf_token(html)
    bad = client.post(f"{page}/upload", data={"csrf_token": token, "package": (io.BytesIO(b"khong phai zip"), "a.zip")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "không phải tệp nén" in bad.get_data(as_text=True)
    good = client.post(f"{page}/upload", data={"csrf_token": token,
                                               "package": (io.BytesIO(folder_zip(renamed)), "dinh-chinh-gcn.zip")},
                       content_type="multipart/form-data")
    assert good.status_code == 302 and good.headers["Location"].endswith("/versions/1.004227/2")
    assert "Bản nháp" in client.get("/versions/1.004227/2").get_data(as_text=True)
    login(client, "quantri.tinh")
    assert 'name="package"' not in client.get(page).get_data(as_text=True)
