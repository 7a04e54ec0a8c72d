"""The administrator's morning: the operations overview shows a failed process, which is retried from its list;
the audit trail is filtered; every page fits the desk screen."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                    "browser tests skipped")
from playwright.sync_api import expect  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

from engine import fire_due_timers  # noqa: E402
from engine.infra.db import unit_of_work  # noqa: E402
from engine.models import ProcessInstance  # noqa: E402

from .conftest import DESK  # noqa: E402
from .test_dossier_journey import follow, sign_in  # noqa: E402
from .test_layout import layout_problems  # noqa: E402


@pytest.fixture
def failed_instance(live_server, fixed_clock):
    """A sample dossier's process whose timer failed (its stored state unreadable), then fixed by hand."""
    with unit_of_work(live_server.factory) as session:
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.status == "running")
                                  .order_by(ProcessInstance.id))
        good, instance_id = instance.state, instance.id
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                        .values(state='{"serializer_version": "0.0"}', next_timer_at=fixed_clock.now()))
    fire_due_timers(live_server.factory, fixed_clock.now() + timedelta(seconds=1))
    with unit_of_work(live_server.factory) as session:
        assert session.get(ProcessInstance, instance_id).status == "error"
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(state=good))
    return instance_id


def test_the_administrator_sees_the_failure_first_and_retries_it(open_desk, failed_instance, artifacts):
    page = open_desk(DESK)
    sign_in(page, "quantri.tinh")
    expect(page).to_have_url(re.compile(r"/operations$"))
    problem = page.locator(".operations-count.has-problem")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("Tiến trình lỗi")
    assert layout_problems(page, "operations", "desk", artifacts) == []
    page.screenshot(path=str(artifacts / "operations-overview.png"), full_page=True)

    follow(page, problem)
    row = page.locator(f"#instance-{failed_instance}")
    expect(row).to_contain_text("serializer version 0.0")
    row.get_by_text("Chấm dứt…").click()
    expect(row.get_by_label("Lý do chấm dứt")).to_be_visible()
    assert layout_problems(page, "operations-instances", "desk", artifacts) == []
    page.screenshot(path=str(artifacts / "operations-instances.png"), full_page=True)
    follow(page, row.get_by_role("button", name="Chạy lại"))
    expect(page.get_by_role("status")).to_contain_text(f"Tiến trình #{failed_instance} đã chạy lại.")
    expect(page.locator(f"#instance-{failed_instance}")).to_have_count(0)

    follow(page, page.get_by_role("link", name="Nhật ký hệ thống"))
    page.get_by_label("Hành động").select_option("instance_retried")
    follow(page, page.get_by_role("button", name="Lọc"))
    expect(page.locator(".audit-table tbody tr")).to_have_count(1)
    expect(page.locator(".audit-table")).to_contain_text("Quản trị hệ thống cho quy trình chạy lại sau lỗi")
    assert layout_problems(page, "operations-audit", "desk", artifacts) == []
    page.screenshot(path=str(artifacts / "operations-audit.png"), full_page=True)

    follow(page, page.locator(".audit-table a.code").first)
    expect(page.locator(".timeline")).to_contain_text("Quy trình gặp lỗi")
    page.screenshot(path=str(artifacts / "operations-dossier.png"), full_page=True)
