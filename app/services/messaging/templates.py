"""Message templates: a default text per template and channel, a location's own texts, checked and filled in.

A template is user text, so it is data: it is written in a small language (:mod:`.template_language`: text,
placeholders, a few filters with written arguments, ``{% if %}``; no loops, calls or attribute access), checked when
it is saved (:func:`check`: an unknown placeholder or anything outside the language is refused then, naming the
field and the line) and again every time it is filled in (:func:`render`: a stored text may be older than the check,
or written around it), by an evaluator of our own whose time and output are bounded by the text's length and
:data:`~.template_language.MAX_VALUE`, whatever the values. Pages call :func:`preview` and :func:`save` in a worker
thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from babel.dates import format_date
from sqlalchemy import delete, select
from sqlmodel import Session

from app.models import Location, MessageChannel, MessageTemplate, Service, StaffMember, Template, UserRead
from app.services import i18n
from app.services.accounts import activity
from app.services.accounts.access import MANAGING_ROLES, ensure_reader
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.i18n import N_, _
from app.services.messaging import template_language

MAX_TEMPLATE = 2000
"""The longest template text (characters)."""
MAX_OUTPUT = 5000
"""The longest rendered message (characters); an SMS is cut further by the provider's segments."""
MAX_VALUE = template_language.MAX_VALUE
"""The most characters a placeholder's value (cut to it before filling in) or one ``{{ … }}`` prints."""
output_bound = template_language.output_bound

PLACEHOLDERS: dict[str, str] = {
    'customer_name': N_("the customer's name"),
    'service': N_("the booked service's name"),
    'staff': N_("the staff member's name"),
    'date': N_("the booking's date, written the location's way"),
    'time': N_("the booking's start time (local)"),
    'location_name': N_("the location's name"),
    'location_address': N_("the location's address"),
    'location_phone': N_("the location's phone"),
    'manage_link': N_('the link where the customer sees, cancels or moves the booking'),
    'cancellation_hours': N_('free cancellation until this many hours before'),
    'code': N_('a one-time code (code messages only)'),
    'accept_link': N_('the link that accepts a waitlist offer (waitlist offers only)'),
    'offer_until': N_('until when a waitlist offer is held (waitlist offers only)'),
    'offer_code': N_("the campaign's discount code (campaign messages only)"),
    'sign_in_link': N_('the one-time link where a staff member sets their password (invitations and password '
                       'resets only)'),
}
"""Every placeholder a template may use, and what it stands for (shown beside the editor, translated with ``_()``)."""
_KNOWN = tuple(PLACEHOLDERS)

SAMPLE: dict[str, str] = {
    'customer_name': 'Alex Morgan', 'service': N_('Haircut'), 'staff': 'Sam', 'date': N_('Tuesday 5 March'),
    'time': '14:00', 'location_name': N_('Main Street Salon'), 'location_address': N_('12 Main Street'),
    'location_phone': '+1 416 555 0100', 'manage_link': 'https://book.example.com/my/…', 'cancellation_hours': '24',
    'code': '482913', 'accept_link': 'https://book.example.com/offer/…', 'offer_until': '14:30',
    'offer_code': 'WELCOME-BACK', 'sign_in_link': 'https://salon.example.com/account/…',
}
"""Values a preview is rendered with (the words among them translated: :func:`sample`)."""
_SAMPLE_WORDS = ('service', 'date', 'location_name', 'location_address')

# Each default is one whole text marked for translation, so a translator sees the sentence (placeholders in
# ``{{ … }}`` kept as they are); it is translated into the location's language when a message is made.
DEFAULTS: dict[tuple[Template, MessageChannel], tuple[str, str]] = {
    (Template.CONFIRMATION, MessageChannel.EMAIL): (
        N_('Your booking at {{ location_name }}: {{ date }} at {{ time }}'),
        N_('Hello {{ customer_name }},\n\nyou are booked: {{ service }} with {{ staff }} on {{ date }} at {{ time }}.'
           '\n{{ location_name }}, {{ location_address }}\n\nSee, move or cancel it (free until '
           '{{ cancellation_hours }} hours before): {{ manage_link }}\n\n'
           'The attached calendar file adds it to your calendar.')),
    (Template.CONFIRMATION, MessageChannel.SMS): (
        '', N_('{{ location_name }}: you are booked, {{ service }} with {{ staff }} on {{ date }} at {{ time }}. '
               'Manage: {{ manage_link }}')),
    (Template.RESCHEDULED, MessageChannel.EMAIL): (
        N_('Your booking at {{ location_name }} has moved: {{ date }} at {{ time }}'),
        N_('Hello {{ customer_name }},\n\nyour booking is now: {{ service }} with {{ staff }} on {{ date }} at '
           '{{ time }}.\n\nSee, move or cancel it: {{ manage_link }}\n\n'
           'The attached calendar file updates your calendar.')),
    (Template.RESCHEDULED, MessageChannel.SMS): (
        '', N_('{{ location_name }}: your booking moved to {{ service }} with {{ staff }} on {{ date }} at '
               '{{ time }}. Manage: {{ manage_link }}')),
    (Template.CANCELLED, MessageChannel.EMAIL): (
        N_('Your booking at {{ location_name }} is cancelled'),
        N_('Hello {{ customer_name }},\n\nyour booking ({{ service }} with {{ staff }} on {{ date }} at {{ time }}) '
           'is cancelled.\n\nTo book again, call us on {{ location_phone }}.')),
    (Template.CANCELLED, MessageChannel.SMS): (
        '', N_('{{ location_name }}: your booking ({{ service }} with {{ staff }} on {{ date }} at {{ time }}) '
               'is cancelled.')),
    (Template.REMINDER, MessageChannel.EMAIL): (
        N_('Reminder: {{ service }} at {{ location_name }}, {{ date }} at {{ time }}'),
        N_('Hello {{ customer_name }},\n\na reminder of your booking: {{ service }} with {{ staff }} on {{ date }} '
           'at {{ time }}.\n{{ location_name }}, {{ location_address }}\n\nCan\'t make it? Move or cancel it: '
           '{{ manage_link }}')),
    (Template.REMINDER, MessageChannel.SMS): (
        '', N_('Reminder from {{ location_name }}: {{ service }} with {{ staff }} on {{ date }} at {{ time }}. '
               'Move or cancel: {{ manage_link }}')),
    (Template.WAITLIST_OFFER, MessageChannel.EMAIL): (
        N_('A time came free at {{ location_name }}'),
        N_('Hello {{ customer_name }},\n\na time you were waiting for came free: {{ service }} with {{ staff }} on '
           '{{ date }} at {{ time }}.\nIt is held for you until {{ offer_until }}. Take it: {{ accept_link }}')),
    (Template.WAITLIST_OFFER, MessageChannel.SMS): (
        '', N_('{{ location_name }}: {{ service }} with {{ staff }} on {{ date }} at {{ time }} came free, held for '
               'you until {{ offer_until }}. Take it: {{ accept_link }}')),
    (Template.CODE, MessageChannel.EMAIL): (
        N_('Your code for {{ location_name }}: {{ code }}'),
        N_('Your code to confirm your booking at {{ location_name }} is {{ code }}. It is valid for 10 minutes.')),
    (Template.CODE, MessageChannel.SMS): (
        '', N_('{{ code }} is your code to confirm your booking at {{ location_name }}. Valid for 10 minutes.')),
    (Template.MARKETING, MessageChannel.EMAIL): (N_('News from {{ location_name }}'), N_('Hello {{ customer_name }},')),
    (Template.MARKETING, MessageChannel.SMS): ('', '{{ location_name }}: '),
    (Template.STAFF_INVITE, MessageChannel.EMAIL): (
        N_('Your sign-in for {{ location_name }}'),
        N_('Hello {{ staff }},\n\nyou are invited to sign in to ClientPulse at {{ location_name }}. Open this link and '
           'choose your own password:\n{{ sign_in_link }}\n\nThe link works once, within 72 hours. If you did not '
           'expect it, ignore this message.')),
    (Template.STAFF_INVITE, MessageChannel.SMS): (
        '', N_('{{ location_name }}: {{ staff }}, choose your ClientPulse password here (works once, within 72 hours): '
               '{{ sign_in_link }}')),
    (Template.PASSWORD_RESET, MessageChannel.EMAIL): (
        N_('Set a new password for {{ location_name }}'),
        N_('Hello {{ staff }},\n\nopen this link to set a new ClientPulse password:\n{{ sign_in_link }}\n\n'
           'The link works once, within 24 hours; your old password stops working when the new one is set. If you '
           'did not ask for it, tell {{ location_name }}.')),
    (Template.PASSWORD_RESET, MessageChannel.SMS): (
        '', N_('{{ location_name }}: set a new ClientPulse password here (works once, within 24 hours): '
               '{{ sign_in_link }}')),
}
"""The text of each template on each channel when a location has not written its own: (subject, body), English
source text; :func:`default_text` gives it in a language."""


def default_text(template: Template, channel: MessageChannel, language: str | None = None) -> tuple[str, str]:
    """The default (subject, body) of ``template`` on ``channel`` in ``language`` (None: the current one; the
    outbox speaks the location's)."""
    subject, body = DEFAULTS[template, channel]
    with i18n.speaking(language or i18n.current()):
        return (_(subject) if subject else ''), (_(body) if body else '')  # _(''): the catalog's header


def sample(language: str | None = None) -> dict[str, str]:
    """:data:`SAMPLE` with its words in ``language`` (None: the current one)."""
    with i18n.speaking(language or i18n.current()):
        return {**SAMPLE, **{key: _(SAMPLE[key]) for key in _SAMPLE_WORDS}}


def location_sample(location_id: int, *, actor: UserRead, sample_language: str | None = None) -> dict[str, str]:
    """The preview's values for one location: :func:`sample` in ``language`` (None: the current one) with the
    location's own name, address, phone and cancellation hours, its first active service and staff member (by name)
    and next Tuesday's date in its formats, where it has them (an empty address keeps the sample's).

    :raises PermissionDeniedError: not an owner or manager of the location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_("see the location's message texts"))
    with session_scope() as session:
        location = session.get(Location, location_id)
        service = session.execute(select(Service.name).where(
            Service.location_id == location_id, Service.active).order_by(Service.id).limit(1)).scalar_one_or_none()
        member = session.execute(select(StaffMember.name).where(
            StaffMember.location_id == location_id, StaffMember.active).order_by(
            StaffMember.id).limit(1)).scalar_one_or_none()
    values = sample(sample_language)
    if location is None:
        return values
    own = {'location_name': location.name, 'location_address': location.address, 'location_phone': location.phone,
           'service': service or '', 'staff': member or '', 'cancellation_hours': str(location.cancellation_hours)}
    values.update({key: value for key, value in own.items() if value})
    with i18n.speaking(sample_language or i18n.current()):
        values['date'] = _sample_date(location.locale)
    return values


def _sample_date(formats: str) -> str:
    """Next Tuesday (from today), written in full in ``formats`` with the current language's words
    (:func:`i18n.locale_for`)."""
    today = date.today()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    try:
        return format_date(tuesday, 'full', locale=i18n.locale_for(formats))
    except (ValueError, LookupError):
        return _(SAMPLE['date'])


def check(text: str, *, field: str) -> str:
    """``text`` if it is a message text (:mod:`.template_language`: no longer than :data:`MAX_TEMPLATE`, only
    :data:`PLACEHOLDERS`, only the language's parts) and fills in with :data:`SAMPLE`.

    :raises ValidationError: too long, a syntax error, something the language does not allow or an unknown placeholder
        (each with its line), or it cannot be filled in (``field``)
    """
    render(text, SAMPLE, field=field)
    return text


def placeholders_in(text: str) -> set[str]:
    """The placeholders ``text`` uses (a text that does not check uses none: :func:`check` reports it)."""
    try:
        return set(_program(text, field='body').placeholders)
    except ValidationError:
        return set()


def render(text: str, values: Mapping[str, str], *, field: str = 'body') -> str:
    """``text`` checked again (a stored text may predate the check, or have been written around it) and filled in
    with ``values``, each cut to :data:`~.template_language.MAX_VALUE` characters; the result cut at
    :data:`MAX_OUTPUT`. Bounded in time and memory whatever ``text`` and ``values`` are (:mod:`.template_language`).

    :raises ValidationError: as :func:`check`; a value missing for a placeholder the text uses (``field``)
    """
    try:
        return _program(text, field=field).fill(values)[:MAX_OUTPUT]
    except template_language.TextRefused as error:
        raise ValidationError(str(error), field=field) from None


def text_of(session: Session, location_id: int, template: Template, channel: MessageChannel) -> tuple[str, str]:
    """The (subject, body) a location sends for ``template`` on ``channel``: its own (as typed), else the default in
    the current language (the outbox speaks the location's)."""
    own = session.execute(select(MessageTemplate.subject, MessageTemplate.body).where(
        MessageTemplate.location_id == location_id, MessageTemplate.template == template.value,
        MessageTemplate.channel == channel.value)).first()
    return (own.subject, own.body) if own is not None else default_text(template, channel)


def texts(location_id: int, *, actor: UserRead) -> dict[tuple[Template, MessageChannel], tuple[str, str, bool]]:
    """Every template's (subject, body, the location's own?) on each channel, for the editor: a default in the
    location's language (what its customers receive).

    :raises PermissionDeniedError: not an owner or manager of the location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_("see the location's message texts"))
    with session_scope() as session:
        own = {(Template(t.template), MessageChannel(t.channel)): (t.subject, t.body) for t in session.execute(
            select(MessageTemplate).where(MessageTemplate.location_id == location_id)).scalars()}
        spoken = session.execute(select(Location.language).where(Location.id == location_id)).scalar_one_or_none()
    return {key: (*own[key], True) if key in own else (*default_text(*key, i18n.language_of(spoken)), False)
            for key in DEFAULTS}


def save(location_id: int, template: Template, channel: MessageChannel, *, subject: str, body: str,
         actor: UserRead) -> None:
    """Keep the location's own text for ``template`` on ``channel`` (e-mail: a subject too), checked first.

    :raises ValidationError: an unknown placeholder, a syntax error or a text too long (``field`` 'subject' or
        'body'); an empty body
    :raises PermissionDeniedError: not an owner or manager of the location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_('change message texts'))
    if not body.strip():
        raise ValidationError(_('A message needs a text.'), field='body')
    if channel == MessageChannel.EMAIL:
        if not subject.strip():
            raise ValidationError(_('An e-mail needs a subject.'), field='subject')
        check(subject, field='subject')
    check(body, field='body')
    with session_scope(write=True) as session:
        own = session.execute(select(MessageTemplate).where(
            MessageTemplate.location_id == location_id, MessageTemplate.template == template.value,
            MessageTemplate.channel == channel.value)).scalar_one_or_none()
        own = own or MessageTemplate(location_id=location_id, template=template.value, channel=channel.value)
        own.subject, own.body = (subject.strip() if channel == MessageChannel.EMAIL else ''), body
        session.add(own)
        activity.add(session, actor, 'template_changed', i18n.deferred(
            'Message text "{template}" ({channel}) changed', template=template.value, channel=channel.value),
            location_id=location_id)


def reset(location_id: int, template: Template, channel: MessageChannel, *, actor: UserRead) -> None:
    """Go back to the default text of ``template`` on ``channel``.

    :raises PermissionDeniedError: not an owner or manager of the location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_('change message texts'))
    with session_scope(write=True) as session:
        session.execute(delete(MessageTemplate).where(
            MessageTemplate.location_id == location_id, MessageTemplate.template == template.value,
            MessageTemplate.channel == channel.value))


def preview(subject: str, body: str, *, sample_language: str | None = None,
            values: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(subject, body) filled in with ``values`` (a location's: :func:`location_sample`) or else :data:`SAMPLE`, its
    words in ``sample_language`` (the location's: what customers read; None: the current one); a refusal in the
    current language (the reader's).

    :raises ValidationError: as :func:`check`
    """
    values = {**sample(sample_language), **(values or {})}
    return render(subject, values, field='subject'), render(body, values, field='body')


def _program(text: str, *, field: str) -> template_language.Program:
    """``text`` checked against the language (kept once checked: :func:`template_language.compile_text`).

    :raises ValidationError: too long, or refused by the language (``field``)
    """
    if len(text) > MAX_TEMPLATE:
        raise ValidationError(_('A template is at most {most} characters.').format(most=MAX_TEMPLATE), field=field)
    try:
        return template_language.compile_text(text, _KNOWN)
    except template_language.TextRefused as error:
        raise ValidationError(str(error), field=field) from None
