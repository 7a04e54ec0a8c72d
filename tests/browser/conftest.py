"""Browser fixtures: Debian's Chromium under Playwright, a live server on a seeded database, a movable clock."""
from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from engine.org import accounts

from engine.infra import clock, migrate

from engine import demo
from engine.infra.clock import VN_TZ
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work
from engine.infra.settings import ROOT, Settings
from engine.org.calendar import forget_all_calendars

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
except ImportError:  # the suite still runs where the test extra is not installed
    sync_playwright = None
    PlaywrightError = Exception

PASSWORD = "mat-khau-thu-nghiem"
START = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)  # Monday 2 March 2026, 09:00: a working-day morning
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DESK = {"width": 1366, "height": 768}
TABLET = {"width": 1024, "height": 768}  # landscape
TABLET_PORTRAIT = {"width": 820, "height": 1180}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LIGHT_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
TIMEOUT_MS = 10_000  # a page of this app answers in milliseconds; waiting longer only hides a missing page


def chromium_executable() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="package")
def browser():
    if sync_playwright is None:
        pytest.skip("the Python package 'playwright' is not installed; browser tests skipped")
    executable = chromium_executable()
    if executable is None:
        pytest.skip("Chromium (Debian package 'chromium') is not installed; browser tests skipped")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def fixed_clock():
    """Every page reads this clock: due dates on the receipt and the dossier page are deterministic."""
    moved = clock.FixedClock(START)
    previous = clock.install(moved)
    yield moved
    clock.install(previous)


@dataclass
class LiveServer:
    url: str
    factory: object  # the sessionmaker, for reading what a test cannot see on a page (never to drive a dossier)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="package")
def live_server(tmp_path_factory, fixed_clock):
    """The real app behind a real HTTP server on a migrated SQLite database with the demo organisation."""
    from werkzeug.serving import make_server

    from webapp.app import create_app

    tmp = tmp_path_factory.mktemp("browser")
    engine = make_engine(f"sqlite:///{tmp / 'motcua.db'}")
    migrate.upgrade(engine)
    forget_all_calendars()  # unit ids of another test database may be cached
    factory = make_sessionmaker(engine)
    with pytest.MonkeyPatch.context() as patch, unit_of_work(factory) as session:
        # Light argon2 parameters for the test users: every sign-in still checks the password through the
        # login form, in milliseconds instead of a second of CPU (verification reads the parameters off the hash).
        patch.setattr(accounts, "hash_password", LIGHT_HASHER.hash)
        demo.seed_demo(session, fixed_clock.now(), PASSWORD, ROOT / "bpmn")
    # Every browser test signs its officials in on this one server from one address, dozens of times a minute:
    # the sign-in limits (tested on their own in tests/webapp and tests/production) must not decide the outcome.
    settings = Settings(instance_path=tmp / "instance", secret_key="browser-tests", embedded_worker=False,
                        sign_in_rate_limit="1000/minute", sign_in_address_rate_limit="1000/hour")
    app = create_app(settings, engine=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    requests_log = logging.getLogger("werkzeug")
    previous_level = requests_log.level
    requests_log.setLevel(logging.WARNING)  # one line per request would bury the artifacts' paths under -s
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(f"http://127.0.0.1:{server.server_port}", factory)
    app.logger.addHandler(_ErrorCollector(live.errors))
    yield live
    server.shutdown()
    thread.join(timeout=5)
    requests_log.setLevel(previous_level)
    engine.dispose()


class _ErrorCollector(logging.Handler):
    """Keeps the server's logged exceptions, so a failing page shows its traceback in the test output."""

    def __init__(self, sink: list[str]):
        super().__init__(logging.ERROR)
        self.sink = sink
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record):
        self.sink.append(self.format(record))


@pytest.fixture(scope="package")
def artifacts() -> Path:
    """The screenshots of this run only: an old failure's picture must not pass for a new one."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


@pytest.fixture
def open_desk(browser, live_server, artifacts, request):
    """Open a fresh browser context (its own cookies) for one official or citizen; closed after the test.

    On failure every open page is saved to the artifacts folder with its address, to see what the user saw.
    """
    contexts = []

    def open_context(viewport: dict | None = None, same_session_as=None):
        """A new browser window; `same_session_as` (a page) shares that page's cookies, as a second device would
        not, but without signing in again."""
        state = same_session_as.context.storage_state() if same_session_as is not None else None
        context = browser.new_context(viewport=viewport or DESK, locale="vi-VN", base_url=live_server.url,
                                      storage_state=state)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("response", lambda r: r.status >= 500 and live_server.errors.append(f"{r.status} {r.url}"))
        return page

    yield open_context
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, context in enumerate(contexts):
        for page in context.pages:
            if failed:
                _save_failure(page, f"failure-{request.node.name}-{number}.png")
        context.close()
    if failed and live_server.errors:
        print("\nserver errors:\n" + "\n".join(live_server.errors))


def _save_failure(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        print(f"\nfailure screenshot: {ARTIFACTS / name} ({page.url})")
    except PlaywrightError:
        pass


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
