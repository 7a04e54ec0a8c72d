"""The notification outbox: Vietnamese notices queued per channel and sent through a real local SMTP server."""
from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine import get_dossier, receive_dossier

from engine.infra import clock
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.models import Event, Notification
from engine.infra.mail import EmailSender, LogSmsAdapter, email_sender_from, sms_adapter_from
from engine.onestop.notices import queue_notification, render, send_pending_notifications, sms_text
from engine.infra.settings import Settings
from engine import worker

APPLICANT = {"name": "Nguyễn Thị Lan", "phone": "0912345678", "email": "lan.nguyen@example.vn"}
NEW_DUE = datetime(2026, 3, 19, 17, 0, tzinfo=VN_TZ)
REASON = "Cần xác minh thêm nguồn gốc thửa đất với Ủy ban nhân dân cấp xã"


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, EmailSender("127.0.0.1", controller.port, "Một cửa tỉnh <motcua@tinh.example.vn>")
    controller.stop()


@pytest.fixture
def refusing_sender():
    """Nothing listens on this port, so every connection is refused."""
    return EmailSender("127.0.0.1", free_port(), "motcua@tinh.example.vn", timeout=5)


def receive(factory, org, now, applicant=APPLICANT) -> str:
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant=applicant, channel="online",
                               received_at=now, receiving_unit_code="000.00.01.H99",
                               actor_id=org["motcua.tinh"], now=now).code


def queue_apology(factory, org, now, applicant=APPLICANT) -> str:
    code = receive(factory, org, now, applicant)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        subject, body = render("apology", dossier, reason=REASON, new_due_at=NEW_DUE)
        queue_notification(s, dossier=dossier, kind="apology", subject=subject, body=body, now=now)
    return code


def outbox(factory):
    with unit_of_work(factory) as s:
        return {n.channel: n for n in s.scalars(select(Notification).order_by(Notification.id))}


def events(factory, action):
    with unit_of_work(factory) as s:
        return [e.detail for e in s.scalars(select(Event).where(Event.action == action).order_by(Event.id))]


def test_queued_apology_reaches_the_applicant_by_email_and_sms(factory, org, now, smtp, caplog):
    mailbox, sender = smtp
    code = queue_apology(factory, org, now)
    assert {c: n.state for c, n in outbox(factory).items()} == {"email": "pending", "sms": "pending"}

    with caplog.at_level(logging.INFO, logger="engine.infra.mail"):
        assert send_pending_notifications(factory, now, sender, LogSmsAdapter(), max_attempts=3) == 2

    [message] = mailbox.messages
    assert message["To"] == "lan.nguyen@example.vn"
    assert message["Subject"] == f"Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết - hồ sơ {code}"
    text = message.get_content()
    assert "Kính gửi ông/bà Nguyễn Thị Lan" in text
    assert f"Hồ sơ {code} không thể trả kết quả đúng hẹn 12/03/2026 17:00" in text
    assert f"Lý do: {REASON}" in text and "Thời gian hẹn trả kết quả lại: 19/03/2026 17:00" in text
    assert "Chi nhánh Văn phòng Đăng ký đất đai khu vực Trung tâm thành thật xin lỗi ông/bà" in text

    rows = outbox(factory)
    assert {c: (n.state, n.sent_at, n.attempts) for c, n in rows.items()} == {
        "email": ("sent", now, 0), "sms": ("sent", now, 0)}
    assert code in rows["sms"].body and "19/03/2026 17:00" in rows["sms"].body and len(rows["sms"].body) <= 320
    assert f"SMS to 0912345678: {rows['sms'].body}" in caplog.messages
    assert [(d["channel"], d["kind"]) for d in events(factory, "notification_sent")] == [
        ("email", "apology"), ("sms", "apology")]


def test_sent_notifications_are_not_sent_again(factory, org, now, smtp):
    mailbox, sender = smtp
    queue_apology(factory, org, now)
    assert send_pending_notifications(factory, now, sender, LogSmsAdapter(), max_attempts=3) == 2
    assert send_pending_notifications(factory, now, sender, LogSmsAdapter(), max_attempts=3) == 0
    assert len(mailbox.messages) == 1 and len(events(factory, "notification_sent")) == 2


def test_channels_without_a_sender_stay_pending(factory, org, now, smtp):
    mailbox, sender = smtp
    queue_apology(factory, org, now)
    assert send_pending_notifications(factory, now, None, None, max_attempts=3) == 0
    assert {c: (n.state, n.attempts) for c, n in outbox(factory).items()} == {
        "email": ("pending", 0), "sms": ("pending", 0)}

    assert send_pending_notifications(factory, now, sender, None, max_attempts=3) == 1
    assert {c: n.state for c, n in outbox(factory).items()} == {"email": "sent", "sms": "pending"}
    assert len(mailbox.messages) == 1


def test_refused_email_is_retried_then_failed_while_the_sms_is_sent(factory, org, now, refusing_sender):
    queue_apology(factory, org, now)  # the e-mail row is older than the SMS row, so it is tried first
    assert send_pending_notifications(factory, now, refusing_sender, LogSmsAdapter(), max_attempts=3) == 1
    rows = outbox(factory)
    assert rows["sms"].state == "sent"
    assert (rows["email"].state, rows["email"].attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in rows["email"].last_error

    # backed off: an immediate retry does not touch it; 1 then 2 minutes later it is tried again
    assert send_pending_notifications(factory, now, refusing_sender, LogSmsAdapter(), max_attempts=3) == 0
    assert outbox(factory)["email"].attempts == 1
    for minutes, attempts, state in [(1, 2, "pending"), (3, 3, "failed"), (60, 3, "failed")]:
        later = now + timedelta(minutes=minutes)
        assert send_pending_notifications(factory, later, refusing_sender, LogSmsAdapter(), max_attempts=3) == 0
        assert (outbox(factory)["email"].state, outbox(factory)["email"].attempts) == (state, attempts)
    [failed] = events(factory, "notification_failed")
    assert (failed["channel"], failed["kind"], failed["attempts"]) == ("email", "apology", 3)
    assert "body" not in failed and REASON not in str(failed)


def test_no_contact_no_notification_and_only_the_given_channels(factory, org, now):
    queue_apology(factory, org, now, applicant={"name": "Trần Văn Bình"})
    assert outbox(factory) == {}
    queue_apology(factory, org, now, applicant={"name": "Trần Văn Bình", "phone": "0987654321"})
    assert list(outbox(factory)) == ["sms"]


def test_every_kind_renders_in_vietnamese_with_a_short_sms(factory, org, now):
    code = receive(factory, org, now, {"name": "Trần Văn Bình"})
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        rendered = {
            "receipt": render("receipt", dossier),
            "supplement": render("supplement", dossier, missing=["Bản sao Giấy chứng nhận", "Tờ khai"] * 20,
                                 reason="Thiếu giấy tờ " * 40),
            "apology": render("apology", dossier, reason=REASON * 5, new_due_at=NEW_DUE),
            "result_ready": render("result_ready", dossier),
        }
        with pytest.raises(ValueError, match="unknown notification kind"):
            render("nhac_nho", dossier)
    receipt_subject, receipt_body = rendered["receipt"]
    assert receipt_subject == f"Giấy tiếp nhận hồ sơ và hẹn trả kết quả - hồ sơ {code}"
    assert "Nội dung yêu cầu giải quyết: Đính chính Giấy chứng nhận đã cấp" in receipt_body
    assert "Thời gian hẹn trả kết quả: 12/03/2026 17:00" in receipt_body
    assert rendered["supplement"][0] == f"Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ - hồ sơ {code}"
    assert "- Bản sao Giấy chứng nhận\n" in rendered["supplement"][1]
    assert rendered["result_ready"][0] == f"Kết quả giải quyết hồ sơ {code} đã sẵn sàng"
    assert "Trung tâm Phục vụ hành chính công tỉnh" in rendered["result_ready"][1]
    for subject, body in rendered.values():
        assert code in subject and code in sms_text(body) and len(sms_text(body)) <= 320
    assert sms_text(rendered["supplement"][1]).endswith("…")


def test_senders_come_from_settings():
    assert email_sender_from(Settings()) is None and sms_adapter_from(Settings()) is None
    sender = email_sender_from(Settings(smtp_host="mail.example.vn", smtp_port=587, smtp_starttls=True))
    assert (sender.host, sender.port, sender.starttls) == ("mail.example.vn", 587, True)
    assert isinstance(sms_adapter_from(Settings(sms_adapter="log")), LogSmsAdapter)
    with pytest.raises(ValueError, match="'zalo'"):
        sms_adapter_from(Settings(sms_adapter="zalo"))


def test_worker_sweep_sends_with_senders_from_settings(factory, org, now, smtp):
    mailbox, sender = smtp
    queue_apology(factory, org, now)
    notify = worker.notifier(Settings(smtp_host=sender.host, smtp_port=sender.port, sms_adapter="log"))
    previous = clock.install(clock.FixedClock(now))
    try:
        assert worker.sweep(factory, notify) == 0  # no timer is due yet; both notifications go out
    finally:
        clock.install(previous)
    assert len(mailbox.messages) == 1 and {n.state for n in outbox(factory).values()} == {"sent"}


def test_two_workers_sweeping_at_once_send_each_notification_once(factory, org, now):
    codes = {queue_apology(factory, org, now, {"name": "Lê Thị Hoa", "phone": "0901234567"}) for _ in range(4)}
    delivered: list[str] = []

    class SlowGateway:
        def send(self, phone: str, text: str) -> None:
            time.sleep(0.2)  # the other worker claims the next notice meanwhile
            delivered.append(text.split()[2])  # "Hồ sơ <code> …"

    counts: list[int] = []
    workers = [threading.Thread(target=lambda: counts.append(
        send_pending_notifications(factory, now, None, SlowGateway(), max_attempts=3))) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert sum(counts) == 4 and sorted(delivered) == sorted(codes)
    assert all(count > 0 for count in counts)  # both workers took a share: a claimed row is not claimed again
