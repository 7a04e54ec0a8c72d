"""Every setting, declared once with its default; read from MOTCUA_* variables by the entry points."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "MOTCUA_"


@dataclass(frozen=True)
class Settings:
    instance_path: Path = ROOT / "instance"
    database_url: str = ""  # empty: a SQLite file in instance_path
    secret_key: str = ""  # empty: a random key kept in instance_path
    bpmn_path: Path = ROOT / "bpmn"
    poll_interval: float = 1.0  # seconds between worker sweeps
    session_minutes: int = 30  # idle web session lifetime
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
    ratelimit_storage_uri: str = "memory://"  # e.g. redis://127.0.0.1:6379 when several web processes run
    public_rate_limit: str = "20/minute"  # citizen lookups and ratings per client address
    sign_in_rate_limit: str = "10/minute"  # password attempts per address and username (page and API)
    api_token_hours: int = 8  # lifetime of an API bearer token
    proxy_hops: int = 0  # reverse proxies in front of the web app whose X-Forwarded-For is trusted
    public_base_url: str = ""  # printed in the receipt's QR code; empty: the address of the request
    secure_cookies: bool = False  # served over HTTPS: the session cookie only over HTTPS, and HSTS

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_path / 'motcua.db'}"


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
