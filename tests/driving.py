"""Driving a dossier through its steps as the demo users, checking who sees each step."""
from __future__ import annotations

from engine import clock, complete_task, get_dossier, list_inbox
from engine.infra.db import unit_of_work


def open_items_with_timing(session, user_id, now=None, limit=None):
    """The user's open work items (claimed by them or by nobody) with their timing, through the inbox, due first."""
    now = now or clock.now()
    rows = []
    for view in ("mine", "unit"):
        page = 1
        while True:
            result = list_inbox(session, user_id, now, view=view, page=page, per_page=100)
            rows += result.rows
            if page >= result.pages:
                break
            page += 1
    rows.sort(key=lambda row: (row[0].due_at is None, row[0].due_at or now, row[0].id))
    return rows[:limit] if limit else rows


def open_items(session, user_id, now=None, limit=None):
    return [item for item, _ in open_items_with_timing(session, user_id, now, limit)]


def inbox(factory, user_id):
    """(work item id, BPMN id) of the user's open items."""
    with unit_of_work(factory) as s:
        return [(i.id, i.bpmn_id) for i in open_items(s, user_id)]


def do(factory, org, username, bpmn_id, data, when):
    """Complete the only open task `bpmn_id` from `username`'s inbox; assert no other demo user sees it."""
    items = [i for i in inbox(factory, org[username]) if i[1] == bpmn_id]
    assert len(items) == 1, f"{username} should see {bpmn_id}, sees {inbox(factory, org[username])}"
    for other in org:
        if other != username:
            assert bpmn_id not in [i[1] for i in inbox(factory, org[other])], f"{other} also sees {bpmn_id}"
    with unit_of_work(factory) as s:
        return complete_task(s, items[0][0], data, org[username], when)


def status(factory, code):
    with unit_of_work(factory) as s:
        return get_dossier(s, code).status
