"""Socket.IO packets that find binary data with one orjson pass instead of a Python walk.

python-socketio checks every outgoing packet for ``bytes`` by walking the whole payload in Python
(recursive, with a list per level), before encoding it as JSON. NiceGUI sends every element update
through it, so each open session paid that walk for each update: a third of the event loop's time
when one booking reached 100 sessions (``bench/fanout.py`` with ``BENCH_PROFILE``). The same check
made by orjson in C is ~30× cheaper. Payloads that do hold bytes (``ui.download.content`` with
bytes) are still found and sent as binary attachments, exactly as before.
"""

from __future__ import annotations

import orjson
from nicegui import core
from socketio import packet

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class _NotJson(Exception):
    """Raised from orjson's ``default`` hook: the payload holds something orjson cannot encode itself."""


def _refuse(_value: object) -> None:
    raise _NotJson


class JsonFirstPacket(packet.Packet):
    """A :class:`socketio.packet.Packet` whose binary check tries orjson first.

    Anything orjson encodes natively cannot hold bytes; only a payload it cannot encode alone (bytes,
    or a type NiceGUI's own converter handles) is walked the original way.
    """

    @classmethod
    def data_is_binary(cls, data: object) -> bool:
        try:
            orjson.dumps(data, option=_OPTIONS, default=_refuse)
        except orjson.JSONEncodeError:
            return super().data_is_binary(data)
        return False


def install() -> None:
    """Make NiceGUI's Socket.IO server build its packets with :class:`JsonFirstPacket` (idempotent)."""
    if core.sio is not None and core.sio.packet_class is packet.Packet:
        core.sio.packet_class = JsonFirstPacket
