"""Column mappings: turn any booking export (CSV or XLSX) into ClientPulse's canonical bookings frame.

A mapping is a TOML file (examples in ``docs/mappings/``) with ``[options]`` and ``[fields]``. Each field
of :data:`FIELDS` is taken from a ``column``, a constant ``value``, an arithmetic ``expression`` over
columns (:mod:`app.services.imports.expressions`: a small grammar, never evaluated by Python), date ``parts``
or, for ``booked_at``, ``lead_days`` before the start; a ``values`` table translates codes
(``{ Yes = "no_show" }``). Which sources and modifiers each field takes is :data:`SOURCES`; anything
else is refused when the mapping is checked, with the field named. Everything is read as text first
(:mod:`app.services.imports.tabular`), so identifiers such as the clinic file's PatientId keep their spelling.

The canonical frame (:func:`map_frame`) has one row per source row, in source order:

========================  ============================================================
``line``                  int, the row's line in the file (header = 1)
``location``              str, at most 120 characters
``customer``              str, '' for none; at most 40 characters (the customer's code)
``staff_member``          str, at most 80 characters ('Unassigned' when blank)
``service``               str, at most 40 characters (the service's code; 'Booking' when blank)
``starts_at``             datetime64[ns, UTC], years 1900–2199
``ends_at``               datetime64[ns, UTC] (``starts_at`` + ``duration``, 0 to 366 days; = start when none)
``booked_at``             datetime64[ns, UTC] or NaT
``status``                str, a :class:`~app.models.BookingStatus` value
``cancelled_at``          datetime64[ns, UTC] or NaT: when a cancelled booking was cancelled (NaT for the others, and
                          when not mapped); its notice counts calendar days from it to the start
``channel``               str, a :class:`~app.models.Channel` value
``source``                str, the export's own channel or segment text ('' when not mapped), at most 80 characters
``price_cents``           int64, minor units, rounded half away from zero, within ±``MAX_AMOUNT_CENTS``
``time_known``            bool, False when the export gives only the start's date (``date_only = true``, date
                          ``parts``, or a ``format`` without an hour): such bookings are left out of hour-based figures
========================  ============================================================
"""

from __future__ import annotations

import re
import tomllib
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.lists import format_list
from babel.numbers import list_currencies
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictBool, StrictStr, field_validator
from pydantic import ValidationError as PydanticError

from app.models import BookingStatus, Channel
from app.services import amounts, i18n, lazy
from app.services.amounts import MAX_AMOUNT_CENTS
from app.services.errors import ValidationError
from app.services.i18n import N_, _, ngettext
from app.services.imports import expressions, tabular

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

FIELDS = ('location', 'customer', 'staff_member', 'service', 'starts_at', 'duration', 'booked_at', 'status',
          'cancelled_at', 'channel', 'source', 'price')
REQUIRED = ('location', 'starts_at')
SOURCES: dict[str, frozenset[str]] = {
    **dict.fromkeys(('location', 'customer', 'staff_member', 'service', 'status', 'channel', 'source'),
                    frozenset({'column', 'value'})),
    'starts_at': frozenset({'column', 'parts'}),
    'booked_at': frozenset({'column', 'parts', 'lead_days'}),
    'cancelled_at': frozenset({'column', 'parts'}),
    'duration': frozenset({'column', 'value', 'expression'}),
    'price': frozenset({'column', 'value', 'expression'}),
}
"""Where each field may come from (exactly one per field)."""
MODIFIERS: dict[str, frozenset[str]] = {
    **dict.fromkeys(('location', 'customer', 'staff_member', 'service', 'status', 'channel', 'source'),
                    frozenset({'values'})),
    'starts_at': frozenset({'format', 'utc', 'time_zone', 'date_only'}),
    'booked_at': frozenset({'format', 'utc', 'time_zone'}),
    'cancelled_at': frozenset({'format', 'utc', 'time_zone'}),
    'duration': frozenset({'unit', 'columns'}),
    'price': frozenset({'columns'}),
}
"""What may refine each field's source (``columns`` beside an expression is accepted and not needed)."""
DEFAULTS = {'customer': '', 'staff_member': 'Unassigned', 'service': 'Booking', 'status': 'completed',
            'channel': 'import', 'price': '0'}
LENGTHS = {'location': 120, 'customer': 40, 'staff_member': 80, 'service': 40, 'source': 80}
"""The longest text each field may give (the database's columns)."""
MONTHS = {name: number for number, name in enumerate(
    ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october',
     'november', 'december'], start=1)}
MAX_REPORTED = 20
MAX_CENTS = MAX_AMOUNT_CENTS  # the app's one maximum of an amount (app.services.amounts)
MAX_DURATION = timedelta(days=366)
MAX_LEAD_DAYS = 36_500
FIRST_YEAR, LAST_YEAR = 1900, 2199
UNITS = {'minutes': 'm', 'hours': 'h', 'days': 'D'}
UNIT_WORDS = {'minutes': N_('minutes'), 'hours': N_('hours'), 'days': N_('days')}
"""The duration units in words (in messages)."""
_DIRECTIVE = re.compile(r'%[aAwdbBmyYHIpMSfzZjUWcxXGuV%]')


def check_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone. :raises ValueError: it is not"""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(_('"{name}" is not an IANA time zone (e.g. Europe/Lisbon, America/Toronto)').format(
            name=name)) from None
    return name


TimeZoneName = Annotated[StrictStr, AfterValidator(check_time_zone)]
"""Text that names an IANA time zone (checked)."""


class FieldSpec(BaseModel):
    """One field's entry in ``[fields]`` (which keys a field may use: :data:`SOURCES`, :data:`MODIFIERS`)."""

    model_config = ConfigDict(extra='forbid', frozen=True)
    column: StrictStr | None = None
    value: StrictStr | int | float | None = None
    expression: StrictStr | None = None
    columns: list[StrictStr] | None = None
    parts: dict[Literal['year', 'month', 'day'], StrictStr] | None = None
    lead_days: StrictStr | None = None
    values: dict[str, StrictStr] | None = None
    format: StrictStr | None = None
    utc: StrictBool = False
    time_zone: TimeZoneName | None = None
    unit: Literal['minutes', 'hours', 'days'] = 'minutes'
    date_only: StrictBool = False

    @property
    def time_known(self) -> bool:
        """False when the field gives a date without a time of day: ``date_only``, date ``parts``, or a
        ``format`` with no hour in it."""
        no_hour = self.format is not None and not re.search(r'%[HIcXT]', self.format)
        return not (self.date_only or self.parts is not None or no_hour)

    @field_validator('parts')
    @classmethod
    def _all_parts(cls, parts: dict | None) -> dict | None:
        if parts is not None and set(parts) != {'year', 'month', 'day'}:
            raise ValueError(_('parts needs year, month and day columns'))
        return parts

    @field_validator('format')
    @classmethod
    def _format(cls, text: str | None) -> str | None:
        if text is not None:
            leftover = _DIRECTIVE.sub('', text)
            if '%' in leftover or not _DIRECTIVE.search(text):
                raise ValueError(_('"{text}" is not a date format such as "{example}" (strftime codes)').format(
                    text=text, example='%Y-%m-%d %H:%M'))
        return text



class Options(BaseModel):
    """``[options]``: the file's time zone and currency, and how to read it."""

    model_config = ConfigDict(extra='forbid', frozen=True)
    time_zone: TimeZoneName = 'UTC'
    currency: StrictStr = 'USD'
    delimiter: StrictStr = ','
    encoding: StrictStr | None = None
    sheet: StrictStr | int = 0

    @field_validator('currency')
    @classmethod
    def _currency(cls, code: str) -> str:
        if code.upper() not in list_currencies():
            raise ValueError(_('"{code}" is not an ISO 4217 currency code (e.g. EUR, USD, KES)').format(code=code))
        return code.upper()

    @field_validator('delimiter')
    @classmethod
    def _delimiter(cls, text: str) -> str:
        if len(text) != 1 or text in '"\r\n':
            raise ValueError(_('the delimiter is one character, e.g. "," ";" or "\\t"'))
        return text

    @field_validator('encoding')
    @classmethod
    def _encoding(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                tabular.check_encoding(name)
            except ValidationError as error:
                raise ValueError(str(error)) from None
        return name


@dataclass(frozen=True)
class Mapping:
    """A checked mapping: one :class:`FieldSpec` per mapped field, its options, and its parsed expressions."""

    fields: dict[str, FieldSpec]
    options: Options = field(default_factory=Options)
    name: str = ''
    expressions: dict[str, expressions.Expression] = field(default_factory=dict)

    @property
    def time_zone(self) -> str:
        """The IANA zone the file's times are in (unless a field says otherwise)."""
        return self.options.time_zone

    @property
    def currency(self) -> str:
        """ISO 4217 code of the file's prices."""
        return self.options.currency

    def columns(self) -> set[str]:
        """Every column of the file the mapping reads."""
        return {c for key, spec in self.fields.items() for c in _columns_of(spec, self.expressions.get(key))}


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file (UTF-8 TOML).

    :raises ValidationError: not readable, not valid TOML, or not a valid mapping (see :func:`parse_mapping`)
    """
    try:
        text = Path(path).read_text(encoding='utf-8')
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(_('{file} cannot be read as UTF-8 text ({reason})').format(
            file=Path(path).name, reason=error), field='mapping') from None
    return parse_toml(text, name=Path(path).name)


def parse_toml(text: str, *, name: str = 'mapping') -> Mapping:
    """A mapping from TOML text (as typed on the Import page). :raises ValidationError: as :func:`parse_mapping`"""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(_('{name} is not valid TOML: {reason}').format(name=name, reason=error),
                              field='mapping') from None
    return parse_mapping(data, name=name)


def parse_mapping(data: dict[str, Any], *, name: str = 'mapping') -> Mapping:
    """Check a mapping given as a dict (the parsed TOML).

    :raises ValidationError: a key other than ``options`` and ``fields``; an unknown field or option; a
        required field missing; a field with no source, two sources or one it does not take; a wrong
        type; an unknown time zone, currency or encoding; a date format without strftime codes; an
        expression outside the grammar. The message names the mapping and the field.
    """
    if not isinstance(data, dict):
        raise ValidationError(_('{name}: a mapping is a table with [options] and [fields]').format(name=name),
                              field='mapping')
    extra = sorted(set(data) - {'options', 'fields'})
    if extra:
        raise ValidationError(_('{name}: unknown section(s) {sections}; a mapping has [options] and [fields]').format(
            name=name, sections=', '.join(extra)), field='mapping')
    fields = data.get('fields', {})
    if not isinstance(fields, dict):
        raise ValidationError(_('{name}: [fields] must be a table').format(name=name), field='fields')
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationError(_('{name}: unknown field(s) {fields}; known: {known}').format(
            name=name, fields=', '.join(unknown), known=', '.join(FIELDS)), field=unknown[0])
    for required in REQUIRED:
        if required not in fields:
            raise ValidationError(_('{name}: the field "{field}" must be mapped').format(name=name, field=required),
                                  field=required)
    specs = {key: _field_spec(key, spec, name) for key, spec in fields.items()}
    parsed = {key: expressions.parse(spec.expression, where=_('{name}: field "{field}"').format(name=name, field=key))
              for key, spec in specs.items() if spec.expression is not None}
    try:
        options = Options.model_validate(data.get('options', {}))
    except PydanticError as error:
        raise ValidationError(_('{name}: [options] {problem}').format(name=name, problem=_pydantic_message(error)),
                              field='options') from None
    return Mapping(fields=specs, options=options, name=name, expressions=parsed)


def suggest(columns: list[str]) -> str:
    """A first mapping (TOML) for a file with these columns, guessed from their names; edit before use."""
    guesses = {'customer': ('customer', 'client', 'patient', 'guest'), 'staff_member': ('staff', 'employee',
                                                                                        'stylist', 'provider'),
               'service': ('service', 'treatment', 'room'), 'location': ('location', 'branch', 'shop', 'hotel'),
               'starts_at': ('start', 'appointment', 'date', 'arrival'), 'booked_at': ('scheduled', 'booked',
                                                                                     'created'),
               'status': ('status', 'show', 'cancel'), 'source': ('source', 'segment', 'referral', 'channel'),
               'price': ('price', 'amount', 'adr', 'total')}
    lines = ['[options]', 'time_zone = "UTC"', 'currency = "USD"', '', '[fields]']
    taken: set[str] = set()
    for key, words in guesses.items():
        column = next((c for c in columns if c not in taken and any(w in c.lower() for w in words)), None)
        if column is not None:
            taken.add(column)
            lines.append(f'{key} = {{ column = {_toml_string(column)} }}')
        elif key == 'location':
            lines.append('location = { value = "Main location" }')
    return '\n'.join(lines) + '\n'


def read_table(path: Path, spec: Mapping | None = None, *, name: str | None = None,
               max_rows: int | None = None) -> pd.DataFrame:
    """Every cell of a CSV or XLSX file as text (``''`` for empty), indexed by line (see
    :mod:`app.services.imports.tabular`).

    :raises ValidationError: unsupported, too large, unreadable or empty file
    :raises ImportRowError: a bad header or row (file and line named)
    """
    options = spec.options if spec else Options()
    return tabular.read_table(path, encoding=options.encoding, delimiter=options.delimiter, sheet=options.sheet,
                              name=name, max_rows=max_rows)


def file_columns(path: Path, *, name: str | None = None) -> list[str]:
    """The column names of a CSV or XLSX file (its header), read without the rows. Call it from a worker thread.

    :raises ValidationError, ImportRowError: as :func:`read_table`
    """
    return tabular.read_raw(path, name=name, max_rows=1).header


def map_frame(raw: pd.DataFrame, spec: Mapping, *, file: str = 'file') -> pd.DataFrame:
    """The canonical bookings frame (see module docstring) of ``raw`` (text cells, indexed by line).

    :raises ImportRowError: a mapped column is missing (line 1), or values that cannot be read; the
        message lists up to 20 bad lines with their field
    """
    missing = sorted(spec.columns() - set(raw.columns))
    if missing:
        shown = ', '.join(f'"{c}"' for c in raw.columns[:40])
        raise tabular.row_error(_('column(s) {missing} not in the file (it has: {columns})').format(
            missing=', '.join(missing), columns=shown), file=file, line=1,
            field=next(k for k, s in spec.fields.items() if set(missing) & _columns_of(s, spec.expressions.get(k))))
    if raw.index.name != 'line':  # a frame not read by read_table: rows follow the header without gaps
        raw = raw.set_axis(pd.RangeIndex(2, len(raw) + 2, name='line'))
    lines = pd.Series(raw.index, index=raw.index)
    problems: list[tuple[int, str, str]] = []  # (line, field, message)
    out = pd.DataFrame({'line': lines})
    for key in ('location', 'customer', 'staff_member', 'service', 'source'):
        out[key] = _text(raw, spec.fields.get(key), DEFAULTS.get(key, ''))
        if key in ('staff_member', 'service'):
            out[key] = out[key].mask(out[key] == '', DEFAULTS[key])
        _check_text(out[key], key, problems)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # pandas warns when it cannot infer one format; bad values are listed
        out['starts_at'] = _moment(raw, spec.fields['starts_at'], spec.time_zone, 'starts_at', problems)
        duration = _duration(raw, spec, problems)
        out['ends_at'] = out['starts_at'] + duration
        out['booked_at'] = (_moment(raw, spec.fields['booked_at'], spec.time_zone, 'booked_at', problems,
                                    base=out['starts_at'], optional=True)
                            if 'booked_at' in spec.fields else pd.Series(pd.NaT, index=raw.index,
                                                                         dtype='datetime64[ns, UTC]'))
    out['status'] = _coded(raw, spec.fields.get('status'), DEFAULTS['status'], 'status',
                           {s.value for s in BookingStatus}, problems)
    out['channel'] = _coded(raw, spec.fields.get('channel'), DEFAULTS['channel'], 'channel',
                            {c.value for c in Channel}, problems)
    out['cancelled_at'] = pd.Series(pd.NaT, index=raw.index, dtype='datetime64[ns, UTC]')
    if 'cancelled_at' in spec.fields:  # read for cancelled rows only: the column may say something else on others
        cancelled = out['status'] == BookingStatus.CANCELLED.value
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            out.loc[cancelled, 'cancelled_at'] = _moment(raw.loc[cancelled], spec.fields['cancelled_at'],
                                                         spec.time_zone, 'cancelled_at', problems, optional=True)
    out['price_cents'] = _cents(raw, spec, problems)
    out['time_known'] = spec.fields['starts_at'].time_known
    blank = _('is blank')
    problems.extend((i, 'location', blank) for i in out.index[out['location'] == ''])
    if problems:
        problems.sort()
        each = _('line {line} {field}: {problem}')
        shown = '; '.join(each.format(line=lines[i], field=f, problem=m) for i, f, m in problems[:MAX_REPORTED])
        first_index, first_field, _message = problems[0]
        count = len(problems)
        if count > MAX_REPORTED:
            text = ngettext('{n} value could not be read: {problems} (and {more} more)',
                            '{n} values could not be read: {problems} (and {more} more)', count).format(
                n=count, problems=shown, more=count - MAX_REPORTED)
        else:
            text = ngettext('{n} value could not be read: {problems}', '{n} values could not be read: {problems}',
                            count).format(n=count, problems=shown)
        raise tabular.row_error(text, file=file, line=int(lines[first_index]), field=first_field)
    return out.reset_index(drop=True)


# --- checking a mapping --------------------------------------------------------------------------------------------

def _field_spec(key: str, spec: object, name: str) -> FieldSpec:
    where = _('{name}: field "{field}"').format(name=name, field=key)
    if not isinstance(spec, dict):
        raise ValidationError(_('{where} must be a table such as {example}').format(
            where=where, example='{ column = "Name" }'), field=key)
    try:
        checked = FieldSpec.model_validate(spec)
    except PydanticError as error:
        raise ValidationError(f'{where}: {_pydantic_message(error)}', field=key) from None
    given = {k for k in spec if spec[k] is not None}
    sources = given & {'column', 'value', 'expression', 'parts', 'lead_days'}
    allowed = SOURCES[key]
    takes = ', '.join(sorted(allowed))
    if len(sources) != 1:
        if not sources:
            raise ValidationError(_('{where} needs exactly one of {takes} (it has none)').format(
                where=where, takes=takes), field=key)
        raise ValidationError(_('{where} needs exactly one of {takes} (it has {given})').format(
            where=where, takes=takes, given=format_list(sorted(sources), locale=i18n.current())), field=key)
    if not sources <= allowed:
        raise ValidationError(_('{where} cannot use {source}; it takes {takes}').format(
            where=where, source=next(iter(sources)), takes=takes), field=key)
    refinements = given - sources - MODIFIERS[key]
    if refinements:
        raise ValidationError(_('{where}: {keys} does not apply here').format(
            where=where, keys=', '.join(sorted(refinements))), field=key)
    if checked.value is not None and key in ('duration', 'price'):
        try:
            number = float(checked.value)
        except ValueError:
            raise ValidationError(_('{where}: value must be a number').format(where=where), field=key) from None
        if not np.isfinite(number):
            raise ValidationError(_('{where}: value must be a finite number').format(where=where), field=key)
    for text in [checked.column, checked.lead_days, *(checked.parts or {}).values()]:
        if text is not None and not text.strip():
            raise ValidationError(_('{where}: a column name cannot be blank').format(where=where), field=key)
    return checked


def _pydantic_message(error: PydanticError) -> str:
    parts = []
    for item in error.errors()[:3]:
        where = '.'.join(str(p) for p in item['loc'])
        message = item['msg'].removeprefix('Value error, ')
        if item['type'] == 'extra_forbidden':
            message = _('is not a known key')
        parts.append(f'{where}: {message}' if where else message)
    return '; '.join(parts)


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    escaped = ''.join(c if c.isprintable() and c not in '"\\' else f'\\u{ord(c):04x}' for c in text)
    return f'"{escaped}"'


# --- field readers (vectorised) --------------------------------------------------------------------------------------

def _columns_of(spec: FieldSpec, expression: expressions.Expression | None) -> set[str]:
    if spec.column is not None:
        return {spec.column}
    if spec.parts is not None:
        return set(spec.parts.values())
    if spec.lead_days is not None:
        return {spec.lead_days}
    if expression is not None:
        return set(expression.columns)
    return set()


def _text(raw: pd.DataFrame, spec: FieldSpec | None, default: str) -> pd.Series:
    if spec is None or spec.value is not None:
        return pd.Series(default if spec is None else str(spec.value).strip(), index=raw.index, dtype=object)
    values = raw[spec.column].astype(str).str.strip()
    return values.replace(spec.values) if spec.values else values


def _check_text(values: pd.Series, key: str, problems: list) -> None:
    longest = LENGTHS[key]
    too_long = values.str.len() > longest
    text = _('is {length} characters long; at most {most}')
    problems.extend((i, key, text.format(length=len(values[i]), most=longest)) for i in values.index[too_long])
    nul = values.str.contains('\x00', regex=False)
    problems.extend((i, key, _('holds a NUL character')) for i in values.index[nul])


def _moment(raw: pd.DataFrame, spec: FieldSpec, time_zone: str, key: str, problems: list, *,
            base: pd.Series | None = None, optional: bool = False) -> pd.Series:
    if spec.lead_days is not None and base is not None:  # booked_at = start − lead time in days
        days = pd.to_numeric(raw[spec.lead_days].str.strip(), errors='coerce')
        bad = days.isna() | ~np.isfinite(days) | (days.abs() > MAX_LEAD_DAYS)
        text = _('"{value}" is not a number of days (0 to {most})')
        problems.extend((i, key, text.format(value=_clip(raw.at[i, spec.lead_days]), most=f'{MAX_LEAD_DAYS:,}'))
                        for i in raw.index[bad])
        return base - pd.to_timedelta(days.where(~bad, 0), unit='D')
    if spec.parts is not None:
        parts = spec.parts
        month = raw[parts['month']].str.strip()
        month = month.str.lower().map(MONTHS).fillna(pd.to_numeric(month, errors='coerce'))
        month = month.where(month.between(1, 12) & (month % 1 == 0))
        source = (raw[parts['year']].str.strip() + '-' + month.astype('Int64').astype(str) + '-'
                  + raw[parts['day']].str.strip())
        parsed = pd.to_datetime(source, format='%Y-%m-%d', errors='coerce')
    else:
        source = raw[spec.column].str.strip()
        try:
            parsed = pd.to_datetime(source, format=spec.format, errors='coerce', utc=spec.utc)
        except (ValueError, TypeError, OverflowError):  # e.g. mixed offsets without utc = true
            parsed = pd.Series(pd.NaT, index=raw.index, dtype='datetime64[ns]')
            text = _('"{value}" is not a date/time this format reads (try utc = true)')
            problems.extend((i, key, text.format(value=_clip(source[i]))) for i in raw.index[source != ''])
            return parsed.dt.tz_localize('UTC')
    if getattr(parsed.dt, 'tz', None) is None:
        # a local time that occurs twice (clocks going back) is read as the first, summer-time one
        parsed = parsed.dt.tz_localize(spec.time_zone or time_zone, ambiguous=np.ones(len(parsed), dtype=bool),
                                       nonexistent='shift_forward')
    parsed = parsed.dt.tz_convert('UTC')
    empty = source == ''
    years = parsed.dt.year
    bad = (parsed.isna() & ~(empty & optional)) | (years < FIRST_YEAR) | (years > LAST_YEAR)
    text = (_('"{value}" is not a date/time ({format}) from {first} to {last}') if spec.format else
            _('"{value}" is not a date/time from {first} to {last}'))
    problems.extend((i, key, text.format(value=_clip(source[i]), format=spec.format, first=FIRST_YEAR,
                                         last=LAST_YEAR)) for i in raw.index[bad])
    return parsed.where(~bad)


def _duration(raw: pd.DataFrame, spec: Mapping, problems: list) -> pd.Series:
    field_spec = spec.fields.get('duration')
    if field_spec is None:
        return pd.Series(pd.Timedelta(0), index=raw.index)
    amount = _number(raw, field_spec, spec.expressions.get('duration'), 'duration', problems).fillna(0)
    unit = UNITS[field_spec.unit]
    too_long = amount * pd.Timedelta(1, unit=unit).total_seconds() > MAX_DURATION.total_seconds()
    unit_word = _(UNIT_WORDS[field_spec.unit])
    negative, long = _('{amount} {unit} is negative'), _('{amount} {unit} is longer than a year')
    problems.extend((i, 'duration', negative.format(amount=f'{amount[i]:g}', unit=unit_word))
                    for i in raw.index[amount < 0])
    problems.extend((i, 'duration', long.format(amount=f'{amount[i]:g}', unit=unit_word))
                    for i in raw.index[too_long])
    return pd.to_timedelta(amount.where((amount >= 0) & ~too_long, 0), unit=unit)


def _coded(raw: pd.DataFrame, spec: FieldSpec | None, default: str, key: str, allowed: set[str],
           problems: list) -> pd.Series:
    values = _text(raw, spec, default)
    bad = ~values.isin(allowed)
    text = _('"{value}" is not one of {allowed} (add it to the value map)')
    problems.extend((i, key, text.format(value=_clip(values[i]), allowed=', '.join(sorted(allowed))))
                    for i in raw.index[bad])
    return values


def _cents(raw: pd.DataFrame, spec: Mapping, problems: list) -> pd.Series:
    field_spec = spec.fields.get('price') or FieldSpec(value=DEFAULTS['price'])
    amount = _number(raw, field_spec, spec.expressions.get('price'), 'price', problems)
    unit = 10 ** amounts.digits(spec.currency)  # the file's currency's minor units (ISO 4217: RWF 1, BHD 1000)
    cents = np.sign(amount) * np.floor(np.abs(amount) * unit + 0.5)
    too_big = cents.abs() > min(MAX_CENTS, amounts.max_minor(spec.currency))
    text = _('{amount} is too large an amount')
    problems.extend((i, 'price', text.format(amount=f'{amount[i]:g}')) for i in raw.index[too_big])
    return cents.where(~too_big, 0).fillna(0).astype('int64')


def _number(raw: pd.DataFrame, spec: FieldSpec, expression: expressions.Expression | None, key: str,
            problems: list) -> pd.Series:
    """Numbers of a field, NaN where the cell is empty; unreadable and non-finite values are listed."""
    if spec.value is not None:
        return pd.Series(float(spec.value), index=raw.index)
    if spec.column is not None:
        text = raw[spec.column].str.strip()
        numbers = pd.to_numeric(text, errors='coerce')
        bad = (numbers.isna() & (text != '')) | np.isinf(numbers)
        text = _('"{value}" is not a number')
        problems.extend((i, key, text.format(value=_clip(raw.at[i, spec.column]))) for i in raw.index[bad])
        return numbers.where(~bad)
    assert expression is not None  # parse_mapping parsed every expression of the mapping
    numeric = {}
    for column in expression.columns:
        text = raw[column].str.strip()
        numbers = pd.to_numeric(text, errors='coerce')
        bad = (numbers.isna() & (text != '')) | np.isinf(numbers)
        text = _('{column} "{value}" is not a number')
        problems.extend((i, key, text.format(column=column, value=_clip(raw.at[i, column])))
                        for i in raw.index[bad])
        numeric[column] = numbers.where(~bad).astype(float)
    result = expressions.evaluate(expression, numeric, index=raw.index)
    text = _('{expression} gives {result} (a division by zero?)')
    problems.extend((i, key, text.format(expression=expression.text, result=result[i]))
                    for i in raw.index[np.isinf(result)])
    return result.where(~np.isinf(result))


def _clip(value: object, most: int = 40) -> str:
    """A cell as quoted in a message: control characters shown as ``?``, at most ``most`` characters."""
    text = ''.join(c if c.isprintable() else '?' for c in str(value))
    return text if len(text) <= most else text[:most - 1] + '…'
