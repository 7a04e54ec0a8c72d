"""bench/reports.py cannot rot: its generated province, with the counters it computes while generating, gives the
same dossier_stat rows as the engine's rebuild, and the report reads them."""
from __future__ import annotations

import shutil

from engine import periodic_report
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work

from bench import reports


def test_generated_counters_equal_rebuild(tmp_path, sqlite_template):
    path = tmp_path / "bench.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        prov, stats = reports.populate(engine, 500, seed=7)
        assert stats["dossier"] == 500 and stats["dossier_stat"] > 0
        assert reports.verify_counters(engine) == stats["dossier_stat"]
        with unit_of_work(make_sessionmaker(engine)) as session:
            report = periodic_report(session, prov.leader, prov.root, *reports.YEAR, now=reports.NOW)
        assert report.total.received_new > 100 and report.total.resolved > 100
    finally:
        engine.dispose()
