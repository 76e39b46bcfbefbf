"""Figures computed for pages and reports (never stored): the dashboard's and the analytics report's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel


class DashboardSummary(BaseModel):
    """Figures shown on the dashboard (money in minor units, rates as fractions 0–1 or None)."""

    location_id: int
    day: date
    currency: str
    bookings_today: int
    revenue_today_cents: int
    revenue_30d_cents: int
    no_show_rate_30d: float | None
    cancellation_rate_30d: float | None
    revenue_per_day: list[tuple[date, int]]
    bookings_by_status: dict[str, int]
    booked_value_next_7d_cents: int = 0
    booked_value_next_30d_cents: int = 0
    unreached_this_week: int = 0  # bookings still ahead in the day's week (Monday–Sunday) that get no reminder


class GettingStartedItem(BaseModel):
    """One step of a new shop's "Getting started" list and whether its data shows it done."""

    key: str  # 'hours', 'staff', 'services', 'messages', 'online_booking', 'backups', 'first_booking'
    done: bool


class AnalyticsReport(BaseModel):
    """Figures for ``[start, end]`` (local dates, inclusive); money in minor units, rates 0–1 or None."""

    location_ids: list[int]
    start: date
    end: date
    as_of: datetime
    kpis: dict[str, float | int | None]
    revenue_daily: list[tuple[str, int]]
    revenue_weekly: list[tuple[str, int]]
    revenue_monthly: list[tuple[str, int]]
    revenue_by: dict[str, list[tuple[str, int]]]
    segments: dict[str, int]
    acquisition: list[tuple[str, int]]
    top_customers: list[dict[str, Any]]
    at_risk: list[dict[str, Any]]
    no_show_by_weekday: list[tuple[str, float | None]]
    peak_hours: list[list[int]]
    peak_hours_columns: list[int]
    lead_time: dict[str, int]
    cancellation_notice: dict[str, int]
    staff: list[dict[str, Any]]
    revenue_basis: str = 'collected'
    """What the revenue charts and growth measure: ``collected`` (receipts) or ``booked`` (booked value, for a
    business whose takings are not in ClientPulse)."""
    weekday_counts: list[tuple[str, int]] = []
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    """Per dimension (weekday, hour, staff, service, category, channel, source): rows of
    :data:`~app.services.analytics.metrics.BREAKDOWN_COLUMNS` plus ``name``."""
    not_enough_history: dict[str, str] = {}
    """Figures left out because the data is shorter than their window: figure → why."""


class Forecast(BaseModel):
    """A location's forecast (:mod:`app.services.analytics.forecast`): per day from ``start`` (local date) the
    expected bookings and booked value (minor units); ``recent`` the last four weeks of history in the same shape;
    backtest errors as fractions (MAPE, 0.12 = 12 %; None when undefined); ``reason`` says why there is none."""

    location_id: int
    start: date | None = None
    history_days: int = 0
    method: str = ''
    days: list[tuple[str, float, int]] = []
    recent: list[tuple[str, float, int]] = []
    bookings_mape: float | None = None
    bookings_naive_mape: float | None = None
    value_mape: float | None = None
    value_naive_mape: float | None = None
    reason: str = ''
