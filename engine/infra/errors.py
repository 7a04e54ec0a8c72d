"""Typed engine errors; the web layer maps each class to an HTTP status in one place."""
from __future__ import annotations


class MotcuaError(Exception):
    """Base of every error the engine raises on purpose; `message` is fit to show a user."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(MotcuaError):
    """An unknown procedure, dossier, work item, unit, user or role."""


class ValidationFailed(MotcuaError):
    """Input of the wrong shape; `errors` maps a field path to its messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None, **details):
        super().__init__(message, **details)
        self.errors = errors or {}


class InvalidProcess(MotcuaError):
    """A BPMN version that cannot be stored: malformed, unsafe or breaking a convention.

    `findings` are all that validation found (errors and warnings, each with file, element, name, line);
    `message`, `element` and `file` are those of the first error.
    """

    def __init__(self, message: str, element: str | None = None, file: str | None = None,
                 findings: list | None = None):
        super().__init__(message, element=element, file=file)
        self.element = element
        self.file = file
        self.findings = list(findings or [])


class Conflict(MotcuaError):
    """Someone else changed the same thing first (task already completed, claimed, stale instance)."""


class Forbidden(MotcuaError):
    """The actor holds no role that allows this action on this object."""


class Concealed(Forbidden):
    """A refusal answered like an unknown object (404, the not-found message), so that who may not see an
    object does not learn it exists (another unit's dossier codes); `reason` is what the refusal log keeps."""

    def __init__(self, message: str, reason: str):
        super().__init__(message, reason=reason)
        self.reason = reason


class AuthenticationFailed(MotcuaError):
    """Wrong username or password, or an inactive account."""


class ScriptError(MotcuaError):
    """A BPMN script or expression failed while the engine ran it."""
