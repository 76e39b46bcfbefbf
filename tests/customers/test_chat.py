"""Chat: history, read receipts, and the security of attachments and links."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.models import Role
from app.services import notifications
from app.services.customers import chat
from app.services.errors import PermissionDeniedError, ValidationError
from tests.factories import OWNER, actor, make_customer, make_location


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', (4, 4), (200, 30, 30)).save(buffer, format='PNG')
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    from reportlab.pdfgen import canvas
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, 'Patch test consent')
    page.save()
    return buffer.getvalue()


@pytest.fixture
def two_customers(db):
    location = make_location()
    sam, alex = make_customer(location, 'Sam Lee', '416-555-0102'), make_customer(location, 'Alex Kim', '416-555-0199')
    staff = actor(Role.STAFF, location.id)
    return location, staff, chat.open_conversation(sam.id, actor=staff), chat.open_conversation(alex.id, actor=staff)


def test_history_unread_counts_and_read_receipts_both_ways(two_customers):
    location, staff, sam, _alex = two_customers
    chat.send_as_customer(sam.access_token, 'Can I move my cut to Friday?')
    listed = {c.customer_name: c.unread for c in chat.conversations(location.id, actor=staff)}
    assert listed == {'Sam Lee': 1, 'Alex Kim': 0}
    assert [n.kind for n in notifications.visible(staff)] == ['chat_message']  # the front desk hears of it
    reply = chat.send_as_staff(sam.id, 'Yes, 15:00 works.', actor=staff)
    assert not reply.read_by_other
    chat.mark_read_by_staff(sam.id, actor=staff)
    assert chat.conversations(location.id, actor=staff)[0].unread == 0
    mine = chat.customer_messages(sam.access_token)
    assert [(m.sender, m.body, m.read_by_other) for m in mine] == [
        ('customer', 'Can I move my cut to Friday?', True), ('staff', 'Yes, 15:00 works.', False)]
    chat.mark_read_by_customer(sam.access_token)
    assert chat.staff_messages(sam.id, actor=staff)[-1].read_by_other  # the shop sees "read"


def test_text_is_kept_as_written_and_limited(two_customers):
    _location, staff, sam, _alex = two_customers
    message = chat.send_as_customer(sam.access_token, '<script>alert("hi")</script>')
    assert message.body == '<script>alert("hi")</script>'  # stored as text; pages show it as text
    with pytest.raises(ValidationError, match='at most 2000'):
        chat.send_as_staff(sam.id, 'x' * 2001, actor=staff)
    with pytest.raises(ValidationError, match='Write a message'):
        chat.send_as_staff(sam.id, '   ', actor=staff)


def test_a_file_named_png_that_is_not_a_png_is_refused_and_nothing_is_kept(two_customers):
    _location, _staff, sam, _alex = two_customers
    before = set(chat.attachments_dir().iterdir())
    with pytest.raises(ValidationError, match='not a PNG image'):
        chat.send_as_customer(sam.access_token, 'my photo', upload=chat.Upload('photo.png', b'MZ\x90\x00 not a png'))
    with pytest.raises(ValidationError, match='named as PNG image but contains PDF'):
        chat.send_as_customer(sam.access_token, '', upload=chat.Upload('photo.png', pdf_bytes()))
    with pytest.raises(ValidationError, match='not a readable image'):  # right magic number, broken image
        chat.send_as_customer(sam.access_token, '', upload=chat.Upload('x.png', png_bytes()[:40]))
    with pytest.raises(ValidationError, match='only images'):
        chat.send_as_customer(sam.access_token, '', upload=chat.Upload('notes.html', b'<html><script>1</script>'))
    assert set(chat.attachments_dir().iterdir()) == before
    assert chat.customer_messages(sam.access_token) == []


def test_a_file_over_the_limit_is_refused(two_customers, monkeypatch):
    _location, staff, sam, _alex = two_customers
    monkeypatch.setenv('CLIENTPULSE_CHAT_ATTACHMENT_MAX_MB', '0.001')  # 1 KB
    from app.config import reset_settings
    reset_settings()
    try:
        big = png_bytes() + b'\x00' * 2048
        with pytest.raises(ValidationError, match='at most'):
            chat.send_as_staff(sam.id, 'price list', actor=staff, upload=chat.Upload('prices.png', big))
    finally:
        monkeypatch.delenv('CLIENTPULSE_CHAT_ATTACHMENT_MAX_MB')
        reset_settings()


def test_images_and_pdfs_are_stored_outside_the_web_root_and_given_only_to_their_conversation(two_customers):
    location, staff, sam, alex = two_customers
    photo = chat.send_as_customer(sam.access_token, 'this colour', upload=chat.Upload('inspo.png', png_bytes()))
    form = chat.send_as_staff(sam.id, 'consent form', actor=staff, upload=chat.Upload('consent.pdf', pdf_bytes()))
    assert (photo.attachment_type, form.attachment_type) == ('image/png', 'application/pdf')
    stored = chat.customer_attachment(sam.access_token, photo.attachment_id)
    assert stored.path.read_bytes() == png_bytes() and stored.path.parent == chat.attachments_dir()
    assert 'inspo' not in stored.path.name  # a random name on disk
    assert chat.staff_attachment(form.attachment_id, actor=staff).content_type == 'application/pdf'
    # Alex's link opens neither Sam's files nor Sam's messages
    with pytest.raises(PermissionDeniedError):
        chat.customer_attachment(alex.access_token, photo.attachment_id)
    assert chat.customer_messages(alex.access_token) == []
    with pytest.raises(PermissionDeniedError):
        chat.customer_messages('a-guessed-token')
    with pytest.raises(PermissionDeniedError):
        chat.customer_attachment('', photo.attachment_id)
    # nor does the front desk of another location
    other = make_location(name='Other shop')
    with pytest.raises(PermissionDeniedError):
        chat.staff_attachment(photo.attachment_id, actor=actor(Role.STAFF, other.id))
    with pytest.raises(PermissionDeniedError):
        chat.staff_messages(sam.id, actor=actor(Role.MANAGER, other.id))
    with pytest.raises(PermissionDeniedError):  # kiosks do not read the shop's chats
        chat.conversations(location.id, actor=actor(Role.KIOSK, location.id))
    assert chat.staff_messages(sam.id, actor=OWNER)[0].attachment_name == 'inspo.png'


def test_refusals_and_the_desks_summary_follow_the_language(two_customers):
    from app.services import i18n
    _location, staff, sam, _alex = two_customers
    with i18n.speaking('fr'), pytest.raises(ValidationError) as refused:
        chat.check_upload(chat.Upload('fake.png', b'not a png'))
    assert str(refused.value).startswith("« fake.png » n'est pas une image PNG :")
    with i18n.speaking('sw'), pytest.raises(ValidationError, match='Andika ujumbe au ambatisha faili'):
        chat.send_as_customer(sam.access_token, '  ')
    chat.send_as_customer(sam.access_token, 'Bonjour !')
    bell = notifications.visible(staff)[0].text  # stored once, read by each in their own language
    assert i18n.shown(bell) == 'Message from Sam Lee: Bonjour !'
    with i18n.speaking('fr'):
        assert i18n.shown(bell) == 'Message de Sam Lee : Bonjour !'
