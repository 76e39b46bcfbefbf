"""Free times for a customer choosing on their own phone (the manage link's "Move", online booking): a row of days,
then the day's free times as buttons. Live: a booking or hold made anywhere at the location re-reads the shown day, so
a time taken meanwhile vanishes. By keyboard: a "Go to the times" link before the days (shown when it has the focus)
jumps over them to the chosen day's times; the chosen day says it is pressed (``aria-pressed``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from babel.dates import format_date
from nicegui import ui

from app import live
from app.pages import language
from app.pages.formatting import local_time
from app.services import events, i18n
from app.services.errors import ClientPulseError
from app.services.frontdesk.availability import Slot
from app.services.i18n import _


class FreeTimes:
    """``load(day)`` gives the free slots of a local day (run in a worker thread); ``choose(slot)`` is awaited when
    one is tapped. ``days``: how many days from ``first`` are offered."""

    def __init__(self, *, location_id: int, time_zone: str, locale: str, first: date, days: int,
                 load: Callable[[date], list[Slot]], choose: Callable[[Slot], Awaitable[None]]) -> None:
        self.location_id, self.time_zone = location_id, time_zone
        self.locale = i18n.locale_for(locale)  # the location's formats, the day names in the page's language
        self.first, self.days, self.load, self.choose = first, max(1, days), load, choose
        self.day = first
        self.slots: list[Slot] | None = None
        self.error = ''

    async def build(self) -> None:
        with ui.column().classes('w-full gap-2') as self.container:
            # a keyboard user reaches the times without tabbing through every day (WCAG 2.4.1)
            ui.button(_('Go to the times'), on_click=self.focus_times).props('flat dense no-caps').classes(
                'sr-only focus:not-sr-only').mark('skip-to-times')
            self.days_row()
            self.times()
        await self.reload()
        self.stop = live.on_change(self.location_id, lambda _event: self.reload(),
                                   kinds=(events.BookingChanged, events.AvailabilityChanged, events.StaffChanged))

    @ui.refreshable_method
    def days_row(self) -> None:
        # each chip as wide as its day's name (Kiswahili's are whole words: "Jumamosi"), never clipped; the row
        # scrolls sideways and stops on whole chips
        with ui.row().classes('w-full no-wrap overflow-x-auto gap-2 pb-1').style(
                'scroll-snap-type:x proximity').mark('days'):
            for offset in range(self.days):
                day = self.first + timedelta(days=offset)
                label = f'{format_date(day, "EEE", locale=self.locale)}\n{day.day}'
                ui.button(label, on_click=lambda d=day: self.pick(d)).props(
                    f'{"unelevated" if day == self.day else "outline"} no-caps dense '
                    f'aria-pressed={"true" if day == self.day else "false"}').classes(
                    'day-chip whitespace-pre min-w-[3.5rem] w-max shrink-0 px-3 py-1').style(
                    'scroll-snap-align:start').mark(f'day-{day.isoformat()}')

    async def pick(self, day: date) -> None:
        self.day, self.slots, self.error = day, None, ''
        self.days_row.refresh()
        self.times.refresh()  # the old day's times go at once (a click on one would book the wrong day)
        await self.reload()

    async def reload(self) -> None:
        if self.container.is_deleted:  # the customer went on (or back): this picker listens no more
            self.stop()
            return
        day = self.day
        try:
            slots, error = await language.io_bound(self.load, day), ''
        except ClientPulseError as refused:
            slots, error = [], str(refused)
        if day != self.day:  # another day was chosen while this one was read: its own reload shows it
            return
        self.slots, self.error = slots, error
        self.times.refresh()

    def focus_times(self) -> None:
        """Move the keyboard's focus to the first free time (or to the day's heading when there is none)."""
        self.container.client.run_javascript(
            f'(document.querySelector("#{self.container.html_id} .free-times button")'
            f' || document.querySelector("#{self.container.html_id} .free-times-day"))?.focus()')

    @ui.refreshable_method
    def times(self) -> None:
        ui.label(format_date(self.day, 'full', locale=self.locale)).classes(
            'free-times-day text-base font-medium mt-2').props('tabindex=-1')
        if self.error:
            ui.label(self.error).classes('text-negative')
        elif self.slots is None:
            ui.spinner().props['aria-label'] = _('Loading free times')
        elif not self.slots:
            ui.label(_('No free times that day. Try another day.')).classes('text-grey-8').mark('no-times')
        else:
            with ui.element('div').classes('free-times grid grid-cols-4 gap-2 w-full').mark(
                    f'times times-{self.day.isoformat()}'):
                for slot in self.slots:
                    ui.button(local_time(slot.starts_at, self.time_zone),
                              on_click=lambda s=slot: self.choose(s)).props('outline no-caps').mark(
                        f'time-{local_time(slot.starts_at, self.time_zone)}')
