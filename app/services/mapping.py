"""Column mappings: turn any booking export (CSV or XLSX) into ClientPulse's canonical bookings frame.

A mapping is a TOML file (examples in ``docs/mappings/``). Each field of :data:`FIELDS` is taken
from a ``column``, a constant ``value``, an arithmetic ``expression`` over columns, or date
``parts``; a ``values`` table translates codes (``{ Yes = "no_show" }``). Everything is read as
text first, so identifiers such as the clinic file's PatientId keep their exact spelling.

The canonical frame (:func:`map_frame`) has one row per source row, in source order:

========================  ============================================================
``line``                  int, the row's line in the file (header = 1)
``location``              str
``customer``              str, '' for none
``staff_member``          str
``service``               str
``starts_at``             datetime64[ns, UTC]
``ends_at``               datetime64[ns, UTC] (``starts_at`` + ``duration``; = start when none)
``booked_at``             datetime64[ns, UTC] or NaT
``status``                str, a :class:`~app.models.BookingStatus` value
``channel``               str, a :class:`~app.models.Channel` value
``price_cents``           int64, minor units, rounded half away from zero
========================  ============================================================
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.models import BookingStatus, Channel

from .errors import ImportRowError, ValidationError

FIELDS = ('location', 'customer', 'staff_member', 'service', 'starts_at', 'duration', 'booked_at', 'status',
          'channel', 'price')
REQUIRED = ('location', 'starts_at')
DEFAULTS = {'customer': '', 'staff_member': 'Unassigned', 'service': 'Booking', 'status': 'completed',
            'channel': 'import', 'price': '0'}
MONTHS = {name: number for number, name in enumerate(
    ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october',
     'november', 'december'], start=1)}
MAX_REPORTED = 20


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping: one spec (dict) per field, plus options (time zone, currency, delimiter…)."""

    fields: dict[str, dict[str, Any]]
    time_zone: str = 'UTC'
    currency: str = 'USD'
    name: str = ''
    options: dict[str, Any] = field(default_factory=dict)


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file.

    :raises ValidationError: not valid TOML, an unknown field, a required field missing, or a
        field spec with none of ``column``/``value``/``expression``/``parts``
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding='utf-8'))
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(f'{Path(path).name} is not valid TOML: {error}') from None
    return parse_mapping(data, name=Path(path).name)


def parse_toml(text: str, *, name: str = 'mapping') -> Mapping:
    """A mapping from TOML text (as typed on the Import page). :raises ValidationError: as :func:`load_mapping`"""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(f'{name} is not valid TOML: {error}') from None
    return parse_mapping(data, name=name)


def suggest(columns: list[str]) -> str:
    """A first mapping (TOML) for a file with these columns, guessed from their names; edit before use."""
    guesses = {'customer': ('customer', 'client', 'patient', 'guest'), 'staff_member': ('staff', 'employee',
                                                                                        'stylist', 'provider'),
               'service': ('service', 'treatment', 'room'), 'location': ('location', 'branch', 'shop', 'hotel'),
               'starts_at': ('start', 'appointment', 'date', 'arrival'), 'booked_at': ('scheduled', 'booked',
                                                                                     'created'),
               'status': ('status', 'show', 'cancel'), 'price': ('price', 'amount', 'adr', 'total')}
    lines = ['[options]', 'time_zone = "UTC"', 'currency = "USD"', '', '[fields]']
    taken: set[str] = set()
    for key, words in guesses.items():
        column = next((c for c in columns if c not in taken and any(w in c.lower() for w in words)), None)
        if column is not None:
            taken.add(column)
            lines.append(f'{key} = {{ column = "{column}" }}')
        elif key == 'location':
            lines.append('location = { value = "Main location" }')
    return '\n'.join(lines) + '\n'


def parse_mapping(data: dict[str, Any], *, name: str = 'mapping') -> Mapping:
    """Check a mapping given as a dict (the parsed TOML). :raises ValidationError: as :func:`load_mapping`"""
    fields = data.get('fields', {})
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationError(f'{name}: unknown field(s) {", ".join(unknown)}; known: {", ".join(FIELDS)}')
    for required in REQUIRED:
        if required not in fields:
            raise ValidationError(f'{name}: the field "{required}" must be mapped', field=required)
    for key, spec in fields.items():
        if not isinstance(spec, dict) or not {'column', 'value', 'expression', 'parts', 'lead_days'} & set(spec):
            raise ValidationError(f'{name}: field "{key}" needs a column, value, expression, parts or lead_days',
                                  field=key)
    options = data.get('options', {})
    return Mapping(fields=fields, time_zone=options.get('time_zone', 'UTC'), currency=options.get('currency', 'USD'),
                   name=name, options=options)


def read_table(path: Path, mapping: Mapping | None = None) -> pd.DataFrame:
    """Every cell of a CSV or XLSX file as text ('' for empty), columns as in the header.

    :raises ValidationError: an unsupported file type
    :raises ImportRowError: a CSV row with more fields than the header
    """
    path = Path(path)
    options = mapping.options if mapping else {}
    if path.suffix.lower() in {'.xlsx', '.xlsm'}:
        frame = pd.read_excel(path, dtype=str, sheet_name=options.get('sheet', 0)).fillna('')
    elif path.suffix.lower() in {'.csv', '.txt'}:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=options.get('delimiter', ','),
                                encoding=options.get('encoding', 'utf-8-sig'))
        except pd.errors.ParserError as error:
            raise ImportRowError(str(error), file=path.name, line=_line_from_parser_error(error)) from None
    else:
        raise ValidationError(f'{path.name}: only .csv and .xlsx files can be imported')
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def map_frame(raw: pd.DataFrame, mapping: Mapping, *, file: str = 'file') -> pd.DataFrame:
    """The canonical bookings frame (see module docstring) of ``raw`` (text cells).

    :raises ImportRowError: a mapped column is missing (line 1), or values that cannot be read; the
        message lists up to 20 bad lines with their field
    """
    missing = sorted({c for spec in mapping.fields.values() for c in _columns_of(spec)} - set(raw.columns))
    if missing:
        raise ImportRowError(f'column(s) {", ".join(missing)} not in the file (it has: {", ".join(raw.columns)})',
                             file=file, line=1)
    problems: list[tuple[int, str, str]] = []  # (row index, field, message)
    lines = pd.Series(np.arange(len(raw)) + 2, index=raw.index)
    out = pd.DataFrame({'line': lines})
    for key in ('location', 'customer', 'staff_member', 'service'):
        out[key] = _text(raw, mapping.fields.get(key, {'value': DEFAULTS.get(key, '')}))
    out['starts_at'] = _moment(raw, mapping.fields['starts_at'], mapping.time_zone, 'starts_at', problems)
    duration = _duration(raw, mapping.fields.get('duration'), problems)
    out['ends_at'] = out['starts_at'] + duration
    out['booked_at'] = (_moment(raw, mapping.fields['booked_at'], mapping.time_zone, 'booked_at', problems,
                                base=out['starts_at'], optional=True)
                        if 'booked_at' in mapping.fields else pd.Series(pd.NaT, index=raw.index,
                                                                        dtype='datetime64[ns, UTC]'))
    out['status'] = _coded(raw, mapping.fields.get('status', {'value': DEFAULTS['status']}), 'status',
                           {s.value for s in BookingStatus}, problems)
    out['channel'] = _coded(raw, mapping.fields.get('channel', {'value': DEFAULTS['channel']}), 'channel',
                            {c.value for c in Channel}, problems)
    out['price_cents'] = _cents(raw, mapping.fields.get('price', {'value': DEFAULTS['price']}), problems)
    blank = out['location'] == ''
    problems.extend((i, 'location', 'is blank') for i in out.index[blank])
    if problems:
        problems.sort()
        shown = '; '.join(f'line {lines[i]} {f}: {m}' for i, f, m in problems[:MAX_REPORTED])
        more = f' (and {len(problems) - MAX_REPORTED} more)' if len(problems) > MAX_REPORTED else ''
        first_index, first_field, _ = problems[0]
        raise ImportRowError(f'{len(problems)} value(s) could not be read: {shown}{more}', file=file,
                             line=int(lines[first_index]), field=first_field)
    return out.reset_index(drop=True)


# --- field readers (vectorised) --------------------------------------------------------------------------------------

def _columns_of(spec: dict[str, Any]) -> set[str]:
    if 'column' in spec:
        return {spec['column']}
    if 'parts' in spec:
        return set(spec['parts'].values())
    if 'lead_days' in spec:
        return {spec['lead_days']}
    if 'expression' in spec:
        return set(spec.get('columns', []))
    return set()


def _text(raw: pd.DataFrame, spec: dict[str, Any]) -> pd.Series:
    if 'value' in spec:
        return pd.Series(str(spec['value']), index=raw.index)
    values = raw[spec['column']].str.strip()
    return values.replace(spec['values']) if 'values' in spec else values


def _moment(raw: pd.DataFrame, spec: dict[str, Any], time_zone: str, key: str, problems: list, *,
            base: pd.Series | None = None, optional: bool = False) -> pd.Series:
    if 'lead_days' in spec and base is not None:  # booked_at = start − lead time in days
        days = pd.to_numeric(raw[spec['lead_days']], errors='coerce')
        problems.extend((i, key, f'"{raw.at[i, spec["lead_days"]]}" is not a number of days')
                        for i in raw.index[days.isna()])
        return base - pd.to_timedelta(days, unit='D')
    if 'parts' in spec:
        parts = spec['parts']
        month = raw[parts['month']].str.strip()
        month = month.str.lower().map(MONTHS).fillna(pd.to_numeric(month, errors='coerce'))
        text = (raw[parts['year']].str.strip() + '-' + month.astype('Int64').astype(str) + '-'
                + raw[parts['day']].str.strip())
        source = text
        parsed = pd.to_datetime(text, format='%Y-%m-%d', errors='coerce')
    else:
        source = raw[spec['column']].str.strip()
        parsed = pd.to_datetime(source, format=spec.get('format'), errors='coerce', utc=spec.get('utc', False))
    empty = source == ''
    bad = parsed.isna() & ~(empty & optional)
    problems.extend((i, key, f'"{source[i]}" is not a date/time' + (f' ({spec["format"]})' if 'format' in spec
                                                                      else '')) for i in raw.index[bad])
    if getattr(parsed.dt, 'tz', None) is None:
        parsed = parsed.dt.tz_localize(spec.get('time_zone', time_zone), ambiguous='NaT', nonexistent='shift_forward')
    return parsed.dt.tz_convert('UTC')


def _duration(raw: pd.DataFrame, spec: dict[str, Any] | None, problems: list) -> pd.Series:
    if spec is None:
        return pd.Series(pd.Timedelta(0), index=raw.index)
    amount = _number(raw, spec, 'duration', problems)
    return pd.to_timedelta(amount.fillna(0), unit={'days': 'D', 'hours': 'h'}.get(spec.get('unit', 'minutes'), 'm'))


def _coded(raw: pd.DataFrame, spec: dict[str, Any], key: str, allowed: set[str], problems: list) -> pd.Series:
    values = _text(raw, spec)
    bad = ~values.isin(allowed)
    problems.extend((i, key, f'"{values[i]}" is not one of {", ".join(sorted(allowed))} (add it to the value map)')
                    for i in raw.index[bad])
    return values


def _cents(raw: pd.DataFrame, spec: dict[str, Any], problems: list) -> pd.Series:
    amount = _number(raw, spec, 'price', problems)
    return (np.sign(amount) * np.floor(np.abs(amount) * 100 + 0.5)).fillna(0).astype('int64')


def _number(raw: pd.DataFrame, spec: dict[str, Any], key: str, problems: list) -> pd.Series:
    if 'value' in spec:
        return pd.Series(float(spec['value']), index=raw.index)
    if 'column' in spec:
        numbers = pd.to_numeric(raw[spec['column']].str.strip(), errors='coerce')
        bad = numbers.isna() & (raw[spec['column']].str.strip() != '')
        problems.extend((i, key, f'"{raw.at[i, spec["column"]]}" is not a number') for i in raw.index[bad])
        return numbers
    columns = spec.get('columns', [])
    numeric = raw[columns].apply(pd.to_numeric, errors='coerce')
    for column in columns:
        bad = numeric[column].isna() & (raw[column].str.strip() != '')
        problems.extend((i, key, f'{column} "{raw.at[i, column]}" is not a number') for i in raw.index[bad])
    return numeric.eval(spec['expression'], engine='python').astype(float)


def _line_from_parser_error(error: Exception) -> int:
    text = str(error)
    marker = 'line '
    if marker in text:
        digits = ''.join(ch for ch in text.split(marker, 1)[1] if ch.isdigit() or ch == ' ').split()
        if digits:
            return int(digits[0])
    return 1
