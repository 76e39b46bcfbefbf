"""Payment providers' webhook events already taken in, so a redelivered one is answered without acting twice."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class StripeEvent(SQLModel, table=True):
    """A Stripe event (``evt_…``) claimed by :func:`app.services.money.card_checkout.handle_webhook` before its
    handler runs; the claim goes again when the handler fails, so Stripe's retry is handled."""

    __tablename__ = 'stripe_event'
    event_id: str = Field(primary_key=True, max_length=255, description="Stripe's event id")
    session_id: str = Field(max_length=255, description='the Checkout Session (``cs_…``) it was about')
    outcome: str = Field(default='', max_length=20, description="the handler's status word; empty while it runs")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
