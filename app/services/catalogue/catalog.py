"""Services and retail products."""

from __future__ import annotations

from sqlmodel import select

from app.models import Product, ProductRead, Service, ServiceCreate, ServiceRead, StockMovement, UserRead
from app.models.catalog import STOCK_KINDS
from app.services import events, notifications
from app.services.accounts import activity
from app.services.accounts.access import (
    EVERY_ROLE,
    FRONT_DESK_ROLES,
    MANAGING_ROLES,
    ensure_location,
    ensure_reader,
    ensure_role,
)
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError


def list_services(location_id: int, *, actor: UserRead, include_inactive: bool = False) -> list[ServiceRead]:
    """Services of a location by category then name (the kiosk may read them too).

    :raises PermissionDeniedError: another location
    """
    ensure_reader(actor, location_id, EVERY_ROLE)
    with session_scope() as session:
        query = select(Service).where(Service.location_id == location_id)
        if not include_inactive:
            query = query.where(Service.active)
        return [ServiceRead.model_validate(s) for s in session.exec(query.order_by(Service.category, Service.name))]


def create_services(services: list[ServiceCreate], *, actor: UserRead) -> list[ServiceRead]:
    """Add several services in one transaction (the first-run setup's list), all or none; a service without a
    code gets one from its name (``CUT``, ``CUT2``…).

    :raises ValidationError: a code or name used twice, or already used at the location
    :raises PermissionDeniedError: only owners and managers change the menu, at their own location
    """
    ensure_role(actor, MANAGING_ROLES, 'change the service menu')
    created: list[ServiceRead] = []
    taken: dict[int, tuple[set[str], set[str]]] = {}  # location → (codes, lower-case names), read once each
    with session_scope(write=True) as session:
        for data in services:
            ensure_location(actor, data.location_id)
            if data.location_id not in taken:
                existing = session.exec(select(Service.code, Service.name).where(
                    Service.location_id == data.location_id)).all()
                taken[data.location_id] = ({code for code, _ in existing}, {name.lower() for _, name in existing})
            codes, names = taken[data.location_id]
            if data.name.strip().lower() in names:
                raise ValidationError(f'There is already a service called {data.name}.', field='name')
            code = data.code or _code_for(data.name, codes)
            if code in codes:
                raise ValidationError(f'The code {code} is already used by another service.', field='code')
            codes.add(code)
            names.add(data.name.strip().lower())
            service = Service.model_validate(data.model_copy(update={'code': code}))
            session.add(service)
            session.flush()
            created.append(ServiceRead.model_validate(service))
            activity.add(session, actor, 'service_added', f'New service: {service.name}',
                         location_id=service.location_id)
    for service in created:
        events.publish(events.CatalogueChanged(location_id=service.location_id, summary=f'New service: {service.name}'))
    return created


def _code_for(name: str, taken: set[str]) -> str:
    stem = ''.join(c for c in name.upper() if c.isalnum())[:6] or 'SVC'
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
            raise NotFoundError('No such product.')
        ensure_reader(actor, product.location_id)
        return list(session.exec(select(StockMovement).where(StockMovement.product_id == product_id)
                                 .order_by(StockMovement.at, StockMovement.id)))


def create_service(data: ServiceCreate, *, actor: UserRead) -> ServiceRead:
    """Add a service. :raises ValidationError: the code is taken at the location"""
    ensure_role(actor, MANAGING_ROLES, 'change the service menu')
    ensure_location(actor, data.location_id)
    with session_scope(write=True) as session:
        if session.exec(select(Service).where(Service.location_id == data.location_id,
                                              Service.code == data.code)).first():
            raise ValidationError(f'The code {data.code} is already used by another service.', field='code')
        service = Service.model_validate(data)
        session.add(service)
        session.flush()
        return ServiceRead.model_validate(service)


def set_service_duration(service_id: int, duration_minutes: int, *, actor: UserRead) -> ServiceRead:
    """Set how long a service takes (minutes, > 0), e.g. for imported services that had none.

    :raises NotFoundError, ValidationError:
    """
    ensure_role(actor, MANAGING_ROLES, 'change the service menu')
    if duration_minutes <= 0:
        raise ValidationError('The duration must be at least one minute.', field='duration_minutes')
    with session_scope(write=True) as session:
        service = session.get(Service, service_id)
        if service is None:
            raise NotFoundError('That service no longer exists.')
        ensure_location(actor, service.location_id)
        service.duration_minutes = duration_minutes
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
    ensure_role(actor, FRONT_DESK_ROLES, 'change stock')
    if change == 0:
        raise ValidationError('Enter how many units came in or went out.', field='change')
    kind = kind or ('received' if change > 0 else 'sold')
    if kind not in STOCK_KINDS or kind == 'opening':
        raise ValidationError(f'"{kind}" is not a kind of stock movement.', field='kind')
    if kind == 'adjusted' and not (reason or '').strip():
        raise ValidationError('Say why the stock is adjusted (counted, broken, used in the salon…).', field='reason')
    with session_scope(write=True) as session:
        product = session.exec(select(Product).where(Product.id == product_id).with_for_update()).first()
        if product is None:
            raise NotFoundError('No such product.')
        ensure_location(actor, product.location_id)
        if product.stock_on_hand + change < 0 and not allow_negative:
            raise ValidationError(f'Only {product.stock_on_hand} of "{product.name}" on hand.', field='change')
        was_low = product.stock_on_hand < product.stock_minimum
        product.stock_on_hand += change
        session.add(product)
        session.add(StockMovement(product_id=product.id, kind=kind, quantity=change, reason=(reason or '')[:200],
                                  user_id=actor.id or None))
        session.flush()
        result = ProductRead.model_validate(product)
        low = result.below_minimum and not was_low
        activity.add(session, actor, 'stock', f'{result.name}: {change:+d} ({reason}), {result.stock_on_hand} on hand',
                     location_id=result.location_id)
        summary = (f'Low stock: {result.name} — {result.stock_on_hand} left (minimum {result.stock_minimum})' if low
                   else f'{result.name}: {result.stock_on_hand} on hand')
        changed = notifications.prepare(session, events.StockChanged(
            location_id=result.location_id, product_id=result.id, stock_on_hand=result.stock_on_hand, low=low,
            summary=summary))
    events.publish(changed)
    return result
