"""The customer's manage link, ``/my/<token>``, made for a phone: the booking, cancel (the fee rule shown before
confirming inside the window), move to a free time, add to calendar (``/my/<token>/booking.ics``), chat with the
shop (``/my/<token>/chat`` sends them to their conversation), and their other upcoming bookings. No sign-in: the
signed token is the proof (:mod:`app.services.frontdesk.self_service`). Once the booking is over (the link's lifetime,
:func:`app.services.messaging.links.manage_link_ends_at`) the page says so and nothing else; the ``.ics`` answers
410 Gone and the chat link comes back to that page."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from fastapi import HTTPException
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import ui

from app.pages import language
from app.pages.formatting import local_date, local_time, money
from app.pages.frontdesk.free_times import FreeTimes
from app.pages.frontdesk.online import customer_page, heading, named
from app.pages.guard import public_page, route
from app.services import clock, i18n
from app.services.errors import ClientPulseError, LinkExpiredError, NotFoundError
from app.services.frontdesk import self_service, waitlist
from app.services.frontdesk.availability import Slot
from app.services.frontdesk.bookings import STATUS_LABELS, location_time_zone
from app.services.i18n import N_, _, locale_for, ngettext

CUSTOMER_DAYS = 21
"""How many days ahead the "Move" picker offers (the location's horizon may cut it shorter)."""
TITLE, OFFER_TITLE = N_('Your booking'), N_('A time came free')


def _speak_for(place: self_service.Place | None) -> None:
    """The page speaks the location's language from here on (an unknown link: English)."""
    language.use(place.language if place is not None else None)


@public_page('/my/{token}', proof='the manage link token', title=TITLE)
async def manage_page(token: str) -> None:
    """The customer's own booking behind their manage link ``token``."""
    customer_page()
    _speak_for(await language.io_bound(self_service.place_of_link, token[:300]))
    ui.page_title(_(TITLE))
    await _Manage(token[:300]).build()


@public_page('/offer/{token}', proof="the waitlist offer's token", title=OFFER_TITLE)
async def offer_page(token: str) -> None:
    """A waitlist offer's link: books the offered time and says so, or why not."""
    customer_page()
    place = await language.io_bound(self_service.place_of_offer, token[:300])
    _speak_for(place)
    ui.page_title(_(OFFER_TITLE))
    with ui.column().classes('w-full max-w-md mx-auto p-4 gap-3'):
        heading(_(OFFER_TITLE), classes='text-xl font-semibold')
        status = ui.label(_('Booking it for you…')).props('role=status').mark('offer-status')
        try:
            booking, manage = await language.io_bound(waitlist.accept_offer, token[:300])
        except ClientPulseError as error:
            status.text = str(error)
            status.classes('text-negative').mark('offer-status refused')
            return
        time_zone = place.time_zone if place is not None else await language.io_bound(
            location_time_zone, None, booking.location_id)
        formats = locale_for(place.locale if place is not None else None)
        status.text = _("You're booked: {service} with {staff}, {day} at {time}.").format(
            service=booking.service_name, staff=booking.staff_name,
            day=local_date(booking.starts_at, time_zone, formats, 'EEEE dd MMMM'),
            time=local_time(booking.starts_at, time_zone))
        ui.button(_('Your booking'), icon='open_in_new', on_click=lambda: ui.navigate.to(f'/my/{manage}')).props(
            'outline').mark('manage')


@route('GET', '/my/{token}/booking.ics', proof='the manage link token')
def calendar_file(token: str) -> Response:
    """The booking behind the manage link ``token`` as an .ics file (410 once the link has run out)."""
    place = self_service.place_of_link(token[:300])
    try:
        with i18n.speaking(place.language if place is not None else None):  # a refusal in the shop's language
            data = self_service.calendar_file(token[:300])
    except LinkExpiredError as error:
        return PlainTextResponse(str(error), status_code=410)
    except NotFoundError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    return Response(data, media_type='text/calendar; charset=utf-8',
                    headers={'Content-Disposition': 'attachment; filename="booking.ics"'})


@route('GET', '/my/{token}/chat', proof='the manage link token')
def chat_link(token: str) -> RedirectResponse:
    """From the manage link ``token`` to the customer's chat (a redirect; back to the link once it has run out)."""
    try:
        path = self_service.chat_path(token[:300])
    except LinkExpiredError:
        return RedirectResponse(f'/my/{quote(token[:300], safe="")}', status_code=303)  # which says it is over
    except NotFoundError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    return RedirectResponse(path if path.startswith('/chat/') else '/', status_code=303)  # local paths only


class _Manage:
    def __init__(self, token: str) -> None:
        self.token = token
        self.view: self_service.ManagedBooking | None = None

    async def build(self) -> None:
        with ui.column().classes('w-full max-w-md mx-auto p-4 gap-3'):
            self.body()
        await self.reload()

    async def reload(self) -> None:
        try:
            self.view = await language.io_bound(self_service.open_link, self.token)
        except NotFoundError as error:
            self.view, self.gone = None, str(error)
            self.over = isinstance(error, LinkExpiredError)
        self.body.refresh()

    @ui.refreshable_method
    def body(self) -> None:
        if self.view is None:
            if getattr(self, 'over', False):  # nothing of the booking: only that it is over
                with ui.column().classes('w-full items-center gap-2 py-8').mark('over refused'):
                    ui.icon('event_busy', size='3rem').classes('text-grey-6')
                    heading(self.gone, classes='text-lg text-center font-normal')
            elif getattr(self, 'gone', ''):
                heading(self.gone, classes='text-lg text-negative font-normal').mark('gone refused')
            else:
                named(ui.spinner().props('role=img'), _('Loading'))
            return
        view, booking = self.view, self.view.booking
        tz = view.time_zone

        def day(moment) -> str:
            return local_date(moment, tz, locale_for(view.locale))

        with ui.column().classes('gap-0'):
            ui.label(view.location_name).classes('text-xl font-semibold')
            ui.label(', '.join(p for p in (view.location_address, view.location_phone) if p)).classes(
                'text-sm text-grey-7')
        with ui.card().classes('w-full').mark('booking'):
            heading(booking.service_name)
            ui.label(_('{day} · {start}–{end}').format(day=day(booking.starts_at),
                                                      start=local_time(booking.starts_at, tz),
                                                      end=local_time(booking.ends_at, tz))).classes(
                'text-base').mark('when')
            ui.label(_('with {staff}').format(staff=booking.staff_name)).classes('text-grey-8')
            ui.badge(_(STATUS_LABELS[booking.status])).props('outline').mark('status')
        if view.changeable:
            window_ends = booking.starts_at - timedelta(hours=view.cancellation_hours)
            hours = view.cancellation_hours
            ui.label(_('Free cancellation until {day}, {time}.').format(day=day(window_ends),
                                                                         time=local_time(window_ends, tz))
                     if not view.late else
                     ngettext('Your booking is less than {n} hour away.', 'Your booking is less than {n} hours away.',
                              hours).format(n=hours)).classes('text-sm text-grey-8').mark('policy')
            with ui.row().classes('w-full gap-2'):
                if not view.late:
                    ui.button(_('Move'), icon='event', on_click=self.move).props('unelevated').mark('move')
                ui.button(_('Cancel booking'), icon='event_busy', on_click=self.ask_cancel).props(
                    'outline color=negative').mark('cancel')
        with ui.row().classes('w-full gap-2'):
            ui.button(_('Add to calendar'), icon='calendar_month', on_click=lambda: ui.navigate.to(
                f'/my/{self.token}/booking.ics')).props('flat no-caps').mark('calendar')
            ui.button(_('Chat with us'), icon='chat', on_click=lambda: ui.navigate.to(
                f'/my/{self.token}/chat')).props('flat no-caps').mark('chat')
        self.mover = ui.column().classes('w-full')
        if view.others:
            heading(_('Your other bookings'), 2, 'text-base font-medium mt-2')
            for token, other in view.others:
                with ui.link(target=f'/my/{token}').classes('w-full no-underline text-inherit'):
                    with ui.card().classes('w-full py-2'):
                        ui.label(f'{other.service_name} — {day(other.starts_at)}, '
                                 f'{local_time(other.starts_at, tz)}').classes('text-sm')

    def ask_cancel(self) -> None:
        view = self.view
        if view.fee_cents:
            amount = money(view.fee_cents, view.currency, view.locale)
            rule = (_('Your deposit of {amount} is kept as a late-cancellation fee.') if view.deposit_held else
                    _('A late-cancellation fee of {amount} is charged.')).format(amount=amount)
        else:
            rule = _('Cancelling now is free.')
        with ui.dialog() as dialog, ui.card().classes('max-w-full'):
            title = heading(_('Cancel this booking?'), 2)
            ui.label(rule).mark('fee-rule')
            with ui.row():
                ui.button(_('Keep it'), on_click=dialog.close).props('flat')
                ui.button(_('Yes, cancel'), color='negative', on_click=lambda: self.cancel(dialog)).mark(
                    'confirm-cancel')
        dialog.props(f'aria-labelledby={title.html_id}')
        dialog.open()

    async def cancel(self, dialog) -> None:
        dialog.close()
        try:
            await language.io_bound(self_service.cancel, self.token)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
        else:
            ui.notify(_('Your booking is cancelled.'), type='positive')
        await self.reload()

    async def move(self) -> None:
        view = self.view
        self.mover.clear()
        today = clock.local_day(clock.now(), view.time_zone)
        with self.mover:
            heading(_('Choose a new time'), 2, 'text-base font-medium')
            anyone = ui.switch(_('Anyone, not only {staff}').format(staff=view.booking.staff_name)).mark('anyone')
            picker = FreeTimes(location_id=view.booking.location_id, time_zone=view.time_zone,
                               locale=locale_for(view.locale),
                               first=today, days=CUSTOMER_DAYS,
                               load=lambda day: self_service.free_times(self.token, day, anyone=anyone.value),
                               choose=self.confirm_move)
            anyone.on_value_change(picker.reload)
            await picker.build()

    async def confirm_move(self, slot: Slot) -> None:
        view = self.view

        with ui.dialog() as dialog, ui.card().classes('max-w-full'):
            question = heading(_('Move to {day} at {time} with {staff}?').format(
                day=local_date(slot.starts_at, view.time_zone, locale_for(view.locale)),
                time=local_time(slot.starts_at, view.time_zone), staff=slot.staff_name),
                2, 'text-base font-normal').mark('move-question')
            with ui.row():
                ui.button(_('Back'), on_click=dialog.close).props('flat')
                ui.button(_('Move it'), on_click=lambda: self.do_move(dialog, slot)).mark('confirm-move')
        dialog.props(f'aria-labelledby={question.html_id}')
        dialog.open()

    async def do_move(self, dialog, slot: Slot) -> None:
        dialog.close()
        try:
            await language.io_bound(self_service.reschedule, self.token, slot.starts_at, slot.staff_member_id)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(_('Your booking has moved.'), type='positive')
        await self.reload()
