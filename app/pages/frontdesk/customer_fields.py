"""The booking dialog's customer contact: a new customer's phone, e-mail, preferred channel and marketing consent
(with a warning, and "Use this customer", when the phone or e-mail is already a customer's), the same fields to
change an existing booking's customer, and the line saying no reminder will reach them (``messaging.reach``)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from nicegui import ui

from app.models import BookingRead, CustomerCreate, CustomerRead, LocationRead, UserRead
from app.pages import language
from app.pages.customers.picker import CustomerPicker
from app.pages.layout import field_error
from app.services.customers import customers, phones
from app.services.errors import ClientPulseError, validated
from app.services.frontdesk import booking_contact
from app.services.i18n import N_, _
from app.services.messaging import reach

PREFERENCES = {'': N_('No preference'), 'sms': N_('SMS'), 'email': N_('E-mail')}


def reached(location: LocationRead, customer) -> bool:
    """Whether any channel ``location`` sends on reaches ``customer`` (a ``CustomerRead`` or typed contact)."""
    return bool(reach.channels(customer, email_messages=location.email_messages,
                               sms_messages=location.sms_messages, sms_provider=location.sms_provider))


def no_reminder_label() -> ui.label:
    """The warning line (hidden until shown), with a warning icon's meaning in its words."""
    label = ui.label(_(reach.NO_REMINDER)).classes('text-sm text-warning font-semibold').mark('no-reminder')
    label.props['role'] = 'status'
    label.visible = False
    return label


class ContactInputs:
    """Phone, e-mail, preferred channel and consent per channel, filled from ``customer`` when given."""

    def __init__(self, customer: CustomerRead | None = None, *, prefix: str = '') -> None:
        with ui.row().classes('w-full gap-2'):
            self.phone = ui.input(_('Phone'), value=customer.phone if customer else '').props(
                'type=tel maxlength=40').classes('flex-1').mark(f'{prefix}phone')
            self.email = ui.input(_('E-mail'), value=customer.email if customer else '').props(
                'type=email maxlength=200').classes('flex-1').mark(f'{prefix}email')
        with ui.row().classes('w-full gap-2 items-center'):
            self.preferred = ui.select({k: _(v) for k, v in PREFERENCES.items()},
                                       value=customer.preferred_channel if customer else '',
                                       label=_('Messages by')).classes('w-40').mark(f'{prefix}preferred')
            consent = (customer.consent or {}) if customer else {}
            self.sms = ui.checkbox(_('Offers by SMS'), value=bool(consent.get('sms'))).mark(f'{prefix}consent-sms')
            self.mail = ui.checkbox(_('Offers by e-mail'), value=bool(consent.get('email'))).mark(
                f'{prefix}consent-email')

    def values(self) -> dict:
        """``{phone, email, preferred_channel, consent}`` as typed."""
        return {'phone': self.phone.value or '', 'email': self.email.value or '',
                'preferred_channel': self.preferred.value or '',
                'consent': {'sms': bool(self.sms.value), 'email': bool(self.mail.value)}}

    def typed(self, location: LocationRead) -> SimpleNamespace:
        """The contact as typed, as :func:`reached` reads a customer (the phone in E.164 with the location's
        country, '' when it cannot be read)."""
        country = phones.region(location.country, location.locale)
        return SimpleNamespace(email=(self.email.value or '').strip(), erased_at=None, merged_into=None,
                               phone_e164=phones.e164(self.phone.value or '', country),
                               preferred_channel=self.preferred.value or '')

    def clear_errors(self) -> None:
        self.phone.error = self.email.error = None


class NewCustomer:
    """The new-customer part of the new-booking dialog: name and :class:`ContactInputs`, a warning when the phone or
    e-mail is already a customer's with "Use this customer" (which picks them in ``chooser``), and the no-reminder
    line for the customer chosen or typed."""

    def __init__(self, user: UserRead, location: LocationRead, chooser: CustomerPicker, new_value: int) -> None:
        self.user, self.location, self.chooser, self.new_value = user, location, chooser, new_value
        self.asked = 0  # the latest duplicate check: an older answer arriving late is dropped
        with ui.column().classes('w-full gap-1') as self.box:
            self.name = ui.input(_('Name')).classes('w-full').mark('new-name')
            self.contact = ContactInputs(prefix='new-')
            self.duplicates = ui.column().classes('w-full gap-1').mark('duplicates')
        self.box.bind_visibility_from(chooser, 'value', lambda v: v == new_value)
        self.warning = no_reminder_label()
        for element in (self.contact.phone, self.contact.email):
            element.on_value_change(self.check_duplicates)
        for element in (chooser, self.contact.phone, self.contact.email, self.contact.preferred):
            element.on_value_change(self.show_reach)
        self.show_reach()

    @property
    def fields(self) -> dict:
        """Service error field → element."""
        return {'name': self.name, 'phone': self.contact.phone, 'email': self.contact.email,
                'preferred_channel': self.contact.preferred}

    def data(self) -> CustomerCreate | None:
        """The new customer to add with the booking (None when an existing one is chosen).

        :raises ValidationError: a value refused, naming its field
        """
        if self.chooser.value != self.new_value:
            return None
        return validated(CustomerCreate, location_id=self.location.id, name=self.name.value or '',
                         **self.contact.values())

    def show_reach(self) -> None:
        chosen = self.chooser.value
        if chosen == self.new_value:
            self.warning.visible = not reached(self.location, self.contact.typed(self.location))
        else:
            customer = self.chooser.chosen
            self.warning.visible = customer is not None and not reached(self.location, customer)

    async def check_duplicates(self) -> None:
        self.asked += 1
        asked = self.asked
        phone, email = self.contact.phone.value or '', self.contact.email.value or ''
        try:
            found = await language.io_bound(customers.matching, self.location.id, phone=phone, email=email,
                                            actor=self.user) if phone.strip() or email.strip() else []
        except ClientPulseError:
            found = []
        if asked != self.asked:
            return
        self.duplicates.clear()
        with self.duplicates:
            for match in found:
                with ui.row().classes('items-center gap-2 text-sm').mark(f'duplicate-{match.id}'):
                    ui.icon('person_search').props('role=img').props['aria-label'] = _('Possible duplicate')
                    ui.label(_('Already a customer with this phone or e-mail: {name} ({code}, {contact})').format(
                        name=match.name, code=match.code, contact=match.phone or match.email)).classes(
                        'text-warning')
                    ui.button(_('Use this customer'), on_click=lambda m=match: self.use(m)).props(
                        'outline dense no-caps').mark(f'use-customer-{match.id}')

    def use(self, match: CustomerRead) -> None:
        """Book for ``match`` instead of adding a new customer."""
        ui.notify(_('Booking for {name}.').format(name=match.name), type='info')  # before its button goes
        self.chooser.choose(match)
        self.duplicates.clear()
        self.name.value = ''
        for element in (self.contact.phone, self.contact.email):
            element.value = ''


def booking_contact_section(user: UserRead, location: LocationRead, booking: BookingRead,
                            on_saved: Callable[[], None] | None = None) -> None:
    """For a booking with a customer: their alerts (allergies and the like), the no-reminder line when no channel
    reaches them, and "Contact" to change their phone, e-mail, preferred channel and consent (saved with
    :func:`booking_contact.change_contact`). Drawn
    where called once the customer is read (in a worker thread: never on the event loop)."""
    if booking.customer_id is None:
        return
    place = ui.column().classes('w-full')

    async def fill() -> None:
        try:
            customer = await language.io_bound(customers.get_customer, booking.customer_id, actor=user)
        except ClientPulseError:  # erased or merged meanwhile: nothing to change here
            return
        if not place.is_deleted:
            with place:
                _contact_section(user, location, booking, customer, on_saved)

    ui.timer(0, fill, once=True)


def _contact_section(user: UserRead, location: LocationRead, booking: BookingRead, customer: CustomerRead,
                     on_saved: Callable[[], None] | None) -> None:
    if customer.alerts:
        with ui.row().classes('items-center gap-1 text-negative').mark('booking-alerts'):
            ui.icon('warning').props('role=img').props['aria-label'] = _('Alert')
            ui.label(customer.alerts)
    warning = no_reminder_label()
    warning.visible = not reached(location, customer)
    with ui.expansion(_('Contact'), icon='contact_phone', value=warning.visible).classes('w-full').mark(
            'contact-section'):
        inputs = ContactInputs(customer, prefix='contact-')

        async def save() -> None:
            inputs.clear_errors()
            try:
                saved = await language.io_bound(booking_contact.change_contact, booking.id, inputs.values(),
                                                actor=user)
            except ClientPulseError as error:
                field_error({'phone': inputs.phone, 'email': inputs.email}, error)
                return
            inputs.phone.value, inputs.email.value = saved.phone, saved.email
            warning.visible = not reached(location, saved)
            ui.notify(_('Contact of {name} saved.').format(name=saved.name), type='positive')
            if on_saved:
                on_saved()

        ui.button(_('Save contact'), on_click=save).props('outline').mark('save-contact')
