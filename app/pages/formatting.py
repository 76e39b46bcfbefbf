"""How money, rates and times look on screen (babel for money)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from app.services import clock, i18n
from app.services.amounts import MAX_AMOUNT_CENTS, check_amount, not_an_amount, too_large
from app.services.errors import ValidationError

LOCALE = 'en_CA'


@lru_cache(maxsize=4096)
def money(cents: int | Decimal, currency: str, locale: str = LOCALE) -> str:
    """``money(11580903, 'CAD')`` → ``'$115,809.03'``; ``money(5500, 'EUR', 'fr_FR')`` → ``'55,00 €'`` (the
    location's locale; remembered: every open list formats the same prices)."""
    return format_currency(Decimal(cents) / 100, currency, locale=locale or LOCALE)


def money_at(cents: int | Decimal, location) -> str:
    """An amount in a location's currency, written the way its locale writes money (``location``: a LocationRead),
    in the current language's words where they differ (``i18n.locale_for``)."""
    return money(cents, location.currency, i18n.locale_for(location.locale))


def to_minor(amount, field: str) -> int:
    """An amount typed in a number field (major units: ``12.5``; ``None``: 0) in minor units (``1250``), refused
    before it reaches a service when it is over the app's one maximum, in the services' own words
    (:func:`app.services.amounts.check_amount`).

    :raises ValidationError: not a finite number, or more than :data:`~app.models.base.MAX_AMOUNT_CENTS` either way
        (``field`` names the input)
    """
    try:
        value = Decimal(str(amount if amount is not None else 0))
        if value.is_finite():
            if abs(value) > Decimal(MAX_AMOUNT_CENTS) / 100:  # before 1e999999 is multiplied or made an int
                raise ValidationError(too_large(), field=field)
            return check_amount(int((value * 100).to_integral_value()), field)
    except ArithmeticError:
        pass
    raise ValidationError(not_an_amount(), field=field)


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
