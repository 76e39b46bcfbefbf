"""Import of a salon's booking-system export (the seven CSV files of the Kaggle hair-salon data set).

Every file is read and checked before anything is written; then everything is written in one
transaction, so a bad file changes nothing and the error names the file, line and field.

Each row of the export is one record. The export has no booking ids, so a row is recognised by its
content plus how often identical content occurred before it in the same file (its *occurrence*):
importing the same files twice, or a later export that repeats the same rows, adds nothing twice.
Imported history is kept as it was, even where it breaks today's booking rules.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from sqlmodel import Session, col, select

from app.models import (
    Booking,
    BookingStatus,
    Channel,
    Customer,
    Location,
    LocationCreate,
    Product,
    Receipt,
    ReceiptLine,
    ReceiptLineTax,
    Service,
    StaffMember,
    UserRead,
    WorkingHours,
)
from app.models.booking import TIME_NOT_RECORDED
from app.services import clock, events, i18n
from app.services.accounts.access import MANAGING_ROLES, OWNER_ROLES, ensure_location, ensure_role
from app.services.amounts import digits, max_minor, quantum, too_large, too_precise
from app.services.analytics import store as analytics_store
from app.services.customers import customers
from app.services.database import session_scope
from app.services.errors import ImportRowError, ValidationError
from app.services.i18n import N_, _
from app.services.imports import tabular

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

SALON_FILES = {
    'services': 'Service Listing0.csv',
    'products': 'Product Listing (Retail)0.csv',
    'bookings': 'Future Bookings (All Clients)0.csv',
    'no_shows': 'No-Show Report0.csv',
    'cancellations': 'Client Cancellations0.csv',
    'receipts': 'Receipt Transactions0.csv',
    'features': 'hair_salon_no_show_wrangled_df.csv',
}
REQUIRED_COLUMNS = {
    'services': ['IsActive', 'Code', 'Desc', 'Cate', 'Price', 'Cost'],
    'products': ['IsActive', 'Code', 'Description', 'Supplier', 'Brand', 'Category', 'Price', 'On Hand', 'Minimum',
                 'Maximum', 'Cost'],
    'bookings': ['Code', 'Staff', 'Service', 'Date', 'TimeInt'],
    'no_shows': ['Date', 'Code', 'Service', 'Staff'],
    'cancellations': ['Cancel Date', 'Code', 'Service', 'Staff', 'Booking Date', 'Canceled By', 'Days'],
    'receipts': ['Receipt', 'Date', 'Description', 'Client', 'Staff', 'Quantity', 'Amount', 'GST', 'PST'],
    'features': ['noshow'],
}
LENGTHS = {
    'services': {'Code': 40, 'Desc': 200, 'Cate': 80},
    'products': {'Code': 60, 'Description': 200, 'Brand': 80, 'Supplier': 80, 'Category': 80},
    'bookings': {'Code': 40, 'Staff': 80, 'Service': 40},
    'no_shows': {'Code': 40, 'Staff': 80, 'Service': 40},
    'cancellations': {'Code': 40, 'Staff': 80, 'Service': 40, 'Canceled By': 80},
    'receipts': {'Receipt': 40, 'Description': 200, 'Client': 40, 'Staff': 80},
}
"""The longest text each column may hold (the database columns it fills)."""
KINDS = {'services': N_('services'), 'products': N_('products'), 'staff': N_('staff'), 'customers': N_('customers'),
         'bookings': N_('bookings'), 'no_shows': N_('no shows'), 'cancellations': N_('cancellations'),
         'receipts': N_('receipts'), 'receipt_lines': N_('receipt lines')}
"""What an import counts, in words (:meth:`ImportReport.summary`)."""
STEPS = {'services': N_('Services done'), 'products': N_('Products done'), 'people': N_('People done'),
         'bookings': N_('Bookings done'), 'no_shows': N_('No shows done'), 'cancellations': N_('Cancellations done'),
         'receipts': N_('Receipts done')}
"""Progress after each step of the import."""
SALON_LOCATION = LocationCreate(name='Hair salon (Toronto)', time_zone='America/Toronto', currency='CAD',
                                tax_rates=[{'name': 'GST', 'percent': '5'}, {'name': 'PST', 'percent': '8'}])
DEFAULT_HOURS = [(weekday, 8 * 60, 20 * 60) for weekday in range(6)]
"""Working hours given to staff first seen in an export (Mon–Sat 08:00–20:00); edit them afterwards."""


@dataclass
class ImportReport:
    """What an import added (``created``) and recognised as already there (``skipped``), per kind."""

    location_id: int
    created: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people in the current language, e.g. ``bookings 1906 new, receipts 1436 new …``."""
        kinds = sorted(set(self.created) | set(self.skipped))
        return ', '.join((_('{kind} {new} new ({already} already there)') if self.skipped[k] else
                          _('{kind} {new} new')).format(kind=_(KINDS[k]) if k in KINDS else k.replace('_', ' '),
                                                        new=self.created[k], already=self.skipped[k])
                         for k in kinds) or _('nothing to import')

    def stored_summary(self) -> str:
        """The summary for other tabs (an event's toast), stored to be shown in each reader's language."""
        return i18n.deferred(N_('{added} records added, {already} already there'),
                             added=sum(self.created.values()), already=sum(self.skipped.values()))


@dataclass(frozen=True)
class Row:
    """One data row: its file kind, line number (header = 1), values by column and content key."""

    kind: str
    line: int
    values: dict[str, str]
    key: str

    def __getitem__(self, column: str) -> str:
        return self.values[column].strip()


def import_salon(directory: Path, *, actor: UserRead, location: LocationCreate = SALON_LOCATION,
                 as_of: datetime | None = None, progress: Progress | None = None) -> ImportReport:
    """Import the salon export in ``directory`` into one location: the one named ``location.name``,
    created from ``location`` if absent (owners only); a manager imports into their own location only.

    Files are looked up by their export names (:data:`SALON_FILES`); absent files are skipped.
    Future Bookings become bookings (``completed`` if they started before ``as_of``, else ``booked``;
    rows of the No-Show Report turn the matching booking into a no-show); Client Cancellations become
    cancelled bookings with who cancelled and the days of notice; receipt rows are grouped by receipt
    number into receipts with lines (before tax, minor units) and their GST/PST (4 decimals).

    :raises ImportRowError: a row is malformed (names file, line, field); nothing was written
    :raises ValidationError: no export file in ``directory``
    :raises PermissionDeniedError: only owners and managers import; a manager into another location, or
        a new one
    """
    ensure_role(actor, MANAGING_ROLES, 'import data')
    report_progress = progress or (lambda _fraction, _message: None)
    paths = {kind: Path(directory) / name for kind, name in SALON_FILES.items() if (Path(directory) / name).is_file()}
    if not paths:
        example = SALON_FILES['bookings']
        raise ValidationError(_('No salon export files found in {directory} (expected e.g. "{example}").').format(
            directory=directory, example=example))
    rows = {kind: read_rows(kind, path) for kind, path in paths.items()}
    report_progress(0.1, _('Files read'))
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        writer = _Writer(session, location, now, report_progress, actor=actor)
        writer.run(rows)
        report = writer.report
    if 'features' in rows:
        report.notes.append(_('{file}: derived model features without dates or customer codes; {n} rows checked, '
                              'none imported.').format(file=SALON_FILES['features'], n=len(rows['features'])))
    report_progress(0.98, _('Preparing the analytics'))
    analytics_store.warm([report.location_id])  # the first visit to Analytics after an import is quick
    report_progress(1.0, report.summary())
    events.publish(events.DataImported(location_id=report.location_id, summary=report.stored_summary()))
    return report


def read_rows(kind: str, path: Path) -> list[Row]:
    """Read one export file into :class:`Row` objects, checking columns and row length (through
    :mod:`app.services.imports.tabular`: encoding, size and row limits; call it from a worker thread).

    :raises ImportRowError: missing column, or a row with more or fewer fields than the header
    :raises ValidationError: unreadable, empty or too large file
    """
    table = tabular.read_raw(path)
    name, header = table.file, table.header
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in header]
    if missing:
        raise tabular.row_error(_('missing column(s) {columns}').format(columns=', '.join(missing)), file=name,
                                line=1)
    seen: Counter = Counter()
    rows = []
    for line, cells in table.numbered():
        if len(cells) != len(header) and (len(cells) < len(header) or ''.join(cells[len(header):]).strip()):
            raise tabular.row_error(_('expected {expected} fields, found {found} (truncated or broken row)').format(
                expected=len(header), found=len(cells)), file=name, line=line)
        values = cells[:len(header)]
        for column, longest in LENGTHS.get(kind, {}).items():
            text = values[header.index(column)].strip() if column in header else ''
            if len(text) > longest or '\x00' in text:
                problem = _('holds a NUL character') if '\x00' in text else _(
                    'is {length} characters; at most {most}').format(length=len(text), most=longest)
                raise tabular.row_error(problem, file=name, line=line, field=column)
        content = '\x1f'.join(v.strip() for v in values)
        seen[content] += 1
        key = hashlib.sha256(f'{kind}\x1e{content}\x1e{seen[content]}'.encode()).hexdigest()
        rows.append(Row(kind, line, dict(zip(header, values, strict=True)), key))
    return rows


class _Writer:
    """Writes checked rows into one session; raises :class:`ImportRowError` on the first bad value."""

    def __init__(self, session: Session, location: LocationCreate, as_of: datetime, progress: Progress, *,
                 actor: UserRead) -> None:
        self.session = session
        self.as_of = as_of
        self.progress = progress
        existing = session.exec(select(Location).where(Location.name == location.name)).first()
        if existing is None:
            ensure_role(actor, OWNER_ROLES, _('add a location ("{name}" does not exist)').format(name=location.name))
        else:
            ensure_location(actor, existing.id)
        if existing is None:
            existing = Location.model_validate(location)
            session.add(existing)
            session.flush()
        self.location = existing
        self.tz = existing.time_zone
        self.report = ImportReport(location_id=existing.id)
        self.services = {s.code: s for s in self._all(Service)}
        self.products = {p.code: p for p in self._all(Product)}
        self.staff = {s.name: s for s in self._all(StaffMember)}
        customers.lock_codes(session, existing.id)  # codes a desk is giving new customers now are seen, not duplicated
        self.customers = {c.code: c for c in self._all(Customer)}
        self.step_range = (0.0, 1.0)
        self.booking_keys = {b.import_key: b for b in self._all(Booking) if b.import_key}

    def run(self, rows: dict[str, list[Row]]) -> None:
        steps = [('services', self.services_), ('products', self.products_), ('people', self.people_),
                 ('bookings', self.bookings_), ('no_shows', self.no_shows_), ('cancellations', self.cancellations_),
                 ('receipts', self.receipts_)]
        for i, (kind, step) in enumerate(steps):
            self.step_range = (0.1 + 0.85 * i / len(steps), 0.1 + 0.85 * (i + 1) / len(steps))
            step(rows) if kind == 'people' else step(rows.get(kind, []))
            self.session.flush()
            self.progress(0.1 + 0.85 * (i + 1) / len(steps), _(STEPS[kind]))

    def people_(self, rows: dict[str, list[Row]]) -> None:
        """Create every staff member and customer the files name, in one batch."""
        staff_names = {row['Staff'] for kind in ('bookings', 'no_shows', 'cancellations', 'receipts')
                       for row in rows.get(kind, [])} - set(self.staff) - {''}
        codes = ({row['Code'] for kind in ('bookings', 'no_shows', 'cancellations') for row in rows.get(kind, [])}
                 | {row['Client'] for row in rows.get('receipts', [])}) - set(self.customers) - {''}
        for name in sorted(staff_names):
            self.staff[name] = StaffMember(location_id=self.location.id, name=name)
        for code in sorted(codes):
            self.customers[code] = Customer(location_id=self.location.id, code=code, name=code,
                                            notes='Imported from the salon export (name not in the export)')
        self.session.add_all([self.staff[n] for n in staff_names] + [self.customers[c] for c in codes])
        self.session.flush()
        self.session.add_all([WorkingHours(staff_member_id=self.staff[name].id, weekday=weekday, start_minute=start,
                                           end_minute=end)
                              for name in staff_names for weekday, start, end in DEFAULT_HOURS])
        self.report.created['staff'] += len(staff_names)
        self.report.created['customers'] += len(codes)

    def services_(self, rows: list[Row]) -> None:
        for row in rows:
            if row['Code'] in self.services:
                self.report.skipped['services'] += 1
                continue
            service = Service(location_id=self.location.id, code=row['Code'], name=row['Desc'] or row['Code'],
                              category=row['Cate'], price_cents=_cents(row, 'Price', self.location.currency),
                              cost_cents=_cents(row, 'Cost', self.location.currency, exact=False),
                              duration_minutes=None, active=_flag(row, 'IsActive'))
            self.session.add(service)
            self.services[service.code] = service
            self.report.created['services'] += 1

    def products_(self, rows: list[Row]) -> None:
        for row in rows:
            if row['Code'] in self.products:
                self.report.skipped['products'] += 1
                continue
            product = Product(location_id=self.location.id, code=row['Code'], name=row['Description'] or row['Code'],
                              brand=row['Brand'], supplier=row['Supplier'], category=row['Category'],
                              price_cents=_cents(row, 'Price', self.location.currency),
                              cost_cents=_cents(row, 'Cost', self.location.currency, exact=False),
                              stock_on_hand=_int(row, 'On Hand'), stock_minimum=_int(row, 'Minimum'),
                              stock_maximum=_int(row, 'Maximum'), active=_flag(row, 'IsActive'))
            self.session.add(product)
            self.products[product.code] = product
            self.report.created['products'] += 1

    def bookings_(self, rows: list[Row]) -> None:
        for i, row in enumerate(rows):
            if row.key in self.booking_keys:
                self.report.skipped['bookings'] += 1
                continue
            service = self._service(row, 'Service')
            minute = _int(row, 'TimeInt')
            if not 0 <= minute < 24 * 60:
                raise _error(row, 'TimeInt', _('{minute} is not a time of day (minutes after midnight, '
                                               '0–1439)').format(minute=minute))
            starts_at = clock.local_datetime(_date(row, 'Date'), minute, self.tz)
            ends_at = starts_at + _minutes(service.duration_minutes)
            status = BookingStatus.COMPLETED if starts_at < self.as_of else BookingStatus.BOOKED
            self._add_booking(row, service, starts_at, ends_at, status)
            if i % 500 == 0:
                low, high = self.step_range
                self.progress(low + (high - low) * i / len(rows), _('Bookings: {done} of {total}').format(
                    done=i, total=len(rows)))

    def no_shows_(self, rows: list[Row]) -> None:
        """Mark the k-th booking with the same date, customer, service and staff as a no-show."""
        by_content: dict[tuple, list[Booking]] = defaultdict(list)
        for booking in sorted(self.booking_keys.values(), key=lambda b: b.id or 0):
            if booking.channel == Channel.IMPORT and booking.status != BookingStatus.CANCELLED:
                by_content[self._content(booking)].append(booking)
        taken: Counter = Counter()
        for row in rows:
            service = self._service(row, 'Service')
            content = (_date(row, 'Date'), row['Code'], service.code, row['Staff'])
            candidates = by_content.get(content, [])
            if taken[content] < len(candidates):
                booking = candidates[taken[content]]
                taken[content] += 1
                if booking.status != BookingStatus.NO_SHOW:
                    booking.status = BookingStatus.NO_SHOW.value
                    self.session.add(booking)
                    self.report.created['no_shows'] += 1
                else:
                    self.report.skipped['no_shows'] += 1
            elif row.key in self.booking_keys:
                self.report.skipped['no_shows'] += 1
            else:  # a no-show the booking list does not hold: keep it, time unknown
                starts_at = clock.local_datetime(content[0], 0, self.tz)
                booking = self._add_booking(row, service, starts_at, starts_at, BookingStatus.NO_SHOW)
                booking.notes = f'{TIME_NOT_RECORDED} in the export (no-show)'
                booking.time_known = False
                self.report.created['no_shows'] += 1

    def cancellations_(self, rows: list[Row]) -> None:
        for row in rows:
            if row.key in self.booking_keys:
                self.report.skipped['cancellations'] += 1
                continue
            service = self._service(row, 'Service')
            starts_at = clock.local_datetime(_date(row, 'Booking Date'), 0, self.tz)  # the export has no time
            booking = self._add_booking(row, service, starts_at, starts_at, BookingStatus.CANCELLED, count=False)
            booking.cancelled_at = clock.local_datetime(_date(row, 'Cancel Date'), 0, self.tz)
            booking.cancelled_by = row['Canceled By'] or None
            booking.notice_days = _int(row, 'Days') if row['Days'] else None
            booking.notes = f'{TIME_NOT_RECORDED} in the export (cancelled booking)'
            booking.time_known = False
            self.report.created['cancellations'] += 1

    def receipts_(self, rows: list[Row]) -> None:
        receipts = {r.number: r for r in self._all(Receipt)}
        line_keys = set(self.session.exec(
            select(ReceiptLine.import_key).join(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .where(Receipt.location_id == self.location.id, col(ReceiptLine.import_key).is_not(None))).all())
        new_rows = [row for row in rows if row.key not in line_keys]
        self.report.skipped['receipt_lines'] += len(rows) - len(new_rows)
        for row in new_rows:  # first the receipts, in one batch
            if not row['Receipt']:
                raise _error(row, 'Receipt', _('the receipt number is blank'))
            if row['Receipt'] not in receipts:
                receipts[row['Receipt']] = Receipt(
                    location_id=self.location.id, number=row['Receipt'],
                    issued_at=clock.local_datetime(_date(row, 'Date'), 0, self.tz),
                    customer_id=self._customer(row['Client']), staff_member_id=self._staff(row['Staff']))
                self.session.add(receipts[row['Receipt']])
                self.report.created['receipts'] += 1
        self.session.flush()
        names = {s.name.lower(): s for s in self.services.values()}
        product_names = {p.name.lower(): p for p in self.products.values()}
        lines: list[tuple[Row, ReceiptLine]] = []
        for row in new_rows:  # then their lines
            description = row['Description']
            service, product = names.get(description.lower()), product_names.get(description.lower())
            lines.append((row, ReceiptLine(
                receipt_id=receipts[row['Receipt']].id, service_id=service.id if service else None,
                product_id=None if service or not product else product.id, staff_member_id=self._staff(row['Staff']),
                description=description, quantity=_int(row, 'Quantity'),
                amount_cents=_cents(row, 'Amount', self.location.currency, signed=True), import_key=row.key)))
        self.session.add_all([line for _, line in lines])
        self.session.flush()
        self.session.add_all([ReceiptLineTax(receipt_line_id=line.id, name=tax, amount=_decimal(row, tax, 4))
                              for row, line in lines for tax in ('GST', 'PST')])
        self.report.created['receipt_lines'] += len(lines)

    # --- helpers ---------------------------------------------------------------------------------------------------

    def _add_booking(self, row: Row, service: Service, starts_at: datetime, ends_at: datetime,
                     status: BookingStatus, *, count: bool = True) -> Booking:
        booking = Booking(location_id=self.location.id, customer_id=self._customer(row['Code']),
                          service_id=service.id, staff_member_id=self._staff(row['Staff']), starts_at=starts_at,
                          ends_at=ends_at, status=status.value, channel=Channel.IMPORT.value,
                          price_cents=service.price_cents, booked_at=None, import_key=row.key)
        self.session.add(booking)
        self.booking_keys[row.key] = booking
        if count:
            self.report.created['bookings'] += 1
        return booking

    def _content(self, booking: Booking) -> tuple:
        customer = self.session.get(Customer, booking.customer_id) if booking.customer_id else None
        service = self.session.get(Service, booking.service_id)
        staff = self.session.get(StaffMember, booking.staff_member_id)
        return (clock.local_day(booking.starts_at, self.tz), customer.code if customer else '', service.code,
                staff.name)

    def _service(self, row: Row, column: str) -> Service:
        service = self.services.get(row[column])
        if service is None:
            raise _error(row, column, _('unknown service code "{code}" (not in {file} nor already imported)').format(
                code=row[column], file=SALON_FILES['services']))
        return service

    def _staff(self, name: str) -> int | None:
        return self.staff[name].id if name else None

    def _customer(self, code: str) -> int | None:
        return self.customers[code].id if code else None

    def _all(self, model: type) -> list:
        return list(self.session.exec(select(model).where(model.location_id == self.location.id)))


def _error(row: Row, column: str, message: str) -> ImportRowError:
    return tabular.row_error(message, file=SALON_FILES[row.kind], line=row.line, field=column)


def _date(row: Row, column: str) -> date:
    try:
        return datetime.strptime(row[column], '%m/%d/%Y').date()
    except ValueError:
        raise _error(row, column, _('"{value}" is not a date in MM/DD/YYYY form').format(value=row[column])) from None


def _int(row: Row, column: str) -> int:
    try:
        return int(row[column])
    except ValueError:
        raise _error(row, column, _('"{value}" is not a whole number').format(value=row[column])) from None


def _decimal(row: Row, column: str, places: int) -> Decimal:
    try:
        value = Decimal(row[column] or '0')
    except InvalidOperation:
        raise _error(row, column, _('"{value}" is not a number').format(value=row[column])) from None
    if not value.is_finite():
        raise _error(row, column, _('"{value}" is not a number').format(value=row[column]))
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _cents(row: Row, column: str, currency: str, *, signed: bool = False, exact: bool = True) -> int:
    """An amount of the location's ``currency`` (major units, as the export writes it) in its minor units
    (:func:`~app.services.amounts.digits`: ``1500`` RWF → 1500, ``12.50`` KES → 1250, ``1.250`` BHD → 1250);
    ``exact=False`` rounds half-up to the currency's unit (costs are exported with sub-cent values), else more
    decimals than the currency has are refused naming the file, line and field."""
    value = _decimal(row, column, 4)
    unit = quantum(currency)
    if not exact:
        value = value.quantize(unit, rounding=ROUND_HALF_UP)
    if value != value.quantize(unit):
        if digits(currency) == 2:
            raise _error(row, column, _('"{value}" has more than two decimals').format(value=row[column]))
        raise _error(row, column, _('"{value}": {reason}').format(value=row[column], reason=too_precise(currency)))
    if value < 0 and not signed:
        raise _error(row, column, _('"{value}" is negative').format(value=row[column]))
    minor = value.scaleb(digits(currency))
    if abs(minor) > max_minor(currency):
        raise _error(row, column, _('"{value}" is too large an amount ({limit})').format(
            value=row[column], limit=too_large(currency)))
    return int(minor)


def _flag(row: Row, column: str) -> bool:
    value = row[column].upper()
    if value not in {'TRUE', 'FALSE'}:
        raise _error(row, column, _('"{value}" is not TRUE or FALSE').format(value=row[column]))
    return value == 'TRUE'


def _minutes(minutes: int | None) -> timedelta:
    return timedelta(minutes=minutes or 0)
