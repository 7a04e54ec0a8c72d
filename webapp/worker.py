"""The timer sweep loop, run by `motcua worker` in the foreground or in a daemon thread of `motcua run`."""
from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from engine import clock, fire_due_timers

log = logging.getLogger(__name__)


def sweep(factory: sessionmaker[Session]) -> int:
    """Fire every timer due now; returns how many fired."""
    return fire_due_timers(factory, clock.now())


def run_loop(factory: sessionmaker[Session], interval: float, stop: threading.Event) -> None:
    """Sweep every `interval` seconds until `stop` is set; a failing sweep is logged and retried."""
    while not stop.is_set():
        try:
            fired = sweep(factory)
            if fired:
                log.info("fired %d due timer(s)", fired)
        except Exception:
            log.exception("timer sweep failed; retrying in %.1f s", interval)
        stop.wait(interval)


def start_thread(factory: sessionmaker[Session], interval: float) -> tuple[threading.Thread, threading.Event]:
    """The embedded worker of `motcua run`; set the event and join the thread to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_loop, args=(factory, interval, stop), name="motcua-worker", daemon=True)
    thread.start()
    return thread, stop
