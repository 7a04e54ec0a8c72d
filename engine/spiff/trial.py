"""The trial start: a version's process started in memory as reception starts it (sandbox, helpers, timers
armed, work to project, state to store), so what would fail when a dossier arrives is refused at load."""
from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .documents import Documents, Problem
from .messages import waiting_message_names
from .parsing import ParsedVersion
from .sandbox import make_script_engine
from .workflow import (
    EngineStepError,
    _describe,
    _element,
    all_tasks,
    drain_events,
    dump,
    engine_time,
    new_workflow,
    next_timer_due,
    reached_properties,
    ready_user_tasks,
)

MAX_STEPS = 900  # engine steps before the first wait (SpiffWorkflow itself gives up near 1,000, silently)


class _Endless(Exception):
    def __init__(self, element: str | None):
        super().__init__(element)
        self.element = element


def trial_start(documents: Documents, parsed: ParsedVersion, helpers: dict, now: datetime) -> list[Problem]:
    """What starting the process would break, as one error naming the element (nothing when it reaches a
    person, a timer, a message or its end)."""
    top_file = documents.places[parsed.process_id].file if parsed.process_id in documents.places else None
    steps = 0

    def count(task) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            raise _Endless(getattr(task.task_spec, "bpmn_id", None))

    try:
        workflow = new_workflow(parsed, make_script_engine(helpers))
        with engine_time(now):
            workflow.do_engine_steps(will_complete_task=count)
        stuck = [t for t in all_tasks(workflow) if t.state == TaskState.READY and not t.task_spec.manual]
        if stuck:  # the engine stopped with work of its own left: it would sit there for ever
            raise _Endless(getattr(stuck[0].task_spec, "bpmn_id", None))
        ready_user_tasks(workflow)
        reached_properties(workflow, set())
        next_timer_due(workflow)
        waiting_message_names(workflow)
        drain_events(workflow)
        dump(workflow)
    except _Endless as exc:
        return [documents.problem(f"khi tiếp nhận hồ sơ, quy trình chạy hơn {MAX_STEPS} bước tự động mà không dừng "
                                  "ở công việc, hẹn giờ hay thông điệp nào (vòng lặp không có điểm dừng)",
                                  exc.element, top_file)]
    except EngineStepError as exc:
        return [documents.problem(f"khi tiếp nhận hồ sơ, quy trình lỗi: {exc.message}", exc.element, top_file)]
    except SpiffWorkflowException as exc:
        return [documents.problem(f"khi tiếp nhận hồ sơ, quy trình lỗi: {_describe(exc)}", _element(exc), top_file)]
    except RecursionError:
        return [documents.problem("khi tiếp nhận hồ sơ, quy trình lồng hoặc gọi nhau quá sâu (đệ quy)",
                                  parsed.process_id, top_file)]
    except Exception as exc:  # noqa: BLE001 - whatever reception would meet, the designer hears of it here
        return [documents.problem(f"khi tiếp nhận hồ sơ, quy trình lỗi: {type(exc).__name__}: {exc}",
                                  _element(exc), top_file)]
    return []
