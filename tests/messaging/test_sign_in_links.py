"""Staff get in without the owner knowing their passwords: one-time invitations and password resets by link (through
the outbox), revoking a sign-in, who may do which."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.models import (
    Location,
    Message,
    MessageChannel,
    MessageStatus,
    Role,
    SignInLink,
    StaffMember,
    StaffMemberCreate,
    Template,
    User,
)
from app.services.accounts import users
from app.services.catalogue import staff
from app.services.database import session_scope
from app.services.errors import AuthenticationError, PermissionDeniedError, ValidationError
from app.services.messaging import sign_in_links
from app.services.messaging.sign_in_links import LinkRefused
from tests.factories import OWNER, actor, make_location, make_staff_member


def _token_in(mail) -> str:
    token = sign_in_links.link_of(mail.get_content())
    assert token, mail.get_content()
    return token


def test_an_invitation_by_e_mail_makes_the_staff_members_own_account_once(db, smtp):
    here = make_location()
    jj = make_staff_member(here, 'JJ')
    manager = actor(Role.MANAGER, here.id)
    sent = sign_in_links.invite(jj.id, channel=MessageChannel.EMAIL, to=' JJ@Salon.test ', actor=manager)
    assert sent.sent and sent.to == 'jj@salon.test'
    (mail,) = smtp.messages
    assert mail['To'] == 'jj@salon.test' and 'Queen St' in mail['Subject']
    token = _token_in(mail)
    assert '72 hours' in mail.get_content()

    with session_scope() as session:  # only a hash of the secret is kept, and the sent message lost the secret
        link = session.get(SignInLink, sent.link_id)
        message = session.get(Message, sent.message_id)
        assert token.split('.')[1] not in link.secret_hash and len(link.secret_hash) == 64
        assert message.status == MessageStatus.SENT.value and message.template == Template.STAFF_INVITE.value
        assert token.split('.')[1] not in message.body + str(message.context)
        assert '/account/…' in message.body

    view = sign_in_links.open_link(token)
    assert (view.staff_name, view.email, view.location_name) == ('JJ', 'jj@salon.test', 'Queen St')
    with pytest.raises(ValidationError) as short:
        sign_in_links.use_link(token, 'short')
    assert short.value.field == 'password'  # a refusal of the password does not spend the link
    account = sign_in_links.use_link(token, 'my own secret')
    assert (account.email, account.role, account.location_id, account.staff_member_id) == (
        'jj@salon.test', Role.STAFF, here.id, jj.id)
    assert users.authenticate('jj@salon.test', 'my own secret').id == account.id

    for use in (lambda: sign_in_links.use_link(token, 'another secret'), lambda: sign_in_links.open_link(token)):
        with pytest.raises(LinkRefused, match='used already'):  # spent on use
            use()
    with pytest.raises(ValidationError, match=r'already signs in as jj@salon\.test'):
        sign_in_links.invite(jj.id, channel=MessageChannel.EMAIL, to='other@salon.test', actor=OWNER)


def test_an_invitation_by_sms_asks_for_the_sign_in_address_and_reads_the_number_the_local_way(db, twilio):
    here = make_location()
    becky = make_staff_member(here, 'BECKY')
    sent = sign_in_links.invite(becky.id, channel=MessageChannel.SMS, to='(416) 555-0142', actor=OWNER)
    assert sent.sent and sent.to == '+14165550142'
    (sms,) = twilio.messages
    assert sms['To'] == '+14165550142'
    token = sign_in_links.link_of(sms['Body'])
    assert sign_in_links.open_link(token).email is None  # they give the address they will sign in with
    with pytest.raises(ValidationError) as no_address:
        sign_in_links.use_link(token, 'becky secret', email='')
    assert no_address.value.field == 'email'
    account = sign_in_links.use_link(token, 'becky secret', email='becky@salon.test')
    assert account.staff_member_id == becky.id
    with pytest.raises(ValidationError) as unreadable:
        sign_in_links.invite(make_staff_member(here, 'KELLY').id, channel=MessageChannel.SMS, to='call me',
                             actor=OWNER)
    assert unreadable.value.field == 'to'


def test_a_link_expires_and_a_newer_one_spends_the_older(db, smtp):
    here = make_location()
    jj = make_staff_member(here, 'JJ')
    sent_at = datetime.now(UTC)
    sign_in_links.invite(jj.id, channel=MessageChannel.EMAIL, to='jj@salon.test', actor=OWNER, as_of=sent_at)
    first = _token_in(smtp.messages[-1])
    later = sent_at + timedelta(hours=sign_in_links.INVITE_HOURS, seconds=1)
    with pytest.raises(LinkRefused, match='expired'):
        sign_in_links.open_link(first, as_of=later)
    with pytest.raises(LinkRefused, match='expired'):
        sign_in_links.use_link(first, 'my own secret', as_of=later)
    assert sign_in_links.open_link(first, as_of=sent_at + timedelta(hours=71)).staff_name == 'JJ'

    sign_in_links.invite(jj.id, channel=MessageChannel.EMAIL, to='jj@salon.test', actor=OWNER)
    second = _token_in(smtp.messages[-1])
    with pytest.raises(LinkRefused, match='newer one'):
        sign_in_links.use_link(first, 'my own secret')
    assert sign_in_links.use_link(second, 'my own secret').staff_member_id == jj.id


def test_wrong_and_malformed_links_are_refused_and_a_strangers_wrong_tries_never_spend_the_link(db, smtp):
    here = make_location()
    sent = sign_in_links.invite(make_staff_member(here, 'JJ').id, channel=MessageChannel.EMAIL, to='jj@salon.test',
                                actor=OWNER)
    token = _token_in(smtp.messages[-1])
    for bad in ('', 'x', '1', '0.' + 'a' * 43, f'{sent.link_id}.short', 'x' * 3000, '\x00', f'{sent.link_id + 99}.'
                + 'a' * 43, f'{sent.link_id}.{"a" * 43}\n', '../../etc/passwd', '١.' + 'a' * 43):
        with pytest.raises(LinkRefused, match='not valid'):
            sign_in_links.open_link(bad, ip=f'10.0.0.{len(bad) % 200}')
    wrong = f'{sent.link_id}.' + ('A' if token[-1] != 'A' else 'B') * 43
    for stranger in range(3):  # strangers on the shop network try the id many times over
        for _try in range(sign_in_links.WRONG_TRIES_PER_ADDRESS - 1):
            with pytest.raises(LinkRefused, match='not valid'):
                sign_in_links.use_link(wrong, 'my own secret', ip=f'192.168.1.{50 + stranger}')
    assert sign_in_links.open_link(token, ip='192.168.1.7').staff_name == 'JJ'  # the invitation still works
    assert sign_in_links.use_link(token, 'my own secret', ip='192.168.1.7').email == 'jj@salon.test'


def test_a_caller_trying_too_many_wrong_links_is_paused_for_every_link(db, smtp):
    here = make_location()
    sent = sign_in_links.invite(make_staff_member(here, 'JJ').id, channel=MessageChannel.EMAIL, to='jj@salon.test',
                                actor=OWNER)
    token = _token_in(smtp.messages[-1])
    now = datetime.now(UTC)
    guesses = [f'{sent.link_id + n}.' + 'A' * 43 for n in range(sign_in_links.WRONG_TRIES_PER_ADDRESS)]
    for guess in guesses:
        with pytest.raises(LinkRefused, match='not valid'):
            sign_in_links.open_link(guess, ip='10.1.1.1', as_of=now)
    for use in (lambda: sign_in_links.open_link(token, ip='10.1.1.1', as_of=now),
                lambda: sign_in_links.use_link(token, 'my own secret', ip='10.1.1.1', as_of=now)):
        with pytest.raises(LinkRefused, match='Too many wrong links') as paused:  # even the right link, meanwhile
            use()
        assert paused.value.field == 'token' and '15 minutes' in str(paused.value)
    assert sign_in_links.open_link(token, ip='10.1.1.2', as_of=now).staff_name == 'JJ'  # others are not paused
    later = now + sign_in_links.WRONG_TRIES_WINDOW + timedelta(seconds=1)
    assert sign_in_links.open_link(token, ip='10.1.1.1', as_of=later).staff_name == 'JJ'  # the pause ends
    with session_scope() as session:
        assert session.get(SignInLink, sent.link_id).used_at is None


def test_a_reset_link_sets_a_new_password_the_old_one_stops_and_other_links_are_spent(db, smtp):
    here = make_location()
    jj = make_staff_member(here, 'JJ')
    account = users.create_user('jj@salon.test', 'old password', role=Role.STAFF, location_id=here.id,
                                staff_member_id=jj.id, actor=OWNER)
    manager = actor(Role.MANAGER, here.id)
    sign_in_links.send_reset(account.id, location_id=here.id, actor=manager)
    first = _token_in(smtp.messages[-1])
    sign_in_links.send_reset(account.id, location_id=here.id, actor=OWNER)
    second = _token_in(smtp.messages[-1])
    assert smtp.messages[-1]['To'] == 'jj@salon.test'
    assert users.authenticate('jj@salon.test', 'old password').id == account.id  # until the new one is set
    with pytest.raises(LinkRefused):
        sign_in_links.open_link(first)  # a newer link spent it
    view = sign_in_links.open_link(second)
    assert view.email == 'jj@salon.test' and view.staff_name == 'JJ'
    done = sign_in_links.use_link(second, 'new password')
    assert done.id == account.id and done.session_version == account.session_version + 1  # other sign-ins end
    with pytest.raises(AuthenticationError):
        users.authenticate('jj@salon.test', 'old password')
    assert users.authenticate('jj@salon.test', 'new password').id == account.id
    with pytest.raises(LinkRefused, match='used already'):
        sign_in_links.use_link(second, 'third password')
    with session_scope() as session:
        assert session.exec(select(SignInLink).where(SignInLink.user_id == account.id,
                                                     SignInLink.used_at.is_(None))).all() == []


def test_a_reset_link_goes_only_to_the_accounts_own_address_on_record(db, smtp, twilio):
    here = make_location()
    jj = make_staff_member(here, 'JJ')
    account = users.create_user('jj@salon.test', 'old password', role=Role.STAFF, location_id=here.id,
                                staff_member_id=jj.id, actor=OWNER)
    manager = actor(Role.MANAGER, here.id)
    with pytest.raises(TypeError):  # the sender cannot choose where it goes: a manager's own mailbox, say
        sign_in_links.send_reset(account.id, to='manager@elsewhere.test', location_id=here.id, actor=manager)
    with pytest.raises(ValidationError, match='no mobile number on record') as no_phone:
        sign_in_links.send_reset(account.id, channel=MessageChannel.SMS, location_id=here.id, actor=manager)
    assert no_phone.value.field == 'channel'
    assert smtp.messages == [] and twilio.messages == []
    sent = sign_in_links.send_reset(account.id, location_id=here.id, actor=manager)
    assert sent.to == 'jj@salon.test' and [m['To'] for m in smtp.messages] == ['jj@salon.test']
    boss = users.create_user('boss@salon.test', 'old password', role=Role.OWNER, actor=OWNER)
    assert sign_in_links.send_reset(boss.id, location_id=here.id, actor=OWNER).to == 'boss@salon.test'


def test_a_staff_members_mobile_number_is_kept_in_e164_read_the_location_s_way(db):
    here = make_location()
    with session_scope(write=True) as session:
        session.get(Location, here.id).country = 'KE'
    jj = make_staff_member(here, 'JJ')
    assert jj.phone is None
    saved = staff.update_staff_member(jj.id, actor=OWNER, name='JJ', working_hours=jj.working_hours,
                                      phone=' 0712 345 678 ')
    assert saved.phone == '+254712345678'
    with pytest.raises(ValidationError) as unreadable:
        staff.update_staff_member(jj.id, actor=OWNER, name='JJ', working_hours=jj.working_hours, phone='call me')
    assert unreadable.value.field == 'phone'
    with session_scope() as session:  # refused: nothing changed
        assert session.get(StaffMember, jj.id).phone == '+254712345678'
    assert staff.update_staff_member(jj.id, actor=OWNER, name='JJ', working_hours=jj.working_hours).phone == (
        '+254712345678')  # not given: kept
    assert staff.update_staff_member(jj.id, actor=OWNER, name='JJ', working_hours=jj.working_hours,
                                     phone='').phone is None
    kelly = staff.create_staff_member(StaffMemberCreate(location_id=here.id, name='KELLY', phone='0733 000 111'),
                                      actor=OWNER)
    assert kelly.phone == '+254733000111'


def test_a_reset_by_sms_goes_only_to_the_mobile_number_on_record(db, smtp, twilio):
    here = make_location()
    jj = make_staff_member(here, 'JJ')
    account = users.create_user('jj@salon.test', 'old password', role=Role.STAFF, location_id=here.id,
                                staff_member_id=jj.id, actor=OWNER)
    staff.update_staff_member(jj.id, actor=OWNER, name='JJ', working_hours=jj.working_hours, phone='(416) 555-0142')
    manager = actor(Role.MANAGER, here.id)
    with pytest.raises(TypeError):  # no typed number either
        sign_in_links.send_reset(account.id, channel=MessageChannel.SMS, to='+14165550199', location_id=here.id,
                                 actor=manager)
    sent = sign_in_links.send_reset(account.id, channel=MessageChannel.SMS, location_id=here.id, actor=manager)
    assert sent.sent and sent.to == '+14165550142' and smtp.messages == []
    (text,) = twilio.messages
    assert text['To'] == '+14165550142'
    token = sign_in_links.link_of(text['Body'])
    assert sign_in_links.open_link(token).email == 'jj@salon.test'
    assert sign_in_links.use_link(token, 'a new secret').id == account.id


def test_an_invitation_by_sms_goes_to_the_mobile_number_on_record_unless_another_is_typed(db, twilio):
    here = make_location()
    jj = make_staff_member(here, 'JJ')
    staff.update_staff_member(jj.id, actor=OWNER, name='JJ', working_hours=jj.working_hours, phone='416 555 0142')
    assert sign_in_links.invite(jj.id, channel=MessageChannel.SMS, actor=OWNER).to == '+14165550142'
    assert twilio.messages[-1]['To'] == '+14165550142'
    assert sign_in_links.invite(jj.id, channel=MessageChannel.SMS, to='416 555 0177', actor=OWNER).to == (
        '+14165550177')
    with pytest.raises(ValidationError, match='no mobile number on record') as none:
        sign_in_links.invite(make_staff_member(here, 'KELLY').id, channel=MessageChannel.SMS, actor=OWNER)
    assert none.value.field == 'to'


def test_an_invitation_goes_to_the_staff_members_e_mail_on_record_unless_another_is_typed(db, smtp):
    here = make_location()
    jj = make_staff_member(here, 'JJ')
    with session_scope(write=True) as session:
        session.get(StaffMember, jj.id).email = 'jj.own@salon.test'
    assert sign_in_links.invite(jj.id, channel=MessageChannel.EMAIL, actor=OWNER).to == 'jj.own@salon.test'
    assert smtp.messages[-1]['To'] == 'jj.own@salon.test'
    assert sign_in_links.invite(jj.id, channel=MessageChannel.EMAIL, to='jj@home.test', actor=OWNER).to == (
        'jj@home.test')
    with pytest.raises(ValidationError, match='no e-mail address on record') as none:
        sign_in_links.invite(make_staff_member(here, 'KELLY').id, channel=MessageChannel.EMAIL, actor=OWNER)
    assert none.value.field == 'to'


def test_revoking_ends_the_sign_ins_spends_links_and_keeps_the_person_out_until_allowed(db, smtp):
    here = make_location()
    account = users.create_user('jj@salon.test', 'my password', role=Role.STAFF, location_id=here.id, actor=OWNER)
    sign_in_links.send_reset(account.id, location_id=here.id, actor=OWNER)
    token = _token_in(smtp.messages[-1])
    revoked = users.set_active(account.id, False, actor=actor(Role.MANAGER, here.id))
    assert not revoked.active and revoked.session_version == account.session_version + 1
    with pytest.raises(AuthenticationError):
        users.authenticate('jj@salon.test', 'my password')
    with pytest.raises(LinkRefused):
        sign_in_links.use_link(token, 'a way back in')  # a link sent before cannot bring them back
    with pytest.raises(ValidationError, match='switched off'):
        sign_in_links.send_reset(account.id, location_id=here.id, actor=OWNER)
    users.set_active(account.id, True, actor=OWNER)
    assert users.authenticate('jj@salon.test', 'my password').id == account.id


def test_only_owners_and_the_locations_managers_send_links_or_revoke(db, smtp):
    here, there = make_location(), make_location('King St')
    jj = make_staff_member(here, 'JJ')
    for stranger in (actor(Role.STAFF, here.id), actor(Role.KIOSK, here.id), actor(Role.MANAGER, there.id)):
        with pytest.raises(PermissionDeniedError):
            sign_in_links.invite(jj.id, channel=MessageChannel.EMAIL, to='jj@salon.test', actor=stranger)
    staff_account = users.create_user('ann@salon.test', 'my password', role=Role.STAFF, location_id=here.id,
                                      actor=OWNER)
    boss = users.create_user('boss@salon.test', 'my password', role=Role.MANAGER, location_id=here.id, actor=OWNER)
    for stranger, account in ((actor(Role.MANAGER, there.id), staff_account), (actor(Role.STAFF, here.id),
                                                                               staff_account),
                              (actor(Role.MANAGER, here.id), boss)):  # a manager manages staff sign-ins only
        with pytest.raises(PermissionDeniedError):
            sign_in_links.send_reset(account.id, location_id=here.id, actor=stranger)
        with pytest.raises(PermissionDeniedError):
            users.set_active(account.id, False, actor=stranger)
    assert smtp.messages == []
    with session_scope() as session:
        assert session.exec(select(SignInLink)).all() == []
        assert session.exec(select(Message)).all() == []


def _secret_message(here, template: Template, *, status: MessageStatus) -> int:
    from app.services import clock
    from app.services.messaging import outbox
    link = 'https://salon.test/account/abc.s3cr3t-part'
    with session_scope(write=True) as session:
        message_id = outbox.queue(session, location_id=here.id, template=template, channel=MessageChannel.EMAIL,
                                  to='jj@salon.test', due_at=clock.now(), context={'sign_in_link': link})
        message = session.get(Message, message_id)
        message.status, message.body = status.value, f'Set your password: {link}'
        session.add(message)
    return message_id


@pytest.mark.parametrize('template', [Template.STAFF_INVITE, Template.PASSWORD_RESET])
def test_a_failed_link_is_not_tried_again_without_its_link(db, template):
    from app.services.messaging import outbox
    here = make_location()
    failed = _secret_message(here, template, status=MessageStatus.FAILED)
    with pytest.raises(ValidationError, match='Send a new link from the Staff page') as refused:
        outbox.retry(failed, actor=actor(Role.MANAGER, here.id))
    assert refused.value.field == 'message_id'
    with session_scope() as session:
        assert session.get(Message, failed).status == MessageStatus.FAILED.value


def test_an_interrupted_link_message_is_failed_without_its_secret(db):
    from app.services import clock
    from app.services.messaging import outbox
    here = make_location()
    message_id = _secret_message(here, Template.PASSWORD_RESET, status=MessageStatus.QUEUED)
    now = clock.now()
    assert outbox._claim(now, 'died') == message_id  # a worker that died after claiming it
    assert outbox.deliver_due(as_of=now + outbox.CLAIM_LEASE + timedelta(seconds=1)) == 0
    with session_scope() as session:
        message = session.get(Message, message_id)
        assert message.status == MessageStatus.FAILED.value and 'may not have been sent' in message.last_error
        assert 's3cr3t' not in message.body + str(message.context) and 'sign_in_link' not in message.context
        assert message.body == 'Set your password: https://salon.test/account/…'


def test_a_manager_cannot_point_a_signing_in_staff_members_resets_at_another_number(db, twilio):
    """Resets by SMS go to the number on record: a manager who typed their own number there could reset JJ's account
    to themselves, so only the owner (or JJ) changes it once JJ signs in; nothing changes when refused."""
    here = make_location()
    jj, kelly = make_staff_member(here, 'JJ'), make_staff_member(here, 'KELLY')
    users.create_user('jj@salon.test', 'old password', role=Role.STAFF, location_id=here.id, staff_member_id=jj.id,
                      actor=OWNER)
    staff.update_staff_member(jj.id, actor=OWNER, name='JJ', working_hours=jj.working_hours, phone='416 555 0142')
    manager = actor(Role.MANAGER, here.id)
    with pytest.raises(ValidationError, match='Only the owner or JJ') as refused:
        staff.update_staff_member(jj.id, actor=manager, name='JJ', working_hours=jj.working_hours,
                                  phone='416 555 0199')
    assert refused.value.field == 'phone'
    with session_scope() as session:
        assert session.get(StaffMember, jj.id).phone == '+14165550142'
    # the same number again is no change; someone without an account is the manager's to keep up to date
    staff.update_staff_member(jj.id, actor=manager, name='JJ', working_hours=jj.working_hours, phone='416 555 0142')
    staff.update_staff_member(kelly.id, actor=manager, name='KELLY', working_hours=kelly.working_hours,
                              phone='416 555 0177')
    sent = sign_in_links.send_reset(_account_of(jj.id),
                                    channel=MessageChannel.SMS, location_id=here.id, actor=manager)
    assert sent.to == '+14165550142'


def _account_of(staff_member_id: int) -> int:
    with session_scope() as session:
        return session.exec(select(User.id).where(User.staff_member_id == staff_member_id)).one()
