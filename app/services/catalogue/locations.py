"""Locations (shops): listing, and the owner's settings of each (hours, taxes, money and dates, booking policy)."""

from __future__ import annotations

import zoneinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from sqlmodel import col, select

from app.models import (
    Booking,
    Campaign,
    DayClose,
    DiscountCode,
    GiftCard,
    Location,
    LocationCreate,
    LocationRead,
    LocationSettings,
    LoyaltyReward,
    MobilePayment,
    OnlineDeposit,
    Product,
    Receipt,
    Service,
    UserRead,
)
from app.services import events, i18n
from app.services.accounts import activity
from app.services.accounts.access import OWNER_ROLES, ensure_location, ensure_role
from app.services.amounts import digits, max_minor, too_large
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError, validated
from app.services.i18n import N_, _, deferred

FIELD_NAMES = (
    N_('name'), N_('address'), N_('phone'), N_('time zone'), N_('currency'), N_('country'), N_('locale'),
    N_('language'), N_('prices include tax'), N_('tax rates'), N_('opening hours'), N_('closures'),
    N_('slot minutes'), N_('min notice minutes'), N_('horizon days'), N_('buffer minutes'), N_('cancellation hours'),
    N_('deposit percent'), N_('no show fee percent'), N_('loyalty points per unit'), N_('loyalty on'),
    N_('loyalty expiry months'), N_('reminder hours'), N_('quiet start minute'), N_('quiet end minute'),
    N_('email messages'), N_('sms messages'), N_('online booking'), N_('high risk action'), N_('sms provider'),
    N_('sms sender id'), N_('tax number'),
    N_('staff discount limit percent'),
)
"""The settings' field names as refusals name them (:func:`app.services.errors.validated`: ``'time_zone'`` →
"The time zone field is not valid: …"), marked for translation."""


def list_locations(*, actor: UserRead, include_archived: bool = False) -> list[LocationRead]:
    """The locations ``actor`` may see, by name: every one for an owner, their own for everyone else (archived ones
    only when asked for)."""
    with session_scope() as session:
        query = select(Location).order_by(Location.name)
        if actor.location_id is not None:
            query = query.where(Location.id == actor.location_id)
        if not include_archived:
            query = query.where(col(Location.archived).is_(False))
        return [LocationRead.model_validate(x) for x in session.exec(query)]


def get_location(location_id: int, *, actor: UserRead) -> LocationRead:
    """:raises NotFoundError: no such location
    :raises PermissionDeniedError: another location than ``actor``'s"""
    ensure_location(actor, location_id)
    with session_scope() as session:
        location = session.get(Location, location_id)
        if location is None:
            raise NotFoundError(_('Location {id} does not exist.').format(id=location_id))
        return LocationRead.model_validate(location)


def settings_of(location: LocationRead) -> LocationSettings:
    """The settings form's values for ``location``."""
    return LocationSettings.model_validate(location.model_dump(include=set(LocationSettings.model_fields)))


def create_location(values: dict, *, actor: UserRead) -> LocationRead:
    """Open a location with the settings ``values`` (see :class:`~app.models.LocationSettings`).

    :raises ValidationError: a value the settings refuse, naming the field (an unknown time zone, currency,
        country or locale; a name another location has; overlapping opening hours; a rate over 100 %)
    :raises PermissionDeniedError: only the owner opens locations
    """
    ensure_role(actor, OWNER_ROLES, N_('open locations'))
    settings = check_settings(values)
    with session_scope(write=True) as session:
        _ensure_name_free(session, settings.name, None)
        location = Location.model_validate(_stored(settings))
        session.add(location)
        session.flush()
        result = LocationRead.model_validate(location)
        activity.add(session, actor, 'location_created', deferred('Location opened: {name}', name=result.name),
                     location_id=result.id)
    events.publish(events.LocationChanged(location_id=result.id, summary=deferred('New location: {name}',
                                                                                  name=result.name)))
    return result


def update_location(location_id: int, values: dict, *, actor: UserRead) -> LocationRead:
    """Replace the settings of ``location_id`` with ``values``; open tabs hear of it (``LocationChanged``).

    A new currency (:func:`change_currency`) is refused once the location has taken money; before that, its prices
    and other amounts keep the figures typed (1,500.00 KES becomes 1,500 RWF).

    :raises ValidationError: as :func:`create_location`; a new currency once money was taken (``field``
        'currency')
    :raises NotFoundError: no such location
    :raises PermissionDeniedError: only the owner changes a location's settings
    """
    ensure_role(actor, OWNER_ROLES, N_("change a location's settings"))
    settings = check_settings(values)
    with session_scope(write=True) as session:
        location = session.exec(select(Location).where(Location.id == location_id).with_for_update()).first()
        if location is None:
            raise NotFoundError(_('Location {id} does not exist.').format(id=location_id))
        _ensure_name_free(session, settings.name, location_id)
        if settings.currency != location.currency:
            change_currency(session, location, settings.currency)
        for name, value in _stored(settings).items():
            setattr(location, name, value)
        session.add(location)
        session.flush()
        result = LocationRead.model_validate(location)
        activity.add(session, actor, 'location_changed', deferred('Settings of {name} changed', name=result.name),
                     location_id=result.id)
    events.publish(events.LocationChanged(location_id=result.id, summary=deferred('{name}: settings changed',
                                                                                  name=result.name)))
    return result


MONEY_TAKEN = (Receipt, GiftCard, MobilePayment, DayClose, OnlineDeposit)
"""Rows that say a location has taken money, or asked for it (every payment and deposit has its receipt; an online
deposit asked by M-Pesa or card may be paid later, in the currency it was asked in): once one exists, its currency
stays."""

PRICE_LIKE = {Service: ('price_cents', 'cost_cents', 'deposit_cents'), Product: ('price_cents', 'cost_cents'),
              Booking: ('price_cents',), Campaign: ('cost_per_message_cents', 'budget_cents'),
              DiscountCode: ('amount_off_cents',), LoyaltyReward: ('discount_cents',)}
"""A location's amounts that exist before it takes money (minor units), rescaled when its currency changes; and
``Campaign.target``'s spend bounds (:data:`TARGET_AMOUNTS`)."""
TARGET_AMOUNTS = ('min_spend_cents', 'max_spend_cents')


def change_currency(session, location: Location, currency: str) -> None:
    """Give ``location`` (its row locked by the caller) the currency ``currency`` in the caller's transaction, keeping
    the figures typed: every amount of :data:`PRICE_LIKE` is rescaled by the difference in the currencies' digits,
    rounded half up (KES 150000, i.e. 1,500.00 → RWF 1500; → BHD 1500000, i.e. 1,500.000).

    :raises ValidationError: the location has taken money (any of :data:`MONEY_TAKEN`), or an amount would pass the
        new currency's maximum (``field`` 'currency')
    """
    for model in MONEY_TAKEN:
        if session.exec(select(model.id).where(model.location_id == location.id).limit(1)).first() is not None:
            raise ValidationError(_("The currency can't change once the location has taken money."),
                                  field='currency')
    shift, top = digits(currency) - digits(location.currency), max_minor(currency)

    def scaled(cents):
        if cents is None or not shift:
            return cents
        value = int(Decimal(cents).scaleb(shift).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if abs(value) > top:
            raise ValidationError(too_large(currency), field='currency')
        return value

    for model, columns in PRICE_LIKE.items():
        for row in session.exec(select(model).where(model.location_id == location.id)):
            for column in columns:
                setattr(row, column, scaled(getattr(row, column)))
            if model is Campaign and isinstance(row.target, dict):
                row.target = {key: scaled(value) if key in TARGET_AMOUNTS else value
                              for key, value in row.target.items()}
            session.add(row)
    location.currency = currency


def set_archived(location_id: int, archived: bool, *, actor: UserRead) -> LocationRead:
    """Archive a location (no longer trading: hidden from lists, its bookings and figures kept) or bring it back.

    :raises NotFoundError: no such location
    :raises PermissionDeniedError: only the owner archives locations
    :raises ValidationError: the last trading location cannot be archived
    """
    ensure_role(actor, OWNER_ROLES, N_('archive locations'))
    with session_scope(write=True) as session:
        location = session.get(Location, location_id)
        if location is None:
            raise NotFoundError(_('Location {id} does not exist.').format(id=location_id))
        if archived and not location.archived:
            trading = session.exec(select(Location.id).where(col(Location.archived).is_(False))).all()
            if len(trading) <= 1:
                raise ValidationError(_('This is the only location still trading: open another before archiving '
                                        'it.'), field='archived')
        location.archived = archived
        session.add(location)
        session.flush()
        result = LocationRead.model_validate(location)
        activity.add(session, actor, 'location_archived' if archived else 'location_restored',
                     deferred(N_('{name} archived') if archived else N_('{name} trading again'), name=result.name),
                     location_id=result.id)
    events.publish(events.LocationChanged(location_id=result.id, summary=deferred(
        N_('{name} archived') if archived else N_('{name} trading again'), name=result.name)))
    return result


def check_settings(values: dict) -> LocationSettings:
    """``values`` as :class:`~app.models.LocationSettings`, every field checked (the form's own checks).

    :raises ValidationError: the first field at fault, in words
    """
    settings = validated(LocationSettings, **values)
    if settings.time_zone not in time_zones():
        raise ValidationError(_('"{value}" is not a time zone. Choose one such as America/Toronto.').format(
            value=settings.time_zone), field='time_zone')
    if settings.currency not in currencies():
        raise ValidationError(_('"{value}" is not a currency code. Use three letters such as CAD or EUR.').format(
            value=settings.currency), field='currency')
    if settings.country and settings.country not in countries():
        raise ValidationError(_('"{value}" is not a country code. Use two letters such as CA or FR.').format(
            value=settings.country), field='country')
    try:
        Locale.parse(settings.locale)
    except (ValueError, UnknownLocaleError):
        raise ValidationError(_('"{value}" is not a language and region such as en_CA or fr_FR.').format(
            value=settings.locale), field='locale') from None
    if settings.language not in i18n.LANGUAGES:
        raise ValidationError(_('ClientPulse does not speak "{language}".').format(language=settings.language),
                              field='language')
    return settings


def public_language() -> str:
    """The language of the pages nobody is signed in to yet (the login page): the first trading location's (the
    one opened first), else English."""
    with session_scope() as session:
        language = session.exec(select(Location.language).where(col(Location.archived).is_(False))
                                .order_by(Location.id)).first()
    return i18n.language_of(language)


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone this machine knows (``zoneinfo``)."""
    return frozenset(zoneinfo.available_timezones())


@cache
def currencies() -> frozenset[str]:
    """Every ISO 4217 currency code babel knows."""
    return frozenset(list_currencies())


@cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → English name (babel's territories that are countries)."""
    return {code: name for code, name in Locale('en').territories.items() if len(code) == 2 and code.isalpha()}


def _stored(settings: LocationSettings) -> dict:
    values = settings.model_dump()
    values['opening_hours'] = [s.model_dump() for s in settings.opening_hours]
    values['closures'] = [c.model_dump(mode='json') for c in settings.closures]
    values['tax_rates'] = [t.model_dump() for t in settings.tax_rates]
    return values


def _ensure_name_free(session, name: str, location_id: int | None) -> None:
    taken = session.exec(select(Location.id).where(Location.name == name)).first()
    if taken is not None and taken != location_id:
        raise ValidationError(_('There is already a location called {name}.').format(name=name), field='name')


def find_or_create_location(data: LocationCreate) -> LocationRead:
    """The location named ``data.name``, created from ``data`` if there is none."""
    with session_scope(write=True) as session:
        location = session.exec(select(Location).where(Location.name == data.name)).first()
        if location is None:
            location = Location.model_validate(data)
            session.add(location)
            session.flush()
        return LocationRead.model_validate(location)


def all_location_ids() -> list[int]:
    """The id of every location, archived ones included (the live bus reloads each after missing events: not for
    showing, so no actor)."""
    with session_scope() as session:
        return list(session.exec(select(Location.id)).all())


def zones_of(location_ids: list[int]) -> dict[int, str]:
    """The time zone (IANA name) of each of the locations that exist, by id (caches that key on local days: no
    actor, nothing shown)."""
    with session_scope() as session:
        return dict(session.exec(select(Location.id, Location.time_zone)
                                 .where(col(Location.id).in_(location_ids))).all())


def location_names(location_ids: list[int]) -> list[str]:
    """The names of the locations, in the order given ('' for an unknown id)."""
    with session_scope() as session:
        names = dict(session.exec(select(Location.id, Location.name).where(col(Location.id).in_(location_ids))).all())
    return [names.get(i, '') for i in location_ids]
