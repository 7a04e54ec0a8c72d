"""Saving workflow states from several threads at once: each thread reads back exactly what it saved."""
from __future__ import annotations

import json
import sys
import threading
from datetime import datetime

from engine import spiff
from engine.infra.clock import VN_TZ
from engine.spiff.workflow import REGISTRY
from tests.bpmn_builder import linear_user_tasks

THREADS = 6  # five savers and one message converter
ROUNDS = 150


def test_states_saved_from_several_threads_at_once_read_back_correctly():
    parsed = spiff.parse_version({"p.bpmn": linear_user_tasks("tthc_threads", 3)}, "tthc_threads")
    now = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)
    failures: list[str] = []
    start = threading.Barrier(THREADS + 1)

    def saver(n: int) -> None:
        workflow = spiff.new_workflow(parsed, spiff.make_script_engine())
        spiff.advance(workflow, now)
        expected = {"nguoi": f"Người {n}", "so": n, "luc": datetime(2026, 3, n + 1, 9, 0, tzinfo=VN_TZ)}
        spiff.complete_user_task(workflow, now, spiff.ready_user_tasks(workflow)[0].task_id, expected)
        start.wait()
        for _ in range(ROUNDS):
            state = spiff.dump(workflow)
            loaded = spiff.load(state, parsed, spiff.make_script_engine())
            [ready] = spiff.ready_user_tasks(loaded)
            data = {key: value for key, value in _task_data(loaded, ready.task_id).items() if key in expected}
            if data != expected:
                failures.append(f"thread {n}: {data!r}")
                return

    def converter() -> None:
        """What a message's payload goes through: fully converted, whatever the savers are doing."""
        payload = {"luc": datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ), "ma": "X"}
        start.wait()
        for _ in range(ROUNDS * 20):
            try:
                json.dumps(REGISTRY.convert(payload))
            except TypeError as exc:
                failures.append(f"message conversion: {exc}")
                return

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so the savers really interleave
    try:
        threads = [threading.Thread(target=saver, args=(n,)) for n in range(THREADS - 1)]
        threads.append(threading.Thread(target=converter))
        for thread in threads:
            thread.start()
        start.wait()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sys.setswitchinterval(previous)
    assert failures == []


def _task_data(workflow, task_id: str) -> dict:
    from uuid import UUID

    return workflow.get_task_from_id(UUID(task_id)).data


def test_a_state_holds_what_only_the_standard_json_library_writes():
    """States are written by orjson and read back by it; what it cannot write (an integer beyond 64 bits, a
    key that is not text) or read (NaN, an infinity) goes through the standard library, as before."""
    parsed = spiff.parse_version({"p.bpmn": linear_user_tasks("tthc_json", 2)}, "tthc_json")
    now = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)
    workflow = spiff.new_workflow(parsed, spiff.make_script_engine())
    spiff.advance(workflow, now)
    unusual = {"lon": 2 ** 70, "khoa_so": {3: "ba"}, "luc": datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ),
               "chu": "Trường \u2028 \"ngoặc\" \\ \n", "so": [1.5, -0.0, 10 ** 16 + 0.5]}
    task_id = spiff.ready_user_tasks(workflow)[0].task_id
    spiff.complete_user_task(workflow, now, task_id, unusual)
    state = spiff.dump(workflow)
    loaded = spiff.load(state, parsed, spiff.make_script_engine())
    [ready] = spiff.ready_user_tasks(loaded)
    data = _task_data(loaded, ready.task_id)
    assert {key: data[key] for key in unusual} == {**unusual, "khoa_so": {"3": "ba"}}  # JSON keys are text
    assert isinstance(data["luc"], datetime)
    odd = state.replace('"lon":1180591620717411303424', '"lon":NaN', 1)  # a state an older release wrote
    assert odd != state
    again = spiff.load(odd, parsed, spiff.make_script_engine())
    value = _task_data(again, spiff.ready_user_tasks(again)[0].task_id)["lon"]
    assert value != value  # NaN, read as the standard library reads it
