"""No-show risk of upcoming bookings: a logistic regression per location, trained only on what was known when each
booking was made, retrained nightly (``app/server.py``'s scheduler).

Features of a booking (:func:`features`), each as it stood at the moment the booking was made:

* ``lead_days`` — calendar days from the local date it was made to the local date it starts (the lead time of
  ``docs/metrics.md``), ``lead_unknown`` when the export did not say when it was made;
* ``weekday`` of the start, ``hour_band`` (morning < 12:00 ≤ afternoon < 17:00 ≤ evening; ``unknown`` for a
  date-only import);
* the customer's earlier ``prior_no_shows``, ``prior_cancellations`` and ``prior_visits`` — only bookings whose
  outcome was known before this one was made (a no-show or visit once its start had passed, for a date-only one
  once its day had ended; a cancellation from its cancellation time) — and ``first_booking`` (no booking of theirs
  made before);
* ``channel``, ``source`` (the export's own channel or segment text) and ``service``; ``reminder`` — a reminder is
  queued or was sent for it (the outbox).

Model: ``StandardScaler`` on the numbers (counts as log(1 + n)), one-hot categories (rare ones pooled, unseen ones
ignored), ``LogisticRegression`` (scikit-learn). Learned from the location's bookings that came to an end — completed
or checked in (0) and no-shows (1) — not walk-ins (anonymous bookings count as a first booking). A location needs
:data:`MIN_DECIDED` of them and :data:`MIN_NO_SHOWS` no-shows, else it gets no model ("not enough history").

Checked before it is used: fitted on the earliest 80 % of the days, scored on the rest (ROC AUC and Brier score,
``sklearn.metrics``), then refitted on everything. A model scoring a ROC AUC below :data:`MIN_AUC` there (no better
than chance, as on data whose no-shows are random) is not used: no risk is shown, and the page says why.
Leakage-free models on the public clinic data set reach a ROC AUC of about 0.60 (``bench/noshow.py`` prints ours
beside it and beside a rule from the lead time alone).

Levels: a booking is ``high`` when its probability is among the top :data:`HIGH_SHARE` of the training bookings'
(the model's own 90th percentile), ``medium`` among the next :data:`MEDIUM_SHARE`, else ``low``. Its reasons are
the features pushing its probability up most: coefficient × (its value − the training mean), summed per feature over
the one-hot columns (the exact decomposition of a logistic regression's log-odds).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from app.models import Booking, BookingStatus, Channel, Location, Message, MessageStatus, UserRead
from app.services import amounts, clock, i18n, jobs, lazy
from app.services.accounts.access import FRONT_DESK_ROLES, ensure_reader
from app.services.analytics import frames as analytics_data
from app.services.analytics import store as analytics_store
from app.services.database import session_scope
from app.services.i18n import N_, _

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

log = logging.getLogger(__name__)

MIN_DECIDED = 200
MIN_NO_SHOWS = 20
MIN_AUC = 0.55
"""A model whose held-out ROC AUC is below this tells no-shows apart little better than chance: no risk is shown."""
HIGH_SHARE = 0.10
MEDIUM_SHARE = 0.20
TRAIN_SHARE = 0.8
NUMERIC = ['lead_days', 'lead_unknown', 'prior_no_shows', 'prior_cancellations', 'prior_visits', 'first_booking']
CATEGORICAL = ['lead_band', 'weekday', 'hour_band', 'channel', 'source', 'service', 'reminder']
FRAME_COLUMNS = ['booking_id', 'customer_id', 'service', 'channel', 'source', 'status', 'local_start', 'local_booked',
                 'local_cancelled', 'time_known']
DECIDED = (BookingStatus.COMPLETED.value, BookingStatus.CHECKED_IN.value, BookingStatus.NO_SHOW.value)
LIVE = (BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value)
LEAD_BANDS = [-1, 0, 2, 7, 30, math.inf]
LEAD_LABELS = ['0', '1-2', '3-7', '8-30', '31+']
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')
ACTIONS = {'none': N_('nothing'), 'reminder': N_('an extra reminder'), 'deposit': N_('ask for a deposit')}
"""What a high risk triggers, per location (``Location.high_risk_action``)."""


LEVELS = {'high': N_('High no-show risk ({share})'), 'medium': N_('Medium no-show risk ({share})'),
          'low': N_('Low no-show risk ({share})')}
"""A risk's level in words."""


@dataclass(frozen=True)
class Risk:
    """A booking's no-show risk: ``level`` low/medium/high, ``probability`` (0–1) and up to two ``reasons`` (in
    English, as code and tests compare them); ``said``: the same reasons stored deferred (risks are shared by tabs
    of every language), shown in the reader's language by :meth:`words`."""

    level: str
    probability: float
    reasons: tuple[str, ...] = ()
    said: tuple[str, ...] = ()

    def words(self) -> list[str]:
        """The reasons in the current language."""
        return [i18n.shown(text) for text in self.said] if self.said else list(self.reasons)

    def label(self) -> str:
        """E.g. 'High no-show risk (31 %): 2 earlier no-shows; booked 40 days ahead', in the current language."""
        text = _(LEVELS[self.level]).format(share=f'{self.probability:.0%}') if self.level in LEVELS else \
            f'{self.level.capitalize()} no-show risk ({self.probability:.0%})'
        words = self.words()
        return _('{risk}: {reasons}').format(risk=text, reasons='; '.join(words)) if words else text


@dataclass
class RiskModel:
    """A location's fitted model: ``pipeline`` (scikit-learn), the level thresholds, what it learned from and its
    check on held-out days (``auc``, ``brier``: None when the held-out days had no no-show)."""

    location_id: int
    pipeline: object
    medium_from: float
    high_from: float
    trained_on: int
    no_shows: int
    auc: float | None
    brier: float | None
    trained_at: datetime
    means: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    groups: list[str] = field(repr=False, default_factory=list)


@dataclass(frozen=True)
class ModelState:
    """What the analytics page says of a location's model: ``reason`` when there is none."""

    trained_on: int = 0
    no_shows: int = 0
    auc: float | None = None
    brier: float | None = None
    trained_at: datetime | None = None
    reason: str = ''
    levels: dict[str, int] = field(default_factory=dict)


# --- features ---------------------------------------------------------------------------------------------------

def load_frame(location_id: int) -> pd.DataFrame:
    """The location's bookings with :data:`FRAME_COLUMNS` (local times naive, see :mod:`.frames`) and ``reminder``
    (bool: a reminder queued, being sent or sent for it)."""
    frame = analytics_data.load_bookings([location_id], columns=FRAME_COLUMNS)
    frame['reminder'] = frame['booking_id'].isin(reminded_bookings(location_id))
    return frame


def reminded_bookings(location_id: int) -> set[int]:
    """Ids of the location's bookings with a reminder queued, being sent or sent."""
    with session_scope() as session:
        return set(session.exec(select(Message.booking_id).where(
            Message.location_id == location_id, Message.template == 'reminder', col(Message.booking_id).is_not(None),
            col(Message.status).in_([MessageStatus.QUEUED.value, MessageStatus.SENDING.value,
                                     MessageStatus.SENT.value])).distinct()).all())


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """The features (see the module docstring) of every row of ``frame`` (as :func:`load_frame` returns it; a
    customer's history is read from the rows given, so give all of theirs), same index."""
    start_day = frame['local_start'].dt.normalize()
    booked = frame['local_booked']
    lead = (start_day - booked.dt.normalize()).dt.days
    lead = lead.where(lead >= 0)  # made after its day (a data error): unknown
    made = booked.where(booked.notna(), start_day)  # when it was made; unknown → its day began
    known_time = frame['time_known'].astype(bool)
    outcome_known = frame['local_start'].where(known_time, start_day + pd.Timedelta(days=1))
    status = frame['status'].astype(str)
    customer = frame['customer_id'].fillna(-1).astype(np.int64)
    prior = _earlier(customer, made, {
        'prior_no_shows': (outcome_known, status == BookingStatus.NO_SHOW.value),
        'prior_visits': (outcome_known, status.isin([BookingStatus.COMPLETED.value, BookingStatus.CHECKED_IN.value])),
        'prior_cancellations': (frame['local_cancelled'], status == BookingStatus.CANCELLED.value),
        'prior_bookings': (made, pd.Series(True, index=frame.index)),
    })
    hour = frame['local_start'].dt.hour
    band = np.where(hour < 12, 'morning', np.where(hour < 17, 'afternoon', 'evening'))
    return pd.DataFrame({
        'lead_days': lead.fillna(0).astype(float),
        'lead_unknown': lead.isna().astype(float),
        'prior_no_shows': prior['prior_no_shows'],
        'prior_cancellations': prior['prior_cancellations'],
        'prior_visits': prior['prior_visits'],
        'first_booking': ((prior['prior_bookings'] == 0) | (customer < 0)).astype(float),
        'lead_band': np.where(lead.isna(), 'unknown', pd.cut(lead, LEAD_BANDS, labels=LEAD_LABELS).astype(str)),
        'weekday': frame['local_start'].dt.day_of_week.astype(str),
        'hour_band': np.where(known_time, band, 'unknown'),
        'channel': frame['channel'].astype(str),
        'source': frame['source'].astype(str),
        'service': frame['service'].astype(str),
        'reminder': np.where(frame['reminder'].astype(bool), 'yes', 'no'),
    }, index=frame.index)


def _earlier(customer: pd.Series, made: pd.Series, kinds: dict[str, tuple[pd.Series, pd.Series]]) -> pd.DataFrame:
    """For each row, how many of the same customer's rows of each kind (``kinds``: name → (when it became known,
    whether the row is of the kind)) became known strictly before the row's ``made`` moment. Anonymous rows
    (customer −1) have none. Cumulative counts joined with ``pandas.merge_asof`` by customer: O(n log n)."""
    left = pd.DataFrame({'customer': customer.to_numpy(), 'at': made.to_numpy(), 'row': np.arange(len(customer))})
    left = left.loc[left['at'].notna()].sort_values('at', kind='stable')
    counts = pd.DataFrame(0.0, index=np.arange(len(customer)), columns=list(kinds))
    for name, (known_at, is_kind) in kinds.items():
        events = pd.DataFrame({'customer': customer.to_numpy(), 'at': known_at.to_numpy()})
        events = events.loc[is_kind.to_numpy() & events['at'].notna().to_numpy() & (events['customer'] >= 0)]
        if events.empty or left.empty:
            continue
        events = events.sort_values('at', kind='stable')
        events['n'] = events.groupby('customer').cumcount() + 1.0
        joined = pd.merge_asof(left, events, on='at', by='customer', allow_exact_matches=False)
        counts.loc[joined['row'].to_numpy(), name] = joined['n'].fillna(0).to_numpy()
    counts.loc[customer.to_numpy() < 0] = 0.0
    return counts.set_axis(customer.index)


def decided(frame: pd.DataFrame) -> pd.Series:
    """Rows a model learns from: completed, checked in or no-show; not walk-ins (they cannot miss a booking)."""
    return frame['status'].astype(str).isin(DECIDED) & (frame['channel'].astype(str) != Channel.WALK_IN.value)


# --- the model --------------------------------------------------------------------------------------------------

def new_pipeline():
    """The unfitted scikit-learn pipeline (see the module docstring)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    numbers = Pipeline([('log', FunctionTransformer(np.log1p, feature_names_out='one-to-one')),
                        ('scale', StandardScaler())])
    columns = ColumnTransformer([('num', numbers, NUMERIC),
                                 ('cat', OneHotEncoder(handle_unknown='infrequent_if_exist', min_frequency=20,
                                                       sparse_output=False), CATEGORICAL)])
    return Pipeline([('columns', columns), ('model', LogisticRegression(max_iter=2000))])


def fit(location_id: int, frame: pd.DataFrame, *, now: datetime | None = None) -> RiskModel | str:
    """A model for the location from ``frame`` (as :func:`load_frame` gives it), or why there is none (a sentence:
    too few decided bookings or no-shows)."""
    table = features(frame)
    learn = decided(frame)
    x, y = table.loc[learn], (frame.loc[learn, 'status'].astype(str) == BookingStatus.NO_SHOW.value).astype(int)
    if len(y) < MIN_DECIDED or y.sum() < MIN_NO_SHOWS or y.sum() == len(y):
        # stored deferred: the state is shared by tabs of every language (shown with i18n.shown)
        return i18n.deferred(N_('not enough history: {decided} bookings that came to an end and {no_shows} no-shows; '
                                'a no-show model needs {needed} and {needed_no_shows}'),
                             decided=f'{len(y):,}', no_shows=f'{int(y.sum()):,}', needed=MIN_DECIDED,
                             needed_no_shows=MIN_NO_SHOWS)
    check = backtest(x, y, frame.loc[learn, 'local_start'])
    if check['auc'] is None or check['auc'] < MIN_AUC:
        if check['auc'] is None:
            return i18n.deferred(N_('no risk shown: on the latest 20 % of days held out, a model learnt from '
                                    '{decided} bookings had no no-show to check it on'), decided=f'{len(y):,}')
        return i18n.deferred(N_('no risk shown: on the latest 20 % of days held out, a model learnt from {decided} '
                                'bookings ranked a no-show above an attended booking {auc} % of the time (50 % is '
                                'chance); it needs {needed} % to be worth showing'),
                             decided=f'{len(y):,}', auc=f"{check['auc'] * 100:.0f}", needed=f'{MIN_AUC * 100:.0f}')
    pipeline = new_pipeline().fit(x, y)
    scores = pipeline.predict_proba(x)[:, 1]
    medium_from, high_from = np.quantile(scores, [1 - HIGH_SHARE - MEDIUM_SHARE, 1 - HIGH_SHARE])
    transformed = pipeline.named_steps['columns'].transform(x)
    names = pipeline.named_steps['columns'].get_feature_names_out()
    return RiskModel(location_id=location_id, pipeline=pipeline, medium_from=float(medium_from),
                     high_from=float(high_from), trained_on=len(y), no_shows=int(y.sum()), auc=check['auc'],
                     brier=check['brier'], trained_at=now or clock.now(), means=transformed.mean(axis=0),
                     groups=[_group(n) for n in names])


def backtest(x: pd.DataFrame, y: pd.Series, starts: pd.Series, *, share: float = TRAIN_SHARE) -> dict:
    """Fit on the rows of the earliest ``share`` of the local days in ``starts``, score the rest: ``{auc, brier,
    lead_auc, lead_brier, base_brier, train, test}`` (None where the test rows hold one class only). ``lead_*``: the
    no-show rate of each lead-time band (0, 1–2, 3–7, 8–30, 31+ days) in the training rows as the prediction;
    ``base_brier``: the training no-show rate for everyone."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    days = np.sort(starts.dt.normalize().unique())
    cut = days[min(int(len(days) * share), len(days) - 1)] if len(days) else None
    train, test = (starts < cut).to_numpy() if cut else np.zeros(0, bool), (starts >= cut).to_numpy() if cut else \
        np.zeros(0, bool)
    result = {'train': int(train.sum()), 'test': int(test.sum()), 'auc': None, 'brier': None, 'lead_auc': None,
              'lead_brier': None, 'base_brier': None}
    if not len(days) or y[train].nunique() < 2 or not test.any():
        return result
    predicted = new_pipeline().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    bands = pd.cut(x['lead_days'], LEAD_BANDS, labels=False)
    by_band = y[train].groupby(bands[train]).mean()
    lead = bands[test].map(by_band).fillna(y[train].mean()).to_numpy()
    actual = y[test].to_numpy()
    result.update(brier=float(brier_score_loss(actual, predicted)), lead_brier=float(brier_score_loss(actual, lead)),
                  base_brier=float(brier_score_loss(actual, np.full(len(actual), y[train].mean()))))
    if len(np.unique(actual)) == 2:
        result.update(auc=float(roc_auc_score(actual, predicted)), lead_auc=float(roc_auc_score(actual, lead)))
    return result


def assess(model: RiskModel, table: pd.DataFrame) -> list[Risk]:
    """The risk of each row of ``table`` (:func:`features` rows) under ``model``."""
    if table.empty:
        return []
    pipeline = model.pipeline
    probabilities = pipeline.predict_proba(table)[:, 1]
    transformed = pipeline.named_steps['columns'].transform(table)
    pushes = (transformed - model.means) * pipeline.named_steps['model'].coef_[0]
    # one column per feature: the pushes of its transformed columns summed (a one-hot matrix, features in name
    # order); then each row's two strongest pushes up, at once for every row (a loop of pandas sorts per row took
    # ~0.5 s for 3,000 upcoming bookings, on the event loop of every page that shows risk)
    features_named, column_of = np.unique(np.asarray(model.groups), return_inverse=True)
    summing = np.zeros((len(model.groups), len(features_named)))
    summing[np.arange(len(model.groups)), column_of] = 1.0
    per_feature = np.asarray(pushes) @ summing  # rows × features
    strongest = np.argsort(-per_feature, axis=1, kind='stable')[:, :2]
    risks = []
    for row, probability, pushed, top in zip(table.itertuples(index=False), probabilities, per_feature, strongest,
                                             strict=True):
        level = ('high' if probability >= model.high_from else 'medium' if probability >= model.medium_from
                 else 'low')
        up = [features_named[i] for i in top if pushed[i] > 0]
        said = tuple(_reason(str(name), row) for name in up)
        risks.append(Risk(level, float(probability), tuple(_english(text) for text in said), said))
    return risks


def _group(transformed_name: str) -> str:
    """The feature a transformed column comes from ('cat__weekday_5' → 'weekday')."""
    kind, _sep, rest = transformed_name.partition('__')
    if kind == 'num':
        return rest
    return next(name for name in CATEGORICAL if rest == name or rest.startswith(f'{name}_'))


def _english(text: str) -> str:
    """A deferred reason in English (what :attr:`Risk.reasons` keeps)."""
    with i18n.speaking('en'):
        return i18n.shown(text)


def _reason(name: str, row) -> str:
    """A feature's value in words, e.g. '2 earlier no-shows', 'booked 40 days ahead', 'on a Saturday', stored
    deferred (shown with ``i18n.shown`` in the reader's language)."""
    value = getattr(row, name)
    if name in ('lead_days', 'lead_band'):
        return _counted(int(row.lead_days), *_LEAD_WORDS)
    if name in _COUNTED:
        return _counted(int(value), *_COUNTED[name])
    if name in _FLAGS:
        yes, no = _FLAGS[name]
        return i18n.deferred(yes if value else no)
    return _described(name, value)


_LEAD_WORDS = (N_('booked for the same day'), N_('booked 1 day ahead'), N_('booked {n} days ahead'))
_COUNTED = {
    'prior_no_shows': (N_('no earlier no-shows'), N_('1 earlier no-show'), N_('{n} earlier no-shows')),
    'prior_cancellations': (N_('no earlier cancellations'), N_('1 earlier cancellation'),
                            N_('{n} earlier cancellations')),
    'prior_visits': (N_('no earlier visits'), N_('1 earlier visit'), N_('{n} earlier visits')),
}
"""Features that count something, in words for none, one and ``{n}``."""
_FLAGS = {
    'lead_unknown': (N_('when it was booked is unknown'), N_('booking date known')),
    'first_booking': (N_('first booking'), N_('a returning customer')),
}
"""Features that are true or false, in words for each."""


def _counted(n: int, none: str, one: str, many: str) -> str:
    """``n`` of something in words, deferred: ``none`` for 0, ``one`` for 1, else ``many`` with ``{n}``."""
    said = i18n.deferred
    return said(none) if n == 0 else said(one) if n == 1 else said(many, n=n)


def _described(name: str, value) -> str:
    """A feature whose value is a word (weekday, time of day, channel, source, service, reminder) in words, deferred;
    an unknown feature as its name."""
    said = i18n.deferred
    match name:
        case 'weekday':
            return said(ON_WEEKDAYS[int(value)])
        case 'hour_band':
            return said(N_('time of day unknown')) if value == 'unknown' else said(
                HOUR_BANDS[value]) if value in HOUR_BANDS else f'in the {value}'
        case 'channel':
            return said(N_('booked by {channel}'), channel=value.replace('_', '-'))
        case 'source':
            return said(N_('from {source}'), source=value) if value else said(N_('no source recorded'))
        case 'service':
            return said(N_('for {service}'), service=value)
        case 'reminder':
            return said(N_('a reminder is set up')) if value == 'yes' else said(N_('no reminder set up'))
    return name


def _label_in(risk: Risk, language: str | None) -> str:
    """``risk``'s label in ``language`` (a job has no session: the location's language, for its desk)."""
    with i18n.speaking(language):
        return risk.label()


ON_WEEKDAYS = (N_('on a Monday'), N_('on a Tuesday'), N_('on a Wednesday'), N_('on a Thursday'), N_('on a Friday'),
               N_('on a Saturday'), N_('on a Sunday'))
HOUR_BANDS = {'morning': N_('in the morning'), 'afternoon': N_('in the afternoon'), 'evening': N_('in the evening')}


# --- the models of every location, and the risks the desk sees ----------------------------------------------------

_models: dict[int, RiskModel] = {}
_states: dict[int, ModelState] = {}
_risks: dict[int, tuple[tuple, dict[int, Risk]]] = {}
_training: set[int] = set()
_lock = threading.Lock()
_first_training: dict[int, threading.Lock] = {}
"""Per location, held while its model is trained for the first time (:func:`_trained`)."""


def train(location_id: int, *, now: datetime | None = None) -> ModelState:
    """(Re)fit the location's model from its bookings now; returns what the analytics page says of it. Blocking:
    seconds for 100,000 bookings — run it off the event loop."""
    outcome = fit(location_id, load_frame(location_id), now=now)
    with _lock:
        _risks.pop(location_id, None)
        if isinstance(outcome, str):
            _models.pop(location_id, None)
            _states[location_id] = ModelState(reason=outcome)
        else:
            _models[location_id] = outcome
            _states[location_id] = ModelState(outcome.trained_on, outcome.no_shows, outcome.auc, outcome.brier,
                                              outcome.trained_at)
        return _states[location_id]


def _trained(location_id: int) -> ModelState:
    """The location's model state, the model trained first if it never was: callers at once (every manager opening
    Analytics after a start, the background training) wait for that one training instead of each fitting its own
    (31 at once held 1.6 GB at a million bookings)."""
    with _lock:
        first = _first_training.setdefault(location_id, threading.Lock())
    with first:
        with _lock:
            state = _states.get(location_id)
        return state if state is not None else train(location_id)


def train_soon(location_id: int) -> None:
    """Train the location's model in a background thread unless it is being trained (its risks show once done)."""
    with _lock:
        if location_id in _training:
            return
        _training.add(location_id)

    def work() -> None:
        try:
            _trained(location_id)
        except Exception:
            log.exception('no-show model of location %s', location_id)
        finally:
            with _lock:
                _training.discard(location_id)

    threading.Thread(target=work, name=f'no-show-model-{location_id}', daemon=True).start()


def train_all(*, now: datetime | None = None) -> dict[int, ModelState]:
    """Retrain every location's model (the nightly job); a location that fails is logged and keeps its old one."""
    with session_scope() as session:
        ids = list(session.exec(select(Location.id).where(Location.archived == False)).all())  # noqa: E712
    states = {}
    for location_id in ids:
        try:
            states[location_id] = train(location_id, now=now)
        except Exception:
            log.exception('no-show model of location %s', location_id)
    return states


def model_state(location_id: int, *, actor: UserRead, wait: bool = False) -> ModelState:
    """What is known of the location's model, with ``levels``: how many of its booked or confirmed bookings are
    at each risk level. Not trained yet: trained now with ``wait`` (blocking: call it off the event loop), else in
    the background (the state then says so).

    :raises PermissionDeniedError: another location, or a kiosk
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES, 'see no-show risk')
    with _lock:
        state = _states.get(location_id)
    if state is None and wait:
        state = _trained(location_id)
    if state is None:
        train_soon(location_id)
        return ModelState(reason=i18n.deferred(N_('the model is being trained: its risks show in a moment')))
    levels = pd.Series([r.level for r in live_risks(location_id).values()], dtype=object).value_counts()
    return dataclasses.replace(state, levels={k: int(levels.get(k, 0)) for k in ('high', 'medium', 'low')})


def risks(location_id: int, booking_ids: list[int], *, actor: UserRead) -> dict[int, Risk]:
    """The risk of each of ``booking_ids`` that is booked or confirmed and not a walk-in (others, and every booking
    of a location without a model, are left out). Computed for all the location's live bookings once per change
    of its bookings (the analytics store's revision), then looked up.

    :raises PermissionDeniedError: another location, or a kiosk
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES, 'see no-show risk')
    every = live_risks(location_id)
    return {i: every[i] for i in booking_ids if i in every}


def live_risks(location_id: int) -> dict[int, Risk]:
    """Booking id → risk for every booked or confirmed booking of the location (no check of who asks: callers
    do it)."""
    with _lock:
        known = location_id in _states
        model = _models.get(location_id)
    if not known:
        train_soon(location_id)  # never on the caller's thread: pages are built on the event loop
    if model is None:
        return {}
    columns = analytics_store.columns_for([location_id])[0]
    # a booking's reminders are queued and withdrawn in the transaction that changes it, which moves the
    # revision: the revision alone says when to recompute (no query of the outbox per call)
    key = (columns.token, columns.revision, id(model))
    with _lock:
        cached = _risks.get(location_id)
        if cached is not None and cached[0] == key:
            return cached[1]
    frame = load_frame(location_id)
    live = frame['status'].astype(str).isin(LIVE) & (frame['channel'].astype(str) != Channel.WALK_IN.value)
    customers = frame.loc[live, 'customer_id'].dropna().unique()
    mine = frame.loc[live | frame['customer_id'].isin(customers)]  # whose history the live ones need
    table = features(mine)
    ahead = table.loc[live.loc[mine.index]]
    found = dict(zip(mine.loc[ahead.index, 'booking_id'].astype(int), assess(model, ahead), strict=True))
    with _lock:
        _risks[location_id] = (key, found)
    return found


def forget() -> None:
    """Drop every model and cached risk (tests; a restored database)."""
    with _lock:
        _models.clear()
        _states.clear()
        _risks.clear()
        _training.clear()


def high_risk_bookings(location_id: int, *, now: datetime, days: int = 7) -> list[tuple[Booking, Risk]]:
    """The location's booked or confirmed bookings starting in the next ``days`` days whose risk is high, soonest
    first."""
    found = {i: r for i, r in live_risks(location_id).items() if r.level == 'high'}
    if not found:
        return []
    with session_scope() as session:
        rows = session.exec(select(Booking).where(
            col(Booking.id).in_(list(found)), Booking.starts_at > now,
            Booking.starts_at < now + pd.Timedelta(days=days).to_pytimedelta(),
            col(Booking.status).in_(LIVE)).order_by(Booking.starts_at)).all()
        for row in rows:
            session.expunge(row)
    return [(row, found[row.id]) for row in rows]


def high_risk_deposit(deposit_cents: int, price_cents: int) -> int:
    """The deposit to ask of a high-risk booking (minor units): the service's or location's deposit
    (``deposits.deposit_for``), or the whole price where they ask none."""
    return deposit_cents or price_cents


def act_on_high_risk(*, now: datetime | None = None, days: int = 7) -> dict[int, int]:
    """What each location's setting says a high risk triggers, for its bookings of the next ``days`` days (the hourly
    job): ``reminder`` — an extra reminder (:func:`app.services.messaging.outbox.extra_reminder`); ``deposit`` — a
    notification to the desk to ask the customer for a deposit (the service's or location's, else its price), once
    per booking. Returns location id → messages or notifications made. One transaction per location."""

    from app.models import Customer, Notification, Service
    from app.services import notifications
    from app.services.messaging import outbox
    from app.services.money import deposits

    now = now or clock.now()
    with session_scope() as session:
        acting = session.exec(select(Location).where(Location.archived == False,  # noqa: E712
                                                     Location.high_risk_action != 'none')).all()
        for location in acting:
            session.expunge(location)
    made: dict[int, int] = {}
    for location in acting:
        jobs.checkpoint()  # still this process's job (raises jobs.LockLost if its lock's connection died)
        try:
            found = high_risk_bookings(location.id, now=now, days=days)
        except Exception:
            log.exception('no-show risk of location %s', location.id)
            continue
        if not found:
            continue
        with session_scope(write=True) as session:
            count = 0
            if location.high_risk_action == 'reminder':
                count = sum(outbox.extra_reminder(session, booking.id, now=now) for booking, _ in found)
            else:
                told = set(session.exec(select(Notification.booking_id).where(
                    Notification.kind == 'no_show_risk', col(Notification.booking_id).in_([b.id for b, _ in found])
                )).all())
                for booking, risk in found:
                    if booking.id in told:
                        continue
                    service = session.get(Service, booking.service_id)
                    customer = session.get(Customer, booking.customer_id) if booking.customer_id else None
                    cents = high_risk_deposit(deposits.deposit_for(service, location, booking.price_cents),
                                              booking.price_cents)
                    when = clock.to_local(booking.starts_at, location.time_zone)
                    values = {'amount': amounts.format_money(cents, location.currency, location.locale),
                              'risk': _label_in(risk, location.language), 'service': service.name if service else '',
                              'when': f'{when:%a %d %b %H:%M}'}
                    # stored for readers of any language: translated when the bell shows it
                    text = (i18n.deferred(N_('Ask {customer} for a deposit of {amount}: {risk} — {service} {when}'),
                                          customer=customer.name, **values) if customer else
                            i18n.deferred(N_('Ask the customer for a deposit of {amount}: {risk} — {service} {when}'),
                                          **values))
                    notifications.record(location.id, 'no_show_risk', text, booking_id=booking.id, at=now,
                                         session=session)
                    count += 1
            made[location.id] = count
    return made
