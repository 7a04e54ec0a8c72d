"""Notices under a slow SMTP server and a worker dying mid-send: no row lock while sending, never lost."""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from engine.infra.mail import EmailSender
from engine.onestop.notices import SENDING_LEASE, send_pending_notifications

from .test_notifications import Mailbox, events, free_port, outbox, queue_apology

BY_EMAIL = {"name": "Nguyễn Thị Lan", "email": "lan.nguyen@example.vn"}
BY_SMS = {"name": "Trần Văn Bình", "phone": "0987654321"}


class SlowMailbox(Mailbox):
    """Keeps the DATA command waiting until the test lets it finish."""

    def __init__(self):
        super().__init__()
        self.receiving, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.receiving.set()
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


class DyingGateway:
    """Hands the SMS over, then the worker stops before it can record that (as if killed)."""

    def __init__(self):
        self.sent: list[str] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append(text)
        raise KeyboardInterrupt


def write_now(db_engine, notification_id: int) -> None:
    """Lock and update the row from another session, failing at once if anybody holds a lock on it."""
    if db_engine.dialect.name == "postgresql":
        with db_engine.begin() as conn:
            conn.execute(text("SELECT id FROM notification WHERE id = :id FOR UPDATE NOWAIT"), {"id": notification_id})
            conn.execute(text("UPDATE notification SET subject = subject WHERE id = :id"), {"id": notification_id})
        return
    conn = sqlite3.connect(db_engine.url.database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE notification SET subject = subject WHERE id = ?", (notification_id,))
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_slow_smtp_server_holds_no_row_lock_while_the_email_is_sent(db_engine, factory, org, now):
    mailbox = SlowMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    sender = EmailSender("127.0.0.1", controller.port, "motcua@tinh.example.vn", timeout=30)
    queue_apology(factory, org, now, BY_EMAIL)
    counts: list[int] = []
    sweeping = threading.Thread(target=lambda: counts.append(
        send_pending_notifications(factory, now, sender, None, max_attempts=3)))
    sweeping.start()
    try:
        assert mailbox.receiving.wait(timeout=30), "the e-mail never reached the server"
        [row] = outbox(factory).values()  # committed before the send began
        assert (row.state, row.attempts, row.next_attempt_at) == ("sending", 0, now + SENDING_LEASE)
        write_now(db_engine, row.id)
    finally:
        mailbox.release.set()
        sweeping.join(timeout=30)
        controller.stop()
    assert counts == [1] and len(mailbox.messages) == 1
    assert [(n.state, n.sent_at) for n in outbox(factory).values()] == [("sent", now)]


def test_notice_a_worker_died_sending_is_sent_again_once_its_lease_runs_out(factory, org, now):
    queue_apology(factory, org, now, BY_SMS)
    gateway = DyingGateway()
    with pytest.raises(KeyboardInterrupt):
        send_pending_notifications(factory, now, None, gateway, max_attempts=3)
    assert outbox(factory)["sms"].state == "sending"

    class Gateway:
        def send(self, phone: str, text: str) -> None:
            gateway.sent.append(text)

    lapsed = now + SENDING_LEASE
    assert send_pending_notifications(factory, lapsed - timedelta(seconds=1), None, Gateway(), max_attempts=3) == 0
    assert send_pending_notifications(factory, lapsed, None, Gateway(), max_attempts=3) == 1
    row = outbox(factory)["sms"]
    assert (row.state, row.sent_at, row.attempts) == ("sent", lapsed, 1)  # the interrupted attempt counts
    assert "interrupted" in row.last_error
    assert len(gateway.sent) == 2 and gateway.sent[0] == gateway.sent[1]  # at least once: here twice
    assert len(events(factory, "notification_sent")) == 1


def test_notice_left_sending_on_its_last_attempt_is_marked_failed(factory, org, now):
    queue_apology(factory, org, now, BY_SMS)
    gateway = DyingGateway()
    with pytest.raises(KeyboardInterrupt):
        send_pending_notifications(factory, now, None, gateway, max_attempts=1)
    assert send_pending_notifications(factory, now + SENDING_LEASE, None, gateway, max_attempts=1) == 0
    row = outbox(factory)["sms"]
    assert (row.state, row.attempts, len(gateway.sent)) == ("failed", 1, 1)
    [failed] = events(factory, "notification_failed")
    assert (failed["channel"], failed["attempts"]) == ("sms", 1) and "interrupted" in failed["error"]
