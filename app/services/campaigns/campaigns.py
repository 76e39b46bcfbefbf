"""Campaigns: set one up, then send it — to the target's reachable customers, less a holdout that receives nothing.

Sending (:func:`send_campaign`), in one transaction: the target's customers (:mod:`.targeting`) who can be reached
on the campaign's channel (an address there and consent on it; :func:`app.services.messaging.outbox.marketing_address`)
are split by the campaign's recorded seed into recipients and a holdout (:func:`.measure.draw_holdout`); every
recipient gets the message through the outbox (quiet hours respected), every one of them is recorded with their
message, every held-out customer with none. Consent is checked before the split, so the holdout is drawn from the
same people the message could reach and the comparison is fair.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from app.models import (
    Booking,
    BookingStatus,
    Campaign,
    CampaignCreate,
    CampaignRead,
    CampaignRecipient,
    CodeRedemption,
    Customer,
    DiscountCode,
    DiscountCodeCreate,
    DiscountCodeRead,
    Location,
    Message,
    MessageChannel,
    MessageStatus,
    Offer,
    Receipt,
    ReceiptLine,
    Target,
    UserRead,
)
from app.services import clock, events, i18n, jobs, lazy
from app.services.accounts.access import MANAGING_ROLES, ensure_reader
from app.services.amounts import check_amount
from app.services.analytics import frames as analytics_data
from app.services.analytics import metrics
from app.services.campaigns import targeting
from app.services.campaigns.measure import Outcome, draw_holdout
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import _, ngettext
from app.services.messaging import outbox, templates
from app.services.money import codes

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    pd = lazy.module('pandas', globals())


def create_campaign(data: CampaignCreate, *, actor: UserRead, as_of: datetime | None = None) -> CampaignRead:
    """Set up a campaign, with a fresh random seed for its holdout and, with ``data.offer``, its discount code (one
    transaction): a draft, or scheduled when ``data.send_at`` is given (the scheduler sends it then: :func:`send_due`).

    :raises PermissionDeniedError: not an owner or manager of the location
    :raises ValidationError: a cost, budget, spend filter or offer over :data:`~app.models.base.MAX_AMOUNT_CENTS`
        (``field`` names it); the subject or body is not a valid template (``field`` 'subject' or 'body'); an e-mail
        without a subject (``field`` 'subject'); ``{{ offer_code }}`` used without an offer (``field`` 'body'); a
        schedule without a time zone or in the past (``field`` 'send_at'); the offer's code as
        :func:`app.services.money.codes.create_code_in` (its fields prefixed ``offer.``)
    """
    ensure_reader(actor, data.location_id, MANAGING_ROLES, _('set up campaigns'))
    now = as_of or clock.now()
    check_amount(data.cost_per_message_cents, 'cost_per_message_cents')
    check_amount(data.budget_cents, 'budget_cents')
    _check_target(data.target)
    if data.channel == 'email' and not data.subject.strip():
        raise ValidationError(_('An e-mail needs a subject.'), field='subject')
    templates.check(data.subject, field='subject')
    templates.check(data.body, field='body')
    if data.offer is None and 'offer_code' in templates.placeholders_in(data.subject + data.body):
        raise ValidationError(_('The text names {placeholder} but the campaign makes no offer.').format(
            placeholder='{{ offer_code }}'), field='body')
    if data.send_at is not None and data.send_at.tzinfo is None:
        raise ValidationError(_('Give the time to send with its time zone.'), field='send_at')
    if data.send_at is not None and data.send_at < now - timedelta(minutes=1):
        raise ValidationError(_('That time has passed: choose a later one, or send now.'), field='send_at')
    with session_scope(write=True) as session:
        if session.get(Location, data.location_id) is None:
            raise NotFoundError(_('No such location.'))
        campaign = Campaign(**data.model_dump(exclude={'target', 'offer'}), target=data.target.model_dump(),
                            seed=secrets.randbits(31), created_at=now)
        session.add(campaign)
        session.flush()
        if data.offer is not None:
            try:
                codes.create_code_in(session, DiscountCodeCreate(**data.offer.model_dump(),
                                                                 location_id=data.location_id,
                                                                 campaign_id=campaign.id))
            except ValidationError as error:
                raise ValidationError(str(error), field=f'offer.{error.field}') from None
        made = _read(campaign, session)
    events.publish(events.CampaignChanged(location_id=made.location_id, campaign_id=made.id, change='created'))
    return made


def _check_target(target: Target) -> None:
    """:raises ValidationError: a spend filter over :data:`~app.models.base.MAX_AMOUNT_CENTS` (``field``
    'target.min_spend_cents' or 'target.max_spend_cents')"""
    check_amount(target.min_spend_cents, 'target.min_spend_cents')
    check_amount(target.max_spend_cents, 'target.max_spend_cents')


def list_campaigns(location_id: int, *, actor: UserRead) -> list[CampaignRead]:
    """The location's campaigns, newest first.

    :raises PermissionDeniedError: not an owner or manager of the location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, _('see campaigns'))
    with session_scope() as session:
        return [_read(c, session) for c in session.exec(select(Campaign).where(Campaign.location_id == location_id)
                                               .order_by(col(Campaign.id).desc())).all()]


def offer_of(campaign_id: int, *, actor: UserRead) -> DiscountCodeRead | None:
    """The campaign's discount code with its uses so far (None: no offer).

    :raises NotFoundError, PermissionDeniedError: as :func:`get_campaign`
    """
    get_campaign(campaign_id, actor=actor)
    with session_scope() as session:
        code = session.exec(select(DiscountCode).where(DiscountCode.campaign_id == campaign_id)).first()
        return DiscountCodeRead.model_validate(code.model_dump()) if code is not None else None


def unschedule(campaign_id: int, *, actor: UserRead) -> CampaignRead:
    """Take a scheduled campaign off the schedule (it stays a draft).

    :raises NotFoundError, PermissionDeniedError: as :func:`get_campaign`
    :raises ValidationError: already sent (``field`` 'status')
    """
    get_campaign(campaign_id, actor=actor)
    with session_scope(write=True) as session:
        campaign = session.exec(select(Campaign).where(Campaign.id == campaign_id).with_for_update()).one()
        if campaign.status != 'draft':
            raise ValidationError(_('This campaign has been sent already.'), field='status')
        campaign.send_at = None
        session.add(campaign)
        session.flush()
        made = _read(campaign, session)
    events.publish(events.CampaignChanged(location_id=made.location_id, campaign_id=made.id, change='created'))
    return made


def get_campaign(campaign_id: int, *, actor: UserRead) -> CampaignRead:
    """One campaign.

    :raises NotFoundError: no such campaign
    :raises PermissionDeniedError: not an owner or manager of its location
    """
    campaign = _read_row(campaign_id)
    ensure_reader(actor, campaign.location_id, MANAGING_ROLES, _('see campaigns'))
    return campaign


def _read_row(campaign_id: int) -> CampaignRead:
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFoundError(_('No such campaign.'))
        return _read(campaign, session)


def target_ids(location_id: int, target: Target, *, as_of: datetime) -> list[int]:
    """The ids of the location's customers ``target`` takes at ``as_of`` (aware), ascending (no consent check)."""
    with session_scope() as session:
        location = session.get(Location, location_id)
        if location is None:
            raise NotFoundError(_('No such location.'))
        rows = session.exec(select(Customer.id, Customer.birthday, Customer.tags, Customer.erased_at,
                                   Customer.merged_into).where(Customer.location_id == location_id)).all()
        time_zone = location.time_zone
    people = pd.DataFrame(rows, columns=['id', 'birthday', 'tags', 'erased_at', 'merged_into']).set_index('id')
    people['erased_at'] = people['erased_at'].astype(object).where(people['erased_at'].notna(), None)
    people['merged_into'] = people['merged_into'].astype(object).where(people['merged_into'].notna(), None)
    history = analytics_data.load_bookings([location_id], end=as_of,
                                           columns=['customer_id', 'starts_at', 'local_start', 'status',
                                                    'price_cents'])
    lines = analytics_data.load_lines([location_id], end=as_of, columns=['issued_at', 'customer_id', 'amount_cents'])
    summary = metrics.customer_summary(history, lines, as_of)
    return targeting.select(target, people, summary, as_of=as_of, today=clock.local_day(as_of, time_zone))


def discard(campaign_id: int, *, actor: UserRead) -> None:
    """Delete a campaign that was never sent, with its offer's code (one transaction).

    :raises NotFoundError, PermissionDeniedError: as :func:`get_campaign`
    :raises ValidationError: sent already (``field`` 'status': its recipients and figures are kept); its code was used
        at checkout already (``field`` 'offer.code')
    """
    found = get_campaign(campaign_id, actor=actor)
    with session_scope(write=True) as session:
        campaign = session.exec(select(Campaign).where(Campaign.id == campaign_id).with_for_update()).one()
        if campaign.status != 'draft':
            raise ValidationError(_('A sent campaign is kept, with its figures.'), field='status')
        for code in session.exec(select(DiscountCode).where(DiscountCode.campaign_id == campaign_id)).all():
            if code.redeemed:
                raise ValidationError(_('The code {code} has been used at checkout: the campaign is kept.').format(
                    code=code.code),
                                      field='offer.code')
            session.delete(code)
        session.flush()
        session.delete(campaign)
    events.publish(events.CampaignChanged(location_id=found.location_id, campaign_id=campaign_id, change='discarded'))


@dataclass(frozen=True)
class Audience:
    """Who a campaign would reach if sent now: ``targeted`` customers in the target, ``reachable`` of them on the
    channel (an address and consent), split into ``recipients`` and ``holdout`` by the share; ``cost_cents`` the
    recipients' messages at the cost per message (minor units)."""

    targeted: int
    reachable: int
    recipients: int
    holdout: int
    cost_cents: int


def audience(location_id: int, target: Target, *, channel: str, holdout_permille: int, cost_per_message_cents: int,
             actor: UserRead, as_of: datetime | None = None) -> Audience:
    """How many a campaign with these settings would reach now (the counts :func:`send_campaign` would find; nothing
    is written).

    :raises PermissionDeniedError: not an owner or manager of the location
    :raises NotFoundError: no such location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, _('set up campaigns'))
    check_amount(cost_per_message_cents, 'cost_per_message_cents')
    _check_target(target)
    chosen = target_ids(location_id, target, as_of=as_of or clock.now())
    with session_scope() as session:
        reachable = sum(1 for c in session.exec(select(Customer).where(
            Customer.location_id == location_id, col(Customer.id).in_(chosen or [0])))
                        if outbox.marketing_address(c, MessageChannel(channel)))
    recipients, holdout = draw_holdout(range(reachable), Decimal(holdout_permille) / 1000, 0)
    return Audience(targeted=len(chosen), reachable=reachable, recipients=len(recipients), holdout=len(holdout),
                    cost_cents=len(recipients) * cost_per_message_cents)


def send_campaign(campaign_id: int, *, actor: UserRead, as_of: datetime | None = None) -> CampaignRead:
    """Send a draft campaign now (see the module docstring); returns it, ``sent``.

    :raises NotFoundError: no such campaign
    :raises PermissionDeniedError: not an owner or manager of its location
    :raises ValidationError: already sent (``field`` 'status'); nobody in the target can be reached on the channel
        (``field`` 'target'); the messages would cost more than the budget (``field`` 'budget_cents')
    """
    get_campaign(campaign_id, actor=actor)
    return _send(campaign_id, as_of or clock.now())


def send_due(*, as_of: datetime | None = None) -> int:
    """Send every scheduled campaign whose time has come (run by the scheduler every minute, in one process at a
    time); returns how many went out. A send refused (nobody reachable, over budget) is recorded on the campaign
    (``send_error``) and its schedule cleared, so it is not tried again every minute."""
    now = as_of or clock.now()
    with session_scope() as session:
        due = list(session.exec(select(Campaign.id, Location.language).join(
            Location, Location.id == Campaign.location_id).where(
            Campaign.status == 'draft', col(Campaign.send_at).is_not(None), Campaign.send_at <= now).order_by(
            Campaign.send_at)).all())
    sent = 0
    for campaign_id, language in due:
        jobs.checkpoint()  # still this process's job (raises jobs.LockLost if its lock's connection died)
        try:
            with i18n.speaking(language):  # no tab here: a refusal is kept in the location's language
                _send(campaign_id, now)
            sent += 1
        except ValidationError as error:
            if error.field == 'status':  # sent by hand meanwhile
                continue
            with session_scope(write=True) as session:
                campaign = session.get(Campaign, campaign_id)
                campaign.send_at, campaign.send_error = None, str(error)[:300]
                session.add(campaign)
                location_id = campaign.location_id
            events.publish(events.CampaignChanged(location_id=location_id, campaign_id=campaign_id,
                                                  change='refused'))
    return sent


def _send(campaign_id: int, now: datetime) -> CampaignRead:
    """Send a draft campaign at ``now`` (the caller checked the actor). :raises ValidationError: as
    :func:`send_campaign`"""
    draft = _read_row(campaign_id)
    if draft.status != 'draft':
        raise ValidationError(_('This campaign has been sent already.'), field='status')
    chosen = target_ids(draft.location_id, draft.target, as_of=now)
    channel = MessageChannel(draft.channel)
    with session_scope(write=True) as session:
        campaign = session.exec(select(Campaign).where(Campaign.id == campaign_id).with_for_update()).one()
        if campaign.status != 'draft':  # sent by someone else meanwhile
            raise ValidationError(_('This campaign has been sent already.'), field='status')
        reachable = [c.id for c in session.exec(select(Customer).where(
                Customer.location_id == campaign.location_id, col(Customer.id).in_(chosen or [0])))
                     if outbox.marketing_address(c, channel)]
        if not reachable:
            raise ValidationError(_('Nobody in this target can be reached by this channel (an address and '
                                    'consent).'), field='target')
        recipients, holdout = draw_holdout(reachable, Decimal(campaign.holdout_permille) / 1000, campaign.seed)
        cost = len(recipients) * campaign.cost_per_message_cents
        if campaign.budget_cents is not None and cost > campaign.budget_cents:
            raise ValidationError(ngettext(
                '{n} message would cost {cost} (minor units), over the budget of {budget}: narrow the target or '
                'raise the budget.', '{n} messages would cost {cost} (minor units), over the budget of {budget}: '
                'narrow the target or raise the budget.', len(recipients)).format(
                n=len(recipients), cost=cost, budget=campaign.budget_cents), field='budget_cents')
        offer = session.exec(select(DiscountCode.code).where(DiscountCode.campaign_id == campaign_id)).first()
        messages = outbox.queue_marketing_in(session, campaign.location_id, recipients, channel=channel,
                                             subject=campaign.subject, body=campaign.body, now=now,
                                             offer_code=offer or '')
        rows = [{'campaign_id': campaign.id, 'customer_id': c, 'holdout': False, 'message_id': messages.get(c)}
                for c in recipients] + [{'campaign_id': campaign.id, 'customer_id': c, 'holdout': True,
                                         'message_id': None} for c in holdout]
        session.execute(insert(CampaignRecipient), rows)
        campaign.status, campaign.sent_at, campaign.send_error = 'sent', now, ''
        session.add(campaign)
        session.flush()
        made = _read(campaign, session)
    events.publish(events.CampaignChanged(location_id=made.location_id, campaign_id=made.id, change='sent'))
    return made


def recipients_of(campaign_id: int, *, actor: UserRead) -> list[CampaignRecipient]:
    """Who a sent campaign targeted: each customer, held out or messaged (with the message's id).

    :raises NotFoundError: no such campaign
    :raises PermissionDeniedError: not an owner or manager of its location
    """
    get_campaign(campaign_id, actor=actor)
    with session_scope() as session:
        return list(session.exec(select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign_id)
                                 .order_by(CampaignRecipient.customer_id)).all())


def outcome(campaign_id: int, *, actor: UserRead, as_of: datetime | None = None) -> Outcome:
    """What a sent campaign's groups did within its attribution window (from ``sent_at`` to before ``sent_at`` +
    ``attribution_days``; while it is open, up to ``as_of`` included), for :func:`.measure.performance`:

    - booked: customers of the group with at least one booking made (``booked_at``) in the window and not cancelled;
    - revenue: the group's receipt lines (before tax, refunds included) issued in the window, for the recipients
      before the campaign's codes (what the codes took off added back: the ROI takes it off once, as discounts);
    - discounts: what the campaign's codes took off the recipients' sales;
    - messages sent: the recipients' messages the outbox has sent (queued, failed and withdrawn cost nothing).

    :raises NotFoundError: no such campaign
    :raises PermissionDeniedError: not an owner or manager of its location
    :raises ValidationError: not sent yet (``field`` 'status')
    """
    campaign = get_campaign(campaign_id, actor=actor)
    if campaign.sent_at is None:
        raise ValidationError(_('This campaign has not been sent yet.'), field='status')
    start = campaign.sent_at
    end = start + timedelta(days=campaign.attribution_days)
    now = as_of or clock.now()  # a window still open counts what happened up to now, now included
    with session_scope() as session:
        groups = {False: [], True: []}
        messages = []
        for row in session.exec(select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign_id)):
            groups[row.holdout].append(row.customer_id)
            if row.message_id is not None:
                messages.append(row.message_id)
        booked = {holdout: set(session.exec(select(Booking.customer_id).where(
            col(Booking.customer_id).in_(ids or [0]), Booking.location_id == campaign.location_id,
            Booking.booked_at >= start, Booking.booked_at < end, Booking.booked_at <= now,
            Booking.status != BookingStatus.CANCELLED.value)).all()) for holdout, ids in groups.items()}
        revenue = {holdout: int(session.exec(select(func.coalesce(func.sum(ReceiptLine.amount_cents), 0)).join(
            Receipt, Receipt.id == ReceiptLine.receipt_id).where(
            col(Receipt.customer_id).in_(ids or [0]), Receipt.location_id == campaign.location_id,
            Receipt.issued_at >= start, Receipt.issued_at < end, Receipt.issued_at <= now)).one())
            for holdout, ids in groups.items()}
        discounts = int(session.exec(select(func.coalesce(func.sum(CodeRedemption.discount_cents), 0)).join(
            DiscountCode, DiscountCode.id == CodeRedemption.code_id).where(
            DiscountCode.campaign_id == campaign_id, col(CodeRedemption.customer_id).in_(groups[False] or [0]))).one())
        sent = session.exec(select(func.count()).select_from(Message).where(
            col(Message.id).in_(messages or [0]), Message.status == MessageStatus.SENT.value)).one()
    return Outcome(recipients=len(groups[False]), recipients_booked=len(booked[False]),
                   recipients_revenue_cents=revenue[False] + discounts, holdout=len(groups[True]),
                   holdout_booked=len(booked[True]), holdout_revenue_cents=revenue[True], discounts_cents=discounts,
                   messages_sent=sent, cost_per_message_cents=campaign.cost_per_message_cents)


def _read(campaign: Campaign, session: Session) -> CampaignRead:
    code = session.exec(select(DiscountCode).where(DiscountCode.campaign_id == campaign.id)).first()
    offer = (Offer.model_validate(code.model_dump(include=set(Offer.model_fields))) if code is not None else None)
    return CampaignRead.model_validate({**campaign.model_dump(), 'target': Target.model_validate(campaign.target),
                                       'offer': offer})

