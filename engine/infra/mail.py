"""Transports for citizen notices: an SMTP e-mail sender and SMS gateway adapters, built from settings."""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol

from engine.infra.settings import Settings

log = logging.getLogger(__name__)


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
