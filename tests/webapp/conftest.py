"""Web fixtures: a fixed clock and the app with its test client on each backend's test database."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.infra import clock
from engine.infra.settings import Settings
from webapp.app import create_app


@pytest.fixture
def fixed_clock(now):
    """Web requests read the time from the engine's clock: one hour after the dossiers arrive."""
    moved = clock.FixedClock(now + timedelta(hours=1))
    previous = clock.install(moved)
    yield moved
    clock.install(previous)


@pytest.fixture
def app(db_engine, tmp_path, fixed_clock):
    settings = Settings(instance_path=tmp_path / "instance", secret_key="test", embedded_worker=False)
    return create_app(settings, engine=db_engine)


@pytest.fixture
def client(app):
    return app.test_client()

