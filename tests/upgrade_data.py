"""Realistic rows in every table of a database at any revision, and a fingerprint of them (issue 31).

No old code is needed: the schema of a revision is what the current migrations make of it (``alembic upgrade REV``),
and the rows are generated from that schema by reflection — every column filled with a value of its type that
honours its foreign keys, uniques and CHECK constraints, a few dozen rows per table — so a migration added tomorrow
is tested against data in every table that exists before it, with nothing to write by hand.

Values that code reads are the kind the app writes (time zones, currencies, locales, JSON shapes); generated
locations use USD and KES (two decimals), so migrations that rescale money of currencies with 0 or 3 decimals
leave them alone.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

ROWS = 24  # per table
LOCATIONS = 3
START = datetime(2026, 3, 2, 9, 0)
# columns whose values code reads (migrations, the app): values of the kind the app writes
NAMED = {
    'time_zone': lambda i: ('Africa/Nairobi', 'America/Toronto', 'Europe/Paris')[i % 3],
    'currency': lambda i: ('USD', 'KES')[i % 2],
    'locale': lambda i: ('en_US', 'sw_KE', 'fr_FR')[i % 3],
    'language': lambda i: ('en', 'sw', 'fr')[i % 3],
    'country': lambda i: ('US', 'KE', 'FR')[i % 3],
    'email': lambda i: f'person{i}@shop{i % 3}.test',
    'phone': lambda i: f'+2547{i:08d}',
    'tax_rates': lambda i: [{'name': 'VAT', 'rate': '16', 'applies_to': 'both'}] if i % 2 else [],
    'opening_hours': lambda i: {str(day): [[540, 1080]] for day in range(6)},
    'closures': lambda i: [],
    'reminder_hours': lambda i: [24, 2],
    'tags': lambda i: ['vip'] if i % 3 == 0 else [],
    'consent': lambda i: {'email': True, 'sms': i % 2 == 0},
}


def fill(connection: Connection, rows: int = ROWS) -> dict[str, int]:
    """Insert generated rows into every table of the connected database (except Alembic's).

    :returns: table name → number of rows inserted
    """
    metadata = sa.MetaData()
    metadata.reflect(connection)
    tables = [t for t in metadata.sorted_tables if t.name != 'alembic_version']
    checks = {t.name: _checks(connection, t.name) for t in tables}
    keys: dict[str, list[dict]] = {}  # table → the inserted rows (for foreign keys)
    counts: dict[str, int] = {}
    for table in tables:
        wanted = LOCATIONS if table.name == 'location' else rows
        for fk in _single_unique_foreign_keys(table):  # one row per parent row at most
            wanted = min(wanted, len(keys.get(fk.column.table.name, [])))
        generated = [_row(table, i, keys, checks[table.name]) for i in range(wanted)]
        if generated:
            connection.execute(table.insert(), generated)
        keys[table.name] = generated
        counts[table.name] = len(generated)
    if connection.dialect.name == 'postgresql':  # the next id after the generated ones
        for table in tables:
            key = list(table.primary_key.columns)
            if len(key) == 1 and isinstance(key[0].type, sa.Integer) and counts[table.name]:
                connection.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key[0].name}'), "
                    f'(SELECT max({key[0].name}) FROM {table.name})) '
                    f"WHERE pg_get_serial_sequence('{table.name}', '{key[0].name}') IS NOT NULL"))
    return counts


def fingerprint(connection: Connection) -> dict[str, dict]:
    """Per table: its row count and, per column, a SHA-256 of the column's values in primary-key order.

    Values are compared as what they mean (a time as UTC, JSON with sorted keys, a whole number as one however
    wide its column), so a column that changes type without changing data keeps its hash.
    """
    metadata = sa.MetaData()
    metadata.reflect(connection)
    result = {}
    for table in metadata.sorted_tables:
        if table.name == 'alembic_version':
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows = connection.execute(sa.select(table).order_by(*order)).mappings().all()
        result[table.name] = {
            'count': len(rows),
            'columns': {c.name: _hash(row[c.name] for row in rows) for c in table.columns},
        }
    return result


def _row(table: sa.Table, i: int, keys: dict[str, list[dict]], checks: list[str]) -> dict:
    row = {}
    foreign = {fk.parent.name: fk for fk in table.foreign_keys}
    for column in table.columns:
        fk = foreign.get(column.name)
        if fk is not None:
            row[column.name] = _reference(table, column, fk, i, keys)
        elif column.primary_key and isinstance(column.type, sa.Integer):
            row[column.name] = i + 1
        else:
            row[column.name] = _value(table, column, i)
    _obey(row, checks, i)
    return row


def _reference(table, column, fk, i, keys):
    parent = fk.column.table.name
    if parent == table.name or not keys.get(parent):  # a row's own table, or one of a cycle not filled yet
        return None if column.nullable else 1
    parents = keys[parent]
    return parents[i % len(parents)][fk.column.name]


def _value(table: sa.Table, column: sa.Column, i: int):
    name, kind = column.name, column.type
    if name in NAMED:
        return NAMED[name](i)
    if column.nullable and i % 6 == 5 and not _unique(table, column):
        return None  # some of every nullable column is empty, as in a real shop
    if isinstance(kind, sa.Boolean):
        return i % 2 == 0
    if isinstance(kind, sa.Integer):
        if name.endswith('_cents'):
            return 500 + 125 * i
        if name.endswith('minute'):
            return 480 + 15 * (i % 20)
        return i + 1
    if isinstance(kind, sa.Numeric):  # Float and Numeric
        return 1.5 + i if isinstance(kind, sa.Float) else Decimal('1.25') + i
    if isinstance(kind, sa.DateTime):
        moment = START + timedelta(days=i // 8, hours=i % 8, minutes=7 * i % 60)
        return moment.replace(tzinfo=UTC) if kind.timezone else moment
    if isinstance(kind, sa.Date):
        return date(2026, 3, 2) + timedelta(days=i)
    if isinstance(kind, sa.Time):
        return time(9 + i % 8, 15 * (i % 4))
    if isinstance(kind, sa.JSON):
        return {'n': i}
    if isinstance(kind, sa.LargeBinary):
        return f'bytes {i}'.encode()
    if isinstance(kind, sa.Uuid):
        return uuid.UUID(int=i + 1)
    if isinstance(kind, sa.String):  # String, Text, Enum
        text = f'{name.replace("_", " ")} {i + 1} · ü'
        length = getattr(kind, 'length', None)
        return text if not length or len(text) <= length else f'{i + 1}{name}'[:length]
    raise TypeError(f'no generated value for {table.name}.{name} ({kind!r})')


def _obey(row: dict, checks: list[str], i: int) -> None:
    """Make the row satisfy its table's CHECK constraints (the forms the migrations use, as SQLite keeps them or as
    PostgreSQL spells them back: casts, ``= ANY (ARRAY[…])``, parentheses)."""
    for check in checks:
        text = re.sub(r"::[a-z]+(?: varying)?(?:\[\])?", '', check)  # PostgreSQL's casts
        text = re.sub(r'\s+', ' ', re.sub(r'[()]', ' ', text)).strip()  # and parentheses: one flat condition
        if m := re.fullmatch(r'(\w+) IS NULL <> (\w+) IS NULL', text):  # exactly one of two
            row[m[1 + i % 2]] = None
            if row[m[2 - i % 2]] is None:
                row[m[2 - i % 2]] = 10
        elif m := re.fullmatch(r'NOT (\w+) AND (\w+) IS NOT NULL', text):
            row[m[1]] = False
        elif m := re.fullmatch(r'(\w+) IS NULL OR (\w+) IS NULL', text):
            row[m[2]] = None
        elif m := re.fullmatch(r"(?:\w+ IS NULL OR )?(\w+) (?:IN|= ANY ARRAY\[) ?('.*)", text):
            choices = re.findall(r"'([^']*)'", m[2])
            row[m[1]] = choices[i % len(choices)]
        elif m := re.fullmatch(r'(\w+) BETWEEN (\d+) AND (\d+)|(\w+) >= (\d+) AND \4 <= (\d+)', text):
            name, low, high = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
            row[name] = int(low) + i % (int(high) - int(low) + 1)
        elif m := re.fullmatch(r'(\w+) (<|>|>=|<=) (\w+)', text):
            low, high = (m[1], m[3]) if m[2] in {'<', '<='} else (m[3], m[1])
            if row.get(low) is None:
                continue
            step = 60 if isinstance(row[low], int) else timedelta(hours=1)
            row[high] = row[low] + step
        else:
            raise AssertionError(f'tests/upgrade_data.py cannot honour CHECK ({check}): teach _obey its form')


def _checks(connection: Connection, table: str) -> list[str]:
    found = sa.inspect(connection).get_check_constraints(table)
    return [c['sqltext'] for c in found]


def _unique(table: sa.Table, column: sa.Column) -> bool:
    return any(column.name in [c.name for c in constraint.columns]
               for constraint in table.constraints if isinstance(constraint, sa.UniqueConstraint)) or any(
        index.unique and column.name in [c.name for c in index.columns] for index in table.indexes)


def _single_unique_foreign_keys(table: sa.Table):
    for fk in table.foreign_keys:
        column = fk.parent
        alone = [set(c.name for c in x.columns) for x in table.constraints
                 if isinstance(x, sa.UniqueConstraint | sa.PrimaryKeyConstraint)]
        alone += [set(c.name for c in x.columns) for x in table.indexes if x.unique]
        if {column.name} in alone and fk.column.table.name != table.name:
            yield fk


def _hash(values) -> str:
    digest = hashlib.sha256()
    for value in values:
        digest.update(_normal(value).encode())
        digest.update(b'\x1f')
    return digest.hexdigest()


def _normal(value) -> str:
    if value is None:
        return 'NULL'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return format(Decimal(str(value)).normalize(), 'f')
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)
