"""Typed errors with messages a receptionist can act on."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError as PydanticError

T = TypeVar('T')


class ClientPulseError(Exception):
    """Base of every error a service raises on purpose; ``str(error)`` is shown to the user."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(ClientPulseError):
    """The record asked for does not exist (or not at this location)."""


class LinkExpiredError(NotFoundError):
    """A customer's link has passed its lifetime: what it named is over and is no longer shown."""


class ValidationError(ClientPulseError):
    """A field's value is not acceptable; ``field`` names it."""


class HoldLimitError(ValidationError):
    """A limit on online holds stops this hold: the time may still be booked, it is only not kept for the customer
    while they type."""


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


class DatabaseNotWritableError(ClientPulseError):
    """The database refused a write because it cannot be written at all (a full disk, a read-only file or server):
    nothing of the action was saved. ``str(error)`` says so in the desk's words; ``detail`` is the database's own."""

    def __init__(self, message: str, *, detail: str = '') -> None:
        super().__init__(message)
        self.detail = detail


class DatabaseTooNewError(ClientPulseError):
    """The database was migrated by a newer ClientPulse than this one: its revision is unknown to this code."""


class ImportRowError(ClientPulseError):
    """A row of an imported file is malformed; names the file, line and field."""

    def __init__(self, message: str, *, file: str, line: int, field: str | None = None) -> None:
        where = f'{file}, line {line}' + (f', field "{field}"' if field else '')
        super().__init__(f'{where}: {message}', field=field)
        self.file = file
        self.line = line


def validated(schema: type[T], **values: Any) -> T:
    """``schema(**values)``, with pydantic's refusal turned into a :class:`ValidationError` that names the
    first field at fault and says what is wrong in words (e.g. a name longer than the column holds).

    :raises ValidationError: a value the schema refuses
    """
    try:
        return schema(**values)
    except PydanticError as error:
        first = error.errors()[0]
        field = str(first['loc'][0]) if first['loc'] else None
        label = (field or 'value').replace('_', ' ')
        limit = (first.get('ctx') or {}).get('max_length')
        if first['type'] == 'string_too_long' and limit is not None:
            message = f'The {label} may be at most {limit} characters.'
        elif first['type'] in {'string_too_short', 'missing'}:
            message = f'Enter the {label}.'
        else:
            message = f'The {label} is not valid: {first["msg"].removeprefix("Value error, ")}.'
        raise ValidationError(message, field=field) from None
