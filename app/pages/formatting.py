"""How money, rates and times look on screen (babel for money)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from app.services import amounts, clock, i18n

LOCALE = 'en_CA'


@lru_cache(maxsize=4096)
def money(cents: int | Decimal, currency: str, locale: str = LOCALE) -> str:
    """``money(11580903, 'CAD')`` → ``'$115,809.03'``; ``money(5500, 'EUR', 'fr_FR')`` → ``'55,00 €'``;
    ``money(15000, 'RWF', 'en_RW')`` → ``'RF15,000'`` (``cents``: minor units of ``currency``, written with its own
    decimals by :func:`app.services.amounts.format_money`; the location's locale; remembered: every open list formats
    the same prices)."""
    return amounts.format_money(cents, currency, locale or LOCALE)


def money_at(cents: int | Decimal, location) -> str:
    """An amount in a location's currency, written the way its locale writes money (``location``: a LocationRead),
    in the current language's words where they differ (``i18n.locale_for``)."""
    return money(cents, location.currency, i18n.locale_for(location.locale))


def to_minor(amount, field: str, currency: str) -> int:
    """An amount of ``currency`` typed in a number field (major units: ``12.5``; ``None`` or ``''``: 0) in its minor
    units (KES ``1250``, RWF ``12.5`` refused, BHD ``12500``), refused before it reaches a service in the services'
    own words (:func:`app.services.amounts.parse_major`).

    :raises ValidationError: not a finite number, more decimals than ``currency`` has ("Amounts in RWF have no
        decimals."), or over :func:`~app.services.amounts.max_minor` either way (``field`` names the input)
    """
    return amounts.parse_major(amount, currency, field)


def to_input(cents: int | None, currency: str) -> float | None:
    """Minor units as the value of a number field (major units: KES ``1250`` → ``12.5``, RWF ``15000`` →
    ``15000.0``, BHD ``1250`` → ``1.25``; None stays None), through :func:`app.services.amounts.to_major`."""
    return None if cents is None else float(amounts.to_major(cents, currency))


def amount_field(currency: str) -> dict:
    """The ``step``, ``format`` and ``placeholder`` of a number field for an amount of ``currency``, as keyword
    arguments of ``ui.number``: KES ``0.01`` / ``'%.2f'`` / ``'0.00'``; BHD ``0.001`` / ``'%.3f'`` / ``'0.000'``;
    RWF ``1`` / no decimals / ``'0'``. A currency without decimals is not rounded when the field loses focus (its
    format writes whole numbers as they are and keeps a typed fraction), so ``1500.5`` is refused by
    :func:`to_minor`, naming the field, rather than silently changed."""
    places = amounts.digits(currency)
    return {'step': float(amounts.quantum(currency)), 'format': f'%.{places}f' if places else '%.15g',
            'placeholder': str(amounts.to_major(0, currency))}


def count(value: int) -> str:
    """A whole number with the locale's grouping: ``count(307266)`` → ``'307,266'`` (in French ``'307 266'``)."""
    return format_decimal(value, locale=i18n.locale_for(LOCALE))


def rate(value: float | None) -> str:
    """A fraction as a percentage with one decimal (``12.5 %``; in French ``12,5 %``), or an en dash when
    undefined."""
    if value is None:
        return '–'
    if i18n.current() == i18n.DEFAULT_LANGUAGE:
        return f'{value * 100:.1f} %'
    return f"{format_decimal(value * 100, format='0.0', locale=i18n.current())} %"


def local_time(moment: datetime, time_zone: str) -> str:
    """``14:30`` in the location's time zone."""
    return f'{clock.to_local(moment, time_zone):%H:%M}'


def local_datetime(moment: datetime, time_zone: str) -> str:
    """``Mon 04 Mar 2030 14:30`` in the location's time zone (day and month names in the current language)."""
    local = clock.to_local(moment, time_zone)
    language = i18n.current()
    if language == i18n.DEFAULT_LANGUAGE:
        return f'{local:%a %d %b %Y %H:%M}'
    return format_datetime(local, 'EEE dd MMM y HH:mm', locale=language)


def short_day(day: date) -> str:
    """``04 Mar 2030``, month names in the current language."""
    return format_date(day, 'dd MMM y', locale=i18n.current())


def booking_time(booking, time_zone: str) -> str:
    """Start time of a booking, or ``—`` for an imported one whose time of day was not recorded."""
    if booking.time_recorded:
        return local_time(booking.starts_at, time_zone)
    return '—'


def local_date(moment: datetime, time_zone: str, locale: str, pattern: str = 'EEE d MMM') -> str:
    """The local date of ``moment`` the location's way (babel, CLDR ``pattern``): ``Tue 1 Dec``, or with
    ``'full'`` ``Tuesday, December 1, 2026``, in the current language's words; ISO 8601 for a locale babel does not
    know."""
    day = clock.local_day(moment, time_zone)
    try:
        return format_date(day, pattern, locale=i18n.locale_for(locale or LOCALE))
    except (ValueError, LookupError):
        return day.isoformat()
