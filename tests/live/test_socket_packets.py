"""Socket.IO packets: the orjson-first binary check agrees with python-socketio's own walk."""

from __future__ import annotations

from decimal import Decimal

import pytest
from nicegui import core
from socketio import packet

from app import server
from app.live._nicegui import JsonFirstPacket
from app.live._nicegui import install_packet_class as install

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

PAYLOADS = [
    ['update', {'5': {'props': {'rows': [{'id': 1, 'customer': 'Aisha'}], 'text': '<b>'}}, '_id': 3}],
    ['update', {7: {'value': None, 'flags': [True, 1.5]}}],
    ['download', {'src': b'%PDF-1.7 ...', 'filename': 'a.pdf'}],
    ['download', {'nested': [[{'x': bytearray(b'\x00\x01')}]]}],
    ['update', {'price': Decimal('12.50')}],  # not native to orjson: walked the original way
    [],
]


@pytest.mark.parametrize('data', PAYLOADS)
def test_binary_is_found_exactly_as_before(data):
    assert JsonFirstPacket.data_is_binary(data) == packet.Packet.data_is_binary(data)
    ours = JsonFirstPacket(packet.EVENT, data=data)
    theirs = packet.Packet(packet.EVENT, data=data)
    assert ours.packet_type == theirs.packet_type
    assert ours.encode() == theirs.encode()


def test_a_payload_with_bytes_goes_as_a_binary_event():
    sent = JsonFirstPacket(packet.EVENT, data=['download', {'src': b'abc'}])
    assert sent.packet_type == packet.BINARY_EVENT
    header, attachment = sent.encode()
    assert header.startswith('51-') and attachment == b'abc'


def test_the_server_uses_it_after_setup(sqlite_db, monkeypatch):
    monkeypatch.setattr(core.sio, 'packet_class', packet.Packet)
    server.setup()
    assert core.sio.packet_class is JsonFirstPacket
    install()  # again: nothing changes
    assert core.sio.packet_class is JsonFirstPacket
