"""The four-week forecast: its error measure, its backtest on held-out weeks, its refusal on short histories,
and the history it learns from on the real hotel file (checked against the raw CSV)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.services import i18n
from app.services.analytics import forecast
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping
from tests.factories import OWNER, make_booking, make_customer, make_location, make_service, make_staff_member

MAPPINGS = Path(__file__).resolve().parents[2] / 'docs' / 'mappings'


def weekly(days: int, *, seed: int = 1) -> pd.DataFrame:
    """A shop closed on Sundays, busiest on Saturdays, slowly growing, with noise."""
    index = pd.date_range('2024-01-01', periods=days, freq='D')  # a Monday
    shape = np.array([10, 12, 12, 14, 18, 24, 0], dtype=float)
    rng = np.random.default_rng(seed)
    usual = shape[index.day_of_week]
    counts = usual * (1 + np.arange(days) / 1000) + rng.normal(0, 1, days) * (usual > 0)
    counts = np.clip(np.round(counts), 0, None)
    return pd.DataFrame({'bookings': counts, 'value_cents': counts * 4500}, index=index)


def test_mape_leaves_out_days_without_bookings_and_naive_repeats_the_last_week():
    assert forecast.mape(np.array([10, 0, 20]), np.array([12, 5, 15])) == pytest.approx((0.2 + 0.25) / 2)
    assert forecast.mape(np.array([0, 0]), np.array([1, 2])) is None
    series = pd.Series(range(1, 15), dtype=float)
    assert forecast.seasonal_naive(series, 10).tolist() == [8, 9, 10, 11, 12, 13, 14, 8, 9, 10]


def test_the_forecast_learns_the_week_and_scores_itself_on_the_held_out_weeks():
    history = weekly(364)
    result = forecast.build_forecast(1, history)
    assert result.start == date(2024, 12, 30) and len(result.days) == forecast.HORIZON_DAYS
    ahead = pd.Series([b for _, b, _ in result.days], index=pd.to_datetime([d for d, _, _ in result.days]))
    by_day = ahead.groupby(ahead.index.day_of_week).mean()
    assert by_day[6] < 1 and by_day.idxmax() == 5  # closed on Sundays, busiest on Saturdays
    # the backtest is the model refitted without the last 28 days, scored on them
    train, test = history.iloc[:-28], history.iloc[-28:]
    expected = forecast.mape(test['bookings'].to_numpy(), forecast.fit_predict(train['bookings'], 28))
    assert result.bookings_mape == pytest.approx(expected)
    assert result.bookings_naive_mape == pytest.approx(forecast.mape(
        test['bookings'].to_numpy(), forecast.seasonal_naive(train['bookings'], 28)))
    assert result.bookings_mape < 0.15 and result.value_mape == pytest.approx(result.bookings_mape, rel=0.05)
    assert [r[0] for r in result.recent][-1] == '2024-12-29'


def test_a_short_history_gets_no_forecast_but_a_reason():
    result = forecast.build_forecast(1, weekly(forecast.MIN_HISTORY_DAYS - 1))
    assert not result.days and i18n.shown(result.reason).startswith('not enough history: 69 days')
    assert forecast.build_forecast(1, weekly(forecast.MIN_HISTORY_DAYS)).days


def test_the_hotel_history_matches_the_raw_file_and_is_fitted_once(sqlite_db, shared_data, monkeypatch):
    raw = pd.read_csv(shared_data / 'hotel_bookings.csv', low_memory=False)
    imported = booking_imports.import_bookings(shared_data / 'hotel_bookings.csv',
                                               mapping.load_mapping(MAPPINGS / 'hotel-bookings.toml'), actor=OWNER)
    arrival = pd.to_datetime(raw['arrival_date_year'].astype(str) + '-' + raw['arrival_date_month'] + '-'
                             + raw['arrival_date_day_of_month'].astype(str), format='%Y-%B-%d')
    as_of = datetime(2026, 12, 1, tzinfo=UTC)
    for location_id in imported.location_ids:
        history = forecast.daily_history(location_id, as_of=as_of, time_zone='Europe/Lisbon')
        counts = history['bookings']
        hotel = 'Resort Hotel' if counts.sum() == ((raw['hotel'] == 'Resort Hotel') & (raw['is_canceled'] == 0)).sum() \
            else 'City Hotel'
        stayed = arrival.loc[(raw['hotel'] == hotel) & (raw['is_canceled'] == 0)].value_counts()
        assert counts.loc[counts > 0].to_dict() == {k: float(v) for k, v in stayed.items()}
        assert history.index[-1] == pd.Timestamp('2017-08-31')
    fits = []
    real = forecast.build_forecast
    monkeypatch.setattr(forecast, 'build_forecast', lambda *args: fits.append(1) or real(*args))
    first = forecast.location_forecast(imported.location_ids[0], actor=OWNER, as_of=as_of, time_zone='Europe/Lisbon')
    again = forecast.location_forecast(imported.location_ids[0], actor=OWNER, as_of=as_of, time_zone='Europe/Lisbon')
    assert first is again and fits == [1]
    assert first.start == date(2017, 9, 1) and first.bookings_mape is not None and first.bookings_mape < 0.5


def test_pages_asking_at_once_share_one_reading_of_the_history_until_the_data_changes(db, monkeypatch):
    """Every Analytics page asks for the forecast as it opens: one reading of the history per change of the data and
    day, not one per page (a million bookings' frame each); a booking reads it again."""
    import threading

    from app.services.analytics import forecast as module

    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    make_booking(location, member, service, customer, datetime(2030, 3, 4, 15, tzinfo=UTC))
    readings = []
    real = module.daily_history

    def counted(*args, **kwargs):
        readings.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, 'daily_history', counted)
    as_of = datetime(2030, 3, 20, 12, tzinfo=UTC)
    ask = lambda: module.location_forecast(location.id, actor=OWNER, as_of=as_of, time_zone='UTC')  # noqa: E731
    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(readings) == 1
    assert ask() is ask() and len(readings) == 1
    make_booking(location, member, service, customer, datetime(2030, 3, 5, 15, tzinfo=UTC))
    ask()
    assert len(readings) == 2
