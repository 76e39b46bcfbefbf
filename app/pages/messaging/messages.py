"""Messages: what went to customers (and what failed, with its error and "Try again"), live; and, for owners and
managers, the location's texts for each message on each channel, with the placeholders and a preview."""

from __future__ import annotations

from nicegui import ui

from app import live
from app.models import Delivery, MessageChannel, MessageStatus, Role, Template
from app.pages import language
from app.pages.accessibility import scrolling
from app.pages.formatting import local_datetime
from app.pages.guard import PageContext, guarded_page
from app.pages.messaging.unreached import Unreached
from app.pages.signed_in import FRONT_DESK
from app.services import events, i18n
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _, ngettext
from app.services.messaging import outbox, templates

TEMPLATE_NAMES = {Template.CONFIRMATION: N_('Confirmation'), Template.RESCHEDULED: N_('Booking moved'),
                  Template.CANCELLED: N_('Booking cancelled'), Template.REMINDER: N_('Reminder'),
                  Template.WAITLIST_OFFER: N_('Waitlist offer'), Template.CODE: N_('Online booking code')}
"""Each message's name (translated where shown)."""
STATUS_NAMES = {MessageStatus.QUEUED: N_('Waiting'), MessageStatus.SENDING: N_('Sending'),
                MessageStatus.SENT: N_('Sent'), MessageStatus.FAILED: N_('Failed'),
                MessageStatus.CANCELLED: N_('Withdrawn')}
"""Each status's name (translated where shown)."""
OTHER_NAMES = {Template.MARKETING: N_('Marketing'), Template.STAFF_INVITE: N_('Staff invitation'),
               Template.PASSWORD_RESET: N_('Password reset link')}


@guarded_page('/messages', roles=FRONT_DESK, title=N_('Messages'), icon='sms')
def messages_page(page: PageContext, status: str | None = None) -> None:
    """The Messages page: the outbox (``status``: only those), the unreached, and the texts (owners, managers)."""
    shown = status if status in {s.value for s in MessageStatus} else None
    _Outbox(page, MessageStatus(shown) if shown else None).build()
    Unreached(page).build()
    if page.user.role in (Role.OWNER, Role.MANAGER):
        _Texts(page).build()


class _Outbox:
    def __init__(self, page: PageContext, status: MessageStatus | None) -> None:
        self.page, self.status = page, status

    def build(self) -> None:
        with ui.row().classes('items-center gap-2'):
            ui.label(_('Messages to customers')).classes('text-lg font-semibold')
            self.filter = ui.toggle({'': _('All'), 'failed': _('Failed'), 'queued': _('Waiting')},
                                    value=self.status.value if self.status else '',
                                    on_change=lambda e: self.show(e.value)).props('dense no-caps').mark(
                'messages-filter')
        self.table = ui.table(columns=[
            {'name': 'when', 'label': _('When'), 'field': 'when', 'align': 'left'},
            {'name': 'customer', 'label': _('Customer'), 'field': 'customer', 'align': 'left'},
            {'name': 'what', 'label': _('Message'), 'field': 'what', 'align': 'left'},
            {'name': 'to', 'label': _('To'), 'field': 'to', 'align': 'left'},
            {'name': 'status', 'label': _('Status'), 'field': 'status', 'align': 'left'},
            {'name': 'error', 'label': _('Problem'), 'field': 'error', 'align': 'left'},
            {'name': 'retry', 'label': '', 'field': 'retry'},
        ], rows=[], row_key='id').classes('w-full').props('dense flat wrap-cells').mark('messages')
        scrolling(self.table, _('Messages to customers'))
        self.table.add_slot('body-cell-retry', '''
            <q-td :props="props">
              <q-btn v-if="props.row.retry" flat dense no-caps color="primary" :label="props.row.retry_label"
                     @click="$parent.$emit('retry', props.row.id)" />
            </q-td>''')
        self.table.on('retry', lambda e: self.retry(e.args))
        ui.timer(0, self.load, once=True)
        live.on_change(self.page.location.id, lambda _e: self.load(),  # sent, delivered, failed, or new ones
                       kinds=(events.MessageFailed, events.BookingChanged, events.MessagesSent,
                              events.DeliveryReported))

    async def show(self, value: str) -> None:
        self.status = MessageStatus(value) if value else None
        await self.load()

    async def load(self) -> None:
        rows = await language.io_bound(outbox.list_messages, self.page.location.id, actor=self.page.user,
                                       status=self.status)
        tz = self.page.location.time_zone
        self.table.rows = [{
            'id': m.id, 'when': local_datetime(m.sent_at or m.due_at, tz), 'customer': m.customer_name,
            'what': (_('SMS: {message}') if m.channel == MessageChannel.SMS else _('E-mail: {message}')).format(
                message=_message_name(m.template)),
            'to': m.to_address, 'status': _status(m.status, m.attempts, m.delivery), 'error': m.last_error,
            'retry': m.status == MessageStatus.FAILED, 'retry_label': _('Try again')} for m in rows]
        self.table.update()

    async def retry(self, message_id) -> None:
        try:
            await language.io_bound(outbox.retry, int(message_id), actor=self.page.user)
        except (ClientPulseError, TypeError, ValueError) as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(_('Queued again: it goes out within a minute.'), type='positive')
        await self.load()


class _Texts:
    """The editor of the location's texts: one template and channel at a time."""

    def __init__(self, page: PageContext) -> None:
        self.page = page
        self.key = (Template.CONFIRMATION, MessageChannel.EMAIL)
        self.sample: dict[str, str] | None = None  # the location's own values for the preview, read once

    def build(self) -> None:
        with ui.card().classes('w-full max-w-4xl mt-4'):
            ui.label(_('Texts')).classes('text-lg font-semibold')
            ui.label(_('Messages go to customers in the location\'s language ({language}); a text you save is sent '
                       'as you wrote it.').format(language=i18n.LANGUAGES[i18n.language_of(
                           self.page.location.language)])).classes('text-sm text-slate-500').mark('text-language')
            with ui.row().classes('gap-4 items-end'):
                ui.select({t.value: _(name) for t, name in TEMPLATE_NAMES.items()}, value=self.key[0].value,
                          label=_('Message'), on_change=lambda e: self.pick(Template(e.value), self.key[1])).classes(
                    'w-56').mark('text-template')
                ui.toggle({c.value: _('E-mail') if c == MessageChannel.EMAIL else _('SMS') for c in MessageChannel},
                          value=self.key[1].value,
                          on_change=lambda e: self.pick(self.key[0], MessageChannel(e.value))).mark('text-channel')
            self.editor()
            ui.label(_('Placeholders: {list}').format(list=', '.join(
                f'{{{{ {name} }}}} ({_(what)})' for name, what in templates.PLACEHOLDERS.items()))).classes(
                'text-xs text-slate-500')

    async def pick(self, template: Template, channel: MessageChannel) -> None:
        self.key = (template, channel)
        self.editor.refresh()

    @ui.refreshable_method
    def editor(self) -> None:
        template, channel = self.key
        subject_text, body_text, own = templates.texts(self.page.location.id, actor=self.page.user)[self.key]
        # the error a change finds stays shown (auto-validation, with no rule of its own, would clear it at once)
        subject = ui.input(_('Subject'), value=subject_text).without_auto_validation().classes('w-full').mark(
            'text-subject')
        subject.set_visibility(channel == MessageChannel.EMAIL)
        body = ui.textarea(_('Text'), value=body_text).without_auto_validation().props('autogrow').classes(
            'w-full').mark('text-body')
        ui.label(_('Preview')).classes('text-sm font-medium mt-2')
        shown = ui.label().classes('whitespace-pre-wrap text-sm bg-slate-100 p-2 rounded w-full').mark('text-preview')
        fields = {'subject': subject, 'body': body}
        typed = [0]  # the latest change: an older preview that arrives after it is dropped

        async def refresh_preview() -> None:
            typed[0] += 1
            mine = typed[0]
            try:  # in a worker thread, never on the event loop (every tab is served by it)
                if self.sample is None:
                    self.sample = await language.io_bound(
                        templates.location_sample, self.page.location.id, actor=self.page.user,
                        sample_language=self.page.location.language)
                first, text = await language.io_bound(
                    templates.preview, subject.value or '' if channel == MessageChannel.EMAIL else '',
                    body.value or '', sample_language=self.page.location.language, values=self.sample)
            except ClientPulseError as error:
                if mine == typed[0]:
                    for element in fields.values():
                        element.error = None
                    fields.get(error.field or 'body', body).error = str(error)
                return
            if mine == typed[0]:
                for element in fields.values():
                    element.error = None
                shown.text = f'{first}\n\n{text}' if first else text

        subject.on_value_change(refresh_preview)
        body.on_value_change(refresh_preview)
        ui.timer(0, refresh_preview, once=True)

        async def save() -> None:
            try:
                await language.io_bound(templates.save, self.page.location.id, template, channel,
                                        subject=subject.value or '', body=body.value or '', actor=self.page.user)
            except ClientPulseError as error:
                fields.get(error.field or 'body', body).error = str(error)
                return
            ui.notify(_('Saved: messages from now on use this text.'), type='positive')

        async def back_to_default() -> None:
            await language.io_bound(templates.reset, self.page.location.id, template, channel, actor=self.page.user)
            self.editor.refresh()

        with ui.row():
            ui.button(_('Save text'), icon='save', on_click=save).mark('text-save')
            if own:
                ui.button(_('Back to the default'), on_click=back_to_default).props('flat').mark('text-reset')


def _message_name(template: str) -> str:
    """A message's name in the reader's language (an unknown one: its code, capitalised)."""
    try:
        name = TEMPLATE_NAMES.get(Template(template)) or OTHER_NAMES.get(Template(template))
    except ValueError:
        name = None
    return _(name) if name else template.replace('_', ' ').capitalize()


def _status(status: MessageStatus, attempts: int, delivery: Delivery = Delivery.NONE) -> str:
    """``Failed``, or ``Failed (5 tries)`` after more than one try; a sent SMS its provider reported delivered:
    ``Delivered``."""
    name = _('Delivered') if status == MessageStatus.SENT and delivery == Delivery.DELIVERED else _(
        STATUS_NAMES[status])
    if attempts <= 1:
        return name
    return ngettext('{status} ({n} try)', '{status} ({n} tries)', attempts).format(status=name, n=attempts)
