"""A procedure folder as one zip (procedure.toml, *.bpmn, forms/*.json): read safely, written back the same way."""
from __future__ import annotations

import io
import json
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import tomli_w

from engine.infra.errors import ValidationFailed
from engine.models import ProcessVersion
from engine.workflow.findings import ERROR, Finding
from engine.workflow.sources import COMMON_FOLDER, SourceError, decode, load_json, load_toml

MAX_FILES = 200
MAX_UNPACKED_BYTES = 20_000_000
FIELD = "package"


@dataclass(frozen=True)
class Package:
    """The contents of a procedure folder: its procedure.toml as data, BPMN files and forms by name."""

    meta: dict
    files: dict[str, str]
    forms: dict[str, dict]


def read_package(data: bytes, common_files: dict[str, str] | None = None,
                 common_forms: dict[str, dict] | None = None) -> Package:
    """The folder in a zip, checked before anything is unpacked: no more than MAX_FILES entries and
    MAX_UNPACKED_BYTES, no absolute or `..` paths, no links, UTF-8 text only. The shared sub-processes and
    forms of the install (bpmn/common) are added as for a bundled folder. Every problem is reported at once."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValidationFailed("Tệp tải lên không phải tệp nén .zip hợp lệ.",
                               {FIELD: ["Hãy nén thư mục thủ tục (procedure.toml, *.bpmn, forms/) thành .zip."]}) \
            from None
    problems = _layout_problems(entries)
    if problems:
        raise ValidationFailed("Tệp nén không được nhận.", {FIELD: problems})
    prefix = _common_prefix([info.filename for info in entries])
    meta, files, forms, problems = {}, {}, {}, []  # problems: (file, message, message without the file)
    names = set()
    for info in sorted(entries, key=lambda entry: entry.filename):
        name = info.filename[len(prefix):]
        path, where = PurePosixPath(name), name
        names.add(name)
        try:
            if name == "procedure.toml":
                meta = load_toml(decode(_read_bounded(archive, info), name), name)
            elif len(path.parts) == 1 and path.suffix == ".bpmn":
                files[name] = decode(_read_bounded(archive, info), name)
            elif len(path.parts) == 2 and path.parts[0] == "forms" and path.suffix == ".json":
                where = path.name
                forms[path.name] = load_json(decode(_read_bounded(archive, info), name), name)
            else:
                text = f"{name}: không thuộc cấu trúc thư mục thủ tục (procedure.toml, *.bpmn, forms/*.json)."
                problems.append((None, text, text))
        except SourceError as exc:
            problems.append((where, f"{exc}.", f"{str(exc).removeprefix(f'{name}: ')}."))
    if "procedure.toml" not in names:
        problems.append(("procedure.toml", *["Thiếu procedure.toml ở gốc thư mục."] * 2))
    if not files and not any(name.endswith(".bpmn") for name in names):
        problems.append((None, *["Không có tệp .bpmn nào ở gốc thư mục."] * 2))
    if problems:
        raise ValidationFailed("Tệp nén không được nhận.", {FIELD: [full for _, full, _ in problems]},
                               findings=[Finding(ERROR, bare, file).as_dict() for file, _, bare in problems])
    for name, xml in (common_files or {}).items():
        files.setdefault(f"{COMMON_FOLDER}/{name}", xml)
    for name, document in (common_forms or {}).items():
        forms.setdefault(name, document)
    return Package(meta, files, forms)


def common_parts(bpmn_path: Path) -> tuple[dict[str, str], dict[str, dict]]:
    """The install's shared sub-processes and their forms (bpmn/common), which every procedure may call."""
    folder = Path(bpmn_path) / COMMON_FOLDER
    if not folder.is_dir():
        return {}, {}
    files = {p.name: decode(p.read_bytes(), p.name) for p in sorted(folder.glob("*.bpmn"))}
    forms = {p.name: load_json(decode(p.read_bytes(), p.name), p.name)
             for p in sorted((folder / "forms").glob("*.json"))}
    return files, forms


def write_package(version: ProcessVersion, slug: str) -> bytes:
    """The version as the zip `read_package` reads (the layout of bpmn/<slug>/; shared files stay out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{slug}/procedure.toml", tomli_w.dumps(version.meta))
        for name, xml in sorted(version.files.items()):
            if not name.startswith(f"{COMMON_FOLDER}/"):
                archive.writestr(f"{slug}/{name}", xml)
        for name, document in sorted(version.forms.items()):
            archive.writestr(f"{slug}/forms/{name}", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return buffer.getvalue()


def _layout_problems(entries: list[zipfile.ZipInfo]) -> list[str]:
    problems = []
    if len(entries) > MAX_FILES:
        problems.append(f"Tệp nén có {len(entries)} tệp, nhiều hơn giới hạn {MAX_FILES}.")
    if sum(info.file_size for info in entries) > MAX_UNPACKED_BYTES:
        problems.append(f"Tệp nén khi giải nén vượt quá {MAX_UNPACKED_BYTES // 1_000_000} MB.")
    for info in entries:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in info.filename or "\x00" in info.filename:
            problems.append(f"{info.filename}: đường dẫn không được phép.")
        elif stat.S_ISLNK(info.external_attr >> 16):
            problems.append(f"{info.filename}: liên kết (symlink) không được phép.")
    return problems


def _common_prefix(names: list[str]) -> str:
    """'<slug>/' when the whole folder was zipped (as the export does), '' when its contents were."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return tops.pop() + "/"
    return ""


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """An entry's bytes, never more than its header declares (a lying header cannot inflate past the limit)."""
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):  # damaged, unsupported, encrypted
        raise ValidationFailed("Tệp nén không được nhận.", {FIELD: [f"{info.filename}: không đọc được."]}) from None
    if len(data) > info.file_size:
        raise ValidationFailed("Tệp nén không được nhận.", {FIELD: [f"{info.filename}: kích thước không khớp."]})
    return data
