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
