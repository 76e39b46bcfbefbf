"""A customer's own data, on their request: everything the shop holds about one customer as a zip of JSON files and
their chat's attachments — the subject access request of the GDPR (art. 15) and of Kenya's Data Protection Act 2019
(s. 26). Owners and managers of the customer's location; logged.

What it holds: the customer's record (details, consents, notes and alerts staff keep), then every row of every table
with a ``customer_id`` of theirs (bookings, receipts, messages sent to them, their chat, waitlist entries, inquiries,
campaigns they were sent, discount codes they used, loyalty points) and the rows hanging off those (receipt lines,
payments, mobile-money payments, chat messages and attachments), each table as ``<table>.json`` (a list of objects,
times in UTC ISO 8601, amounts in minor units as stored), and ``attachments/<id>-<file name>``. Columns holding
secrets (tokens, hashes) are left out. Found by the schema, so a new table with a ``customer_id`` is in it at once.
"""

from __future__ import annotations

import json
import re
import secrets
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import SQLModel

from app.config import get_settings
from app.models import Customer, UserRead
from app.services import files, i18n
from app.services.accounts import activity
from app.services.accounts.access import MANAGING_ROLES, ensure_location, ensure_role
from app.services.customers import chat
from app.services.database import session_scope
from app.services.errors import NotFoundError
from app.services.i18n import N_, _

CHILDREN = {'receipt_line': ('receipt_id', 'receipt'), 'payment': ('receipt_id', 'receipt'),
            'mobile_payment': ('receipt_id', 'receipt'), 'chat_message': ('conversation_id', 'conversation'),
            'chat_attachment': ('conversation_id', 'conversation')}
"""Rows that belong to a customer through another row of theirs: table → (its column, the table it points to)."""
SECRET = re.compile(r'token|secret|hash|password', re.I)


def export_customer(customer_id: int, *, actor: UserRead, as_of: datetime | None = None) -> Path:
    """Write the customer's data (module docstring) as a zip in ``<data dir>/exports``; returns its path. Blocking.

    :raises NotFoundError: no such customer (or merged into another, or erased: nothing is left to give)
    :raises PermissionDeniedError: not an owner or manager, or another location's customer
    """
    ensure_role(actor, MANAGING_ROLES, N_("export a customer's data"))
    tables = SQLModel.metadata.tables
    with session_scope(write=True) as session:
        customer = session.get(Customer, customer_id)
        if customer is None or customer.merged_into is not None or customer.erased_at is not None:
            raise NotFoundError(_('That customer no longer exists (merged or erased).'))
        ensure_location(actor, customer.location_id)
        connection = session.connection()
        held: dict[str, list[dict[str, Any]]] = {'customer': _rows(connection, tables['customer'],
                                                                   tables['customer'].c.id == customer_id)}
        for table in SQLModel.metadata.sorted_tables:
            if 'customer_id' in table.c and table.name != 'customer':
                held[table.name] = _rows(connection, table, table.c.customer_id == customer_id)
        for name, (column, parent) in CHILDREN.items():
            ids = [row['id'] for row in held.get(parent, [])]
            held[name] = _rows(connection, tables[name], tables[name].c[column].in_(ids)) if ids else []
        attachments = [(row['id'], row['file_name'], chat.attachments_dir() / row['stored_name'])
                       for row in _rows(connection, tables['chat_attachment'],
                                        tables['chat_attachment'].c.id.in_([r['id'] for r in held['chat_attachment']]),
                                        keep_secrets=True)]
        activity.add(session, actor, 'customer_exported', i18n.deferred(
            N_('Customer {code}: their data exported on request'), code=customer.code),
            location_id=customer.location_id)
        code = customer.code
    folder = files.private_folder(get_settings().data_dir / 'exports')
    moment = (as_of or datetime.now(UTC)).astimezone(UTC)
    path = folder / f'customer-{code}-{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.zip'
    with zipfile.ZipFile(path, 'x', compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('README.txt', _readme(moment))
        for name, rows in held.items():
            archive.writestr(f'{name}.json', json.dumps(rows, indent=1, ensure_ascii=False, default=_plain))
        for attachment_id, file_name, stored in attachments:
            if stored.is_file():
                archive.write(stored, f'attachments/{attachment_id}-{Path(file_name).name or "file"}')
    files.private_file(path)
    return path


def _rows(connection, table: Table, where, *, keep_secrets: bool = False) -> list[dict[str, Any]]:
    columns = [c for c in table.c if keep_secrets or not SECRET.search(c.name)]
    found = connection.execute(select(*columns).where(where).order_by(table.c[columns[0].name])).mappings()
    return [dict(row) for row in found]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return None
    return str(value)


def _readme(moment: datetime) -> str:
    return _('Everything this shop holds about you, as of {when} (UTC): your record (customer.json), and each kind of '
             'record that names you, one JSON file each (bookings, receipts and their lines and payments, messages '
             'sent to you, your chat and its attachments in attachments/, waitlist, loyalty points). Amounts are in '
             'the currency\'s smallest unit (cents).').format(when=f'{moment:%Y-%m-%d %H:%M}') + '\n'
