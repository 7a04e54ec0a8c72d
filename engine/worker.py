"""The worker loop: the sweeps of liên thông messages, timers, scheduled version activations, then
notifications, run by `motcua worker` or in a thread of `motcua run`."""
from __future__ import annotations

import functools
import logging
import threading
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from engine.infra import clock
from engine.infra.settings import Settings
from engine.infra.mail import email_sender_from, sms_adapter_from
from engine.onestop.notices import send_pending_notifications
from engine.workflow.messages import deliver_pending_messages
from engine.workflow.timers import fire_due_timers
from engine.workflow.versions import activate_due_versions

log = logging.getLogger(__name__)

Notify = Callable[[sessionmaker[Session], datetime], int]


def notifier(settings: Settings) -> Notify:
    """The notification sweep with its e-mail and SMS senders built once from settings."""
    return functools.partial(send_pending_notifications,
                             email_sender=email_sender_from(settings),
                             sms_adapter=sms_adapter_from(settings),
                             max_attempts=settings.notification_max_attempts)


def sweep(factory: sessionmaker[Session], notify: Notify | None = None) -> int:
    """Deliver queued liên thông messages, fire every timer due now, then send pending notifications when
    given a notifier; returns timers fired."""
    delivered = deliver_pending_messages(factory, clock.now())
    if delivered:
        log.info("delivered %d message(s)", delivered)
    fired = fire_due_timers(factory, clock.now())
    activated = activate_due_versions(factory, clock.now())
    if activated:
        log.info("activated %d scheduled version(s)", activated)
    if notify is not None:
        sent = notify(factory, clock.now())
        if sent:
            log.info("sent %d notification(s)", sent)
    return fired


def run_loop(factory: sessionmaker[Session], interval: float, stop: threading.Event,
             notify: Notify | None = None) -> None:
    """Sweep every `interval` seconds until `stop` is set; a failing sweep is logged and retried."""
    while not stop.is_set():
        try:
            fired = sweep(factory, notify) if notify is not None else sweep(factory)
            if fired:
                log.info("fired %d due timer(s)", fired)
        except Exception:
            log.exception("timer sweep failed; retrying in %.1f s", interval)
        stop.wait(interval)


def start_thread(factory: sessionmaker[Session], interval: float,
                 notify: Notify | None = None) -> tuple[threading.Thread, threading.Event]:
    """The embedded worker of `motcua run`; set the event and join the thread to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_loop, args=(factory, interval, stop, notify), name="motcua-worker",
                              daemon=True)
    thread.start()
    return thread, stop
