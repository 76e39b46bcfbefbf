"""The outbox on both databases: confirmations and reminders received by a local SMTP server (their .ics parsed back),
SMS through a fake Twilio, reminders withdrawn when a booking is cancelled or moved, retries with backoff and the
failed state, quiet hours, and marketing only with consent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from app.models import (
    BookingMove,
    Channel,
    Message,
    MessageChannel,
    MessageStatus,
    MessageTemplate,
    Notification,
    Template,
)
from app.services import clock, i18n
from app.services.catalogue import locations
from app.services.customers import records
from app.services.database import session_scope
from app.services.frontdesk import bookings
from app.services.messaging import outbox, templates
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

DAY = date(2030, 3, 6)  # a Wednesday; the shop's clock stands at 23:00 on Monday 4 March 2030
pytestmark = pytest.mark.usefixtures('shop_clock')


@pytest.fixture
def shop(db):
    location = make_location()
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(),
                                            'address': '12 Queen St W', 'phone': '+1 416 555 0100'}, actor=OWNER)
    member, cut = make_staff_member(location, 'JJ'), make_service(location)
    alex = make_customer(location)
    alex = records.update_customer(alex.id, {'name': alex.name, 'phone': '416-555-0101', 'email': 'alex@example.com'},
                                   actor=OWNER)
    return {'location': location, 'member': member, 'cut': cut, 'alex': alex}


def _book(shop, hhmm='14:00', day=DAY, **kwargs):
    return make_booking(shop['location'], shop['member'], shop['cut'], shop['alex'], at(day, hhmm), **kwargs)


def _messages(**where):
    with session_scope() as session:
        query = select(Message).order_by(Message.id)
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        return list(session.exec(query))


def _ics(mail):
    (part,) = [p for p in mail.iter_attachments() if p.get_content_type() == 'text/calendar']
    return Calendar.from_ical(part.get_content())


def test_a_booking_is_confirmed_by_mail_with_its_calendar_file_and_manage_link(shop, smtp):
    booking = _book(shop)
    assert outbox.deliver_due() == 1
    (mail,) = smtp.messages
    assert mail['To'] == 'alex@example.com'
    assert mail['Subject'] == 'Your booking at Queen St: Wednesday, March 6, 2030 at 2:00\u202fp.m.'
    body = mail.get_body(('plain',)).get_content()
    assert "Women's cut with JJ" in body and '/my/' in body
    (event,) = _ics(mail).walk('VEVENT')
    assert event.decoded('dtstart') == booking.starts_at == at(DAY, '14:00')
    assert event.decoded('dtend') == at(DAY, '14:45')
    assert str(event['location']) == 'Queen St, 12 Queen St W'
    assert str(event['summary']) == "Women's cut with JJ — Queen St"
    assert str(event['status']) == 'CONFIRMED'
    (sent,) = _messages(template='confirmation')
    assert (sent.status, sent.attempts, sent.subject) == ('sent', 1, mail['Subject'])


def test_reminders_go_at_the_locations_hours_before_exactly_once(shop, smtp):
    booking = _book(shop)
    reminders = _messages(template='reminder')
    assert sorted(m.due_at for m in reminders) == [at(DAY - timedelta(days=1), '14:00'), at(DAY, '12:00')]
    outbox.deliver_due()  # the confirmation
    assert outbox.deliver_due(as_of=at(DAY, '11:59')) == 1  # the 24 h reminder only
    assert outbox.deliver_due(as_of=at(DAY, '12:00')) == 1  # the 2 h one
    assert outbox.deliver_due(as_of=at(DAY, '12:30')) == 0
    assert [m['Subject'].split(':')[0] for m in smtp.messages] == ['Your booking at Queen St', 'Reminder', 'Reminder']
    (event,) = _ics(smtp.messages[-1]).walk('VEVENT')
    assert event.decoded('dtstart') == booking.starts_at


def test_a_restart_sends_nothing_twice_and_an_interrupted_send_is_failed_not_repeated(shop, smtp):
    from app.services.database import reset_engines
    _book(shop)
    assert outbox.deliver_due(as_of=at(DAY, '12:00'), worker='process-a') == 3
    reset_engines()  # as after a restart: new connections, a new worker name
    assert outbox.deliver_due(as_of=at(DAY, '12:05'), worker='process-b') == 0
    assert len(smtp.messages) == 3
    # a worker that died after claiming (before sending): the row stays "sending" until the lease runs out …
    second = _book(shop, '16:00')
    assert [m.template for m in _messages(booking_id=second.id)] == ['confirmation', 'reminder', 'reminder']
    assert outbox._claim(at(DAY, '12:10'), 'died') == _messages(booking_id=second.id)[0].id
    # another worker sends the 24 h reminder (late), not the claimed confirmation
    assert outbox.deliver_due(as_of=at(DAY, '12:11'), worker='process-b') == 1
    (claimed,) = _messages(booking_id=second.id, template='confirmation')
    assert (claimed.status, claimed.claimed_by) == ('sending', 'died')
    assert outbox.deliver_due(as_of=at(DAY, '12:10') + outbox.CLAIM_LEASE + timedelta(seconds=1)) == 0
    (claimed,) = _messages(booking_id=second.id, template='confirmation')
    assert claimed.status == 'failed' and 'may not have been sent' in claimed.last_error
    assert len(smtp.messages) == 3 + 1


def test_a_reminder_is_not_sent_for_a_booking_cancelled_or_moved_meanwhile(shop, smtp):
    booking = _book(shop)
    moved = _book(shop, '10:00', day=DAY + timedelta(days=1))
    assert outbox.deliver_due() == 2  # the confirmations
    bookings.cancel_booking(booking.id, actor=OWNER, as_of=at(DAY - timedelta(days=2), '23:00'))
    bookings.move_booking(moved.id, BookingMove(starts_at=at(DAY + timedelta(days=1), '15:00')), actor=OWNER)
    assert {m.status for m in _messages(booking_id=booking.id, template='reminder')} == {'cancelled'}
    old, new = ({m.due_at for m in _messages(booking_id=moved.id, template='reminder', status=status)}
                for status in ('cancelled', 'queued'))
    assert old == {at(DAY + timedelta(days=1), '08:00'), at(DAY, '10:00')}
    assert new == {at(DAY + timedelta(days=1), '13:00'), at(DAY, '15:00')}
    outbox.deliver_due(as_of=at(DAY + timedelta(days=1), '14:00'))
    subjects = sorted(m['Subject'].split(':')[0] for m in smtp.messages)
    # booking 1: confirmation, then its cancellation; booking 2: confirmation, its move, two reminders at the new time
    assert subjects == ['Reminder', 'Reminder', 'Your booking at Queen St', 'Your booking at Queen St',
                        'Your booking at Queen St has moved', 'Your booking at Queen St is cancelled']
    cancelled = next(m for m in smtp.messages if m['Subject'].endswith('is cancelled'))
    (event,) = _ics(cancelled).walk('VEVENT')
    assert str(event['status']) == 'CANCELLED' and str(_ics(cancelled)['method']) == 'CANCEL'


def test_a_walk_in_gets_no_confirmation_and_a_booking_in_the_past_no_messages(shop, smtp):
    _book(shop, channel=Channel.WALK_IN)
    _book(shop, '10:00', day=date(2030, 3, 4))  # earlier today: before the clock's 23:00
    assert [m.template for m in _messages()] == ['reminder', 'reminder']  # the walk-in's, booked ahead


def test_sms_goes_through_the_provider_too(shop, smtp, twilio):
    _book(shop)
    assert outbox.deliver_due() == 2
    (sms,) = twilio.messages
    assert sms['To'] == '+14165550101' and sms['From'] == '+15005550006'
    assert "Queen St: you are booked, Women's cut with JJ on Wednesday, March 6, 2030 at 2:00\u202fp.m." in sms['Body']
    (stored,) = _messages(channel='sms', template='confirmation')
    assert (stored.status, stored.provider_id) == ('sent', sms['sid'])


def test_a_refused_sms_fails_at_once_and_a_busy_provider_is_retried(shop, twilio):
    twilio.fail_next = [400]
    _book(shop)
    outbox.deliver_due()
    (refused,) = _messages(channel='sms', template='confirmation')
    assert refused.status == 'failed' and 'error 21211' in refused.last_error
    twilio.fail_next = [429, 503]
    outbox.deliver_due(as_of=at(DAY - timedelta(days=1), '14:00'))  # the 24 h reminder: 429
    (reminder, _) = _messages(channel='sms', template='reminder')
    assert (reminder.status, reminder.attempts) == ('queued', 1)
    assert reminder.due_at == at(DAY - timedelta(days=1), '14:01')
    outbox.deliver_due(as_of=at(DAY - timedelta(days=1), '14:01'))  # 503
    outbox.deliver_due(as_of=at(DAY - timedelta(days=1), '14:06'))
    (reminder, _) = _messages(channel='sms', template='reminder')
    assert (reminder.status, reminder.attempts) == ('sent', 3)
    assert len(twilio.messages) == 1


def test_an_unreachable_mail_server_is_retried_then_failed_and_the_desk_is_told(shop, monkeypatch):
    from app.config import reset_settings
    monkeypatch.setenv('CLIENTPULSE_SMTP_HOST', '127.0.0.1')
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', '9')  # nothing listens there
    reset_settings()
    booking = _book(shop)
    now = clock.now()
    for minutes in (0, 1, 5, 15, 60):
        now += timedelta(minutes=minutes)
        outbox.deliver_due(as_of=now)
        (message,) = _messages(template='confirmation')
        assert message.status == ('failed' if minutes == 60 else 'queued')
    assert message.attempts == outbox.MAX_ATTEMPTS and 'ConnectionRefusedError' in message.last_error
    failed = outbox.list_messages(shop['location'].id, actor=OWNER, status=MessageStatus.FAILED)
    assert [m.id for m in failed] == [message.id] and failed[0].customer_name == 'Alex Kim'
    with session_scope() as session:
        (note,) = session.exec(select(Notification).where(Notification.kind == 'message_failed')).all()
    assert note.booking_id == booking.id and i18n.shown(note.text).startswith(
        'E-mail confirmation to Alex Kim failed')
    reset_settings()


def test_a_failed_message_can_be_tried_again(shop, smtp, monkeypatch):
    from app.config import reset_settings
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', '9')
    reset_settings()
    _book(shop)
    twilio_less = _messages(template='confirmation')[0]
    outbox._finish(twilio_less.id, status=None, error='x', permanent=True)
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', str(smtp.port))
    reset_settings()
    outbox.retry(twilio_less.id, actor=OWNER)
    assert outbox.deliver_due() == 1 and len(smtp.messages) == 1


def test_reminders_wait_for_the_end_of_quiet_hours(shop, smtp):
    early = _book(shop, '09:00')  # 2 h before is 07:00, inside 21:00–08:00
    due = {m.due_at for m in _messages(booking_id=early.id, template='reminder')}
    assert due == {at(DAY - timedelta(days=1), '09:00'), at(DAY, '08:00')}
    dawn = make_booking(shop['location'], make_staff_member(shop['location'], 'Sam', start='06:00'), shop['cut'],
                        shop['alex'], at(DAY, '07:30'), override_hours=True)  # 05:30 → 08:00 is too late: 21:00
    assert at(DAY - timedelta(days=1), '21:00') in {m.due_at for m in _messages(booking_id=dawn.id,
                                                                                 template='reminder')}


def test_marketing_reaches_only_customers_who_consented(shop, smtp):
    sam = make_customer(shop['location'], 'Sam Lee', '416-555-0102')
    records.update_customer(sam.id, {'name': 'Sam Lee', 'email': 'sam@example.com', 'consent': {'email': True}},
                            actor=OWNER)
    queued, left_out = outbox.queue_marketing(shop['location'].id, [shop['alex'].id, sam.id],
                                              channel=MessageChannel.EMAIL, subject='Spring offer',
                                              body='Hello {{ customer_name }}, 10 % off in April.', actor=OWNER,
                                              as_of=at(DAY, '10:00'))
    assert (queued, left_out) == (1, 1)
    outbox.deliver_due(as_of=at(DAY, '10:00'))
    assert [(m['To'], m['Subject']) for m in smtp.messages] == [('sam@example.com', 'Spring offer')]
    assert smtp.messages[0].get_body(('plain',)).get_content().strip() == 'Hello Sam Lee, 10 % off in April.'
    # consent withdrawn between queueing and sending: not sent
    outbox.queue_marketing(shop['location'].id, [sam.id], channel=MessageChannel.EMAIL, subject='Again',
                           body='Hi', actor=OWNER, as_of=at(DAY, '10:00'))
    records.update_customer(sam.id, {'name': 'Sam Lee', 'email': 'sam@example.com', 'consent': {}}, actor=OWNER)
    outbox.deliver_due(as_of=at(DAY, '10:05'))
    assert len(smtp.messages) == 1
    assert _messages(template='marketing')[-1].status == 'cancelled'


def test_confirming_keeps_the_reminders_and_an_unsent_confirmation_and_moving_back_revives_them(shop, smtp):
    from app.models import BookingStatus
    booking = _book(shop)
    bookings.set_status(booking.id, BookingStatus.CONFIRMED, actor=OWNER)  # before the worker ran
    assert sorted((m.template, m.status) for m in _messages(booking_id=booking.id)) == [
        ('confirmation', 'queued'), ('reminder', 'queued'), ('reminder', 'queued')]
    bookings.move_booking(booking.id, BookingMove(starts_at=at(DAY, '16:00')), actor=OWNER)
    bookings.move_booking(booking.id, BookingMove(starts_at=at(DAY, '14:00')), actor=OWNER)
    queued = _messages(booking_id=booking.id, template='reminder', status='queued')
    assert sorted(m.due_at for m in queued) == [at(DAY - timedelta(days=1), '14:00'), at(DAY, '12:00')]
    # the unsent confirmation and the first move's note were withdrawn by the moves: the last note and the reminders
    assert outbox.deliver_due(as_of=at(DAY, '12:00')) == 1 + 2
    assert [m['Subject'].split(':')[0] for m in smtp.messages].count('Reminder') == 2  # … once each


def test_an_erased_customer_is_sent_nothing_more_and_their_messages_keep_no_address(shop, smtp):
    _book(shop)
    outbox.deliver_due()  # the confirmation went
    records.erase_customer(shop['alex'].id, actor=OWNER)
    assert outbox.deliver_due(as_of=at(DAY, '13:00')) == 0  # the reminders were withdrawn
    assert {(m.template, m.status, m.to_address, m.body) for m in _messages()} == {
        ('confirmation', 'sent', '', ''), ('reminder', 'cancelled', '', '')}


@pytest.mark.parametrize(('language', 'locale', 'subject', 'words', 'summary'), [
    ('sw', 'en_KE', 'Miadi yako katika Queen St: Jumatano, 6 Machi 2030, saa 14:00',
     ['Habari Alex Kim,', "miadi yako imethibitishwa: Women's cut na JJ Jumatano, 6 Machi 2030, saa 14:00.",
      'Faili ya kalenda'], "Women's cut na JJ — Queen St"),
    ('fr', 'en_CA', 'Votre rendez-vous chez Queen St : mercredi 6 mars 2030 à 14 h 00',
     ['Bonjour Alex Kim,', "votre rendez-vous est confirmé : Women's cut avec JJ le mercredi 6 mars 2030 à 14 h 00.",
      'Le fichier de calendrier joint'], "Women's cut avec JJ — Queen St"),
])
def test_a_confirmation_speaks_the_locations_language_words_and_date(shop, smtp, language, locale, subject, words,
                                                                      summary):
    """Issue 29: a Kiswahili (French) location's customer reads the whole message in Kiswahili (French): the default
    text's words around the date, the date and time in that language, the subject, the calendar file's title; a text
    the location wrote itself goes as written; English locations are unchanged (the tests above)."""
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'language': language,
                                            'locale': locale}, actor=OWNER)
    _book(shop)
    assert outbox.deliver_due() == 1
    (mail,) = smtp.messages
    assert mail['Subject'] == subject
    body = mail.get_body(('plain',)).get_content()
    assert all(text in body for text in words), body
    assert 'you are booked' not in body and 'Wednesday' not in body
    (event,) = _ics(mail).walk('VEVENT')
    assert str(event['summary']) == summary
    # a reminder too; and a text the location typed is sent as typed, its date still in the language
    with session_scope(write=True) as session:
        session.add(MessageTemplate(location_id=location.id, template=Template.REMINDER.value,
                                    channel=MessageChannel.EMAIL.value, subject='See you {{ date }}',
                                    body='Hi {{ customer_name }}!'))
    assert outbox.deliver_due(as_of=at(DAY, '12:30')) == 2
    day = {'sw': 'Jumatano, 6 Machi 2030', 'fr': 'mercredi 6 mars 2030'}[language]
    assert [m['Subject'] for m in smtp.messages[1:]] == [f'See you {day}'] * 2
    assert smtp.messages[-1].get_body(('plain',)).get_content().strip() == 'Hi Alex Kim!'


def test_the_default_texts_are_whole_sentences_that_keep_their_placeholders_in_every_language():
    """The defaults go to customers: each translated as a whole, its ``{{ placeholders }}`` kept exactly."""
    for (template, channel), (subject, body) in templates.DEFAULTS.items():
        for language in ('fr', 'sw'):
            translated = templates.default_text(template, channel, language)
            for source, text in zip((subject, body), translated, strict=True):
                assert templates.placeholders_in(text) == templates.placeholders_in(source), (language, source)
                templates.check(text, field='body')
    assert templates.default_text(Template.CODE, MessageChannel.SMS, 'sw')[1].startswith('{{ code }} ni nambari')
    assert templates.default_text(Template.CODE, MessageChannel.SMS, 'en') == templates.DEFAULTS[
        Template.CODE, MessageChannel.SMS]


def test_a_date_is_in_the_messages_language_even_when_babel_has_no_locale_for_the_pair(shop, smtp):
    """A Kiswahili location that kept Canada's formats (en_CA: Babel has no sw_CA): the date is still Kiswahili."""
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'language': 'sw'},
                              actor=OWNER)
    _book(shop)
    assert outbox.deliver_due() == 1
    assert smtp.messages[0]['Subject'] == 'Miadi yako katika Queen St: Jumatano, 6 Machi 2030, saa 14:00'


def test_a_new_bookings_messages_are_decided_on_the_facts_the_outbox_reads_for_it(shop, monkeypatch):
    # the insert hands the outbox what it read under the staff member's lock (one statement fewer per booking): the
    # same facts, field by field, that the outbox reads for the booking itself — for a customer and for a walk-in
    handed = []
    real = outbox.booking_changed

    def spy(unit, booking_id, change, *, now, facts=None):
        handed.append(facts)
        return real(unit, booking_id, change, now=now, facts=facts)
    monkeypatch.setattr(outbox, 'booking_changed', spy)
    made = [_book(shop), make_booking(shop['location'], shop['member'], shop['cut'], None, at(DAY, '16:00'),
                                      channel=Channel.WALK_IN)]
    assert len(handed) == 2 and None not in handed
    with session_scope() as session:
        read = [session.connection().execute(outbox._FACTS, {'booking_id': b.id}).first() for b in made]
    assert [tuple(facts) for facts in handed] == [tuple(row) for row in read]
