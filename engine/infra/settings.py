"""Every setting, declared once with its default; read from MOTCUA_* variables by the entry points."""
from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "MOTCUA_"


@dataclass(frozen=True)
class Settings:
    env: str = "development"  # "production": start-up refuses unsafe defaults (see production_problems)
    instance_path: Path = ROOT / "instance"
    database_url: str = ""  # empty: a SQLite file in instance_path
    secret_key: str = ""  # empty: a random key kept in instance_path
    bpmn_path: Path = ROOT / "bpmn"
    poll_interval: float = 1.0  # seconds between worker sweeps
    session_minutes: int = 30  # idle web session lifetime
    session_max_hours: int = 12  # absolute web session lifetime from sign-in, however active the user
    max_bpmn_bytes: int = 2_000_000
    embedded_worker: bool = True  # `motcua run` also runs the worker loop
    log_level: str = "INFO"
    smtp_host: str = ""  # empty: e-mail notifications stay pending in the outbox
    smtp_port: int = 25
    smtp_sender: str = "motcua@localhost"
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    sms_adapter: str = ""  # empty: SMS notifications stay pending; "log" writes them to the log
    notification_max_attempts: int = 5
    demo_password: str = field(default="motcua-demo", repr=False)
    attachment_max_bytes: int = 20_000_000  # one scanned component (PDF, JPEG, PNG)
    upload_max_bytes: int = 60_000_000  # all files of one form post together (e.g. a reception's scans)
    storage_dir: str = ""  # attachments; empty: instance_path/attachments (one host only)
    ratelimit_storage_uri: str = "memory://"  # e.g. redis://127.0.0.1:6379 when several web processes run
    public_rate_limit: str = "20/minute"  # citizen lookups and ratings per client address
    sign_in_rate_limit: str = "10/minute"  # password attempts per address and username (page and API)
    sign_in_address_rate_limit: str = "30/hour"  # failed sign-ins per address, whatever the username
    api_token_hours: int = 8  # lifetime of an API bearer token
    proxy_hops: int = 0  # reverse proxies in front of the web app whose X-Forwarded-For is trusted
    public_base_url: str = ""  # printed in the receipt's QR code; empty: the address of the request
    secure_cookies: bool = False  # served over HTTPS: the session cookie only over HTTPS, and HSTS
    web_bind: str = "127.0.0.1:8000"  # `motcua serve`: address:port (or unix:/path) to listen on
    web_workers: int = 2  # `motcua serve`: worker processes on this host
    web_threads: int = 4  # `motcua serve`: threads per worker process
    web_timeout: int = 60  # `motcua serve`: seconds before a silent worker is restarted
    web_hosts: int = 1  # hosts running `motcua serve` against this database (declared, for the checks)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_path / 'motcua.db'}"

    @property
    def production(self) -> bool:
        return self.env.strip().lower() == "production"

    @property
    def https_only(self) -> bool:
        """The session cookie is Secure and responses carry HSTS: asked for, or always in production."""
        return self.secure_cookies or self.production

    @property
    def attachment_dir(self) -> Path:
        return Path(self.storage_dir) if self.storage_dir else Path(self.instance_path) / "attachments"

    @property
    def web_processes(self) -> int:
        """Web processes that answer requests, all hosts together."""
        return max(self.web_workers, 1) * max(self.web_hosts, 1)


def from_environ(environ: Mapping[str, str]) -> Settings:
    """Build settings from a mapping such as os.environ; unknown MOTCUA_ names are refused."""
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, object] = {}
    for key, raw in environ.items():
        if not key.startswith(PREFIX):
            continue
        name = key[len(PREFIX):].lower()
        if name.startswith("test_") or name.startswith("bench_"):
            continue  # read by the test suite and the benchmarks, not by the application
        if name not in fields:
            raise ValueError(f"unknown setting {key}; known: {', '.join(PREFIX + n.upper() for n in fields)}")
        values[name] = _convert(fields[name], raw)
    return Settings(**values)


def _convert(f: dataclasses.Field, raw: str):
    default = f.default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, Path):
        return Path(raw)
    return raw


ENVIRONMENTS = ("development", "production")
MIN_SECRET_KEY = 32


def production_problems(settings: Settings, role: str = "web") -> list[str]:
    """Why this configuration must not start in production ("web" for the server, "worker" for the worker);
    empty outside production. Each message in Vietnamese, then in English."""
    if settings.env.strip().lower() not in ENVIRONMENTS:
        return [f"MOTCUA_ENV phải là development hoặc production, không phải '{settings.env}' "
                f"(MOTCUA_ENV must be development or production)."]
    if not settings.production:
        return []
    problems = []
    if settings.effective_database_url.startswith("sqlite"):
        problems.append("Môi trường production cần PostgreSQL: đặt MOTCUA_DATABASE_URL=postgresql://… "
                        "(production needs PostgreSQL, not SQLite: set MOTCUA_DATABASE_URL).")
    if role == "web":
        problems += _web_problems(settings)
    return problems


def _web_problems(settings: Settings) -> list[str]:
    problems = []
    if not settings.secret_key:
        problems.append("Thiếu MOTCUA_SECRET_KEY: mọi máy chủ web phải dùng chung một khóa bí mật, nếu không phiên "
                        "đăng nhập và mã CSRF hỏng khi đi qua máy khác (missing MOTCUA_SECRET_KEY: every web host "
                        "must share one secret key).")
    elif len(settings.secret_key) < MIN_SECRET_KEY:
        problems.append(f"MOTCUA_SECRET_KEY quá ngắn: cần ít nhất {MIN_SECRET_KEY} ký tự ngẫu nhiên, ví dụ từ "
                        f"'python3 -c \"import secrets; print(secrets.token_hex(32))\"' (MOTCUA_SECRET_KEY is "
                        f"shorter than {MIN_SECRET_KEY} characters).")
    if settings.ratelimit_storage_uri.startswith("memory://") and settings.web_processes > 1:
        problems.append(f"Giới hạn tần suất đang lưu trong bộ nhớ từng tiến trình nhưng cấu hình có "
                        f"{settings.web_processes} tiến trình web (MOTCUA_WEB_WORKERS × MOTCUA_WEB_HOSTS): đặt "
                        f"MOTCUA_RATELIMIT_STORAGE_URI=redis://… để mọi tiến trình dùng chung (rate limits in process "
                        f"memory with {settings.web_processes} web processes: set MOTCUA_RATELIMIT_STORAGE_URI).")
    if not settings.storage_dir:
        problems.append("Thiếu MOTCUA_STORAGE_DIR: tệp đính kèm phải nằm trong một thư mục dùng chung cho mọi máy "
                        "chủ web (missing MOTCUA_STORAGE_DIR: attachments need a directory shared by all web hosts).")
    else:
        problem = _unwritable(Path(settings.storage_dir))
        if problem:
            problems.append(f"Không ghi được vào MOTCUA_STORAGE_DIR={settings.storage_dir}: {problem} "
                            f"(the attachment directory is not writable).")
    return problems


def _unwritable(directory: Path) -> str | None:
    """Why files cannot be created in `directory`, or None; tried with a real file, as a mounted share may
    refuse what its permission bits allow."""
    if not directory.is_dir():
        return "thư mục không tồn tại"
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".motcua-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
