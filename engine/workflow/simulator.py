"""One dry run in memory: the real engine's steps on a simulated clock, nothing read or written mid-run."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine import spiff
from engine.infra.clock import VN_TZ
from engine.infra.errors import MotcuaError
from engine.org.calendar import budget_due, parse_budget
from engine.spiff import simulation
from engine.workflow.dry_run_parts import Decision, Outcome, Part, Setting, SimDossier, Step, apply_action, \
    condition_names, fee_sample
from engine.workflow.form_samples import field_choices, sample_errors, sample_form
from engine.workflow.helpers import helpers_for
from engine.workflow.tasks import verdict

TICK = timedelta(microseconds=1)  # SpiffWorkflow fires a timer once its due instant has passed


@dataclass(eq=False)
class Instance:
    part: Part
    workflow: object
    seen: set = field(default_factory=set)  # SpiffWorkflow task ids already on the path
    reached: set = field(default_factory=set)  # task ids whose properties were applied
    open: dict = field(default_factory=dict)  # task id -> (Step, finish instant, order)


class Simulation:
    """Runs the main part of a version, and the partner agencies' parts its messages start, event by event:
    the earliest of a step's finish (at its pace) or an armed timer comes next."""

    def __init__(self, setting: Setting, received_at: datetime, *, pace: str, data: dict, decide,
                 max_steps: int, partners: bool):
        self.setting, self.pace, self.choose = setting, pace, decide
        self.data = dict(data)  # typed answers: used the first time their step is completed
        self.max_steps, self.partners = max_steps, partners
        self.now = received_at
        due = setting.reception_due(received_at)
        self.out = Outcome(received_at, SimDossier(setting.code(received_at), received_at, due))
        self.decided: dict = {}
        self.queue: list[tuple[str, dict]] = []  # thrown messages nobody took yet
        self.instances: list[Instance] = []
        self.order = 0
        self.filled: list[tuple[dict, dict]] = []  # (form, typed data) of the steps completed, in order
        self.units_of_work = 0

    def run(self) -> Outcome:
        try:
            main = Instance(self.setting.main, spiff.new_workflow(self.setting.main.parsed, spiff.make_script_engine()))
            self.instances.append(main)
            self._unit_of_work(main, spiff.advance)
            while not spiff.is_completed(main.workflow):
                if self.units_of_work >= self.max_steps:
                    self.out.never_ends = True
                    break
                if not self._next():
                    self._stuck()
                    break
            else:
                self.out.ended_at = self.now
        except RecursionError:  # SpiffWorkflow predicts a loop with no gateway in it without end
            self.out.error = "Quy trình có vòng lặp không qua cổng rẽ nhánh nào nên không bao giờ kết thúc."
        except (spiff.EngineStepError, MotcuaError) as exc:
            self.out.error = getattr(exc, "message", str(exc))
            self.out.error_element = getattr(exc, "element", None) or getattr(exc, "details", {}).get("element")
            if self.out.error_element is None and self.out.path:
                self.out.error_element = self.out.path[-1][0]
        return self.out

    def decide(self, gateway: simulation.Gateway, natural) -> tuple[list[str], dict]:
        targets = list(self.choose(gateway, natural))
        names = {o.target: o.target_name for o in gateway.outlets}
        self.out.decisions.append(Decision(gateway.bpmn_id, gateway.name, tuple(targets),
                                           tuple(names.get(t, t) for t in targets)))
        return targets, self._patch(gateway, targets, natural)

    def _patch(self, gateway: simulation.Gateway, targets: list[str], natural) -> dict:
        """When a way out is forced, the form answers that lead there: one field of a form filled earlier on
        the path (the latest first) set to each of its choices until the conditions agree."""
        try:
            if sorted(natural()) == sorted(targets):
                return {}
        except Exception:  # noqa: BLE001 - the data does not fit this way; look for data that does
            pass
        names = condition_names(gateway)
        today = self.now.astimezone(VN_TZ).date()
        for form, typed in reversed(self.filled):
            for name in names:
                for value in field_choices(form, name):
                    patch = sample_form(form, today, {**typed, name: value})
                    try:
                        if sorted(natural(patch)) == sorted(targets):
                            return patch
                    except Exception:  # noqa: BLE001 - not this value
                        continue
        return {}

    def _next(self) -> bool:
        """Take the next event; False when nothing can happen any more."""
        if self._deliver_queued() or self._sample_reply(alone=True):
            return True
        timer = None if self.out.dossier.paused_at is not None else min(
            ((due, inst) for inst in self._running() for _, _, due in simulation.timer_elements(inst.workflow)),
            key=lambda t: t[0], default=None)
        task = min(((finish, order, inst, task_id) for inst in self._running()
                    for task_id, (_, finish, order) in inst.open.items()), key=lambda t: t[:2], default=None)
        if timer is not None and (task is None or timer[0] < task[0]):
            self.now = max(self.now, timer[0] + TICK)
            self._fire(timer[1])
            return True
        if task is not None:
            self.now = max(self.now, task[0])
            self._complete(task[2], task[3])
            return True
        return self._sample_reply()

    def _running(self):
        return [inst for inst in self.instances if not spiff.is_completed(inst.workflow)]

    def _fire(self, inst: Instance) -> None:
        for bpmn_id, name, due in simulation.timer_elements(inst.workflow):
            if due < self.now:
                self.out.steps.append(Step("timer", bpmn_id, name, inst.part.label, None, inst.part.unit.name,
                                           due, None, due))
        self._unit_of_work(inst, spiff.fire_timers)

    def _complete(self, inst: Instance, task_id: str) -> None:
        step, _, _ = inst.open.pop(task_id)
        form = inst.part.forms.get(step.form) if step.form else None
        typed = self.data.pop(step.element, None)
        fee = fee_sample(form, self.out.dossier)  # the fee step: the assessed fee, a sample receipt number
        data = {**self._sample(form), **fee, **(typed or {})}
        errors = self._errors(form, data)
        if set(errors) & set(fee):  # the form wants them otherwise: its own sample values then
            data = {**self._sample(form), **(typed or {})}
            errors = self._errors(form, data)
        if errors:
            text = "; ".join(f"{k}: {' '.join(v)}" for k, v in sorted(errors.items()))
            if typed:
                raise _Refused(f"Dữ liệu nhập cho bước {step.name} chưa hợp lệ: {text}", step.element)
            self.out.notes.append(f"Dữ liệu sinh tự động cho bước {step.name} chưa khớp biểu mẫu: {text}")
        if form:
            self.filled.append((form, typed or {}))
        step.finished_at = self.now
        step.verdict = verdict(step.due_at, self.now)
        self._unit_of_work(inst, spiff.complete_user_task, task_id, data)

    def _sample(self, form: dict | None) -> dict:
        """The generated answers of a form for the run's day (made once per form and day for every path)."""
        key = (id(form), self.now.astimezone(VN_TZ).date())
        if key not in self.setting.samples:
            self.setting.samples[key] = (form, sample_form(form, key[1]))
        return dict(self.setting.samples[key][1])

    def _errors(self, form: dict | None, data: dict) -> dict:
        key = (id(form), repr(sorted(data.items())))
        if key not in self.setting.checked:
            self.setting.checked[key] = (form, sample_errors(form, data))
        return self.setting.checked[key][1]

    def _deliver_queued(self) -> bool:
        for i, (name, event) in enumerate(self.queue):
            receiver = next((inst for inst in self._running() if name in spiff.waiting_message_names(inst.workflow)),
                            None)
            if receiver is not None:
                del self.queue[i]
                self._received(receiver, name, "")
                self._unit_of_work(receiver, spiff.deliver, event)
                return True
        return False

    def _sample_reply(self, alone: bool = False) -> bool:
        """A message waited for that no partner part of this run can send (`alone`), or any once nothing else
        can happen, is answered with sample data as a partner agency would answer it."""
        running = self._running()
        for inst in running:
            if alone and len(running) > 1:
                break
            names = spiff.waiting_message_names(inst.workflow)
            if names:
                self._received(inst, names[0], "Thông điệp mẫu thay cho cơ quan phối hợp (không có quy trình "
                                                "nào trong danh mục gửi thông điệp này khi chạy thử).")
                self._unit_of_work(inst, simulation.deliver_sample, names[0], self.out.dossier.code)
                return True
        return False

    def _received(self, inst: Instance, name: str, note: str) -> None:
        self.out.steps.append(Step("received", name, f"Nhận từ cơ quan phối hợp: {name}", inst.part.label, None,
                                   inst.part.unit.name, self.now, None, self.now, note=note))

    def _stuck(self) -> None:
        if self.out.dossier.paused_at is not None:
            self.out.error = "Hồ sơ dừng ở trạng thái tạm dừng tính thời gian và không còn bước nào tiếp tục."
        else:
            self.out.error = "Quy trình dừng lại khi chưa kết thúc: không còn bước, hẹn giờ hay thông điệp nào."
        self.out.error_element = self.out.path[-1][0] if self.out.path else None

    def _unit_of_work(self, inst: Instance, step, *args) -> None:
        """One unit of work as the runtime does it: fresh helpers, the engine step, then the projection."""
        self.units_of_work += 1
        dossier = self.out.dossier
        helpers = helpers_for(lambda: self.setting.main.unit.calendar, self.now, dossier.due_at, dossier.code,
                              dossier.status)
        simulation.use_engine(inst.workflow, simulation.SimulationEngine(helpers, self.decide, self.decided))
        step(inst.workflow, self.now, *args)
        self._project(inst)

    def _project(self, inst: Instance) -> None:
        for event in spiff.drain_events(inst.workflow):
            self._sent(inst, event)
        for bpmn_id, name, _ in simulation.completed_elements(inst.workflow, inst.seen):
            self.out.path.append((bpmn_id, name))
        inst.reached, reached = spiff.reached_properties(inst.workflow, inst.reached)
        for props, data in reached:
            if props.get("dossier_action"):
                note = apply_action(self.setting, self.out.dossier, props, data, self.now, self._shift)
                self.out.steps.append(Step("action", props["dossier_action"], note, inst.part.label, None,
                                           inst.part.unit.name, self.now, None, self.now))
            else:
                self.out.dossier.apply_status(props.get("dossier_status"), self.now)
        ready = {task.task_id: task for task in spiff.ready_user_tasks(inst.workflow)}
        for gone in set(inst.open) - set(ready):  # an interrupting timer or an end took it away
            step = inst.open.pop(gone)[0]
            step.note = "Bị hủy trước khi hoàn thành (hẹn giờ ngắt hoặc quy trình kết thúc)."
        for task_id, task in ready.items():
            if task_id not in inst.open:
                self._open(inst, task_id, task)

    def _open(self, inst: Instance, task_id: str, task) -> None:
        props = task.properties
        unit = inst.part.unit_for(task.lane, props.get("unit"))
        budget = props.get("step_budget")
        due = budget_due(unit.calendar, self.now, budget) if budget and parse_budget(budget)[0] > 0 else None
        step = Step("task", task.bpmn_id, task.name, inst.part.label, task.lane, unit.name, self.now, due, None,
                    form=props.get("formJsonSchemaFilename"))
        self.out.steps.append(step)
        finish = due if self.pace == "budget" and due is not None else self.now
        self.order += 1
        inst.open[task_id] = (step, finish, self.order)
        self.out.dossier.apply_status(props.get("dossier_status"), self.now)

    def _sent(self, inst: Instance, event: dict) -> None:
        name = event["event_definition"]["name"]
        self.out.steps.append(Step("sent", name, f"Gửi cơ quan phối hợp: {name}", inst.part.label, None,
                                   inst.part.unit.name, self.now, None, self.now))
        waiting = [i for i in self._running() if i is not inst and name in spiff.waiting_message_names(i.workflow)]
        if waiting:
            self.queue.append((name, event))
            return
        partner = self.setting.partner_for(name) if self.partners else None
        if partner is None:
            self.queue.append((name, event))
            return
        started = Instance(partner, spiff.new_workflow(partner.parsed, spiff.make_script_engine()))
        self.instances.append(started)
        self._unit_of_work(started, spiff.advance)
        self._received(started, name, "")
        self._unit_of_work(started, spiff.deliver, event)

    def _shift(self, move) -> None:
        """The due date moved (a restart after a pause): every waiting timer moves with it."""
        for inst in self._running():
            spiff.shift_timers(inst.workflow, move)


class _Refused(MotcuaError):
    def __init__(self, message: str, element: str):
        super().__init__(message, element=element)
        self.element = element
