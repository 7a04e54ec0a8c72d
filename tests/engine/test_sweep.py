"""The one sweep loop: rows claimed one transaction each, in order, at most once and `limit` per call."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from engine.infra.db import unit_of_work
from engine.infra.errors import Conflict
from engine.infra.sweep import Job, sweep
from engine.models import Notification


def rows(factory, now, count: int) -> list[int]:
    with unit_of_work(factory) as s:
        added = [Notification(kind="receipt", channel="sms", recipient="0900000000", body=f"tin {i}",
                              created_at=now, state="pending", attempts=0) for i in range(count)]
        s.add_all(added)
        s.flush()
        return [row.id for row in added]


def job(work, failed: list | None = None) -> Job:
    def mark(session, row_id: int) -> None:
        session.get(Notification, row_id).state = "sent"
        work(session, row_id)

    def fail(session, row_id: int, exc: Exception) -> None:
        session.get(Notification, row_id).last_error = exc.message
        failed.append(row_id)

    due = select(Notification.id).where(Notification.state == "pending").order_by(Notification.id.desc())
    return Job("row", due, Notification.id, mark, fail)


def states(factory) -> dict[int, tuple[str, str | None]]:
    with unit_of_work(factory) as s:
        return {n.id: (n.state, n.last_error) for n in s.scalars(select(Notification).order_by(Notification.id))}


def test_rows_are_handled_in_order_and_at_most_limit_per_call(factory, now):
    ids = rows(factory, now, 5)
    seen: list[int] = []
    assert sweep(factory, job(lambda s, row_id: seen.append(row_id)), limit=3) == 3
    assert seen == ids[::-1][:3]
    assert sweep(factory, job(lambda s, row_id: seen.append(row_id)), limit=3) == 2
    assert sweep(factory, job(lambda s, row_id: seen.append(row_id)), limit=3) == 0  # safe to run again
    assert seen == ids[::-1]


def test_a_failing_row_is_recorded_once_rolled_back_and_the_sweep_goes_on(factory, now):
    first, second, third = rows(factory, now, 3)

    def refuse_second(session, row_id: int) -> None:
        if row_id == second:
            raise Conflict("không xử lý được")

    failed: list[int] = []
    assert sweep(factory, job(refuse_second, failed), limit=10) == 2  # the failing row stays due, but not twice
    assert failed == [second]
    assert states(factory) == {first: ("sent", None), second: ("pending", "không xử lý được"), third: ("sent", None)}


def test_an_unexpected_error_stops_the_sweep_and_rolls_its_row_back(factory, now):
    first, second = rows(factory, now, 2)

    def crash(session, row_id: int) -> None:
        raise RuntimeError("mất điện")

    with pytest.raises(RuntimeError):
        sweep(factory, job(crash, []), limit=10)
    assert states(factory) == {first: ("pending", None), second: ("pending", None)}


def test_a_row_another_worker_holds_is_skipped_not_waited_for(db_engine, factory, now):
    first, second, third = rows(factory, now, 3)
    if db_engine.dialect.name == "postgresql":
        other = db_engine.connect()
        other.begin()
        other.execute(text("SELECT id FROM notification WHERE id = :id FOR UPDATE"), {"id": second})
        try:
            assert sweep(factory, job(lambda s, row_id: None), limit=10) == 2
        finally:
            other.rollback()
            other.close()
        assert [state for state, _ in states(factory).values()] == ["sent", "pending", "sent"]
    else:  # SQLite has one write lock: a claim waits for the other writer, then goes on from what it committed
        other = db_engine.connect()
        other.begin()
        other.execute(text("UPDATE notification SET state = 'sent' WHERE id = :id"), {"id": second})
        counts: list[int] = []
        sweeping = threading.Thread(target=lambda: counts.append(sweep(factory, job(lambda s, r: None), limit=10)))
        sweeping.start()
        sweeping.join(timeout=0.5)
        assert sweeping.is_alive() and counts == []  # waiting for the write lock, having claimed nothing
        other.commit()
        other.close()
        sweeping.join(timeout=30)
        assert counts == [2] and [state for state, _ in states(factory).values()] == ["sent"] * 3
