"""Every word a person reads, in their language: gettext catalogs built with Babel.

Text in the code is English and marked where it is written: ``_('Choose a service')``, ``ngettext('{n} booking',
'{n} bookings', n).format(n=n)``, with named placeholders filled in *after* translation. The language is the one of
the moment: pages set it for their tab (the customer's pages and messages follow the location's language, the
desk the signed-in user's choice), workers carry it into their threads, and code outside any tab speaks
English. Catalogs: ``app/locale/<language>/LC_MESSAGES/messages.po``, built by ``scripts/i18n.sh`` (pybabel
extract / update / compile); a missing ``.mo`` is compiled from its ``.po`` in memory, so a checkout that skipped the
build still speaks every language.

Text stored for people who may read another language (activity rows, notifications) is stored *deferred*:
``deferred('{name} booked', name='Ann')`` keeps the English source and its values, and ``shown(text)`` translates
it into the reader's language when it is displayed. Stored text made before this existed shows as it was.

Adding a language: one catalog (``scripts/i18n.sh init <code>``) and its line in :data:`LANGUAGES`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
import json
import os
import string
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime

LOCALE_DIR = Path(__file__).resolve().parent.parent / 'locale'
DOMAIN = 'messages'

#: The languages ClientPulse speaks: code → its own name for itself (what a chooser shows).
LANGUAGES: dict[str, str] = {
    'en': 'English',
    'fr': 'Français',
    'sw': 'Kiswahili',
}
DEFAULT_LANGUAGE = 'en'

_language: contextvars.ContextVar[str | None] = contextvars.ContextVar('clientpulse_language', default=None)
_resolver: Callable[[], str | None] | None = None
_DEFERRED = '\x1e'  # marks stored text kept as its source and values (an ASCII record separator: never typed)


def _(message: str) -> str:
    """Translate ``message`` (English source text) into the current language.

    :param message: the English text as written in the code; placeholders are named (``{name}``) and filled in by
        the caller after translation.
    :returns: the translation, or ``message`` itself when the language has none.
    """
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for count ``n``, by the current language's plural rule.

    :param singular: English text for one (``'{n} booking'``).
    :param plural: English text for several (``'{n} bookings'``).
    :param n: the count that decides the form (the caller still fills ``{n}`` in).
    """
    return translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it now (module constants, defaults); translate it
    with :func:`_` where it is shown."""
    return message


def current() -> str:
    """The language of the moment: one set by :func:`speaking`, else the tab's (through the resolver the
    pages install), else English."""
    language = _language.get()
    if language is None and _resolver is not None:
        language = _resolver()
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@contextlib.contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Within the block, :func:`_` translates into ``language`` (``None`` or unknown: English).

    :returns: (as the context value) the language actually used.
    """
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    token = _language.set(chosen)
    try:
        yield chosen
    finally:
        _language.reset(token)


def set_resolver(resolver: Callable[[], str | None] | None) -> None:
    """Install the function that tells the current tab's language (``app/pages/language.py`` does, at start);
    it is asked only when no :func:`speaking` block is active, and must not raise."""
    global _resolver  # noqa: PLW0603 - one process-wide hook, set once at start
    _resolver = resolver


def run_speaking(language: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``function(*args, **kwargs)`` with :func:`_` speaking ``language`` (for worker threads)."""
    with speaking(language):
        return function(*args, **kwargs)


def terminal_language() -> str:
    """The language of the terminal ClientPulse was started from (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``fr_FR.UTF-8``
    speaks French), English for any other."""
    return language_of(os.environ.get('LC_ALL') or os.environ.get('LC_MESSAGES') or os.environ.get('LANG'))


def for_terminal(message: str) -> str:
    """``message`` in the terminal's language: what the command line prints is read there, not in any page's tab
    (and no tab is asked: before the server starts there is none)."""
    with speaking(terminal_language()):
        return _(message)


def ngettext_for_terminal(singular: str, plural: str, n: int) -> str:
    """:func:`ngettext` in the terminal's language (see :func:`for_terminal`)."""
    with speaking(terminal_language()):
        return ngettext(singular, plural, n)


def language_of(value: str | None) -> str:
    """A known language code from a stored setting or a locale (``'sw_KE'`` → ``'sw'``); unknown: English."""
    code = (value or '').replace('-', '_').split('_')[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def check_language(value: str) -> str:
    """``value`` if ClientPulse speaks it.

    :raises ValueError: naming the language, when it is not one of :data:`LANGUAGES`.
    """
    if value not in LANGUAGES:
        raise ValueError(_('ClientPulse does not speak "{language}".').format(language=value))
    return value


def locale_for(formats: str | None, language: str | None = None) -> str:
    """The Babel locale for dates and money: the location's formats (country and number style) in ``language``
    when Babel knows that pair (``'en_KE'`` + ``'sw'`` → ``'sw_KE'``), else the language's own (``'en_CA'`` + ``'sw'``
    → ``'sw'``: the words must be the reader's; the country's conventions give way).

    :param formats: a locale such as ``'en_KE'`` (the location's setting).
    :param language: a code from :data:`LANGUAGES`; ``None``: the current language.
    """
    formats = formats or 'en_CA'
    language = language or current()
    try:
        base = Locale.parse(formats)
    except (ValueError, TypeError, UnknownLocaleError):
        return formats
    if base.language == language:
        return formats
    candidate = f'{language}_{base.territory}' if base.territory else language
    try:
        Locale.parse(candidate)
    except (ValueError, TypeError, UnknownLocaleError):
        return language
    return candidate


def moment(when: datetime | date, pattern: str) -> dict[str, str]:
    """A date (or a local wall-clock time) for a :func:`deferred` text, written when shown in the reader's language
    with the CLDR ``pattern`` (``'EEE dd MMM HH:mm'`` → "Mon 04 Mar 14:30", "lun. 04 mars 14:30").

    :param when: a date, or a datetime already in the location's time zone (its wall clock is kept; an aware one is
        stored as its wall clock too)
    """
    return {'$moment': when.replace(tzinfo=None).isoformat() if isinstance(when, datetime) else when.isoformat(),
            'pattern': pattern}


def deferred(message: str, **values: Any) -> str:
    """Text to store now and translate when shown: ``message`` is English source text marked with :func:`N_`
    where it is written, ``values`` fill its placeholders (strings, numbers, or :func:`moment` for a date written in
    the reader's language).

    :returns: a string :func:`shown` turns into the reader's language (and that reads sensibly as it is).
    """
    return _DEFERRED + json.dumps([message, {key: value for key, value in values.items()}], ensure_ascii=False)


def is_deferred(text: str | None) -> bool:
    """Whether ``text`` was made by :func:`deferred` (to be translated when shown)."""
    return bool(text) and text.startswith(_DEFERRED)


def fit(text: str, most: int) -> str:
    """``text`` in at most ``most`` characters (a column's length): plain text cut; a :func:`deferred` text keeps its
    form and has its longest values shortened (with "…"), so that it can still be translated when shown."""
    if len(text) <= most:
        return text
    if not is_deferred(text):
        return text[:most]
    try:
        message, values = json.loads(text[1:])
    except ValueError:
        return text[:most]
    candidate = text
    while len(candidate) > most:
        longest = max((k for k, v in values.items() if isinstance(v, str) and len(v) > 1),
                      key=lambda k: len(values[k]), default=None)
        if longest is None:
            with speaking(DEFAULT_LANGUAGE):
                return shown(text)[:most]
        value = values[longest]
        values[longest] = value[:max(1, len(value) - (len(candidate) - most) - 1)] + '…'
        candidate = deferred(message, **values)
    return candidate


def shown(text: str | None) -> str:
    """Stored text in the current language: a :func:`deferred` text translated and filled in; anything else as it
    is (text stored before translation existed, or typed by a person)."""
    if not text or not text.startswith(_DEFERRED):
        return text or ''
    try:
        message, values = json.loads(text[1:])
        return _(message).format(**{key: _written(value) for key, value in values.items()})
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return text[1:]


def _written(value: Any) -> Any:
    """A stored value as the reader reads it: a :func:`moment` in their language, anything else as it is."""
    if isinstance(value, dict) and '$moment' in value:
        stored = value['$moment']
        if 'T' in stored:
            return format_datetime(datetime.fromisoformat(stored), value['pattern'], locale=current())
        return format_date(date.fromisoformat(stored), value['pattern'], locale=current())
    return value


def placeholders(text: str) -> set[str]:
    """The named placeholders in ``text`` (``'{n} bookings on {day}'`` → ``{'n', 'day'}``)."""
    return {field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field}


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of ``language``: its compiled ``.mo`` when built, else its ``.po`` compiled in memory; English
    (and a language without a catalog) translates nothing."""
    folder = LOCALE_DIR / language / 'LC_MESSAGES'
    mo, po = folder / f'{DOMAIN}.mo', folder / f'{DOMAIN}.po'
    if language == DEFAULT_LANGUAGE or not po.exists():
        return gettext.NullTranslations()
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open('rb') as file:
            return gettext.GNUTranslations(file)
    from babel.messages.mofile import write_mo  # only where a catalog was not compiled (a checkout, not a release):
    from babel.messages.pofile import read_po  # with difflib, ~0.4 MB a server would otherwise hold from its start
    with po.open('rb') as file:
        catalog = read_po(file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
