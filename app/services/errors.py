"""Typed errors with messages a receptionist can act on."""

from __future__ import annotations


class ClientPulseError(Exception):
    """Base of every error a service raises on purpose; ``str(error)`` is shown to the user."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(ClientPulseError):
    """The record asked for does not exist (or not at this location)."""


class ValidationError(ClientPulseError):
    """A field's value is not acceptable; ``field`` names it."""


class SlotUnavailableError(ClientPulseError):
    """The staff member already has a booking that overlaps the requested time."""


class OutsideWorkingHoursError(ClientPulseError):
    """The requested time is outside the staff member's working hours."""


class InvalidTransitionError(ClientPulseError):
    """The booking cannot go from its current status to the one asked for."""


class PermissionDeniedError(ClientPulseError):
    """The acting user's role or location does not allow this."""


class AuthenticationError(ClientPulseError):
    """Wrong email or password."""


class ImportRowError(ClientPulseError):
    """A row of an imported file is malformed; names the file, line and field."""

    def __init__(self, message: str, *, file: str, line: int, field: str | None = None) -> None:
        where = f'{file}, line {line}' + (f', field "{field}"' if field else '')
        super().__init__(f'{where}: {message}', field=field)
        self.file = file
        self.line = line
