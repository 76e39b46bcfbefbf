"""Typed errors with messages a receptionist can act on."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError as PydanticError

from app.models.base import Refusal
from app.services.i18n import N_, _, ngettext

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
    """Wrong email or password. ``stored``: the refusal as the activity log keeps it (deferred text, shown in each
    reader's language), when the service made one."""

    stored: str | None = None


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
        where = (_('{file}, line {line}, field "{field}"') if field else _('{file}, line {line}')).format(
            file=file, line=line, field=field)
        super().__init__(_('{where}: {message}').format(where=where, message=message), field=field)
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
        label = _(field.replace('_', ' ')) if field else _('value')
        context = first.get('ctx') or {}
        limit = context.get('max_length')
        if first['type'] == 'string_too_long' and limit is not None:
            message = ngettext('The {label} may be at most {n} character.',
                               'The {label} may be at most {n} characters.', limit).format(label=label, n=limit)
        elif first['type'] in {'string_too_short', 'missing'}:
            message = _('Enter the {label}.').format(label=label)
        else:
            # "the … field": one agreement for every label, plural ones ("tax rates", "opening hours") included
            message = _('The {label} field is not valid: {reason}.').format(label=label,
                                                                            reason=_reason(first, context))
        raise ValidationError(message, field=field) from None


FIELD_NAMES = (
    N_('active'), N_('alerts'), N_('barcode'), N_('birthday'), N_('brand'), N_('category'), N_('channel'), N_('code'),
    N_('consent'), N_('cost cents'), N_('deposit cents'), N_('duration minutes'), N_('email'), N_('kiosk'),
    N_('location id'), N_('notes'), N_('preferred channel'), N_('price cents'), N_('stock maximum'),
    N_('stock minimum'), N_('stock on hand'), N_('supplier'), N_('tags'),
)
"""The fields of the schemas checked here, as refusals name them (``'price_cents'`` → "The price cents …"), marked
for translation (the location settings' are in :mod:`app.services.catalogue.locations`)."""

PYDANTIC_MESSAGES = {
    'less_than_equal': N_('Input should be less than or equal to {le}'),
    'greater_than_equal': N_('Input should be greater than or equal to {ge}'),
    'less_than': N_('Input should be less than {lt}'),
    'greater_than': N_('Input should be greater than {gt}'),
    'too_long': N_('List should have at most {max_length} items after validation, not {actual_length}'),
    'literal_error': N_('Input should be {expected}'),
    'int_parsing': N_('Input should be a valid integer, unable to parse string as an integer'),
    'int_from_float': N_('Input should be a valid integer, got a number with a fractional part'),
    'int_type': N_('Input should be a valid integer'),
    'float_parsing': N_('Input should be a valid number, unable to parse string as a number'),
    'bool_parsing': N_('Input should be a valid boolean, unable to interpret input'),
    'date_from_datetime_parsing': N_('Input should be a valid date or datetime, {error}'),
}
"""Pydantic's own words for the refusals the forms meet, as pydantic writes them in English, marked for
translation (other refusals are shown in pydantic's English)."""


def _reason(error: dict, context: dict) -> str:
    """What is wrong with the value, in the current language: a validator's own message (marked in the models
    with ``N_``, or a :class:`~app.models.base.Refusal` with its values), or pydantic's, translated when known."""
    cause = context.get('error')
    if isinstance(cause, Refusal):
        return _(cause.message).format(**{key: _(value) if isinstance(value, str) else value
                                          for key, value in cause.values.items()})
    if isinstance(cause, ValueError):
        return _(str(cause))
    template = PYDANTIC_MESSAGES.get(error['type'])
    if template is not None:
        try:
            return _(template).format(**context)
        except (KeyError, IndexError, ValueError):
            pass
    return error['msg'].removeprefix('Value error, ')
