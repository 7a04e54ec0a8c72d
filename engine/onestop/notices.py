"""The notification outbox: queue e-mail/SMS to the applicant with the change, send them in a worker sweep."""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.infra.audit import record_event
from engine.infra.clock import VN_TZ
from engine.infra.db import is_postgresql, unit_of_work
from engine.models import Dossier, Notification
from engine.infra.settings import Settings

log = logging.getLogger(__name__)

SMS_MAX_CHARS = 320


class SmsAdapter(Protocol):
    """A gateway that delivers one text message; raises on failure."""

    def send(self, phone: str, text: str) -> None: ...


class LogSmsAdapter:
    """Writes each SMS to the log instead of sending it; for development and demonstrations."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


def sms_adapter_from(settings: Settings) -> SmsAdapter | None:
    """The SMS adapter named by settings.sms_adapter; None when empty (SMS then stays pending)."""
    if not settings.sms_adapter:
        return None
    if settings.sms_adapter == "log":
        return LogSmsAdapter()
    raise ValueError(f"unknown SMS adapter {settings.sms_adapter!r}; known: log")


class EmailSender:
    """Sends plain-text UTF-8 e-mail through one SMTP server, one connection per message."""

    def __init__(self, host: str, port: int, sender: str, *, starttls: bool = False, user: str = "",
                 password: str = "", timeout: float = 10.0):
        self.host, self.port, self.sender, self.starttls = host, port, sender, starttls
        self.user, self._password, self.timeout = user, password, timeout

    def send(self, to: str, subject: str, body: str, *, date: datetime) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Date"] = format_datetime(date)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip("> ") or None)
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self._password)
            smtp.send_message(message)


def email_sender_from(settings: Settings) -> EmailSender | None:
    """The SMTP sender of settings; None when smtp_host is empty (e-mail then stays pending)."""
    if not settings.smtp_host:
        return None
    return EmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                       starttls=settings.smtp_starttls, user=settings.smtp_user, password=settings.smtp_password)


def queue_notification(session: Session, *, dossier: Dossier, kind: str, subject: str, body: str,
                       now: datetime) -> list[Notification]:
    """One pending row per channel the applicant gave (e-mail, phone); the SMS carries the body's first paragraph."""
    applicant = dossier.applicant or {}
    rows = []
    if (email := (applicant.get("email") or "").strip()):
        rows.append(Notification(channel="email", recipient=email, body=body))
    if (phone := (applicant.get("phone") or "").strip()):
        rows.append(Notification(channel="sms", recipient=phone, body=sms_text(body)))
    for row in rows:
        row.dossier_id, row.kind, row.subject, row.created_at = dossier.id, kind, subject[:255], now
        row.state, row.attempts = "pending", 0
    session.add_all(rows)
    session.flush()
    return rows


def sms_text(body: str) -> str:
    """A body's first paragraph, cut to what a multi-part SMS carries."""
    return _clip(" ".join(body.strip().split("\n\n", 1)[0].split()), SMS_MAX_CHARS)


def render(kind: str, dossier: Dossier, **values) -> tuple[str, str]:
    """(subject, body) of a citizen notice; the body's first paragraph is a summary that stands alone as an SMS."""
    template = TEMPLATES.get(kind)
    if template is None:
        raise ValueError(f"unknown notification kind {kind!r}; known: {', '.join(TEMPLATES)}")
    subject, summary, details = template(dossier, **values)
    name = (dossier.applicant or {}).get("name", "")
    return subject, f"{summary}\n\nKính gửi ông/bà {name},\n\n{details}\n"


def _receipt(dossier: Dossier) -> tuple[str, str, str]:
    code, due = dossier.code, _when(dossier.due_at)
    return (
        f"Giấy tiếp nhận hồ sơ và hẹn trả kết quả - hồ sơ {code}",
        f"Hồ sơ {code} ({_clip(dossier.procedure.name, 80)}) đã được tiếp nhận. Hẹn trả kết quả: {due}.",
        f"{dossier.receiving_unit.name} đã tiếp nhận hồ sơ của ông/bà.\n"
        f"Mã hồ sơ: {code}\nNội dung yêu cầu giải quyết: {dossier.procedure.name}\n"
        f"Thời gian nhận hồ sơ: {_when(dossier.received_at)}\nThời gian hẹn trả kết quả: {due}\n\n"
        "Ông/bà dùng mã hồ sơ để tra cứu tình trạng giải quyết hồ sơ.",
    )


def _supplement(dossier: Dossier, *, missing: list[str] | str, reason: str) -> tuple[str, str, str]:
    items = [missing] if isinstance(missing, str) else list(missing)
    code = dossier.code
    return (
        f"Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ - hồ sơ {code}",
        f"Hồ sơ {code} cần bổ sung, hoàn thiện: {'; '.join(items)}. Lý do: {reason}",
        f"Qua xem xét, hồ sơ {code} ({dossier.procedure.name}) chưa đầy đủ, hợp lệ. "
        "Đề nghị ông/bà bổ sung, hoàn thiện hồ sơ gồm:\n"
        + "".join(f"- {item}\n" for item in items)
        + f"Lý do: {reason}\n\nThời gian bổ sung, hoàn thiện hồ sơ không tính vào thời hạn giải quyết.",
    )


def _apology(dossier: Dossier, *, reason: str, new_due_at: datetime,
             original_due_at: datetime | None = None) -> tuple[str, str, str]:
    code, new = dossier.code, _when(new_due_at)
    original = _when(original_due_at or dossier.due_at)
    return (
        f"Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết - hồ sơ {code}",
        f"Hồ sơ {code} không thể trả kết quả đúng hẹn {original}. Thành thật xin lỗi ông/bà. "
        f"Thời gian hẹn trả kết quả lại: {new}.",
        f"Ngày {_when(dossier.received_at)[:10]}, {dossier.receiving_unit.name} đã tiếp nhận hồ sơ {code} "
        f"của ông/bà ({dossier.procedure.name}), hẹn trả kết quả lúc {original}.\n"
        f"Hồ sơ không thể giải quyết xong đúng thời hạn đã hẹn.\nLý do: {reason}\n\n"
        f"{dossier.deciding_unit.name} thành thật xin lỗi ông/bà vì sự chậm trễ này "
        f"và đề nghị gia hạn thời gian giải quyết.\nThời gian hẹn trả kết quả lại: {new}",
    )


def _result_ready(dossier: Dossier, *, place: str | None = None) -> tuple[str, str, str]:
    code, place = dossier.code, place or dossier.receiving_unit.name
    return (
        f"Kết quả giải quyết hồ sơ {code} đã sẵn sàng",
        f"Kết quả giải quyết hồ sơ {code} đã sẵn sàng. Mời ông/bà đến nhận tại {_clip(place, 120)}.",
        f"Hồ sơ {code} ({dossier.procedure.name}) đã được giải quyết xong. "
        f"Kết quả đã sẵn sàng để trả cho ông/bà tại {place}.\n"
        "Khi đến nhận, ông/bà vui lòng mang theo giấy tờ tùy thân và Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
    )


TEMPLATES = {"receipt": _receipt, "supplement": _supplement, "apology": _apology, "result_ready": _result_ready}


def _when(instant: datetime) -> str:
    return instant.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def send_pending_notifications(factory: sessionmaker[Session], now: datetime, email_sender: EmailSender | None,
                               sms_adapter: SmsAdapter | None, max_attempts: int, limit: int = 100) -> int:
    """Send pending notifications oldest first, one transaction each; returns how many were sent.

    A channel without a sender is left pending; a failed send is counted and retried on a later sweep
    until `max_attempts`, and never stops the others. Locked rows (another worker) are skipped.
    """
    senders = {"email": email_sender, "sms": sms_adapter}
    channels = [channel for channel, sender in senders.items() if sender is not None]
    sent, tried = 0, set()
    while channels and len(tried) < limit:
        with unit_of_work(factory) as session:
            notification = _claim_pending(session, channels, tried, now)
            if notification is None:
                break
            tried.add(notification.id)
            try:
                _deliver(notification, senders, now)
            except Exception as exc:  # any gateway error: count it and go on with the next notification
                _record_failure(session, notification, exc, now, max_attempts)
                continue
            notification.state, notification.sent_at = "sent", now
            record_event(session, action="notification_sent", at=now, dossier_id=notification.dossier_id,
                         detail=_detail(notification))
            sent += 1
    return sent


def _claim_pending(session: Session, channels: list[str], skip: set[int], now: datetime) -> Notification | None:
    statement = (
        select(Notification)
        .where(Notification.state == "pending", Notification.channel.in_(channels))
        .where((Notification.next_attempt_at.is_(None)) | (Notification.next_attempt_at <= now))
        .order_by(Notification.created_at, Notification.id)
        .limit(1)
    )
    if skip:
        statement = statement.where(Notification.id.not_in(skip))
    if is_postgresql(session):
        statement = statement.with_for_update(skip_locked=True)
    return session.scalar(statement)


def _deliver(notification: Notification, senders: dict, now: datetime) -> None:
    if notification.channel == "email":
        senders["email"].send(notification.recipient, notification.subject, notification.body, date=now)
    else:
        senders["sms"].send(notification.recipient, notification.body)


def _record_failure(session: Session, notification: Notification, exc: Exception, now: datetime,
                    max_attempts: int) -> None:
    notification.attempts += 1
    notification.last_error = _clip(f"{type(exc).__name__}: {exc}", 1000)
    log.warning("%s notification %s failed (attempt %d of %d): %s", notification.channel, notification.id,
                notification.attempts, max_attempts, notification.last_error)
    # back off 1, 2, 4, 8… minutes so a short gateway outage does not use up every attempt
    notification.next_attempt_at = now + timedelta(minutes=2 ** (notification.attempts - 1))
    if notification.attempts >= max_attempts:
        notification.state = "failed"
        record_event(session, action="notification_failed", at=now, dossier_id=notification.dossier_id,
                     detail={**_detail(notification), "attempts": notification.attempts,
                             "error": notification.last_error})


def _detail(notification: Notification) -> dict:
    return {"notification_id": notification.id, "channel": notification.channel, "kind": notification.kind}
