"""Phone numbers as one spelling: E.164 (``+14165550101``), read with Google's ``phonenumbers`` library.

A number typed without a country code is read as the location's country's (``Location.country``). Anything that
is not a possible number is kept as typed, with no E.164 form: never guessed into someone else's number.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from app.services import lazy

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import phonenumbers
else:  # at first use, not at start (app.services.lazy)
    phonenumbers = lazy.module('phonenumbers', globals())


def e164(raw: str, country: str = '') -> str:
    """``'(416) 555-0101', 'CA'`` → ``'+14165550101'``; ``''`` when it cannot be read as a possible number."""
    text = (raw or '').strip()
    if not text:
        return ''
    try:
        number = phonenumbers.parse(text, (country or None) if not text.startswith('+') else None)
    except phonenumbers.NumberParseException:
        return ''
    if not phonenumbers.is_possible_number(number):
        return ''
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region(country: str, locale: str) -> str:
    """The country a location's local numbers belong to: its own setting, else its locale's region
    (``'', 'en_CA'`` → ``'CA'``), else '' (only numbers with a country code are read)."""
    if country:
        return country
    parts = (locale or '').replace('-', '_').split('_')
    return parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 else ''


def digits_of(query: str) -> str:
    """The digits of a search that looks like a phone number (4 or more digits and nothing but phone
    punctuation), else ''. ``'416.555.0101'`` → ``'4165550101'``."""
    text = (query or '').strip()
    if not re.fullmatch(r'[+\d\s().\-/]+', text):
        return ''
    digits = re.sub(r'\D', '', text)
    return digits if len(digits) >= 4 else ''
