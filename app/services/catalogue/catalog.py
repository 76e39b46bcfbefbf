"""Services and retail products."""

from __future__ import annotations

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col, select
from stdnum import ean
from stdnum.exceptions import ValidationError as BarcodeError

from app.models import (
    Location,
    Product,
    ProductCreate,
    ProductRead,
    Role,
    Service,
    ServiceCreate,
    ServiceRead,
    ServiceResource,
    StaffMember,
    StaffService,
    StockMovement,
    UserRead,
)
from app.models.catalog import STOCK_KINDS
from app.services import amounts, events, i18n, notifications
from app.services.accounts import activity
from app.services.accounts.access import (
    EVERY_ROLE,
    FRONT_DESK_ROLES,
    MANAGING_ROLES,
    ensure_location,
    ensure_reader,
    ensure_role,
)
from app.services.amounts import check_amount
from app.services.catalogue import resources
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError, validated
from app.services.i18n import N_, _


def list_services(location_id: int, *, actor: UserRead, include_inactive: bool = False) -> list[ServiceRead]:
    """Services of a location by category then name; archived ones only with ``include_inactive``. A kiosk reads
    only the services offered at the kiosk (:attr:`Service.kiosk`).

    :raises PermissionDeniedError: another location
    """
    ensure_reader(actor, location_id, EVERY_ROLE)
    with session_scope() as session:
        query = select(Service).where(Service.location_id == location_id)
        if not include_inactive or actor.role == Role.KIOSK:
            query = query.where(Service.active)
        if actor.role == Role.KIOSK:
            query = query.where(Service.kiosk)
        return [ServiceRead.model_validate(s) for s in session.exec(query.order_by(Service.category, Service.name))]


def create_services(services: list[ServiceCreate], *, actor: UserRead,
                    performers: list[int] | None = None, needs: dict[str, int] | None = None) -> list[ServiceRead]:
    """Add several services in one transaction (the first-run setup's list), all or none; a service without a
    code gets one from its name (``CUT``, ``CUT2``…). ``performers``: the only active staff members (ids) who
    perform them (None: whoever performs every service). ``needs``: the units of each kind of resource each needs
    (:func:`~app.services.catalogue.resources.write_needs`; None: none).

    :raises ValidationError: a code or name used twice, or already used at the location; a performer of another
        location (``field='performers'``)
    :raises PermissionDeniedError: only owners and managers change the menu, at their own location
    """
    ensure_role(actor, MANAGING_ROLES, N_('change the service menu'))
    created: list[ServiceRead] = []
    taken: dict[int, tuple[set[str], set[str]]] = {}  # location → (codes, lower-case names), read once each
    with session_scope(write=True) as session:
        for data in services:
            ensure_location(actor, data.location_id)
            _check_money(data)
            if data.location_id not in taken:
                existing = session.exec(select(Service.code, Service.name).where(
                    Service.location_id == data.location_id)).all()
                taken[data.location_id] = ({row[0] for row in existing}, {row[1].lower() for row in existing})
            codes, names = taken[data.location_id]
            if data.name.strip().lower() in names:
                raise ValidationError(_('There is already a service called {name}.').format(name=data.name),
                                      field='name')
            code = data.code or _code_for(data.name, codes)
            if code in codes:
                raise ValidationError(_('The code {code} is already used by another service.').format(code=code),
                                      field='code')
            codes.add(code)
            names.add(data.name.strip().lower())
            service = Service.model_validate(data.model_copy(update={'code': code}))
            session.add(service)
            session.flush()
            if performers is not None:
                _set_performers(session, service, performers)
            if needs:
                resources.write_needs(session, service, needs)
            created.append(ServiceRead.model_validate(service))
            activity.add(session, actor, 'service_added', i18n.deferred('New service: {name}', name=service.name),
                         location_id=service.location_id)
    for service in created:
        events.publish(events.CatalogueChanged(location_id=service.location_id,
                                               summary=i18n.deferred('New service: {name}', name=service.name)))
    return created


def create_products(products: list[ProductCreate], *, actor: UserRead) -> list[ProductRead]:
    """Add several retail products in one transaction (the first-run setup's list), all or none: a product without
    a SKU (``code``) gets one from its name (``SHAMPO``, ``SHAMPO2``…); ``stock_on_hand`` becomes its ledger's
    opening movement. Money in minor units.

    :raises ValidationError: a name or SKU used twice or already used at the location (``field`` 'name' or 'code'),
        a price or cost over :data:`~app.models.base.MAX_AMOUNT_CENTS`, a negative stock (``stock_on_hand``)
    :raises PermissionDeniedError: only owners and managers change the products, at their own location
    """
    ensure_role(actor, MANAGING_ROLES, N_('change the products'))
    created: list[ProductRead] = []
    taken: dict[int, tuple[set[str], set[str]]] = {}  # location → (SKUs, lower-case names), read once each
    with session_scope(write=True) as session:
        for data in products:
            ensure_location(actor, data.location_id)
            check_amount(data.price_cents, 'price_cents')
            check_amount(data.cost_cents, 'cost_cents')
            if data.stock_on_hand < 0:
                raise ValidationError(_('The stock on hand cannot be negative.'), field='stock_on_hand')
            if data.location_id not in taken:
                existing = session.exec(select(Product.code, Product.name).where(
                    Product.location_id == data.location_id)).all()
                taken[data.location_id] = ({row[0] for row in existing}, {row[1].lower() for row in existing})
            codes, names = taken[data.location_id]
            name = data.name.strip()
            if not name:
                raise ValidationError(_('Give the product a name.'), field='name')
            if name.lower() in names:
                raise ValidationError(_('There is already a product called {name}.').format(name=name), field='name')
            code = data.code.strip() or _code_for(name, codes, 'PRD')
            if code in codes:
                raise ValidationError(_('The SKU {code} is already used by another product.').format(code=code),
                                      field='code')
            codes.add(code)
            names.add(name.lower())
            product = Product.model_validate(data.model_copy(update={'code': code, 'name': name,
                                                                     'category': data.category.strip()}))
            session.add(product)
            session.flush()
            created.append(ProductRead.model_validate(product))
            activity.add(session, actor, 'product_saved', i18n.deferred('New product: {name}', name=name),
                         location_id=product.location_id)
    for product in created:
        events.publish(events.CatalogueChanged(location_id=product.location_id,
                                               summary=i18n.deferred('New product: {name}', name=product.name)))
    return created


def _check_money(data: ServiceCreate) -> None:
    """:raises ValidationError: a price, cost or deposit over :data:`~app.models.base.MAX_AMOUNT_CENTS` (``field``
    names it)"""
    for name in ('price_cents', 'cost_cents', 'deposit_cents'):
        check_amount(getattr(data, name), name)


def _code_for(name: str, taken: set[str], fallback: str = 'SVC') -> str:
    stem = ''.join(c for c in name.upper() if c.isalnum())[:6] or fallback
    code, number = stem, 1
    while code in taken:
        number += 1
        code = f'{stem}{number}'
    return code


def stock_ledger(product_id: int, *, actor: UserRead) -> list[StockMovement]:
    """A product's stock movements, oldest first; their quantities sum to its stock on hand.

    :raises NotFoundError: no such product
    :raises PermissionDeniedError: another location's product
    """
    with session_scope() as session:
        product = session.get(Product, product_id)
        if product is None:
            raise NotFoundError(_('No such product.'))
        ensure_reader(actor, product.location_id)
        return list(session.exec(select(StockMovement).where(StockMovement.product_id == product_id)
                                 .order_by(StockMovement.at, StockMovement.id)))


def create_service(data: ServiceCreate, *, actor: UserRead) -> ServiceRead:
    """Add a service. :raises ValidationError: the code is taken at the location; a price, cost or deposit over
    :data:`~app.models.base.MAX_AMOUNT_CENTS`"""
    ensure_role(actor, MANAGING_ROLES, N_('change the service menu'))
    ensure_location(actor, data.location_id)
    _check_money(data)
    with session_scope(write=True) as session:
        if session.exec(select(Service).where(Service.location_id == data.location_id,
                                              Service.code == data.code)).first():
            raise ValidationError(_('The code {code} is already used by another service.').format(code=data.code),
                                  field='code')
        service = Service.model_validate(data)
        session.add(service)
        session.flush()
        return ServiceRead.model_validate(service)


def list_products(location_id: int, *, actor: UserRead, include_inactive: bool = False) -> list[ProductRead]:
    """Retail products of a location by brand then name. :raises PermissionDeniedError: kiosk, another location"""
    ensure_reader(actor, location_id)
    with session_scope() as session:
        query = select(Product).where(Product.location_id == location_id)
        if not include_inactive:
            query = query.where(Product.active)
        return [ProductRead.model_validate(p) for p in session.exec(query.order_by(Product.brand, Product.name))]


def adjust_stock(product_id: int, change: int, *, reason: str, actor: UserRead, kind: str | None = None,
                 allow_negative: bool = False) -> ProductRead:
    """Add ``change`` units to a product's stock on hand (negative: sold or used; positive: delivered),
    e.g. ``adjust_stock(7, -1, reason='sold')``, recorded as a movement of ``kind`` (received, sold, adjusted,
    returned; by default received for units in, sold for units out) in the product's ledger. When the stock falls
    below the product's minimum (it was at or above it before), owners and managers are notified ("low stock").

    :raises NotFoundError: no such product
    :raises ValidationError: no change, an unknown kind, an adjustment without a reason, or more taken than is on
        hand (unless ``allow_negative``: stock counted wrong until the next count)
    :raises PermissionDeniedError: not a front-desk role, or another location's product
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('change stock'))
    if change == 0:
        raise ValidationError(_('Enter how many units came in or went out.'), field='change')
    kind = kind or ('received' if change > 0 else 'sold')
    if kind not in STOCK_KINDS or kind == 'opening':
        raise ValidationError(_('"{kind}" is not a kind of stock movement.').format(kind=kind), field='kind')
    if kind == 'adjusted' and not (reason or '').strip():
        raise ValidationError(_('Say why the stock is adjusted (counted, broken, used in the salon…).'),
                              field='reason')
    with session_scope(write=True) as session:
        product = session.exec(select(Product).where(Product.id == product_id).with_for_update()).first()
        if product is None:
            raise NotFoundError(_('No such product.'))
        ensure_location(actor, product.location_id)
        if product.stock_on_hand + change < 0 and not allow_negative:
            raise ValidationError(_('Only {n} of "{name}" on hand.').format(n=product.stock_on_hand, name=product.name),
                                  field='change')
        was_low = product.stock_on_hand < product.stock_minimum
        product.stock_on_hand += change
        session.add(product)
        session.add(StockMovement(product_id=product.id, kind=kind, quantity=change, reason=(reason or '')[:200],
                                  user_id=actor.id or None))
        session.flush()
        result = ProductRead.model_validate(product)
        low = result.below_minimum and not was_low
        signed = f'{change:+d}'
        activity.add(session, actor, 'stock', i18n.deferred(
            '{name}: {change} ({reason}), {n} on hand', name=result.name, change=signed, reason=reason,
            n=result.stock_on_hand), location_id=result.location_id)
        summary = (i18n.deferred('Low stock: {name} — {n} left (minimum {minimum})', name=result.name,
                                 n=result.stock_on_hand, minimum=result.stock_minimum) if low
                   else i18n.deferred('{name}: {n} on hand', name=result.name, n=result.stock_on_hand))
        changed = notifications.prepare(session, events.StockChanged(
            location_id=result.location_id, product_id=result.id, stock_on_hand=result.stock_on_hand, low=low,
            summary=summary))
    events.publish(changed)
    return result


# --- the back office: a service's details, products ----------------------------------------------------------------

_UNCHANGED = object()


def update_service(service_id: int, *, actor: UserRead, name: str, category: str = '', duration_minutes: int | None,
                   buffer_minutes: int | None = None, price_cents: int = 0, cost_cents: int = 0, kiosk: bool = True,
                   active: bool = True, performers: list[int] | object | None = _UNCHANGED,
                   deposit_cents: int | None = None, prep_minutes: int = 0,
                   needs: dict[str, int] | object = _UNCHANGED) -> ServiceRead:
    """Change a service: name, category, duration, preparation before and buffer after (minutes; buffer ``None``:
    the location's default; both keep the staff member, neither is shown to the customer), price and cost (minor
    units, as entered: with or without tax by the location's setting), the deposit asked when it is booked (minor
    units; None: the location's percentage), whether the kiosk offers it, and ``active`` (False archives it: kept
    with its bookings and figures, no longer booked).
    ``needs``: the units of each kind of resource each booking of it takes (``{kind: units}``; omitted: unchanged;
    :func:`~app.services.catalogue.resources.write_needs`).
    ``performers``: the staff members who perform it (ids; omitted: unchanged). A staff member left out who
    performed every service keeps every other one. One transaction; logged; open tabs hear of it.

    :raises ValidationError: an empty or taken name, a negative price or cost, a price, cost or deposit over
        :data:`~app.models.base.MAX_AMOUNT_CENTS`, a duration under a minute, a preparation or buffer outside 0–240
        minutes, a staff
        member of another location (``field`` names the input)
    :raises NotFoundError: no such service
    :raises PermissionDeniedError: not an owner or manager, or another location's service
    """
    ensure_role(actor, MANAGING_ROLES, N_('change the service menu'))
    name = (name or '').strip()
    if not name:
        raise ValidationError(_('Give the service a name.'), field='name')
    if duration_minutes is not None and duration_minutes <= 0:
        raise ValidationError(_('The duration must be at least one minute.'), field='duration_minutes')
    for name_of, cents in (('price_cents', price_cents), ('cost_cents', cost_cents), ('deposit_cents', deposit_cents)):
        check_amount(cents, name_of)
    with session_scope(write=True) as session:
        service = session.exec(select(Service).where(Service.id == service_id).with_for_update()).first()
        if service is None:
            raise NotFoundError(_('That service no longer exists.'))
        ensure_location(actor, service.location_id)
        checked = validated(ServiceCreate, location_id=service.location_id, code=service.code, name=name,
                            category=(category or '').strip(), price_cents=price_cents, cost_cents=cost_cents,
                            duration_minutes=duration_minutes, prep_minutes=prep_minutes,
                            buffer_minutes=buffer_minutes, kiosk=kiosk, active=active, deposit_cents=deposit_cents)
        taken = session.exec(select(Service.id).where(Service.location_id == service.location_id,
                                                      Service.id != service.id,
                                                      col(Service.name).ilike(name))).first()
        if taken is not None:
            raise ValidationError(_('There is already a service called {name}.').format(name=name), field='name')
        changes = _changes(service, checked, ('name', 'category', 'duration_minutes', 'prep_minutes', 'buffer_minutes',
                                              'price_cents', 'cost_cents', 'kiosk', 'active', 'deposit_cents'),
                           currency=session.get(Location, service.location_id).currency)
        for field, value in checked.model_dump(exclude={'location_id', 'code'}).items():
            setattr(service, field, value)
        session.add(service)
        if performers is not _UNCHANGED:
            changes += _set_performers(session, service, list(performers or []))
        if needs is not _UNCHANGED:
            before = {row.kind: row.units for row in session.exec(select(ServiceResource).where(
                ServiceResource.service_id == service.id))}
            wanted, words = resources.write_needs(session, service, dict(needs or {}))
            if wanted != before:
                changes.append(words)
        session.flush()
        result = ServiceRead.model_validate(service)
        summary = _summary(result.name, changes)
        activity.add(session, actor, 'service_changed', summary, location_id=result.location_id)
    events.publish(events.CatalogueChanged(location_id=result.location_id, summary=summary))
    if performers is not _UNCHANGED:
        events.publish(events.StaffChanged(location_id=result.location_id, staff_member_id=None, summary=summary))
    return result


def performers_of(service_id: int, *, actor: UserRead) -> list[int]:
    """Ids of the active staff members who perform a service (those with no list of services perform all).

    :raises NotFoundError, PermissionDeniedError: as :func:`update_service`
    """
    with session_scope() as session:
        service = session.get(Service, service_id)
        if service is None:
            raise NotFoundError(_('That service no longer exists.'))
        ensure_reader(actor, service.location_id)
        return sorted(_performers(session, service))


def _performers(session, service: Service) -> set[int]:
    members = session.exec(select(StaffMember.id).where(StaffMember.location_id == service.location_id,
                                                        StaffMember.active)).all()
    listed = _listed(session, members)
    return {m for m in members if m not in listed or service.id in listed[m]}


def _listed(session, member_ids) -> dict[int, set[int]]:
    """The services each of ``member_ids`` is listed for (a member missing: none listed, so every service)."""
    listed: dict[int, set[int]] = {}
    for member_id, service_id in session.exec(select(StaffService.staff_member_id, StaffService.service_id).where(
            col(StaffService.staff_member_id).in_(list(member_ids)))):
        listed.setdefault(member_id, set()).add(service_id)
    return listed


def _set_performers(session, service: Service, wanted: list[int]) -> list[str]:
    """Make exactly ``wanted`` (active staff of the service's location) perform ``service``."""
    members = dict(session.exec(select(StaffMember.id, StaffMember.name).where(
        StaffMember.location_id == service.location_id, StaffMember.active)).all())
    if not set(wanted) <= set(members):
        raise ValidationError(_('Choose staff members who work at this location.'), field='performers')
    listed = _listed(session, members)
    before = {m for m in members if m not in listed or service.id in listed[m]}
    every = session.exec(select(Service.id).where(Service.location_id == service.location_id)).all()
    for member_id, member_name in members.items():
        performs = member_id in before
        if (member_id in wanted) == performs:
            continue
        if member_id in wanted:
            session.add(StaffService(staff_member_id=member_id, service_id=service.id))
        elif member_id in listed:
            session.execute(sa_delete(StaffService).where(StaffService.staff_member_id == member_id,
                                                          StaffService.service_id == service.id))
        else:  # performed everything: now everything but this
            if len(every) == 1:  # no rows means "every service": nothing else to list
                raise ValidationError(_('{name} performs every service, and this is the only one: add your other '
                                        'services first, or keep them on it.').format(name=member_name),
                                      field='performers')
            for other in every:
                if other != service.id:
                    session.add(StaffService(staff_member_id=member_id, service_id=other))
    after = set(wanted)
    if after == before:
        return []
    names = ', '.join(sorted(members[m] for m in after))
    return [_('performed by {names}').format(names=names) if names else _('performed by nobody')]


_FIELD_WORDS = {
    'name': N_('name'), 'category': N_('category'), 'duration_minutes': N_('duration minutes'),
    'prep_minutes': N_('prep minutes'), 'buffer_minutes': N_('buffer minutes'), 'price_cents': N_('price'),
    'cost_cents': N_('cost'),
    'deposit_cents': N_('deposit'), 'code': N_('SKU'), 'barcode': N_('barcode'), 'brand': N_('brand'),
    'stock_minimum': N_('stock minimum'), 'stock_maximum': N_('stock maximum'),
}
"""How a change names a field (the activity log's words)."""


def _summary(name: str, changes: list[str]) -> str:
    """What a save changed, stored for any reader (:func:`i18n.deferred`; the changes in the saver's words)."""
    if not changes:
        return i18n.deferred('{name}: saved unchanged', name=name)
    return i18n.deferred('{name}: {changes}', name=name, changes=', '.join(changes))


def _changes(row, checked, fields: tuple[str, ...], *, currency: str) -> list[str]:
    """The saver's words for each of ``fields`` that ``checked`` changes in ``row``: ``price 82.00 → 95.00`` (money,
    ``*_cents``, in the location's ``currency`` with its own decimals), ``archived``, ``name Cut → Long cut``."""
    words = []
    for field in fields:
        old, new = getattr(row, field), getattr(checked, field)
        if old == new:
            continue
        if field.endswith('_cents'):
            old, new = (None if cents is None else amounts.plain(cents, currency) for cents in (old, new))
        if field == 'active':
            words.append(_('back on the menu') if new else _('archived'))
        elif field == 'kiosk':
            words.append(_('offered at the kiosk') if new else _('not offered at the kiosk'))
        else:
            words.append(_('{field} {old} → {new}').format(
                field=_(_FIELD_WORDS[field]) if field in _FIELD_WORDS else field.replace('_', ' '), old=old, new=new))
    return words


def check_barcode(barcode: str) -> str:
    """A product barcode as stored: EAN-8, UPC-A (12), EAN-13 or GTIN-14 digits whose check digit is right
    (``python-stdnum``), spaces and dashes removed; '' for none.

    :raises ValidationError: not such a number (``field='barcode'``)
    """
    digits = ''.join((barcode or '').split()).replace('-', '')
    if not digits:
        return ''
    try:
        return ean.validate(digits)
    except BarcodeError:
        raise ValidationError(_('{barcode} is not a valid EAN/UPC barcode (check the digits).').format(
            barcode=barcode[:40]), field='barcode') from None


def save_product(product_id: int | None, *, actor: UserRead, location_id: int, code: str, name: str,
                 barcode: str = '', brand: str = '', category: str = '', price_cents: int = 0, cost_cents: int = 0,
                 stock_minimum: int = 0, stock_maximum: int = 0, opening_stock: int = 0,
                 active: bool = True) -> ProductRead:
    """Add a product (``product_id`` None; ``opening_stock`` units become its ledger's opening movement) or change
    one's details (its stock changes only through :func:`adjust_stock`). Money in minor units; SKU (``code``),
    barcode and name unique at the location. Low-stock threshold ``stock_minimum``; reorder up to
    ``stock_maximum`` (0: none). One transaction; logged; open tabs hear of it.

    :raises ValidationError: a missing or taken SKU, name or barcode, a bad barcode, a negative price, cost or
        stock, a price or cost over :data:`~app.models.base.MAX_AMOUNT_CENTS`, a maximum under the minimum (``field``
        names the input)
    :raises NotFoundError: no such product
    :raises PermissionDeniedError: not an owner or manager, or another location
    """
    ensure_role(actor, MANAGING_ROLES, N_('change the products'))
    ensure_location(actor, location_id)
    checked = _checked_product(location_id=location_id, code=code, name=name, barcode=barcode, brand=brand,
                               category=category, price_cents=price_cents, cost_cents=cost_cents,
                               stock_minimum=stock_minimum, stock_maximum=stock_maximum, opening_stock=opening_stock,
                               new=product_id is None, active=active)
    code, name = checked.code, checked.name
    with session_scope(write=True) as session:
        product = None
        if product_id is not None:
            product = session.exec(select(Product).where(Product.id == product_id).with_for_update()).first()
            if product is None or product.location_id != location_id:
                raise NotFoundError(_('No such product.'))
        _ensure_product_unique(session, checked, product_id)
        if product is None:
            product = Product.model_validate(checked)
            summary = i18n.deferred('New product: {name}', name=name)
        else:
            fields = ('code', 'name', 'barcode', 'brand', 'category', 'price_cents', 'cost_cents', 'stock_minimum',
                      'stock_maximum', 'active')
            summary = _summary(name, _changes(product, checked, fields,
                                              currency=session.get(Location, location_id).currency))
            for field in fields:
                setattr(product, field, getattr(checked, field))
        session.add(product)
        session.flush()
        result = ProductRead.model_validate(product)
        activity.add(session, actor, 'product_saved', summary, location_id=location_id)
    events.publish(events.CatalogueChanged(location_id=location_id, summary=summary))
    return result


def _checked_product(*, location_id: int, code: str, name: str, barcode: str, brand: str, category: str,
                     price_cents: int, cost_cents: int, stock_minimum: int, stock_maximum: int, opening_stock: int,
                     new: bool, active: bool) -> ProductCreate:
    """A product's details as stored (trimmed, barcode normalised) once they are valid on their own; a ``new`` one
    starts with ``opening_stock`` on hand, a changed one's stock is left as it is (0 here).

    :raises ValidationError: as :func:`save_product` says, except the uniqueness checks (``field`` names the input)
    """
    code, name = (code or '').strip(), (name or '').strip()
    if not code:
        raise ValidationError(_('Give the product a SKU (your own code for it).'), field='code')
    if not name:
        raise ValidationError(_('Give the product a name.'), field='name')
    if opening_stock < 0:
        raise ValidationError(_('The stock on hand cannot be negative.'), field='stock_on_hand')
    check_amount(price_cents, 'price_cents')
    check_amount(cost_cents, 'cost_cents')
    checked = validated(ProductCreate, location_id=location_id, code=code, name=name, barcode=check_barcode(barcode),
                        brand=(brand or '').strip(), category=(category or '').strip(), price_cents=price_cents,
                        cost_cents=cost_cents, stock_minimum=stock_minimum, stock_maximum=stock_maximum,
                        stock_on_hand=opening_stock if new else 0, active=active)
    if checked.stock_maximum and checked.stock_maximum < checked.stock_minimum:
        raise ValidationError(_('The maximum must be at least the minimum.'), field='stock_maximum')
    return checked


def _ensure_product_unique(session: Session, checked: ProductCreate, product_id: int | None) -> None:
    """:raises ValidationError: another product of the location has the SKU, the name (in any case) or the barcode
        (``field`` names it)"""
    others = select(Product).where(Product.location_id == checked.location_id, Product.id != (product_id or 0))
    if session.exec(others.where(Product.code == checked.code)).first():
        raise ValidationError(_('The SKU {code} is already used by another product.').format(code=checked.code),
                              field='code')
    if session.exec(others.where(col(Product.name).ilike(checked.name))).first():
        raise ValidationError(_('There is already a product called {name}.').format(name=checked.name), field='name')
    if checked.barcode and session.exec(others.where(Product.barcode == checked.barcode)).first():
        raise ValidationError(_('The barcode {barcode} is already on another product.').format(
            barcode=checked.barcode), field='barcode')
