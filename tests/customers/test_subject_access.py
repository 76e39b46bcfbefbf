"""Issue 31: a customer's own data — everything held about them as a zip of JSON and their chat's files, for owners
and managers of their location, logged — and erasure removes their chat's attachment files from disk."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from app.models import ActivityEntry, Role
from app.services.customers import chat, records, subject_access
from app.services.database import session_scope
from app.services.errors import NotFoundError, PermissionDeniedError
from tests.factories import actor, at, make_booking, make_customer, make_location, make_service, make_staff_member


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', (6, 6), (30, 90, 160)).save(buffer, format='PNG')
    return buffer.getvalue()


@pytest.fixture
def sam_and_alex(db):
    location = make_location()
    jj, cut = make_staff_member(location), make_service(location)
    sam, alex = make_customer(location, 'Sam Lee', '416-555-0102'), make_customer(location, 'Alex Kim', '416-555-0199')
    day = date.today() + timedelta(days=2)
    booked = make_booking(location, jj, cut, sam, at(day, '10:00'))
    make_booking(location, jj, cut, alex, at(day, '11:00'))
    staff = actor(Role.STAFF, location.id)
    conversation = chat.open_conversation(sam.id, actor=staff)
    sent = chat.send_as_staff(conversation.id, 'your colour chart', actor=staff,
                              upload=chat.Upload('chart.png', _png()))
    chat.send_as_customer(conversation.access_token, 'thanks!')
    return location, sam, alex, booked, sent.attachment_id


def test_export_holds_everything_about_them_and_nothing_about_others(sam_and_alex):
    location, sam, _alex, booked, attachment_id = sam_and_alex
    manager = actor(Role.MANAGER, location.id)
    path = subject_access.export_customer(sam.id, actor=manager)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        held = {n.removesuffix('.json'): json.loads(archive.read(n)) for n in names if n.endswith('.json')}
        picture = archive.read(f'attachments/{attachment_id}-chart.png')
    assert held['customer'][0]['name'] == 'Sam Lee' and held['customer'][0]['phone']
    assert [b['id'] for b in held['booking']] == [booked.id]  # not Alex's
    assert [m['body'] for m in held['chat_message']] == ['your colour chart', 'thanks!']
    assert picture == _png()
    assert 'access_token' not in held['conversation'][0]  # a secret that opens the chat: not handed out
    assert held['chat_attachment'][0]['file_name'] == 'chart.png'
    assert {'receipt', 'loyalty_movement', 'waitlist_entry', 'message', 'README.txt'} <= {
        n.removesuffix('.json') for n in names}
    with session_scope() as session:
        logged = session.exec(select(ActivityEntry).where(ActivityEntry.action == 'customer_exported')).all()
    assert len(logged) == 1 and 'Sam' not in logged[0].detail  # logged by code, without their details


def test_only_owners_and_managers_of_their_location_may_export(sam_and_alex):
    location, sam, *_rest = sam_and_alex
    with pytest.raises(PermissionDeniedError):
        subject_access.export_customer(sam.id, actor=actor(Role.STAFF, location.id))
    with pytest.raises(PermissionDeniedError):
        subject_access.export_customer(sam.id, actor=actor(Role.MANAGER, location.id + 1))


def test_erasure_removes_the_chat_attachment_files(sam_and_alex):
    location, sam, _alex, _booked, attachment_id = sam_and_alex
    manager = actor(Role.MANAGER, location.id)
    stored = Path(chat.staff_attachment(attachment_id, actor=manager).path)
    assert stored.is_file()
    records.erase_customer(sam.id, actor=manager)
    assert not stored.exists()
    with pytest.raises(NotFoundError):
        chat.staff_attachment(attachment_id, actor=manager)
    with pytest.raises(NotFoundError):  # nothing left to give
        subject_access.export_customer(sam.id, actor=manager)
