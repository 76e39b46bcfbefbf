"""Sending a campaign, on SQLite and PostgreSQL: the holdout is drawn from the customers the channel reaches, by the
recorded seed, and never messaged; nobody without consent is messaged; the budget, the role and a second send are
refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from app.models import CampaignCreate, CustomerCreate, DiscountCodeCreate, Message, Role, Target, UserRead
from app.services.campaigns import campaigns
from app.services.campaigns.measure import draw_holdout
from app.services.customers import customers, records
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError, ValidationError
from tests.factories import OWNER, make_location


@pytest.fixture
def spring(db):
    """30 customers tagged "spring": 25 agreed to marketing e-mails, 5 did not; 3 customers without the tag."""
    location = make_location()
    consenting, declined = [], []
    for number in range(33):
        customer = customers.create_customer(CustomerCreate(location_id=location.id, name=f'Customer {number:02d}',
                                                            email=f'c{number}@example.com'), actor=OWNER)
        tagged = number < 30
        agreed = number < 25 or number >= 30
        records.update_customer(customer.id, {'name': customer.name, 'email': customer.email,
                                              'tags': ['spring'] if tagged else [],
                                              'consent': {'email': True} if agreed else {}}, actor=OWNER)
        if tagged:
            (consenting if agreed else declined).append(customer.id)
    return location, consenting, declined


def campaign_for(location, **changes) -> CampaignCreate:
    values = {'location_id': location.id, 'name': 'Spring comeback', 'target': Target(segment='tag', tag='spring'),
              'subject': 'We miss you, {{ customer_name }}', 'body': 'Come back this spring: 10 % off.',
              'holdout_permille': 200, 'cost_per_message_cents': 5}
    return CampaignCreate(**{**values, **changes})


def test_the_holdout_is_drawn_from_those_reachable_by_the_recorded_seed_and_never_messaged(spring):
    location, consenting, declined = spring
    draft = campaigns.create_campaign(campaign_for(location), actor=OWNER)
    assert draft.status == 'draft'
    sent = campaigns.send_campaign(draft.id, actor=OWNER)
    assert sent.status == 'sent' and sent.sent_at is not None
    rows = campaigns.recipients_of(draft.id, actor=OWNER)
    held = [r.customer_id for r in rows if r.holdout]
    messaged = [r.customer_id for r in rows if not r.holdout]
    assert len(held) == 5 and len(messaged) == 20  # 20 % of the 25 reachable
    assert (messaged, held) == draw_holdout(consenting, Decimal('0.2'), draft.seed)  # reproducible from the seed
    with session_scope() as session:
        queued = session.exec(select(Message).where(Message.marketing == True)).all()  # noqa: E712
    assert sorted(m.customer_id for m in queued) == messaged
    assert {r.message_id for r in rows if not r.holdout} == {m.id for m in queued}
    assert all(r.message_id is None for r in rows if r.holdout)
    assert not set(declined) & {m.customer_id for m in queued}  # no consent, no message
    assert not set(declined) & {r.customer_id for r in rows}  # and not in the measured groups either


def test_a_budget_too_small_a_second_send_and_staff_are_refused(spring):
    location, _, _ = spring
    tight = campaigns.create_campaign(campaign_for(location, budget_cents=99), actor=OWNER)
    with pytest.raises(ValidationError, match='over the budget') as refused:
        campaigns.send_campaign(tight.id, actor=OWNER)  # 20 messages × 5 = 100
    assert refused.value.field == 'budget_cents'
    assert campaigns.get_campaign(tight.id, actor=OWNER).status == 'draft'
    with session_scope() as session:
        assert session.exec(select(Message)).all() == []  # nothing queued, nothing recorded
    fits = campaigns.create_campaign(campaign_for(location, budget_cents=100), actor=OWNER)
    campaigns.send_campaign(fits.id, actor=OWNER)
    with pytest.raises(ValidationError, match='sent already'):
        campaigns.send_campaign(fits.id, actor=OWNER)
    staff = UserRead(id=9, email='s@shop.test', role=Role.STAFF, location_id=location.id, staff_member_id=None,
                     active=True)
    with pytest.raises(PermissionDeniedError):
        campaigns.create_campaign(campaign_for(location), actor=staff)
    with pytest.raises(PermissionDeniedError):
        campaigns.send_campaign(fits.id, actor=staff)


def test_a_target_nobody_can_be_reached_in_and_a_bad_template_are_refused_naming_the_field(spring):
    location, _, _ = spring
    nobody = campaigns.create_campaign(campaign_for(location, target=Target(segment='tag', tag='autumn')),
                                       actor=OWNER)
    with pytest.raises(ValidationError) as refused:
        campaigns.send_campaign(nobody.id, actor=OWNER)
    assert refused.value.field == 'target'
    with pytest.raises(ValidationError) as refused:
        campaigns.create_campaign(campaign_for(location, body='Hello {{ customer_name'), actor=OWNER)
    assert refused.value.field == 'body'
    with pytest.raises(ValidationError) as refused:
        campaigns.create_campaign(campaign_for(location, subject=' '), actor=OWNER)
    assert refused.value.field == 'subject'


def test_attribution_and_roi_on_a_worked_example(spring, smtp, shop_clock):
    """Sent at noon on 4 March 2030 to 20 of the 25 reachable (5 held out), 5 cents a message, a 5.00 code. Within 30
    days: recipients A and B book, C books and cancels, D books on day 40 (outside); A pays 45.00 with the code (40.00);
    held-out E books and pays 45.00."""
    from datetime import date

    from app.models import DiscountCodeCreate, PaymentMethod
    from app.services.campaigns.measure import performance
    from app.services.frontdesk import bookings
    from app.services.messaging import outbox
    from app.services.money import checkout, codes
    from app.services.money.checkout import Sale, SaleLine
    from tests.factories import at, make_booking, make_service, make_staff_member

    location, _, _ = spring
    sent_at = at(date(2030, 3, 4), '12:00')
    shop_clock(sent_at)
    member = make_staff_member(location, 'JJ', start='06:00', end='22:00')
    mens = make_service(location, 'SHCM', "Men's cut", price_cents=4500)
    draft = campaigns.create_campaign(campaign_for(location), actor=OWNER)
    codes.create_code(DiscountCodeCreate(location_id=location.id, code='BACK5', amount_off_cents=500,
                                         campaign_id=draft.id), actor=OWNER)
    campaigns.send_campaign(draft.id, actor=OWNER, as_of=sent_at)
    assert outbox.deliver_due(as_of=sent_at) == 20
    rows = campaigns.recipients_of(draft.id, actor=OWNER)
    a, b, c, d = [r.customer_id for r in rows if not r.holdout][:4]
    e = next(r.customer_id for r in rows if r.holdout)
    customer = {x.id: x for x in customers.search_customers(location.id, actor=OWNER, limit=100)}
    day_after = at(date(2030, 3, 5), '12:00')
    shop_clock(day_after)
    for number, who in enumerate((a, b, c, e)):
        booking = make_booking(location, member, mens, customer[who], at(date(2030, 3, 12), f'{9 + number:02d}:00'))
        if who == c:
            bookings.cancel_booking(booking.id, actor=OWNER, reason='changed plans')
    for who, code in ((a, 'BACK5'), (e, '')):
        checkout.check_out(Sale(location_id=location.id, customer_id=who, code=code, settle_with=PaymentMethod.CARD,
                                lines=[SaleLine(service_id=mens.id, staff_member_id=member.id)]), actor=OWNER)
    shop_clock(at(date(2030, 4, 13), '12:00'))  # day 40: outside the window
    make_booking(location, member, mens, customer[d], at(date(2030, 4, 20), '10:00'))
    result = campaigns.outcome(draft.id, actor=OWNER, as_of=at(date(2030, 5, 1), '12:00'))
    assert (result.recipients, result.recipients_booked, result.holdout, result.holdout_booked) == (20, 2, 5, 1)
    assert result.recipients_revenue_cents == 4500  # A's 40.00 paid + the 5.00 the code took off
    assert (result.holdout_revenue_cents, result.discounts_cents, result.messages_sent) == (4500, 500, 20)
    figures = performance(result)
    assert figures.cost_cents == 100
    assert figures.roi == Decimal(4500 - 500 - 100) / 100  # 39
    assert figures.recipients_rate == 2 / 20 and figures.holdout_rate == 1 / 5
    assert figures.incremental_revenue_cents == (4500 // 20 - 4500 // 5) * 20  # 225 − 900 a head: −13,500


def test_a_manager_of_another_location_can_neither_see_send_nor_measure_a_campaign(spring):
    location, _, _ = spring
    other = make_location('King St')
    elsewhere = UserRead(id=8, email='m@king.test', role=Role.MANAGER, location_id=other.id, staff_member_id=None,
                         active=True)
    draft = campaigns.create_campaign(campaign_for(location), actor=OWNER)
    for attempt in (lambda: campaigns.get_campaign(draft.id, actor=elsewhere),
                    lambda: campaigns.send_campaign(draft.id, actor=elsewhere),
                    lambda: campaigns.create_campaign(campaign_for(location), actor=elsewhere)):
        with pytest.raises(PermissionDeniedError):
            attempt()
    assert campaigns.get_campaign(draft.id, actor=OWNER).status == 'draft'
    campaigns.send_campaign(draft.id, actor=OWNER)
    with pytest.raises(PermissionDeniedError):
        campaigns.outcome(draft.id, actor=elsewhere)
    with pytest.raises(PermissionDeniedError):
        campaigns.recipients_of(draft.id, actor=elsewhere)


def test_a_scheduled_campaign_goes_out_when_due_once_with_its_offer_code_in_the_message(spring, smtp, shop_clock):
    """Scheduled for 09:00: the job at 08:59 sends nothing; at 09:00 it sends, with the offer's code in each e-mail;
    the next run sends nothing more. A campaign whose send is refused (over budget) records why and leaves the
    schedule, so the job does not try it every minute."""
    from datetime import timedelta

    from app.services import clock, events
    from app.services.messaging import outbox

    location, _, _ = spring
    start = clock.now()
    heard = []
    events.subscribe(heard.append)
    due = start + timedelta(hours=10)
    made = campaigns.create_campaign(campaign_for(
        location, send_at=due, body='Come back: {{ offer_code }} takes 20 % off.',
        offer={'code': 'spring-20', 'percent_off': 20, 'max_redemptions': 50}), actor=OWNER)
    assert made.offer.code == 'SPRING-20' and made.send_at == due and made.status == 'draft'
    tight = campaigns.create_campaign(campaign_for(location, send_at=due, budget_cents=1), actor=OWNER)
    assert campaigns.send_due(as_of=due - timedelta(minutes=1)) == 0
    assert campaigns.send_due(as_of=due) == 1
    assert campaigns.send_due(as_of=due + timedelta(minutes=1)) == 0
    assert campaigns.get_campaign(made.id, actor=OWNER).status == 'sent'
    refused = campaigns.get_campaign(tight.id, actor=OWNER)
    assert (refused.status, refused.send_at) == ('draft', None) and 'over the budget' in refused.send_error
    assert outbox.deliver_due(as_of=due) == 20
    assert len(smtp.messages) == 20
    assert all('SPRING-20 takes 20 % off' in m.get_content() for m in smtp.messages)
    changes = [(e.campaign_id, e.change) for e in heard if isinstance(e, events.CampaignChanged)]
    assert changes == [(made.id, 'created'), (tight.id, 'created'), (made.id, 'sent'), (tight.id, 'refused')]
    assert [(e.location_id, e.count) for e in heard if isinstance(e, events.MessagesSent)] == [(location.id, 20)]


def test_a_schedule_in_the_past_an_offer_code_without_an_offer_and_a_bad_offer_are_refused(spring):
    from datetime import UTC, datetime, timedelta

    location, _, _ = spring
    cases = [({'send_at': datetime.now(UTC) - timedelta(hours=1)}, 'send_at'),
             ({'send_at': datetime(2031, 1, 1, 9)}, 'send_at'),  # no time zone
             ({'body': 'Use {{ offer_code }}'}, 'body'),
             ({'offer': {'code': 'no spaces', 'percent_off': 10}}, 'offer.code'),
             ({'offer': {'code': 'BOTH', 'percent_off': 10, 'amount_off_cents': 100}}, 'offer.percent_off')]
    for changes, field in cases:
        with pytest.raises(ValidationError) as refused:
            campaigns.create_campaign(campaign_for(location, **changes), actor=OWNER)
        assert refused.value.field == field, changes
    assert campaigns.list_campaigns(location.id, actor=OWNER) == []  # nothing kept, not even a draft
    campaigns.create_campaign(campaign_for(location, offer={'code': 'TAKEN', 'percent_off': 10}), actor=OWNER)
    with pytest.raises(ValidationError) as taken:
        campaigns.create_campaign(campaign_for(location, offer={'code': 'taken', 'percent_off': 5}), actor=OWNER)
    assert taken.value.field == 'offer.code'
    assert len(campaigns.list_campaigns(location.id, actor=OWNER)) == 1


def test_a_scheduled_campaign_can_be_taken_off_the_schedule(spring):
    from datetime import UTC, datetime, timedelta

    location, _, _ = spring
    due = datetime.now(UTC) + timedelta(days=1)
    made = campaigns.create_campaign(campaign_for(location, send_at=due), actor=OWNER)
    assert campaigns.unschedule(made.id, actor=OWNER).send_at is None
    assert campaigns.send_due(as_of=due + timedelta(minutes=5)) == 0
    assert campaigns.get_campaign(made.id, actor=OWNER).status == 'draft'


def test_the_performance_report_and_its_workbook_carry_each_figure_with_its_definition(spring, shop_clock):
    """Sent to 20 (5 held out), nothing delivered yet, nobody booked: the report says so; the workbook has every figure
    of :data:`reports.FIGURES` with its definition, and a customer's name that would be a formula stays text."""
    import io

    from openpyxl import load_workbook

    from app.services.campaigns import reports

    location, consenting, _ = spring
    records.update_customer(consenting[0], {'name': '=HYPERLINK("http://x.test","win")', 'email': 'c0@example.com',
                                            'tags': ['spring'], 'consent': {'email': True}}, actor=OWNER)
    draft = campaigns.create_campaign(campaign_for(location), actor=OWNER)
    with pytest.raises(ValidationError) as early:
        reports.report(draft.id, actor=OWNER)
    assert early.value.field == 'status'
    campaigns.send_campaign(draft.id, actor=OWNER)
    found = reports.report(draft.id, actor=OWNER)
    assert found.messages == {'sent': 0, 'failed': 0, 'waiting': 20}
    table = {key: (mine, theirs) for key, mine, theirs in reports.rows(found)}
    assert table['customers'] == (20, 5) and table['booked'] == (0, 0) and table['rate'] == (0.0, 0.0)
    assert table['roi'] == (None, None)  # nothing sent yet: no cost, no ROI
    book = load_workbook(io.BytesIO(reports.workbook(found, currency='CAD', time_zone=location.time_zone)))
    figures = {row[0]: row[1:] for row in book['Performance'].iter_rows(values_only=True) if row and row[0]}
    for label, definition in reports.FIGURES.values():
        assert figures[label][2] == definition
    assert figures['Customers'][:2] == (20, 5) and figures['Messages waiting'][0] == 20
    names = [row[0] for row in book['Recipients'].iter_rows(min_row=2, values_only=True)]
    assert len(names) == 25 and '\'=HYPERLINK("http://x.test","win")' in names
    assert book['Recipients']['A2'].data_type == 's'


def test_the_audience_counts_what_a_send_would_reach(spring):
    location, _, _ = spring
    counted = campaigns.audience(location.id, Target(segment='tag', tag='spring'), channel='email',
                                 holdout_permille=200, cost_per_message_cents=5, actor=OWNER)
    assert counted == campaigns.Audience(targeted=30, reachable=25, recipients=20, holdout=5, cost_cents=100)
    none = campaigns.audience(location.id, Target(segment='tag', tag='spring'), channel='sms',
                              holdout_permille=200, cost_per_message_cents=5, actor=OWNER)
    assert (none.targeted, none.reachable) == (30, 0)  # no phone numbers, no SMS consent
    sent = campaigns.send_campaign(campaigns.create_campaign(campaign_for(location), actor=OWNER).id, actor=OWNER)
    rows = campaigns.recipients_of(sent.id, actor=OWNER)
    assert (sum(not r.holdout for r in rows), sum(r.holdout for r in rows)) == (counted.recipients, counted.holdout)


def test_a_draft_is_discarded_with_its_code_but_a_sent_campaign_or_a_used_code_is_kept(spring):
    from app.models import DiscountCode, PaymentMethod
    from app.services import clock
    from app.services.money import checkout, codes
    from app.services.money.checkout import Sale, SaleLine
    from tests.factories import make_service

    location, consenting, _ = spring
    draft = campaigns.create_campaign(campaign_for(location, offer={'code': 'GONE-10', 'percent_off': 10}),
                                      actor=OWNER)
    campaigns.discard(draft.id, actor=OWNER)
    assert campaigns.list_campaigns(location.id, actor=OWNER) == []
    codes.create_code(DiscountCodeCreate(location_id=location.id, code='GONE-10', percent_off=5), actor=OWNER)  # free
    used = campaigns.create_campaign(campaign_for(location, offer={'code': 'USED-10', 'percent_off': 10}),
                                     actor=OWNER)
    cut = make_service(location)
    with pytest.raises(ValidationError, match='not valid for this customer'):  # a draft's code is nobody's yet
        checkout.check_out(Sale(location_id=location.id, customer_id=consenting[0], code='USED-10',
                                settle_with=PaymentMethod.CARD, lines=[SaleLine(service_id=cut.id)]), actor=OWNER)
    sale = checkout.check_out(Sale(location_id=location.id, customer_id=consenting[0], settle_with=PaymentMethod.CARD,
                                   lines=[SaleLine(service_id=cut.id)]), actor=OWNER)
    with session_scope(write=True) as session:  # a use recorded before issue 28 kept codes to their recipients
        code = session.exec(select(DiscountCode).where(DiscountCode.code == 'USED-10')).one()
        codes.redeem(session, code, consenting[0], receipt_id=sale.receipt_id, discount_cents=0, now=clock.now())
    with pytest.raises(ValidationError) as kept:
        campaigns.discard(used.id, actor=OWNER)
    assert kept.value.field == 'offer.code'
    sent = campaigns.send_campaign(campaigns.create_campaign(campaign_for(location), actor=OWNER).id, actor=OWNER)
    with pytest.raises(ValidationError) as kept:
        campaigns.discard(sent.id, actor=OWNER)
    assert kept.value.field == 'status'
    assert len(campaigns.list_campaigns(location.id, actor=OWNER)) == 2
