"""Driving a dossier through its steps as the demo users, checking who sees each step."""
from __future__ import annotations

from engine import complete_task, get_dossier, list_work_items
from engine.db import unit_of_work


def inbox(factory, user_id):
    """(work item id, BPMN id) of the user's open items."""
    with unit_of_work(factory) as s:
        return [(i.id, i.bpmn_id) for i in list_work_items(s, user_id)]


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
