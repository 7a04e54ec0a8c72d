"""BPMN files from other tools (tests/corpus) either load and then receive a dossier without failing, or are
refused with findings that name the element or the file: a loaded version never fails at reception."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engine import receive_dossier
from engine.infra.db import unit_of_work
from engine.infra.errors import InvalidProcess
from engine.workflow.catalog import load_procedure

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
APPLICANT = {"name": "Hoàng Văn Dũng", "id_number": "001085012345", "phone": "0912345678",
             "address": "Số 12 phố Hàng Bạc"}
_PROCESS = re.compile(r"<(?:\w+:)?process\b[^>]*?\bid=\"([^\"]+)\"[^>]*>", re.S)


@dataclass
class Outcome:
    origin: str
    item: str
    loaded: bool = False
    findings: list = field(default_factory=list)  # the errors of a refusal
    reception_error: str | None = None

    @property
    def names_element(self) -> bool:
        return any(f.element for f in self.findings)

    @property
    def names_file(self) -> bool:
        return any(f.element or f.file for f in self.findings)


def corpus_items() -> list[tuple[str, Path]]:
    """(origin, item): an item is one .bpmn file, or a folder of a model's .bpmn files and JSON forms."""
    items = []
    for origin in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        items += [(origin.name, p) for p in sorted(origin.iterdir()) if p.suffix == ".bpmn" or p.is_dir()]
    return items


def procedure_folder(root: Path, origin: str, item: Path) -> Path:
    """The item as a procedure folder: its BPMN files, its forms, and a procedure.toml naming the model's primary
    process (SpiffArena's process_model.json) or the first process, made executable."""
    bpmn = sorted(item.glob("*.bpmn")) if item.is_dir() else [item]
    model = item / "process_model.json"
    primary = json.loads(model.read_text(encoding="utf-8")).get("primary_process_id") if model.is_file() else None
    slug = re.sub(r"[^a-z0-9]+", "-", f"{origin}-{item.stem}".lower()).strip("-")
    folder = root / slug
    (folder / "forms").mkdir(parents=True)
    process_id = primary
    for path in bpmn:
        xml = path.read_bytes().decode("utf-8")
        ids = _PROCESS.findall(xml)
        if process_id is None and ids:
            process_id = ids[0]
        (folder / path.name).write_text(_executable(xml, process_id), encoding="utf-8")
    if item.is_dir():
        for form in item.glob("*.json"):
            if form.name != "process_model.json":
                (folder / "forms" / form.name).write_bytes(form.read_bytes())
    meta = {"code": f"CORPUS.{slug}", "name": f"Mẫu ngoài {origin} {item.stem}", "process_id": process_id or "none",
            "time_limit": 30, "deciding_unit": "000.21.01.H99"}
    (folder / "procedure.toml").write_text("".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                                   for k, v in meta.items()), encoding="utf-8")
    return folder


def _executable(xml: str, process_id: str | None) -> str:
    """Mark the chosen process executable (several tools export isExecutable="false" by default)."""
    def mark(match: re.Match) -> str:
        tag = match.group(0)
        if match.group(1) != process_id:
            return tag
        if "isExecutable=" in tag:
            return re.sub(r'isExecutable="[^"]*"', 'isExecutable="true"', tag)
        return tag[:-1].rstrip("/") + ' isExecutable="true"' + ("/>" if tag.endswith("/>") else ">")
    return _PROCESS.sub(mark, xml)


def run_item(factory, org, now, root: Path, origin: str, item: Path) -> Outcome:
    outcome = Outcome(origin, item.name)
    folder = procedure_folder(root, origin, item)
    try:
        with unit_of_work(factory) as s:
            load_procedure(s, folder, None, now)
    except InvalidProcess as exc:
        outcome.findings = list(getattr(exc, "findings", None) or [exc])
        return outcome
    outcome.loaded = True
    try:
        with unit_of_work(factory) as s:
            receive_dossier(s, procedure_code=folder.name, applicant=APPLICANT, channel="direct", received_at=now,
                            receiving_unit_code="000.00.01.H99", actor_id=org["motcua.tinh"], now=now)
    except Exception as exc:  # noqa: BLE001 - any failure at reception is what this test counts
        outcome.reception_error = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
    return outcome


def _kind(message: str) -> str:
    """A finding's message without the element it names, to count findings of one kind together."""
    message = re.sub(r"(công việc|phần tử|hoạt động gọi|nhánh) \S+( \([^)]*\))?", r"\1 …", message)
    return re.sub(r"'[^']*'|\(dòng \d+\)|tệp \S+", "…", message)[:90]


def summary(outcomes: list[Outcome]) -> str:
    lines = [f"{'origin':<22} {'files':>5} {'loaded':>6} {'refused':>7} {'naming element':>14} "
             f"{'naming file':>11} {'failed at reception':>19}"]
    for origin in sorted({o.origin for o in outcomes}):
        mine = [o for o in outcomes if o.origin == origin]
        refused = [o for o in mine if not o.loaded]
        named = sum(o.names_element for o in refused)
        lines.append(f"{origin:<22} {len(mine):>5} {sum(o.loaded for o in mine):>6} {len(refused):>7} "
                     f"{f'{named}/{len(refused)}':>14} {f'{sum(o.names_file for o in refused)}/{len(refused)}':>11} "
                     f"{sum(o.reception_error is not None for o in mine):>19}")
    return "\n".join(lines)


def test_no_foreign_file_loads_and_then_fails_at_reception(tmp_path, factory, org, now, capsys):
    outcomes = [run_item(factory, org, now, tmp_path, origin, item) for origin, item in corpus_items()]
    with capsys.disabled():
        print("\n" + summary(outcomes))
        reasons = Counter(_kind(f.message) for o in outcomes for f in o.findings if f.is_error)
        print("errors by kind (every finding of every refusal):")
        for reason, n in reasons.most_common(15):
            print(f"  {n:>3}  {reason}")
    assert len(outcomes) >= 50
    assert [(o.origin, o.item, o.reception_error) for o in outcomes if o.reception_error] == []
    assert [(o.origin, o.item) for o in outcomes if not o.loaded and not o.names_file] == []
