"""Campaigns that bring customers back: whom they target, what they send, and who received it or was held out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, CheckConstraint, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import CENTS, N_, UTCDateTime, utcnow


class Target(BaseModel):
    """A campaign's target, a saved segment of a location's customers (kept as JSON with the campaign); each segment
    is defined in :mod:`app.services.campaigns.targeting`."""

    segment: Literal['at_risk', 'lapsed', 'vip', 'new', 'regular', 'occasional', 'churned', 'birthday', 'tag', 'filter']
    lapsed_days: int = PydanticField(default=90, ge=1, le=3650)
    tag: str = PydanticField(default='', max_length=60)
    min_visits: int | None = PydanticField(default=None, ge=0)
    max_visits: int | None = PydanticField(default=None, ge=0)
    min_spend_cents: int | None = PydanticField(default=None, ge=0)
    max_spend_cents: int | None = PydanticField(default=None, ge=0)
    last_visit_within_days: int | None = PydanticField(default=None, ge=1, le=3650)
    last_visit_over_days: int | None = PydanticField(default=None, ge=1, le=3650)

    @model_validator(mode='after')
    def _complete(self) -> Target:
        if self.segment == 'tag' and not self.tag.strip():
            raise ValueError(N_('tag: name the tag the customers carry'))
        if self.segment == 'filter' and all(value is None for value in (
                self.min_visits, self.max_visits, self.min_spend_cents, self.max_spend_cents,
                self.last_visit_within_days, self.last_visit_over_days)):
            raise ValueError(N_('filter: give at least one condition (visits, spend or last visit)'))
        return self


class Offer(BaseModel):
    """A campaign's offer: a discount code (see :class:`DiscountCodeCreate`) made with the campaign; its messages can
    name it with the placeholder ``{{ offer_code }}``."""

    code: str = PydanticField(min_length=4, max_length=24)
    percent_off: int | None = PydanticField(default=None, ge=1, le=100)
    amount_off_cents: int | None = PydanticField(default=None, ge=1)
    max_redemptions: int | None = PydanticField(default=None, ge=1)
    expires_at: datetime | None = None


class CampaignCreate(SQLModel):
    """What an owner or manager sets up. ``holdout_permille``: the share held out, in thousandths (100 = 10 %);
    ``cost_per_message_cents`` and ``budget_cents`` in the location's minor units (no budget: None); ``send_at``
    (aware): when the scheduler sends it (None: a draft, sent with "Send now"); ``offer``: a discount code made
    with it."""

    location_id: int
    name: str = Field(min_length=1, max_length=120)
    target: Target
    channel: Literal['email', 'sms'] = 'email'
    subject: str = Field(default='', max_length=200)
    body: str = Field(min_length=1, max_length=2000)
    holdout_permille: int = Field(default=100, ge=0, le=500)
    cost_per_message_cents: int = Field(default=0, ge=0, le=100_000)
    budget_cents: int | None = Field(default=None, ge=0)
    attribution_days: int = Field(default=30, ge=1, le=365)
    send_at: datetime | None = None
    offer: Offer | None = None


class Campaign(SQLModel, table=True):
    """A campaign; ``seed`` draws its holdout (recorded so the split can be checked); ``status``: ``draft`` until
    sent, then ``sent`` with ``sent_at``; a draft with ``send_at`` is scheduled (the scheduler sends it then);
    ``send_error``: why the last scheduled send was refused (the schedule is then cleared)."""

    __tablename__ = 'campaign'
    __table_args__ = (CheckConstraint("status IN ('draft', 'sent')", name='status'),
                      CheckConstraint("channel IN ('email', 'sms')", name='channel'))
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id', index=True)
    name: str = Field(max_length=120)
    target: dict = Field(default_factory=dict, sa_type=JSON)
    channel: str = Field(sa_type=String(8))
    subject: str = Field(default='', max_length=200)
    body: str = Field(default='', max_length=2000)
    holdout_permille: int = 100
    seed: int
    cost_per_message_cents: int = Field(default=0, sa_type=CENTS)
    budget_cents: int | None = Field(default=None, sa_type=CENTS)
    attribution_days: int = 30
    status: str = Field(default='draft', sa_type=String(8))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    send_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    send_error: str = Field(default='', max_length=300)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignRead(CampaignCreate):
    """A campaign as pages get it; ``offer``: its discount code (its uses so far:
    :func:`app.services.campaigns.campaigns.offer_of`)."""

    id: int
    seed: int
    status: str
    created_at: datetime
    send_error: str = ''
    sent_at: datetime | None


class CampaignRecipient(SQLModel, table=True):
    """A customer a sent campaign targeted: messaged (``message_id``) or held out (``holdout``, never messaged)."""

    __tablename__ = 'campaign_recipient'
    __table_args__ = (UniqueConstraint('campaign_id', 'customer_id'),
                      CheckConstraint('NOT (holdout AND message_id IS NOT NULL)', name='holdout_unmessaged'))
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key='campaign.id', index=True)
    customer_id: int = Field(foreign_key='customer.id', index=True)
    holdout: bool = False
    message_id: int | None = Field(default=None, foreign_key='message.id')


class DiscountCodeCreate(SQLModel):
    """A code a customer gives at checkout: ``percent_off`` (1–100) or ``amount_off_cents`` (minor units), not both;
    at most ``max_redemptions`` uses in all (None: no limit), once per customer, until ``expires_at`` (aware; None:
    no end). ``campaign_id``: the campaign that offers it."""

    location_id: int
    code: str = Field(min_length=4, max_length=24)
    percent_off: int | None = Field(default=None, ge=1, le=100)
    amount_off_cents: int | None = Field(default=None, ge=1)
    max_redemptions: int | None = Field(default=None, ge=1)
    expires_at: datetime | None = None
    campaign_id: int | None = None


class DiscountCode(SQLModel, table=True):
    """A discount code; ``redeemed`` counts its uses (kept with the row, which a redemption locks)."""

    __tablename__ = 'discount_code'
    __table_args__ = (UniqueConstraint('location_id', 'code'),
                      CheckConstraint('(percent_off IS NULL) <> (amount_off_cents IS NULL)', name='one_kind'))
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id', index=True)
    campaign_id: int | None = Field(default=None, foreign_key='campaign.id', index=True)
    code: str = Field(max_length=24)
    percent_off: int | None = None
    amount_off_cents: int | None = Field(default=None, sa_type=CENTS)
    max_redemptions: int | None = None
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    redeemed: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DiscountCodeRead(DiscountCodeCreate):
    id: int
    redeemed: int


class CodeRedemption(SQLModel, table=True):
    """A code used on a receipt by a customer (once per customer: the unique key holds also for two checkouts at
    once); ``discount_cents``: what it took off."""

    __tablename__ = 'code_redemption'
    __table_args__ = (UniqueConstraint('code_id', 'customer_id'),)
    id: int | None = Field(default=None, primary_key=True)
    code_id: int = Field(foreign_key='discount_code.id', index=True)
    customer_id: int = Field(foreign_key='customer.id', index=True)
    receipt_id: int = Field(foreign_key='receipt.id', unique=True)
    discount_cents: int = Field(sa_type=CENTS)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
