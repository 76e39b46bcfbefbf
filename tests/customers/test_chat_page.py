"""Chat in two sessions: the front desk's Chat page and the customer's link page, live both ways."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from app.models import Role
from app.services.customers import chat
from tests.customers.test_chat import png_bytes
from tests.factories import OWNER
from tests.fixtures.pages import element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _bodies(user: User) -> list[str]:
    try:
        return [label.text for label in sorted(user.find(marker='chat-body').elements, key=lambda e: e.id)]
    except AssertionError:
        return []


def _receipt(user: User) -> str:
    try:
        return element(user, 'chat-receipt').text
    except AssertionError:
        return ''


async def test_a_message_and_its_read_receipt_travel_both_ways(user: User, create_user, shop):
    desk, customer = user, create_user()
    conversation = chat.open_conversation(shop['sam'].id, actor=OWNER)
    await sign_in(desk, Role.STAFF, f'/chat?c={conversation.id}')
    await customer.open(f'/chat/{conversation.access_token}')
    await customer.should_see('No messages yet.')

    customer.find(marker='chat-text').type('Is 3pm free on Friday?')
    await eventually(lambda: element(desk, 'chat-typing').text == 'Sam is typing…')
    customer.find(marker='chat-send').click()
    await eventually(lambda: _bodies(desk) == ['Is 3pm free on Friday?'])  # arrives without a reload
    await eventually(lambda: _receipt(customer) == 'Read')  # the desk has it open: read at once

    desk.find(marker='chat-text').type('Yes — shall I book it?')
    desk.find(marker='chat-send').click()
    await eventually(lambda: _bodies(customer) == ['Is 3pm free on Friday?', 'Yes — shall I book it?'])
    await eventually(lambda: _receipt(desk) == 'Read')


async def test_unread_badges_and_script_shown_as_text(user: User, create_user, shop):
    desk, customer = user, create_user()
    conversation = chat.open_conversation(shop['sam'].id, actor=OWNER)
    await sign_in(desk, Role.STAFF, '/chat')
    await customer.open(f'/chat/{conversation.access_token}')
    customer.find(marker='chat-text').type('<script>alert("x")</script><b>bold?</b>')
    customer.find(marker='chat-send').click()
    await desk.should_see(marker=f'unread-{shop["sam"].id}')  # the badge appears live
    assert element(desk, f'unread-{shop["sam"].id}').text == '1'
    desk.find(marker=f'conversation-{shop["sam"].id}').click()
    await desk.open(f'/chat?c={conversation.id}')
    await eventually(lambda: _bodies(desk) == ['<script>alert("x")</script><b>bold?</b>'])  # a label: text
    # only the frame renders HTML of its own (navigation, title, language choices; its words escaped): never a message
    framed = desk.find(kind=ui.html).elements
    markers = {marker for e in framed for marker in e._markers}
    assert markers == {'navigation', 'version', 'title'}
    assert not any('alert(' in e.content or '<b>' in e.content for e in framed)
    await desk.should_not_see(marker=f'unread-{shop["sam"].id}')


async def test_pictures_travel_and_a_fake_png_is_refused_on_the_page(user: User, create_user, shop):
    desk, customer = user, create_user()
    conversation = chat.open_conversation(shop['sam'].id, actor=OWNER)
    await sign_in(desk, Role.STAFF, f'/chat?c={conversation.id}')
    await customer.open(f'/chat/{conversation.access_token}')
    upload = customer.find(marker='chat-upload').elements.pop()
    await upload.handle_uploads([SmallFileUpload(name='fake.png', content_type='image/png', _data=b'not a png')])
    await customer.should_see('"fake.png" is not a PNG image')
    await upload.handle_uploads([SmallFileUpload(name='colour.png', content_type='image/png', _data=png_bytes())])
    await customer.should_see('Attached: colour.png')
    customer.find(marker='chat-send').click()
    await desk.should_see(marker='chat-image')
    link = element(desk, 'chat-file')
    assert link.text == 'colour.png'
    # the desk's browser fetches it with its session; the customer's link serves only its own files
    response = await desk.http_client.get(link.props['href'])
    assert response.status_code == 200 and response.content == png_bytes()
    assert response.headers['x-content-type-options'] == 'nosniff'
    attachment_id = chat.customer_messages(conversation.access_token)[-1].attachment_id
    other = chat.open_conversation(shop['alex'].id, actor=OWNER)
    refused = await customer.http_client.get(f'/chat/{other.access_token}/files/{attachment_id}')
    assert refused.status_code == 404
    anonymous = await create_user().http_client.get(f'/chat-files/{attachment_id}')
    assert anonymous.status_code == 401


async def test_the_customers_chat_speaks_the_locations_french_and_the_desk_its_own_english(user: User, create_user,
                                                                                          shop):
    from babel.dates import format_datetime

    from app.services import clock
    from app.services.accounts import users
    from tests.frontdesk.test_kiosk import speak
    speak(shop['location'], 'fr')
    staff = next(u for u in users.list_users(actor=OWNER) if u.role == Role.STAFF)
    users.set_language('en', actor=staff)  # this desk user chose English
    desk, customer = user, create_user()
    conversation = chat.open_conversation(shop['sam'].id, actor=OWNER)
    await sign_in(desk, Role.STAFF, f'/chat?c={conversation.id}')
    await customer.open(f'/chat/{conversation.access_token}')
    await customer.should_see('Discussion avec le salon — Sam')
    await customer.should_see('Aucun message pour le moment.')
    await customer.should_not_see('No messages yet.')
    assert element(customer, 'chat-send').props['aria-label'] == 'Envoyer'

    upload = customer.find(marker='chat-upload').elements.pop()
    await upload.handle_uploads([SmallFileUpload(name='fake.png', content_type='image/png', _data=b'not a png')])
    await customer.should_see("« fake.png » n'est pas une image PNG")

    customer.find(marker='chat-text').type('Avez-vous un créneau vendredi ?')
    await eventually(lambda: element(desk, 'chat-typing').text == 'Sam is typing…')  # the desk reads English
    customer.find(marker='chat-send').click()
    await eventually(lambda: _receipt(customer) == 'Lu')  # the desk has it open: read at once
    sent = chat.customer_messages(conversation.access_token)[-1]
    stamp = element(customer, 'chat-message').props['stamp']
    assert stamp == format_datetime(clock.to_local(sent.created_at, shop['location'].time_zone),
                                    'EEE dd MMM yyyy HH:mm', locale='fr_CA')  # the day's name in French
    assert element(customer, 'chat-message').props['name'] == 'Vous'
    await eventually(lambda: _bodies(desk) == ['Avez-vous un créneau vendredi ?'])
