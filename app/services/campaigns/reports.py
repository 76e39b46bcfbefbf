"""A campaign's performance as the page shows it and as an Excel workbook: each figure with its definition.

:func:`report` gathers, at ``as_of``: the campaign, its :class:`~.measure.Outcome` and
:class:`~.measure.Performance`, its messages by status, and its code's uses. :data:`FIGURES` names every figure and
defines it (the same words as ``docs/metrics.md``, "Campaigns"); the page and the workbook both read them from here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, func, select

from app.models import CampaignRead, CampaignRecipient, Customer, DiscountCodeRead, Message, MessageStatus, UserRead
from app.services import amounts, cells, clock
from app.services.campaigns import campaigns, targeting
from app.services.campaigns.measure import Outcome, Performance, performance
from app.services.database import session_scope
from app.services.i18n import N_, _

FIGURES: dict[str, tuple[str, str]] = {
    'customers': (N_('Customers'), N_(
        'recipients: customers of the target who could be reached (an address and consent on the channel) and '
        'were not held out, each sent the message; holdout: customers of the target, reachable like the '
        "recipients, drawn at random with the campaign's recorded seed, sent nothing")),
    'sent': (N_('Messages sent'), N_(
        "recipients' messages the outbox has sent")),
    'failed': (N_('Messages failed'), N_(
        "recipients' messages that failed for good (or were withdrawn: consent taken back, customer erased)")),
    'waiting': (N_('Messages waiting'), N_(
        "recipients' messages still queued (quiet hours, retries)")),
    'redeemed': (N_('Codes redeemed'), N_(
        "uses of the campaign's discount code at checkout (by anyone)")),
    'booked': (N_('Booked'), N_(
        'customers of the group with at least one booking made within the attribution window and not '
        'cancelled')),
    'rate': (N_('Booking rate'), N_(
        'booked ÷ customers in the group')),
    'lift': (N_('Lift'), N_(
        "recipients' booking rate − holdout's booking rate, in percentage points, with its 95 % confidence "
        "interval (Newcombe's hybrid score method, 1998): an interval that includes 0 means the campaign may "
        'have changed nothing')),
    'revenue': (N_('Revenue'), N_(
        "the group's receipt lines before tax issued within the window (for the recipients, before the "
        "campaign's code discounts: attributed revenue)")),
    'discounts': (N_('Discounts'), N_(
        "what the campaign's code took off the recipients' sales")),
    'cost': (N_('Cost'), N_(
        'messages sent × cost per message')),
    'roi': (N_('ROI'), N_(
        '(attributed revenue − discounts − cost) ÷ cost; none when the campaign cost nothing')),
    'incremental': (N_('Incremental revenue'), N_(
        "(recipients' revenue per recipient − holdout's revenue per holdout customer) × recipients: what the "
        'campaign brought beyond what the same customers would have spent anyway')),
    'incremental_roi': (N_('Incremental ROI'), N_(
        '(incremental revenue − discounts − cost) ÷ cost')),
}
"""Every figure of a campaign's performance: key → (label, definition), in English (shown with ``_()``)."""


@dataclass(frozen=True)
class CampaignReport:
    """A sent campaign's performance at ``as_of`` (aware); ``messages``: the recipients' messages by status (keys
    'sent', 'failed', 'waiting'); ``offer``: its code with its uses (None: no offer); ``window_end``: the end of the
    attribution window (aware; after ``as_of`` while the window is open)."""

    campaign: CampaignRead
    outcome: Outcome
    performance: Performance
    messages: dict[str, int]
    offer: DiscountCodeRead | None
    window_end: datetime
    as_of: datetime


def report(campaign_id: int, *, actor: UserRead, as_of: datetime | None = None) -> CampaignReport:
    """The campaign's performance now (or at ``as_of``).

    :raises NotFoundError: no such campaign
    :raises PermissionDeniedError: not an owner or manager of its location
    :raises ValidationError: not sent yet (``field`` 'status')
    """
    now = as_of or clock.now()
    found = campaigns.outcome(campaign_id, actor=actor, as_of=now)
    campaign = campaigns.get_campaign(campaign_id, actor=actor)
    with session_scope() as session:
        statuses = dict(session.exec(select(Message.status, func.count()).join(
            CampaignRecipient, CampaignRecipient.message_id == Message.id).where(
            CampaignRecipient.campaign_id == campaign_id).group_by(Message.status)).all())
    messages = {'sent': statuses.get(MessageStatus.SENT.value, 0),
                'failed': statuses.get(MessageStatus.FAILED.value, 0) + statuses.get(MessageStatus.CANCELLED.value, 0),
                'waiting': statuses.get(MessageStatus.QUEUED.value, 0) + statuses.get(MessageStatus.SENDING.value, 0)}
    return CampaignReport(campaign=campaign, outcome=found, performance=performance(found), messages=messages,
                          offer=campaigns.offer_of(campaign_id, actor=actor),
                          window_end=campaign.sent_at + timedelta(days=campaign.attribution_days),
                          as_of=now)


def rows(found: CampaignReport) -> list[tuple[str, object, object]]:
    """The performance table: (figure key, recipients' value, holdout's value); money in minor units, rates and lift
    as fractions, ROI as ``Decimal``; None where a figure does not apply to a group or is undefined."""
    o, p = found.outcome, found.performance
    return [
        ('customers', o.recipients, o.holdout),
        ('sent', found.messages['sent'], None),
        ('failed', found.messages['failed'], None),
        ('waiting', found.messages['waiting'], None),
        ('redeemed', found.offer.redeemed if found.offer is not None else None, None),
        ('booked', o.recipients_booked, o.holdout_booked),
        ('rate', p.recipients_rate, p.holdout_rate),
        ('lift', p.lift, None),
        ('revenue', o.recipients_revenue_cents, o.holdout_revenue_cents),
        ('discounts', o.discounts_cents, None),
        ('cost', p.cost_cents, None),
        ('roi', p.roi, None),
        ('incremental', p.incremental_revenue_cents, None),
        ('incremental_roi', p.incremental_roi, None),
    ]


MONEY_FIGURES = frozenset({'revenue', 'discounts', 'cost', 'incremental'})
RATE_FIGURES = frozenset({'rate', 'lift'})
RATIO_FIGURES = frozenset({'roi', 'incremental_roi'})


def workbook(found: CampaignReport, *, currency: str, time_zone: str) -> bytes:
    """``found`` as an Excel workbook (.xlsx bytes): a "Performance" sheet (figure, recipients, holdout, definition;
    money in major units of ``currency``, rates as percentages, the lift's interval on its own row) above the
    campaign's settings, and a "Recipients" sheet (customer, group, message status). Text cells are neutralised
    (:mod:`app.services.cells`)."""
    from openpyxl import Workbook  # here, not at the top: openpyxl (and numpy) would slow every start of the app

    book = Workbook()
    sheet = book.active
    sheet.title = _('Performance')[:31]
    _settings_rows(sheet, found, time_zone=time_zone)
    sheet.append([])
    _heading(sheet, (_('Figure'), _('Recipients'), _('Holdout'), _('Definition')))
    _figure_rows(sheet, found, currency=currency)
    for column, width in zip('ABCD', (26, 16, 16, 90), strict=True):
        sheet.column_dimensions[column].width = width
    people = book.create_sheet(_('Recipients')[:31])
    _heading(people, (_('Customer'), _('Group'), _('Message')))
    with session_scope() as session:
        for row in _recipient_rows(session, found.campaign.id):
            people.append(row)
    people.column_dimensions['A'].width = 32
    people.freeze_panes = 'A2'
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _heading(sheet, titles: tuple[str, ...]) -> None:
    """A row of column titles, white on dark blue."""
    from openpyxl.styles import Font, PatternFill

    sheet.append([_text(title) for title in titles])
    for cell in sheet[sheet.max_row]:
        cell.fill, cell.font = PatternFill('solid', fgColor='3B4A6B'), Font(bold=True, color='FFFFFF')


def _settings_rows(sheet, found: CampaignReport, *, time_zone: str) -> None:
    """The campaign's name and settings (rows 1–7), moments in the location's time as Excel dates."""
    c = found.campaign
    sheet.append([_text(_('Campaign: {name}').format(name=c.name))])
    for label, value in ((_('Target'), _text(targeting.describe(c.target))), (_('Sent'), _local(c.sent_at, time_zone)),
                         (_('Attribution window ends'), _local(found.window_end, time_zone)),
                         (_('Figures as of'), _local(found.as_of, time_zone)),
                         (_('Holdout share'), c.holdout_permille / 1000), (_('Seed'), c.seed)):
        sheet.append([_text(label), value])
        if isinstance(value, datetime):
            sheet.cell(row=sheet.max_row, column=2).number_format = 'yyyy-mm-dd hh:mm'


def _local(moment: datetime | None, time_zone: str) -> datetime | None:
    """A moment in the location's time zone without its zone (Excel has none), or None."""
    return clock.to_local(moment, time_zone).replace(tzinfo=None) if moment else None


def _figure_rows(sheet, found: CampaignReport, *, currency: str) -> None:
    """One row per figure of :func:`rows` (label, recipients, holdout, definition), formatted by kind, and the lift's
    95 % interval below the lift when there is one."""
    for key, mine, theirs in rows(found):
        label, definition = (_(text) for text in FIGURES[key])
        sheet.append([_text(label), _number(key, mine, currency), _number(key, theirs, currency),
                      _text(definition)])
        for cell in sheet[sheet.max_row][1:3]:
            cell.number_format = _figure_format(key, currency)
        if key == 'lift' and found.performance.lift_low is not None:
            sheet.append([_text(_('Lift, 95 % interval')), found.performance.lift_low, found.performance.lift_high,
                          _text(_('low and high ends of the interval'))])
            for cell in sheet[sheet.max_row][1:3]:
                cell.number_format = '0.0%'


def _figure_format(key: str, currency: str) -> str:
    """Excel's number format of a figure: money with the currency's decimals, rates as percentages, ratios to two
    places, counts whole."""
    if key in MONEY_FIGURES:
        return amounts.number_format(currency)
    return '0.0%' if key in RATE_FIGURES else '0.00' if key in RATIO_FIGURES else '0'


def _recipient_rows(session, campaign_id: int) -> list[list[str]]:
    """The Recipients sheet's rows: customer, group (recipient or holdout), the message's status code (or none),
    recipients first, by name."""
    holdout_word, recipient_word = _('holdout'), _('recipient')
    none_held, none_sent = _('none (held out)'), _('none')
    found = session.exec(select(Customer.name, CampaignRecipient.holdout, Message.status)
                         .join(Customer, Customer.id == CampaignRecipient.customer_id)
                         .outerjoin(Message, Message.id == CampaignRecipient.message_id)
                         .where(CampaignRecipient.campaign_id == campaign_id)
                         .order_by(col(CampaignRecipient.holdout), Customer.name))
    return [[_text(name), _text(holdout_word if holdout else recipient_word),
             _text(status or (none_held if holdout else none_sent))] for name, holdout, status in found]


def _text(value: str) -> str:
    """Text as a cell keeps it: openpyxl stores text starting with ``=`` as a formula; neutralised text never does."""
    return cells.safe_text(str(value))


def _number(key: str, value, currency: str):
    if value is None:
        return None
    if key not in MONEY_FIGURES:
        return float(value)
    return amounts.cell_number(value, currency)
