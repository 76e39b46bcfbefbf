"""A forecast of bookings and booked value per day for the next four weeks, from a location's own history.

Model: Holt-Winters exponential smoothing (``statsmodels.tsa.holtwinters.ExponentialSmoothing``) with an additive
damped trend and an additive weekly season (7 days) — the weekly rhythm is what appointment books have most
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., §8.3 "Methods with seasonality").
Additive, not multiplicative, because closed days have zero bookings. Forecasts below zero are shown as zero.

Honesty: beside every forecast stands its backtest error — the model fitted without the last four weeks of
history, forecasting them, scored with MAPE (mean absolute percentage error, over the days that had bookings:
MAPE is undefined where the actual is 0) — and the same score of the seasonal naive forecast ("the same weekday
one week earlier"), the yardstick a forecast must beat to be worth showing (Hyndman & Koehler 2006).

History: every local day from the location's first booking up to the day before ``as_of`` (or up to its last
booked day, when the data ended earlier, as an imported history does), bookings not cancelled, by the local day
they start. At least :data:`MIN_HISTORY_DAYS` days are needed.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from app.models import Forecast, UserRead
from app.services import i18n, lazy
from app.services.analytics import frames as analytics_data
from app.services.analytics import metrics as a
from app.services.analytics.reports import ensure_analyst
from app.services.caching import VersionedCache
from app.services.i18n import N_

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

HORIZON_DAYS = 28
SEASON_DAYS = 7
MIN_HISTORY_DAYS = 2 * HORIZON_DAYS + 2 * SEASON_DAYS
"""The backtest holds out 28 days and Holt-Winters needs two full seasons more to start from: 70 days."""
METHOD = i18n.deferred(N_('Holt-Winters (additive damped trend, weekly season), statsmodels'))
"""The method, as stored text (forecasts are shared by tabs of every language: shown with ``i18n.shown``)."""


def location_forecast(location_id: int, *, actor: UserRead, as_of: datetime, time_zone: str) -> Forecast:
    """The location's forecast for the 28 days after its history (see the module docstring), refitted only when
    that history changed (a booking made for a future day does not refit it).

    :raises PermissionDeniedError: not an owner or manager, or another location
    """
    ensure_analyst(actor, [location_id])
    today = as_of.astimezone(ZoneInfo(time_zone)).date()
    # one reading of the history per change of the data and day, shared by every page asking at once (each
    # reading a million bookings' frame of its own held hundreds of MB)
    return _forecasts.get((location_id, today, time_zone), [location_id], lambda: _forecast_of(
        location_id, daily_history(location_id, as_of=as_of, time_zone=time_zone)))


def _forecast_of(location_id: int, history: pd.DataFrame) -> Forecast:
    """The forecast of ``history``, refitted only when the history differs from one fitted before."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(history, index=True).to_numpy().tobytes()).hexdigest()
    key = (location_id, digest)
    with _lock:
        if key in _fitted:
            _fitted.move_to_end(key)
            return _fitted[key]
    result = build_forecast(location_id, history)
    with _lock:
        _fitted[key] = result
        while len(_fitted) > 64:
            _fitted.popitem(last=False)
    return result


def daily_history(location_id: int, *, as_of: datetime, time_zone: str) -> pd.DataFrame:
    """Bookings not cancelled (``bookings``) and their booked value (``value_cents``) per local day (index),
    every day from the first booking's to the end of the history (see the module docstring), zeros included."""
    frame = analytics_data.load_bookings([location_id], columns=['local_start', 'status', 'price_cents'])
    due = frame.loc[frame['status'].isin(a.DUE)]
    today = pd.Timestamp(as_of.astimezone(ZoneInfo(time_zone)).date())
    if due.empty:
        return pd.DataFrame({'bookings': pd.Series(dtype=float), 'value_cents': pd.Series(dtype=float)})
    days = due['local_start'].dt.normalize()
    past = days < today
    if not past.any():
        return pd.DataFrame({'bookings': pd.Series(dtype=float), 'value_cents': pd.Series(dtype=float)})
    last = days.loc[past].max()
    index = pd.date_range(days.min(), last, freq='D')
    grouped = due.loc[past].groupby(days.loc[past])
    return pd.DataFrame({'bookings': grouped.size().reindex(index, fill_value=0).astype(float),
                         'value_cents': grouped['price_cents'].sum().reindex(index, fill_value=0).astype(float)})


def build_forecast(location_id: int, history: pd.DataFrame) -> Forecast:
    """Fit, backtest and forecast ``history`` (as :func:`daily_history` returns it)."""
    if len(history) < MIN_HISTORY_DAYS:
        return Forecast(location_id=location_id, history_days=len(history), method=METHOD,
                        reason=i18n.deferred(N_('not enough history: {days} days of bookings, a forecast needs '
                                                '{needed} (four weeks to test it on and six to learn from)'),
                                             days=len(history), needed=MIN_HISTORY_DAYS))
    start = history.index[-1] + pd.Timedelta(days=1)
    ahead = {column: fit_predict(history[column], HORIZON_DAYS) for column in history}
    train, test = history.iloc[:-HORIZON_DAYS], history.iloc[-HORIZON_DAYS:]
    scores = {}
    for column in history:
        predicted = fit_predict(train[column], HORIZON_DAYS)
        naive = seasonal_naive(train[column], HORIZON_DAYS)
        scores[column] = (mape(test[column].to_numpy(), predicted), mape(test[column].to_numpy(), naive))
    days = pd.date_range(start, periods=HORIZON_DAYS, freq='D')
    return Forecast(
        location_id=location_id, start=start.date(), history_days=len(history), method=METHOD,
        days=[(f'{d:%Y-%m-%d}', round(float(b), 1), round(float(v))) for d, b, v in
              zip(days, ahead['bookings'], ahead['value_cents'], strict=True)],
        recent=[(f'{d:%Y-%m-%d}', float(b), int(v)) for d, b, v in history.iloc[-HORIZON_DAYS:].itertuples()],
        bookings_mape=scores['bookings'][0], bookings_naive_mape=scores['bookings'][1],
        value_mape=scores['value_cents'][0], value_naive_mape=scores['value_cents'][1])


def fit_predict(series: pd.Series, horizon: int) -> np.ndarray:
    """Holt-Winters forecast of ``series`` (daily values) ``horizon`` days ahead, never below zero."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # imported when first needed: 1 s

    values = series.to_numpy(dtype=float)
    if np.allclose(values, values[0]):  # a constant history (all zero, say): the model has nothing to fit
        return np.full(horizon, values[0])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # convergence notes on short or flat histories; the backtest judges the fit
        model = ExponentialSmoothing(values, trend='add', damped_trend=True, seasonal='add',
                                     seasonal_periods=SEASON_DAYS, initialization_method='estimated').fit()
    return np.clip(model.forecast(horizon), 0, None)


def seasonal_naive(series: pd.Series, horizon: int) -> np.ndarray:
    """The seasonal naive forecast: each day as the same weekday in the last week of ``series``."""
    last_week = series.to_numpy(dtype=float)[-SEASON_DAYS:]
    return np.resize(last_week, horizon)


def mape(actual: np.ndarray, predicted: np.ndarray) -> float | None:
    """Mean absolute percentage error (0.12 = 12 %) over the days whose actual value is not 0; None if none is."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    counted = actual != 0
    if not counted.any():
        return None
    return float(np.mean(np.abs(actual[counted] - predicted[counted]) / np.abs(actual[counted])))


_fitted: OrderedDict[tuple, Forecast] = OrderedDict()
_forecasts: VersionedCache[Forecast] = VersionedCache(max_entries=64)
"""Forecasts by location, local day and time zone, while the location's data is unchanged."""
_lock = threading.Lock()
