"""No-show risk: features known when a booking was made, the model per location, the levels and reasons the desk
sees, what a high risk triggers, and the model against a lead-time rule on the real clinic file."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sqlmodel import select

from app.models import BookingStatus, Customer, Location, Message, Notification, Role, Service
from app.services import i18n
from app.services.analytics import noshow
from app.services.catalogue import locations
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError
from app.services.frontdesk import bookings
from app.services.imports import mapped, mapping
from tests.factories import OWNER, actor, make_booking, make_location

MAPPINGS = Path(__file__).resolve().parents[2] / 'docs' / 'mappings'
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_models():
    noshow.forget()
    yield
    noshow.forget()


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """(booking_id, customer, status, local start, local booked, local cancelled, time known) → a load_frame frame."""
    frame = pd.DataFrame(rows, columns=['booking_id', 'customer_id', 'status', 'local_start', 'local_booked',
                                        'local_cancelled', 'time_known'])
    for column in ('local_start', 'local_booked', 'local_cancelled'):
        frame[column] = pd.to_datetime(frame[column])
    return frame.assign(service='Cut', channel='phone', source='', reminder=False)


# --- features on a hand-computed frame -------------------------------------------------------------------------------

def test_features_count_only_what_was_known_when_each_booking_was_made():
    frame = _frame([
        (1, 7, 'no_show', '2030-03-01 10:00', '2030-02-20 09:00', None, True),
        (2, 7, 'cancelled', '2030-03-08 10:00', '2030-02-21 09:00', '2030-03-02 08:00', True),
        (3, 7, 'completed', '2030-03-10 10:00', '2030-03-01 09:00', None, True),   # before the no-show's start
        (4, 7, 'booked', '2030-03-20 10:00', '2030-03-03 09:00', None, True),      # after both
        (5, 8, 'no_show', '2030-03-05 00:00', '2030-03-04 18:00', None, False),    # date-only: known at day's end
        (6, 8, 'booked', '2030-03-07 09:00', '2030-03-05 23:59', None, True),      # same day as 5: not yet known
        (7, 8, 'booked', '2030-03-08 09:00', '2030-03-06 08:00', None, True),      # the day after: known
        (8, None, 'booked', '2030-03-08 09:00', None, None, True),                 # anonymous, booking date unknown
    ])
    table = noshow.features(frame)
    assert table['prior_no_shows'].tolist() == [0, 0, 0, 1, 0, 0, 1, 0]
    assert table['prior_cancellations'].tolist() == [0, 0, 0, 1, 0, 0, 0, 0]
    assert table['first_booking'].tolist() == [1, 0, 0, 0, 1, 0, 0, 1]
    # calendar days between local dates: 10:00 on the 1st booked 09:00 on 20 Feb is 9 days, not 9.04
    assert table['lead_days'].tolist()[:3] == [9, 15, 9]
    assert table['lead_unknown'].tolist() == [0, 0, 0, 0, 0, 0, 0, 1]
    assert table['hour_band'].tolist()[3:6] == ['morning', 'unknown', 'morning']
    assert table['lead_band'].tolist()[4] == '1-2'
    assert table['weekday'].tolist()[0] == '4'  # 1 March 2030 is a Friday


def test_reasons_are_words():
    row = SimpleNamespace(lead_days=40.0, lead_band='31+', prior_no_shows=2.0, weekday='5', hour_band='unknown',
                          channel='walk_in', reminder='no', first_booking=1.0)
    said = lambda name: i18n.shown(noshow._reason(name, row))  # noqa: E731 - stored deferred, shown in words
    assert said('lead_band') == 'booked 40 days ahead'
    assert said('prior_no_shows') == '2 earlier no-shows'
    assert said('weekday') == 'on a Saturday'
    assert said('hour_band') == 'time of day unknown'
    assert said('channel') == 'booked by walk-in'
    assert said('reminder') == 'no reminder set up'
    assert said('first_booking') == 'first booking'
    with i18n.speaking('fr'):  # risks are shared by every session: each reader sees them in their language
        assert (said('lead_band'), said('weekday')) == ('réservé 40 jours à l’avance', 'un samedi')
    with i18n.speaking('sw'):
        assert said('prior_no_shows') == 'kutofika 2 kwa awali'
        assert noshow.Risk('high', 0.31, ('2 earlier no-shows',), (noshow._reason('prior_no_shows', row),)
                           ).label() == 'Hatari kubwa ya kutofika (31%): kutofika 2 kwa awali'


def test_too_little_history_gives_no_model():
    frame = _frame([(i, i % 5, 'no_show' if i % 4 == 0 else 'completed', f'2030-03-{1 + i % 28:02d} 10:00',
                     '2030-02-01 09:00', None, True) for i in range(40)])
    outcome = noshow.fit(1, frame, now=NOW)
    assert isinstance(outcome, str) and i18n.shown(outcome).startswith('not enough history: 40 bookings')


# --- a location with a pattern ----------------------------------------------------------------------------------

FLAKY = [f'F{i}' for i in range(10)]
STEADY = [f'S{i}' for i in range(50)]


def import_history(tmp_path: Path, location_name: str, first_day: datetime) -> tuple[int, dict[str, int]]:
    """An imported history from ``first_day`` (about ten months): ten customers (F0–F9) miss every other booking,
    fifty (S0–S49) always come; lead times follow no pattern. Its services get a length and a price of 40.00, F0 and
    S0 an e-mail address. Returns the location's id and customer code → id."""
    path = tmp_path / 'history.csv'
    with path.open('w', newline='', encoding='utf-8') as out:
        writer = csv.writer(out)
        writer.writerow(['customer', 'start', 'booked', 'status'])
        for round_ in range(6):
            for n, code in enumerate(FLAKY + STEADY):
                if code in STEADY and round_ == 5:
                    continue
                start = first_day + timedelta(days=round_ * 40 + n % 30, hours=n % 6)
                lead = (n * 7 + round_) % 25  # no pattern: the earlier no-shows alone tell
                status = 'No' if code in STEADY or round_ % 2 else 'Yes'
                writer.writerow([code, f'{start:%Y-%m-%d %H:%M}', f'{start - timedelta(days=lead):%Y-%m-%d %H:%M}',
                                 status])
    spec = tmp_path / 'history.toml'
    spec.write_text(f'''
[options]
time_zone = "America/Toronto"
currency = "CAD"
[fields]
location = {{ value = "{location_name}" }}
customer = {{ column = "customer" }}
staff_member = {{ value = "JJ" }}
service = {{ value = "Cut" }}
starts_at = {{ column = "start", format = "%Y-%m-%d %H:%M" }}
booked_at = {{ column = "booked", format = "%Y-%m-%d %H:%M" }}
status = {{ column = "status", values = {{ Yes = "no_show", No = "completed" }} }}
channel = {{ value = "phone" }}
price = {{ value = 40 }}
''', encoding='utf-8')
    location_id = mapped.import_bookings(path, mapping.load_mapping(spec), actor=OWNER).location_ids[0]
    with session_scope(write=True) as session:
        ids = {c.code: c.id for c in session.exec(select(Customer).where(Customer.location_id == location_id))}
        for customer_id in (ids['F0'], ids['S0']):
            session.get(Customer, customer_id).email = f'c{customer_id}@example.com'
        for service in session.exec(select(Service).where(Service.location_id == location_id)):
            service.duration_minutes, service.price_cents = 45, 4000  # imported services have neither
    return location_id, ids


@pytest.fixture
def patterned(sqlite_db, tmp_path) -> dict:
    """:func:`import_history` from January 2026, then one upcoming booking each for a flaky and a steady customer
    (January 2027)."""
    location_id, ids = import_history(tmp_path, 'Risky Salon', datetime(2026, 1, 5, 10, 0))
    location = locations.get_location(location_id, actor=OWNER)
    history = bookings.list_bookings(location_id, actor=OWNER, start=datetime(2026, 1, 1, tzinfo=UTC),
                                     end=datetime(2026, 2, 1, tzinfo=UTC))
    member = SimpleNamespace(id=history[0].staff_member_id)
    service = SimpleNamespace(id=history[0].service_id)
    start = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)
    flaky = make_booking(location, member, service, SimpleNamespace(id=ids['F0']), start, override_hours=True)
    steady = make_booking(location, member, service, SimpleNamespace(id=ids['S0']), start + timedelta(hours=2),
                          override_hours=True)
    return {'location': location, 'flaky': flaky, 'steady': steady}


def test_the_model_rates_a_customer_with_earlier_no_shows_high_and_says_why(patterned):
    location = patterned['location']
    state = noshow.train(location.id, now=NOW)
    assert state.reason == '' and state.trained_on == 10 * 6 + 50 * 5 and state.no_shows == 10 * 3
    # held out: flaky customers' late bookings (half of them missed) against steady ones'
    assert state.auc is not None and state.auc > 0.75
    risks = noshow.risks(location.id, [patterned['flaky'].id, patterned['steady'].id], actor=OWNER)
    flaky, steady = risks[patterned['flaky'].id], risks[patterned['steady'].id]
    assert flaky.level == 'high' and steady.level == 'low'
    assert flaky.probability > 0.5 > steady.probability
    assert '3 earlier no-shows' in flaky.reasons
    assert flaky.label().startswith('High no-show risk (')
    # only booked or confirmed bookings are rated
    past = bookings.list_bookings(location.id, actor=OWNER, start=datetime(2026, 1, 1, tzinfo=UTC),
                                  end=datetime(2026, 2, 1, tzinfo=UTC))
    assert noshow.risks(location.id, [b.id for b in past], actor=OWNER) == {}


def test_each_reason_is_one_of_the_two_features_pushing_the_risk_up_most(patterned):
    """``assess`` ranks every row's features at once; here each row is ranked on its own, the plain way: the
    feature's pushes (its columns' value less the training mean, times the coefficient) summed, the two largest
    positive ones, largest first."""
    location = patterned['location']
    noshow.train(location.id, now=NOW)
    model = noshow._models[location.id]
    table = noshow.features(noshow.load_frame(location.id))
    risks = noshow.assess(model, table)
    pipeline = model.pipeline
    pushes = (pipeline.named_steps['columns'].transform(table) - model.means) * pipeline.named_steps['model'].coef_[0]
    with_reasons = 0
    for row, push, risk in zip(table.itertuples(index=False), pushes, risks, strict=True):
        per_feature = pd.Series(push).groupby(np.asarray(model.groups)).sum().sort_values(ascending=False)
        expected = tuple(noshow._english(noshow._reason(name, row)) for name, value in per_feature.items()
                         if value > 0)[:2]
        assert risk.reasons == expected
        with_reasons += bool(expected)
    assert len(risks) == len(table) and with_reasons > len(table) / 2


def test_risks_are_for_the_desk_of_the_location_only(patterned):
    location = patterned['location']
    noshow.train(location.id, now=NOW)
    assert noshow.risks(location.id, [patterned['flaky'].id], actor=actor(Role.STAFF, location.id))
    with pytest.raises(PermissionDeniedError):
        noshow.risks(location.id, [patterned['flaky'].id], actor=actor(Role.KIOSK, location.id))
    other = make_location('Elsewhere')
    with pytest.raises(PermissionDeniedError):
        noshow.risks(location.id, [patterned['flaky'].id], actor=actor(Role.MANAGER, other.id))


def test_a_high_risk_triggers_an_extra_reminder_once(patterned):
    location = patterned['location']
    _set_action(location.id, 'reminder')
    noshow.train(location.id, now=NOW)
    soon = patterned['flaky'].starts_at - timedelta(days=5)
    assert noshow.act_on_high_risk(now=soon) == {location.id: 1}
    assert noshow.act_on_high_risk(now=soon) == {location.id: 0}  # once
    extra = _messages(patterned['flaky'].id, 'risk-reminder:')
    assert [m.status for m in extra] == ['queued']
    # a day before the location's first reminder (24 h): 48 h before the start, out of quiet hours
    assert extra[0].due_at == patterned['flaky'].starts_at - timedelta(hours=48)
    assert _messages(patterned['steady'].id, 'risk-reminder:') == []
    # a change of status keeps it; a cancellation withdraws it
    bookings.set_status(patterned['flaky'].id, BookingStatus.CONFIRMED, actor=OWNER)
    assert [m.status for m in _messages(patterned['flaky'].id, 'risk-reminder:')] == ['queued']
    bookings.cancel_booking(patterned['flaky'].id, actor=OWNER)
    assert [m.status for m in _messages(patterned['flaky'].id, 'risk-reminder:')] == ['cancelled']


def test_a_high_risk_tells_the_desk_to_ask_for_a_deposit_once(patterned):
    location = patterned['location']
    _set_action(location.id, 'deposit')
    noshow.train(location.id, now=NOW)
    soon = patterned['flaky'].starts_at - timedelta(days=2)
    assert noshow.act_on_high_risk(now=soon) == {location.id: 1}
    assert noshow.act_on_high_risk(now=soon) == {location.id: 0}
    with session_scope() as session:
        told = session.exec(select(Notification).where(Notification.kind == 'no_show_risk')).all()
    assert [n.booking_id for n in told] == [patterned['flaky'].id]
    # no deposit set on the service or location: the whole price
    assert i18n.shown(told[0].text).startswith('Ask F0 for a deposit of $40.00: High no-show risk (')
    assert '3 earlier no-shows' in told[0].text
    # a week before, a booking further ahead is not acted on yet; nothing for 'none'
    _set_action(location.id, 'none')
    assert noshow.act_on_high_risk(now=soon) == {}


def _set_action(location_id: int, action: str) -> None:
    with session_scope(write=True) as session:
        session.get(Location, location_id).high_risk_action = action


def _messages(booking_id: int, prefix: str) -> list[Message]:
    with session_scope() as session:
        found = session.exec(select(Message).where(Message.booking_id == booking_id)).all()
        return [m for m in found if (m.dedupe_key or '').startswith(prefix)]


# --- the real clinic file -----------------------------------------------------------------------------------------

def test_on_the_clinic_file_the_model_beats_the_lead_time_rule(sqlite_db, shared_data):
    imported = mapped.import_bookings(shared_data / 'KaggleV2-May-2016.csv',
                                      mapping.load_mapping(MAPPINGS / 'clinic-noshow.toml'), actor=OWNER)
    frame = noshow.load_frame(imported.location_ids[0])
    raw = pd.read_csv(shared_data / 'KaggleV2-May-2016.csv', usecols=['No-show'])
    learn = noshow.decided(frame)
    y = (frame.loc[learn, 'status'].astype(str) == 'no_show').astype(int)
    assert len(y) == len(raw) and y.sum() == (raw['No-show'] == 'Yes').sum()  # every appointment came to an end
    table = noshow.features(frame.loc[learn])
    result = noshow.backtest(table, y, frame.loc[learn, 'local_start'])
    days = np.sort(frame['local_start'].dt.normalize().unique())
    assert result['train'] == (frame['local_start'] < days[int(len(days) * 0.8)]).sum()
    assert result['auc'] > result['lead_auc'] > 0.6  # published leakage-free logistic regression: about 0.60
    assert result['brier'] < result['base_brier']


def test_a_model_no_better_than_chance_shows_no_risk():
    rng = np.random.default_rng(7)
    rows = [(i, i % 40, 'no_show' if rng.random() < 0.2 else 'completed',
             f'2030-{1 + i // 250:02d}-{1 + i % 28:02d} {9 + i % 8:02d}:00', '2029-12-20 09:00', None, True)
            for i in range(1000)]
    outcome = noshow.fit(1, _frame(rows), now=NOW)  # no-shows at random: nothing to learn
    assert isinstance(outcome, str)
    assert i18n.shown(outcome).startswith('no risk shown: on the latest 20 % of days held out')


def test_pages_asking_at_once_for_an_untrained_model_wait_for_one_training(db, monkeypatch):
    """Managers opening Analytics at once after a start (and the background training the desk's pages ask for) all
    wait for one training of a location's model, not one each (31 at once held 1.6 GB at a million bookings)."""
    import threading
    import time

    location = make_location()
    fits = []
    real = noshow.fit

    def slow_fit(*args, **kwargs):
        fits.append(threading.current_thread().name)
        time.sleep(0.2)  # long enough for every caller to arrive while it trains
        return real(*args, **kwargs)

    monkeypatch.setattr(noshow, 'fit', slow_fit)
    states = []
    threads = [threading.Thread(target=lambda: states.append(noshow.model_state(location.id, actor=OWNER, wait=True)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    noshow.train_soon(location.id)
    for thread in threads:
        thread.join()
    assert len(fits) == 1 and len(states) == 4
    assert len({state.reason for state in states}) == 1
