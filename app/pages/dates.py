"""Date fields written the location's way (``31/12/2026`` in Nairobi, ``2026-12-31`` in Toronto), never the
browser's: a native ``type=date`` input shows the browser's own format (a US Chromium: ``12/31/2026``), whatever the
shop writes.

:func:`date_input` is a text field showing the location's short date format (Babel's, with four-digit years),
with a named calendar button whose calendar speaks the page's language (Quasar's pack). Its ``value`` on the server
stays ISO (``'2026-12-31'``), so the pages and tests that read and set it keep doing so; typed text that is not a
date in either form stays as typed, for the page's own check to refuse (:func:`parse`).
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from typing import Any

from babel.dates import get_date_format
from nicegui import ui
from nicegui.events import GenericEventArguments

from app.pages.menus import menu_on_press
from app.services import i18n
from app.services.i18n import _

_TOKENS = {'d': '%d', 'M': '%m', 'L': '%m', 'y': '%Y', 'u': '%Y'}


@functools.cache
def pattern(locale: str) -> str:
    """The ``strftime`` pattern of ``locale``'s short date with two-digit days and months and four-digit years
    (``'en_KE'`` → ``'%d/%m/%Y'``, ``'en_CA'`` → ``'%Y-%m-%d'``, ``'en_US'`` → ``'%m/%d/%Y'``)."""
    try:
        source = get_date_format('short', locale=locale).pattern
    except (ValueError, LookupError):
        return '%Y-%m-%d'
    result, last = [], ''
    for match in re.finditer(r"([dMLyu])\1*|'[^']*'|.", source):
        token = match.group(0)
        if token[0] in _TOKENS:
            if _TOKENS[token[0]] != last:
                result.append(_TOKENS[token[0]])
                last = _TOKENS[token[0]]
        elif token.startswith("'"):
            result.append(token.strip("'").replace('%', '%%'))
        else:
            result.append(token.replace('%', '%%'))
    text = ''.join(result)
    return text if all(part in text for part in ('%d', '%m', '%Y')) else '%Y-%m-%d'


def shown(value: str | date | None, locale: str) -> str:
    """``value`` (ISO text or a date) written ``locale``'s way; text that is no ISO date as it is."""
    if isinstance(value, date):
        return value.strftime(pattern(locale))
    try:
        return date.fromisoformat(value or '').strftime(pattern(locale))
    except ValueError:
        return value or ''


def parse(text: str | None, locale: str) -> str:
    """Typed ``text`` as an ISO date if it is a date written ``locale``'s way or as ISO; else ``text`` unchanged.

    :returns: ``'2026-12-31'`` for ``'31/12/2026'`` in ``en_KE``; ``''`` for empty text.
    """
    text = (text or '').strip()
    for form in (pattern(locale), '%Y-%m-%d'):
        try:
            return datetime.strptime(text, form).date().isoformat()  # a calendar day, no time
        except ValueError:
            continue
    return text


def refusal(locale: str | None) -> str:
    """What a date field says to text that is no date: an example written ``locale``'s way, in the reader's
    language ("Enter a date such as 31/12/2026.")."""
    return _('Enter a date such as {example}.').format(
        example=shown(date(2026, 12, 31), i18n.locale_for(locale) if locale else 'en_CA'))


class DateInput(ui.input):
    """A text field whose browser side shows the location's format and whose server side holds ISO."""

    def __init__(self, label: str, value: str, locale: str, **kwargs: Any) -> None:
        self.locale = locale
        super().__init__(label, value=value, placeholder=shown(date(2026, 12, 31), locale), **kwargs)

    def _value_to_model_value(self, value: Any) -> Any:
        return shown(value, self.locale)

    def _event_args_to_value(self, e: GenericEventArguments) -> Any:
        return parse(e.args if isinstance(e.args, str) else '', self.locale)


def date_input(label: str, value: str | date | None = None, *, locale: str | None) -> DateInput:
    """A date field for ``locale`` (the location's formats) with a calendar button; ``value`` ISO text or a date.

    :returns: the field: its ``value`` is ISO text (``''`` when empty, the typed text when it is no date).
    """
    iso = value.isoformat() if isinstance(value, date) else (value or '')
    field = DateInput(label, iso, i18n.locale_for(locale) if locale else 'en_CA')
    with field.add_slot('append'):
        button = ui.button(icon='event').props('flat round dense')
        button.props['aria-label'] = _('Choose a date')
    menu_on_press(button, lambda menu: ui.date().bind_value(field).on_value_change(menu.close))
    return field
