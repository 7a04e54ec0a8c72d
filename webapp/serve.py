"""`motcua serve`: the web app under gunicorn, several worker processes of several threads each; the timer
worker is never run here (that is `motcua worker`)."""
from __future__ import annotations

import gc
import logging
import sys

from gunicorn.app.base import BaseApplication

from engine import Settings

log = logging.getLogger(__name__)


class MotcuaServer(BaseApplication):
    """gunicorn's master with motcua's settings instead of a gunicorn configuration file or command line.

    The app is built once in the master (preload) so a configuration error stops the start with its message
    instead of failing every worker's boot; each forked worker then opens its own database connections."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.application = None
        super().__init__()

    def load_config(self) -> None:
        for name, value in gunicorn_options(self.settings).items():
            if name in self.cfg.settings:  # e.g. control_socket_disable is known to newer releases only
                self.cfg.set(name, value)

    def load(self):
        if self.application is None:
            from .app import create_app

            self.application = create_app(self.settings)
        return self.application


def gunicorn_options(settings: Settings) -> dict:
    threads = max(settings.web_threads, 1)
    return {
        "bind": [address.strip() for address in settings.web_bind.split(",") if address.strip()],
        "workers": max(settings.web_workers, 1),
        "threads": threads,
        # gthread: a pool of threads per process; idle keep-alive connections wait in a poller, holding no thread
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": settings.web_timeout,
        "graceful_timeout": settings.web_timeout,
        "keepalive": 5,
        "preload_app": True,
        "pre_fork": _before_fork,
        "post_fork": _after_fork,
        # Werkzeug's ProxyFix trusts exactly settings.proxy_hops proxies (webapp/guards.py); gunicorn trusts none
        "forwarded_allow_ips": "",
        "loglevel": settings.log_level.lower(),
        "errorlog": "-",
        "proc_name": "motcua",
        "max_requests": 20_000,  # a worker is replaced now and then, so a slow leak cannot grow for ever
        "max_requests_jitter": 2_000,
        "control_socket_disable": True,  # several servers on one host would share its one default path
    }


def _before_fork(_server, _worker) -> None:
    """The preloaded app's objects (some 300,000 the collector tracks: modules, mappers, parsed processes) are
    frozen before a worker is forked, as Python's gc documentation advises for a parent that forks. A worker's
    full collection then leaves them alone instead of walking them all (70-120 ms, every thread of the worker
    stopped) and writing to each one's header, which copied the pages the workers share into each of them."""
    gc.freeze()


def _after_fork(_server, worker) -> None:
    """A forked worker must not share the master's pooled database connections (the app was preloaded)."""
    factory = worker.app.application.extensions["motcua"]
    factory.kw["bind"].dispose(close=False)  # forget them here without closing the parent's sockets


def run(settings: Settings) -> int:
    """Build the app, check the shared rate-limit store answers, then hand over to gunicorn's master."""
    from .limits import check_storage

    server = MotcuaServer(settings)
    app = server.load()
    with app.app_context():
        if not check_storage():
            print(f"Không kết nối được nơi lưu giới hạn tần suất MOTCUA_RATELIMIT_STORAGE_URI="
                  f"{_without_password(settings.ratelimit_storage_uri)} (the rate-limit store does not answer).",
                  file=sys.stderr)
            return 1
    log.info("serving on %s: %d worker process(es) of %d thread(s)", settings.web_bind, settings.web_workers,
             settings.web_threads)
    server.run()
    return 0


def _without_password(uri: str) -> str:
    scheme, sep, rest = uri.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{'***@' if at else ''}{host}" if credentials or at else uri
