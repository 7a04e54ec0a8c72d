"""A generated province for bench/reports.py: its units, procedures and three years of dossiers, with the report
counters computed while generating.

The province (the same at every size; generated from a fixed seed):
- 150 units: the provincial People's Committee (the root); 25 agencies under it (the provincial public
  administration service centre, where provincial dossiers are received; the departments after the 2025 mergers;
  the land registration office with a regional branch below it, the forest protection sub-department below the
  agriculture and environment department; police, tax, social insurance …); 4 former district-level committees
  grouping 25 communes/wards each, and 20 communes directly under the province (the two-tier model since July
  2025): 120 communes.
- 300 procedures in 33 fields: 113 commune-level ones (civil status, certification, social protection, land …),
  received and decided by the commune; 187 provincial ones received at the service centre and decided by a
  department (or the land office's branch, the forest sub-department); each with its legal time limit in working
  days (0 = same day) and its variant: mostly one-stop, some liên thông (inter_agency), some 4 tại chỗ (on_the_spot,
  short provincial procedures). Popularity is Zipf-like: a weight per field (civil status and certification lead),
  and within a field 1/k^1.1 for its k-th procedure; communes' sizes are Zipf-like too.
- Dossiers from 1 January 2024 to NOW (31 December 2026, 15:00), more each year; on working days by every channel,
  on days off only online submissions, which the desk receives in the next office hours. The online share grows
  from about a quarter to over half (≈ 40 % overall), post ≈ 5 %, the rest at the desk. Legal due dates from
  the national working-day calendar (engine.org.calendar.legal_due). Outcomes: ≈ 2 % of online submissions
  refused at intake, ≈ 2 % stopped or withdrawn, some paused for a supplement (once, or twice: late by rule), the
  processed ones mostly early or on time and ≈ 8 % late, a few stuck open for months; results handed over within
  days (some never collected), e-results and desk scans more common each year; ≈ 4 % rated by the citizen. What
  NOW finds unfinished stays open (processing, paused for a supplement or a fee, withdrawal asked) and online
  submissions not yet checked wait.
- Rows the reports and the counters read: dossier, attachment (a scan at the desk, an electronic result),
  event (each stop, with the status before it: 7 when the citizen had asked to withdraw), evaluation. No process
  instances or work items.

The counters (dossier_stat) are computed while generating, from each dossier's tally with the engine's own rules
(engine.onestop.tallies: Tally, contributions, period_keys, unit_chain) and summed in Python before a bulk insert:
what the engine would have kept dossier by dossier. At the smaller sizes (≤ --verify-up-to, 20,000) the bench
asserts that rebuild_report_counters recomputes exactly the same rows ("counters match rebuild").

Where it lives:
- period.py: the generated period (START to NOW, the report's YEAR) and its working-day calendar (Days, office
  hours);
- organisation.py: the units, the fields and their procedures, and build_province (Province: their ids);
- history.py: the dossiers day by day (generate: reception, due, outcome, hand-over, rating of each);
- counters.py: each dossier's tally and the dossier_stat rows summed from them, and verify_counters;
- load.py: the bulk writer (Sink: COPY or executemany), populate and finish_load.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.province.counters import verify_counters  # noqa: E402
from bench.province.load import finish_load, populate  # noqa: E402
from bench.province.organisation import Province  # noqa: E402
from bench.province.period import NOW, YEAR  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

__all__ = ["NOW", "PG_URL", "YEAR", "Province", "finish_load", "populate", "verify_counters"]
