"""A stored version's parsed specs, forms and procedure.toml data, parsed once per process and kept by checksum."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import spiff
from engine.infra.errors import NotFound
from engine.models import ProcessVersion

_BUNDLES: dict[str, "VersionBundle"] = {}  # checksum -> parsed specs and forms; versions never change


@dataclass(frozen=True)
class VersionBundle:
    parsed: spiff.ParsedVersion
    forms: dict[str, dict]
    meta: dict

    def lane_unit(self, lane: str | None) -> str:
        """Where a lane's tasks are worked: 'receiving', 'deciding' (default) or a unit code."""
        return self.meta.get("lanes", {}).get(lane or "", "deciding")


def remember_bundle(digest: str, parsed: spiff.ParsedVersion, forms: dict[str, dict], meta: dict) -> None:
    _BUNDLES[digest] = VersionBundle(parsed, forms, meta)


def version_bundle(session: Session, version_id: int, digest: str | None = None) -> VersionBundle:
    """A version's parsed specs and forms, parsed once per process and cached by content checksum."""
    if digest is None:
        digest = session.scalar(select(ProcessVersion.checksum).where(ProcessVersion.id == version_id))
    bundle = _BUNDLES.get(digest)
    if bundle is None:
        version = session.get(ProcessVersion, version_id)
        if version is None:
            raise NotFound(f"Không có phiên bản quy trình #{version_id}.")
        bundle = VersionBundle(spiff.parse_version(version.files, version.process_id), version.forms, version.meta)
        _BUNDLES[version.checksum] = bundle
    return bundle
