"""Smoke test: every procedure in bpmn/ runs from reception to handover with generated form data."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import complete_task, get_dossier, receive_dossier
from engine.org.accounts import create_user, grant_role
from engine.workflow.catalog import read_folder, validate_version
from engine.infra.db import unit_of_work
from engine.demo import ROLES, UNITS
from engine.workflow.messages import deliver_pending_messages
from engine.models import ProcessInstance, WorkItem
from engine.spiff import start_message_names
from engine.workflow.tasks import task_form

from ..conftest import BPMN

AVOID = ("tra_lai", "bo_sung", "tu_choi", "khong")  # choices that loop back or refuse: taken only if nothing else


def entry_procedures() -> list[str]:
    """Folders whose process a citizen's dossier starts (partners start from a message)."""
    slugs = []
    for folder in sorted(p for p in BPMN.iterdir() if (p / "procedure.toml").is_file()):
        meta, files, forms = read_folder(folder, BPMN / "common")
        parsed, _ = validate_version(meta, files, forms)
        if not start_message_names(parsed):
            slugs.append(folder.name)
    return slugs


def sample(schema: dict, name: str, seen: int, today: date):
    kind = schema.get("type")
    if "enum" in schema:
        options = list(schema["enum"])
        preferred = [o for o in options if not any(str(o).startswith(a) for a in AVOID)] or options
        return preferred[min(seen, len(preferred) - 1)] if seen < 2 else options[0]
    if "const" in schema:
        return schema["const"]
    if kind == "boolean":
        return True
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return float(schema.get("minimum", 1) or 1)
    if kind == "array":
        return [sample(schema.get("items", {"type": "string"}), name, seen, today)]
    if schema.get("format") == "date":
        return (today + timedelta(days=30)).isoformat()
    if "pattern" in schema and "0-9" in schema["pattern"]:
        return "0912345678" if "phone" in name or "dien_thoai" in name else "123456789012"
    return f"Nội dung thử cho {name}"


def form_data(schema: dict | None, seen: int, today: date) -> dict:
    if not schema:
        return {}
    return {name: sample(prop, name, seen, today) for name, prop in schema.get("properties", {}).items()}


@pytest.mark.parametrize("slug", entry_procedures())
def test_procedure_runs_end_to_end(factory, org, now, slug):
    with unit_of_work(factory) as s:
        smoke = create_user(s, "kiem.thu", "Người kiểm thử", "mat-khau-kiem-thu", now)
        for code, *_ in UNITS:
            for role, _ in ROLES:
                grant_role(s, smoke, role, code)
        smoke_id = smoke.id
        receipt = receive_dossier(s, procedure_code=slug, applicant={"name": "Nguyễn Văn Thử", "phone": "0912345678"},
                                  channel="direct", received_at=now, receiving_unit_code="000.00.01.H99",
                                  actor_id=smoke_id, now=now)
    completed: dict[str, int] = {}
    when = now
    for _ in range(80):
        deliver_pending_messages(factory, when)
        with unit_of_work(factory) as s:
            dossier = get_dossier(s, receipt.code)
            items = s.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id, WorkItem.state == "ready")
                              .order_by(WorkItem.id)).all()
            running = s.scalars(select(ProcessInstance.status).where(ProcessInstance.dossier_id == dossier.id)).all()
            if not items and "running" not in running:
                break
            assert items, f"{slug}: stuck in status {dossier.status} with no open task and instances {running}"
            item = items[0]
            schema, _ = task_form(s, item)
            seen = completed.get(item.bpmn_id, 0)
        with unit_of_work(factory) as s:
            complete_task(s, item.id, form_data(schema, seen, when.date()), smoke_id, when)
        completed[item.bpmn_id] = seen + 1
        when += timedelta(minutes=30)
    else:
        pytest.fail(f"{slug} did not finish in 80 steps: {completed}")
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10, f"{slug} ended in status {dossier.status} after {completed}"
        assert dossier.finished_at is not None and dossier.returned_at is not None
