"""Times of day on forms: ``'09:30'`` ↔ minutes after midnight, and the week of up to two stretches a day that the
Settings page (opening hours) and the Staff page (working hours) both edit."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from app.services.i18n import N_, _

WEEKDAYS = [N_('Monday'), N_('Tuesday'), N_('Wednesday'), N_('Thursday'), N_('Friday'), N_('Saturday'), N_('Sunday')]
"""The week's days, English source text: shown with ``_()``."""
STRETCHES = 2


def minutes(text: str | None) -> int | None:
    """``'09:30'`` → 570; None for an empty or malformed time."""
    try:
        hours, mins = (text or '').split(':')[:2]
        value = int(hours) * 60 + int(mins)
    except ValueError:
        return None
    return value if 0 <= value <= 24 * 60 else None


def hhmm(value: int | None) -> str:
    """570 → ``'09:30'`` ('' for None)."""
    return '' if value is None else f'{value // 60:02d}:{value % 60:02d}'


class WeekHours:
    """A week of up to :data:`STRETCHES` stretches a day (a break is the gap between two; none: closed or off), as
    time inputs marked ``{mark}-opens-{weekday}-{index}`` and ``{mark}-closes-{weekday}-{index}``."""

    def __init__(self, stretches: list[Any], mark: str) -> None:
        """``stretches``: objects or dicts with ``weekday``, ``start_minute``, ``end_minute``."""
        self.rows: list[tuple[int, ui.input, ui.input]] = []
        opens_label, closes_label = _('{day}: from'), _('{day}: until')
        for weekday, day in enumerate(WEEKDAYS):
            own = [s for s in stretches if _get(s, 'weekday') == weekday]
            with ui.row().classes('items-center gap-x-2 gap-y-0 flex-wrap'):
                ui.label(_(day)).classes('w-24')
                for index in range(STRETCHES):
                    stretch = own[index] if index < len(own) else None
                    with ui.row().classes('items-center gap-1 no-wrap'):
                        opens = ui.input(value=hhmm(_get(stretch, 'start_minute'))).props(
                            'type=time dense clearable').classes('w-36').mark(f'{mark}-opens-{weekday}-{index}')
                        opens.props['aria-label'] = opens_label.format(day=_(day))
                        closes = ui.input(value=hhmm(_get(stretch, 'end_minute'))).props(
                            'type=time dense clearable').classes('w-36').mark(f'{mark}-closes-{weekday}-{index}')
                        closes.props['aria-label'] = closes_label.format(day=_(day))
                        self.rows.append((weekday, opens, closes))

    @property
    def first(self) -> ui.input:
        """Where an error about the whole week is shown (Monday's first opening time)."""
        return self.rows[0][1]

    def read(self) -> list[dict] | None:
        """``[{weekday, start_minute, end_minute}]`` as typed, or None after marking a stretch with only one time."""
        stretches = []
        for weekday, opens, closes in self.rows:
            closes.error = None
            if not opens.value and not closes.value:
                continue
            first, last = minutes(opens.value), minutes(closes.value)
            if first is None or last is None:
                closes.error = _('Give both times, or neither.')
                return None
            stretches.append({'weekday': weekday, 'start_minute': first, 'end_minute': last})
        return stretches


def _get(stretch: Any, name: str) -> int | None:
    if stretch is None:
        return None
    return stretch[name] if isinstance(stretch, dict) else getattr(stretch, name)
