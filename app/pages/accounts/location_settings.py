"""The Settings page's location section: everything the owner sets for a location, saved as one action.

Name and contact, time zone, country, currency, language and formats, taxes (on services and/or products, prices
with or without tax), opening hours (up to two stretches a day, so a lunch closure is a gap), closures (holidays),
the booking policy (slot grid, minimum notice, how far ahead, default buffer, cancellation window, deposit), the
largest discount staff may give without a manager, and archiving.
A refused value is shown on its field and nothing is saved; a change made in another tab or by someone else is
announced here (live).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel import Locale
from nicegui import ui

from app import live
from app.models import LocationRead, LocationSettings, UserRead
from app.models.location import SLOT_GRIDS
from app.pages import dates, language
from app.pages.accounts.setup import LOCALES
from app.pages.formatting import amount_field, money_at, to_minor
from app.pages.hours import WeekHours, hhmm, minutes
from app.services import events, i18n
from app.services.catalogue import catalog, locations
from app.services.errors import ClientPulseError
from app.services.i18n import _, ngettext
from app.services.messaging import links, sms
from app.services.money import loyalty

TAX_ROWS = 4



class LocationSettingsForm:
    """The form for ``location``, saved by ``owner``."""

    def __init__(self, owner: UserRead, location: LocationRead) -> None:
        self.owner, self.location = owner, location
        self.fields: dict[str, Any] = {}

    def build(self) -> None:
        settings = locations.settings_of(self.location)
        self.notice = ui.row().classes('items-center gap-2 hidden').mark('settings-changed-elsewhere')
        with self.notice:
            ui.icon('sync_problem', color='warning')
            ui.label(_('These settings were just changed in another tab or by someone else.'))
            ui.button(_('Show the new settings'), on_click=ui.navigate.reload).props('flat dense')
        live.on_change(self.location.id, self.changed_elsewhere, kinds=(events.LocationChanged,))

        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('The location')).classes('font-semibold')
            with ui.grid().classes('w-full grid-cols-1 md:grid-cols-2 gap-x-4'):
                f = self.fields
                f['name'] = ui.input(_('Name'), value=settings.name).mark('settings-name')
                f['phone'] = ui.input(_('Phone'), value=settings.phone).mark('settings-phone')
                f['address'] = ui.input(_('Address'), value=settings.address).classes('md:col-span-2').mark(
                    'settings-address')
                f['time_zone'] = ui.select(sorted(locations.time_zones()), label=_('Time zone'), with_input=True,
                                           value=settings.time_zone).mark('settings-time-zone')
                f['country'] = ui.select({'': '—', **dict(sorted(locations.countries().items(), key=lambda kv: kv[1]))},
                                         label=_('Country (of phone numbers)'), with_input=True,
                                         value=settings.country).mark('settings-country')
                f['currency'] = ui.select(sorted(locations.currencies()), label=_('Currency'), with_input=True,
                                          value=settings.currency).mark('settings-currency')
                f['language'] = ui.select(dict(i18n.LANGUAGES), label=_('Language'), value=settings.language).mark(
                    'settings-language')
                options = {code: Locale.parse(code).display_name for code in dict.fromkeys([*LOCALES,
                                                                                             settings.locale])}
                f['locale'] = ui.select(options, label=_('Formats of dates and money'), value=settings.locale).mark(
                    'settings-locale')
            ui.label(_("Customers' pages, the kiosk and messages to customers follow the language; each member of "
                       'staff may choose their own in the header.')).classes('text-xs text-slate-500').mark(
                'settings-language-help')

        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('Taxes')).classes('font-semibold')
            self.taxes = []
            for number in range(TAX_ROWS):
                tax = settings.tax_rates[number] if number < len(settings.tax_rates) else None
                with ui.row().classes('items-center gap-2 flex-wrap'):
                    self.taxes.append((
                        ui.input(_('Name'), value=tax.name if tax else '').classes('w-36').mark(
                            f'settings-tax{number}'),
                        ui.input(_('Percent'), value=tax.percent if tax else '').classes('w-24').mark(
                            f'settings-tax{number}-percent'),
                        ui.checkbox(_('on services'), value=tax.services if tax else True),
                        ui.checkbox(_('on products'), value=tax.products if tax else True)))
            self.fields['tax_rates'] = self.taxes[0][1]
            self.fields['prices_include_tax'] = ui.checkbox(_('Prices are entered with tax included'),
                                                            value=settings.prices_include_tax)
            self.fields['tax_number'] = ui.input(
                _('Tax registration number (KRA PIN, TIN, VAT no.)'), value=settings.tax_number).props(
                'maxlength=40').classes('w-80').mark('settings-tax-number')
            ui.label(_('Printed on receipts; with a tax set, receipts are tax invoices.')).classes(
                'text-sm text-slate-500')

        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('Opening hours')).classes('font-semibold')
            ui.label(_('Up to two stretches a day (a lunch closure is the gap between them); no stretch: closed.')
                     ).classes('text-sm text-slate-500')
            self.hours = WeekHours(settings.opening_hours, 'settings')
            self.fields['opening_hours'] = self.hours.first

        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('Closures (holidays)')).classes('font-semibold')
            self.closure_rows = ui.column().classes('w-full gap-1').mark('settings-closures')
            self.closures: list[tuple] = []
            for closure in settings.closures:
                self.add_closure(closure.start, closure.end, closure.reason)
            ui.button(_('Add a closure'), icon='event_busy', on_click=lambda: self.add_closure(None, None, '')).props(
                'flat dense').mark('settings-add-closure')

        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('Booking policy')).classes('font-semibold')
            with ui.grid().classes('w-full grid-cols-1 md:grid-cols-3 gap-x-4'):
                f = self.fields
                f['slot_minutes'] = ui.select({m: ngettext('every {n} minute', 'every {n} minutes', m).format(n=m)
                                               for m in SLOT_GRIDS}, label=_('Free times start'),
                                              value=settings.slot_minutes).mark('settings-slot')
                f['min_notice_minutes'] = ui.number(_('Minimum notice (minutes)'), value=settings.min_notice_minutes,
                                                    min=0, format='%d').mark('settings-notice')
                f['horizon_days'] = ui.number(_('Bookable up to (days ahead)'), value=settings.horizon_days, min=1,
                                              format='%d').mark('settings-horizon')
                f['buffer_minutes'] = ui.number(_('Default buffer after a booking (minutes)'),
                                                value=settings.buffer_minutes, min=0, format='%d').mark(
                    'settings-buffer')
                f['cancellation_hours'] = ui.number(_('Free cancellation until (hours before)'),
                                                    value=settings.cancellation_hours, min=0, format='%d').mark(
                    'settings-cancellation')
                f['deposit_percent'] = ui.number(_('Deposit when booking (percentage of the price; kept for a no-show '
                                                   'or a late cancellation)'), value=settings.deposit_percent, min=0,
                                                 max=100, format='%d').classes('md:col-span-2').mark(
                    'settings-deposit')
                f['no_show_fee_percent'] = ui.number(_('No-show fee without a deposit (percentage of the price)'),
                                                     value=settings.no_show_fee_percent, min=0, max=100,
                                                     format='%d').mark('settings-no-show-fee')
                f['high_risk_action'] = ui.select(
                    {'none': _('Nothing (the risk is shown)'),
                     'reminder': _('An extra reminder, a day before the first'),
                     'deposit': _('Tell the desk to ask for a deposit')}, value=settings.high_risk_action,
                    label=_('A high no-show risk triggers')).classes('md:col-span-2').mark('settings-high-risk')
        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('Messages and online booking')).classes('font-semibold')
            with ui.row().classes('w-full gap-4 items-end'):
                f['email_messages'] = ui.switch(_('Confirmations and reminders by e-mail'),
                                                value=settings.email_messages).mark('settings-email-messages')
                f['sms_messages'] = ui.switch(_('… and by SMS'), value=settings.sms_messages).mark(
                    'settings-sms-messages')
            self.build_sms(settings)
            with ui.row().classes('w-full gap-4 items-end'):
                f['reminder_hours'] = ui.input(_('Reminders (hours before, e.g. 24, 2)'),
                                               value=', '.join(map(str, settings.reminder_hours))).classes(
                    'w-72').mark('settings-reminders')
                f['quiet_start_minute'] = ui.input(_('Quiet from'), value=hhmm(settings.quiet_start_minute)).props(
                    'type=time').classes('w-32').mark('settings-quiet-start')
                f['quiet_end_minute'] = ui.input(_('until'), value=hhmm(settings.quiet_end_minute)).props(
                    'type=time').classes('w-32').mark('settings-quiet-end')
            ui.label(_('No reminders or marketing go out in the quiet hours; a confirmation answers what the '
                       'customer just did and goes at once. Texts: the Messages page.')).classes(
                'text-xs text-slate-500')
            f['online_booking'] = ui.switch(_('Customers book online'), value=settings.online_booking).mark(
                'settings-online-booking')
            ui.label(_('The booking page: {address} — services marked for the kiosk are offered, within the minimum '
                       'notice and the days ahead above.').format(
                address=f'{links.base_url()}/book/{self.location.id}')).classes(
                'text-xs text-slate-500').mark('settings-online-address')
        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('Discounts at the till')).classes('font-semibold')
            f['staff_discount_limit_percent'] = ui.number(
                _('Largest discount staff may give without a manager (%)'), value=settings.staff_discount_limit_percent,
                min=0, max=100, format='%d').classes('w-full max-w-md').mark('settings-staff-discount')
            ui.label(_('0: only owners and managers give discounts. Above it, staff ask a manager to take the '
                       'payment. Loyalty rewards and campaign codes are not counted.')).classes(
                'text-xs text-slate-500')
        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('Loyalty')).classes('font-semibold')
            with ui.row().classes('w-full gap-4 items-end'):
                f['loyalty_points_per_unit'] = ui.number(
                    _('Points per whole {currency} spent (0: none)').format(currency=self.location.currency),
                    value=settings.loyalty_points_per_unit, min=0, format='%d').classes('w-72').mark(
                    'settings-loyalty-points')
                f['loyalty_on'] = ui.select({'both': _('services and products'), 'services': _('services only'),
                                             'products': _('products only')}, value=settings.loyalty_on,
                                            label=_('Earned on')).classes('w-56').mark('settings-loyalty-on')
                f['loyalty_expiry_months'] = ui.number(_('Points expire after months without a visit (0: never)'),
                                                       value=settings.loyalty_expiry_months, min=0,
                                                       format='%d').classes('w-80').mark('settings-loyalty-expiry')
            ui.label(_('Rewards are kept below the settings; points are earned after discounts, before tax.')).classes(
                'text-xs text-slate-500')
        with ui.row().classes('gap-2'):
            ui.button(_('Save settings'), icon='save', on_click=self.save).mark('settings-save')
        _Rewards(self.owner, self.location).build()

    def build_sms(self, settings: LocationSettings) -> None:
        """Who sends the location's SMS, its sender ID, and where Africa's Talking posts delivery reports."""
        f = self.fields
        with ui.row().classes('w-full gap-4 items-end'):
            f['sms_provider'] = ui.select({sms.TWILIO: 'Twilio', sms.AFRICASTALKING: "Africa's Talking"},
                                          value=settings.sms_provider, label=_('SMS provider')).classes('w-56').mark(
                'settings-sms-provider')
            f['sms_sender_id'] = ui.input(_("Sender ID (Africa's Talking)"), value=settings.sms_sender_id).props(
                'maxlength=11').classes('w-64').mark('settings-sms-sender-id')
        ui.label(_("An empty sender ID sends from the Africa's Talking account's own.")).classes(
            'text-xs text-slate-500')
        missing = [name for key, name in ((sms.TWILIO, 'Twilio (CLIENTPULSE_TWILIO_*)'), (
            sms.AFRICASTALKING, "Africa's Talking (CLIENTPULSE_AFRICASTALKING_*)")) if not sms.configured(key)]
        if missing:
            ui.label(_('Not set up on this server, so no SMS goes through it: {providers}.').format(
                providers=', '.join(missing))).classes('text-xs text-slate-500').mark('settings-sms-missing')
        if sms.configured(sms.AFRICASTALKING):
            ui.label(_("Delivery reports: in Africa's Talking's dashboard (SMS → SMS Callback URLs → Delivery "
                       'Reports) enter {address} — keep it secret, it is what proves a report comes from them.').format(
                address=sms.delivery_report_url())).classes('text-xs text-slate-500 break-all').mark(
                'settings-sms-reports-address')

    def add_closure(self, start: date | None, end: date | None, reason: str) -> None:
        with self.closure_rows, ui.row().classes('items-center gap-2 flex-wrap') as row:
            formats = self.location.locale
            entry = (dates.date_input(_('From'), start, locale=formats).props('dense').classes('w-44'),
                     dates.date_input(_('To'), end, locale=formats).props('dense').classes('w-44'),
                     ui.input(_('Reason'), value=reason).props('dense').classes('w-48'))
            self.closures.append(entry)

            def remove() -> None:
                self.closures.remove(entry)
                row.delete()

            ui.button(icon='delete', on_click=remove).props('flat round dense').tooltip(_('Remove'))
        self.fields['closures'] = self.closures[0][1] if self.closures else None

    def values(self) -> dict[str, Any] | None:
        """The form as settings values, or None after marking a malformed time."""
        values: dict[str, Any] = {key: self.fields[key].value for key in (
            'name', 'phone', 'address', 'time_zone', 'country', 'currency', 'locale', 'language', 'prices_include_tax',
            'slot_minutes', 'min_notice_minutes', 'horizon_days', 'buffer_minutes', 'cancellation_hours',
            'deposit_percent', 'no_show_fee_percent', 'loyalty_points_per_unit', 'loyalty_on',
            'loyalty_expiry_months', 'email_messages', 'sms_messages', 'online_booking', 'high_risk_action',
            'staff_discount_limit_percent', 'sms_provider')}
        values['tax_number'] = self.fields['tax_number'].value or ''
        values['sms_sender_id'] = self.fields['sms_sender_id'].value or ''
        timing = self.message_timing()
        if timing is None:
            return None
        values.update(timing)
        for key in ('min_notice_minutes', 'horizon_days', 'buffer_minutes', 'cancellation_hours', 'deposit_percent',
                    'no_show_fee_percent', 'loyalty_points_per_unit', 'loyalty_expiry_months',
                    'staff_discount_limit_percent'):
            values[key] = int(values[key]) if values[key] is not None else -1
        values['tax_rates'] = self.tax_rates()
        stretches = self.hours.read()
        if stretches is None:
            return None
        values['opening_hours'] = stretches
        values['closures'] = [{'start': start.value, 'end': end.value or start.value, 'reason': reason.value or ''}
                              for start, end, reason in self.closures if start.value]
        return values

    def message_timing(self) -> dict[str, Any] | None:
        """``reminder_hours`` (whole hours before a booking) and ``quiet_start_minute``/``quiet_end_minute`` (minutes
        of the day) as typed, or None after marking the first one that is malformed."""
        hours_text = (self.fields['reminder_hours'].value or '').replace(';', ',')
        if not all(part.strip().isdigit() for part in hours_text.split(',') if part.strip()):
            self.fields['reminder_hours'].error = _('Give whole hours separated by commas, e.g. 24, 2.')
            return None
        timing: dict[str, Any] = {'reminder_hours': [int(part) for part in hours_text.split(',') if part.strip()]}
        for key in ('quiet_start_minute', 'quiet_end_minute'):
            timing[key] = minutes(self.fields[key].value or '')
            if timing[key] is None:
                self.fields[key].error = _('Give a time such as 21:00.')
                return None
        return timing

    def tax_rates(self) -> list[dict[str, Any]]:
        """The tax rows with a name (name, percent as typed, on services, on products)."""
        return [{'name': name.value, 'percent': percent.value or '', 'services': services.value,
                 'products': products.value}
                for name, percent, services, products in self.taxes if (name.value or '').strip()]

    async def save(self) -> None:
        for field in self.fields.values():
            if field is not None and hasattr(field, 'error'):
                field.error = None
        values = self.values()
        if values is None:
            return
        self.saving = True  # the change this save announces is delivered before the save returns: not news here
        try:
            self.location = await language.io_bound(locations.update_location, self.location.id, values,
                                                    actor=self.owner)
        except ClientPulseError as error:
            field = self.fields.get((error.field or '').split('.')[0])
            if field is not None:
                field.error = str(error)
            else:
                ui.notify(str(error), type='negative', multi_line=True)
            return
        finally:
            self.saving = False
        ui.notify(_('Settings saved.'), type='positive')

    def changed_elsewhere(self, _event) -> None:
        if not getattr(self, 'saving', False):
            self.notice.classes(remove='hidden')


class _Rewards:
    """The location's loyalty rewards: listed, switched off and on, and added (an amount off or a free service)."""

    def __init__(self, owner: UserRead, location: LocationRead) -> None:
        self.owner, self.location = owner, location

    def build(self) -> None:
        with ui.card().classes('w-full max-w-4xl'):
            ui.label(_('Loyalty rewards')).classes('font-semibold')
            self.listing = ui.column().classes('gap-1').mark('rewards')
            self.show()
            services = {s.id: s.name for s in catalog.list_services(self.location.id, actor=self.owner)}
            with ui.row().classes('items-end gap-2'):
                name = ui.input(_('Reward')).classes('w-48').mark('reward-name')
                points = ui.number(_('Points'), min=1, format='%d').classes('w-24').mark('reward-points')
                amount = ui.number(_('Amount off'), min=0, **amount_field(self.location.currency)).classes(
                    'w-28').mark('reward-amount')
                service = ui.select(services, label=_('or a free service'), clearable=True).classes('w-48').mark(
                    'reward-service')

                async def add() -> None:
                    try:
                        await language.io_bound(lambda: loyalty.save_reward(
                            None, actor=self.owner, location_id=self.location.id, name=name.value or '',
                            points=int(points.value or 0),
                            discount_cents=to_minor(amount.value, 'discount_cents', self.location.currency)
                            if amount.value else None,
                            service_id=service.value))
                    except ClientPulseError as error:
                        field = {'name': name, 'points': points, 'discount_cents': amount, 'service_id': service}
                        (field.get(error.field or '') or name).error = str(error)
                        return
                    name.value, points.value, amount.value, service.value = '', None, None, None
                    self.show()

                ui.button(_('Add reward'), icon='redeem', on_click=add).props('outline').mark('reward-add')

    def show(self) -> None:
        self.listing.clear()
        with self.listing:
            listed = loyalty.rewards(self.location.id, actor=self.owner, include_inactive=True)
            if not listed:
                ui.label(_('No rewards yet.')).classes('text-slate-500')
            for reward in listed:
                if reward.discount_cents is not None:
                    text = ngettext('{name}: {n} point for {amount} off', '{name}: {n} points for {amount} off',
                                    reward.points).format(name=reward.name, n=reward.points,
                                                          amount=money_at(reward.discount_cents, self.location))
                else:
                    text = ngettext('{name}: {n} point for a free service', '{name}: {n} points for a free service',
                                    reward.points).format(name=reward.name, n=reward.points)
                ui.label(text if reward.active else _('{reward} (off)').format(reward=text))
