"""The NiceGUI and python-socketio internals that ``app.live`` leans on are still there, and still behave.

Page tests run without a socket: if an upgrade moved one of these, live updates would stop in browsers while
every other test stayed green. Each check reads the installed library (its objects, its sources, NiceGUI's
``static/nicegui.js``) and fails naming what moved and which of ``app/live/_nicegui.py`` or
``app/live/live_link.js`` must follow. DEVELOPERS.md ("Live: what the contract test guards") lists them.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.metadata
import inspect
import re
import weakref
from pathlib import Path
from uuid import uuid4

import nicegui
import pytest
import socketio
from nicegui import Event, core, ui
from nicegui.client import Client
from nicegui.element import Element
from nicegui.element_filter import ElementFilter
from nicegui.nicegui import _on_handshake
from nicegui.outbox import Outbox
from nicegui.storage import Storage
from nicegui.testing import User
from socketio import packet

from app.live import _nicegui

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

NICEGUI = importlib.metadata.version('nicegui')
SOCKETIO = importlib.metadata.version('python-socketio')
NICEGUI_JS = (Path(nicegui.__file__).parent / 'static' / 'nicegui.js').read_text(encoding='utf-8')
LIVE_LINK_JS = (Path(_nicegui.__file__).parent / 'live_link.js').read_text(encoding='utf-8')


def moved(what: str, follow: str) -> str:
    return (f'NiceGUI {NICEGUI} / python-socketio {SOCKETIO}: {what} moved or changed; '
            f'{follow} must follow it (see app/live/_nicegui.py)')


# --- the browser side: NiceGUI's nicegui.js as live_link.js uses it -----------------------------------------------

JS_FACTS = {
    'a global `mounted_app` (live_link.js reads its elements)': r'\blet mounted_app\b',
    '`mounted_app` set to the Vue app in mounted()': r'mounted_app = this;',
    "the Vue app's element map named `elements`": r'\belements,\s*\n\s*\};',
    '`window.socket` (the Socket.IO connection)': r'window\.socket = io\(',
    '`window.clientId` (sent with cp_join)': r'window\.clientId = ',
    'an `update` message handler taking {id: element}': r'update: async \(msg\) => \{\s*\n\s*let eventListenersChanged'
                                                        r'[^}]*Object\.entries\(msg\)',
    'message handlers registered with window.socket.on(event, …)': r'window\.socket\.on\(event, async \(\.\.\.args\)',
    'a message id only checked when the message carries `_id`': r'args\[0\]\._id !== undefined',
}


@pytest.mark.parametrize('fact', list(JS_FACTS))
def test_nicegui_js_still_offers_what_live_link_js_uses(fact: str):
    if not re.search(JS_FACTS[fact], NICEGUI_JS):
        pytest.fail(moved(f'nicegui.js: {fact}', 'app/live/live_link.js'))


def test_live_link_js_uses_nothing_else_of_nicegui_js():
    """Whatever global live_link.js reaches for must be one the checks above cover."""
    used = set(re.findall(r'\b(mounted_app\.\w+|window\.\w+|Quasar\.\w+\.\w+|listeners\("\w+"\))', LIVE_LINK_JS))
    assert used == {'mounted_app.elements', 'window.socket', 'window.clientId', 'Quasar.Notify.create',
                    'listeners("update")'}, f'live_link.js now uses {sorted(used)}: add checks for what is new'
    assert 'Quasar.Notify.create(msg)' in NICEGUI_JS, moved('nicegui.js: toasts through Quasar.Notify.create',
                                                           'app/live/live_link.js')


# --- the server side ------------------------------------------------------------------------------------------------

async def test_a_quiet_update_changes_the_element_and_queues_nothing(user: User):
    await user.open('/login')
    with user.client:
        label = ui.label('before')
    outbox = user.client.outbox
    if not isinstance(getattr(outbox, 'updates', None), weakref.WeakValueDictionary | dict):
        pytest.fail(moved('Outbox.updates (the queue of element updates)', 'update_quietly'))
    outbox.updates.pop(label.id, None)
    _nicegui.update_quietly(label, lambda: label.set_text('after'))
    assert label.text == 'after'
    assert label.id not in outbox.updates, moved('Outbox.updates keyed by element id', 'update_quietly')
    label.set_text('again')  # the ordinary way still queues: the quiet way is the exception, not a no-op
    assert label.id in outbox.updates, moved('Element.update → Outbox.enqueue_update', 'update_quietly')


async def test_an_untracked_prop_is_stored_as_given_and_queues_nothing(user: User):
    await user.open('/login')
    with user.client:
        element = Element()
    user.client.outbox.updates.pop(element.id, None)
    shared = {'columns': [{'blocks': []}]}
    if not isinstance(element.props, dict):
        pytest.fail(moved('Element.props as a dict subclass', 'set_prop_untracked'))
    _nicegui.set_prop_untracked(element, 'grid', shared)
    assert element.props['grid'] is shared, moved('Element.props storage (values now wrapped)', 'set_prop_untracked')
    assert element.id not in user.client.outbox.updates
    assert element._to_dict()['props']['grid'] == shared, moved('props sent with the element', 'set_prop_untracked')


async def test_searchable_text_is_what_element_filter_finds(user: User):
    class Grid(_nicegui.SearchableText, Element):
        def searchable_text(self) -> list[str]:
            return ['Aisha · Cut and finish']

    if 'only_visible' not in inspect.signature(Element._displayed_contents).parameters:
        pytest.fail(moved('Element._displayed_contents(only_visible=…)', 'SearchableText'))
    await user.open('/login')
    with user.client:
        grid = Grid()
        found = list(ElementFilter(content='Cut and finish', local_scope=False))
    assert grid in found, moved('ElementFilter matching _displayed_contents', 'SearchableText')


async def test_values_attached_to_a_client_live_as_long_as_it(user: User):
    await user.open('/login')
    client = user.client
    _nicegui.attach(client, 'contract', 'mine')
    assert _nicegui.attached(client, 'contract') == 'mine'
    assert callable(getattr(Client, 'on_delete', None)), moved('Client.on_delete', 'app/live/rooms.py')


def test_the_socket_server_is_python_socketios_async_server():
    server = core.sio
    if not isinstance(server, socketio.AsyncServer):
        pytest.fail(moved('core.sio (an AsyncServer)', 'emit, enter_room, on_socket'))
    for name, wanted in (('emit', {'event', 'data', 'room'}), ('enter_room', {'sid', 'room'}), ('on', {'event'})):
        params = set(inspect.signature(getattr(server, name)).parameters)
        assert wanted <= params, moved(f'AsyncServer.{name}{sorted(wanted - params)}', name)
    assert hasattr(core, 'loop'), moved('core.loop (the event loop)', 'on_loop')


def test_packets_are_built_through_packet_class_and_check_for_binary_data():
    manager_source = inspect.getsource(socketio.async_manager.AsyncManager.emit)
    assert 'self.server.packet_class(' in manager_source, moved(
        'AsyncManager.emit building packets with server.packet_class', 'install_packet_class')
    assert isinstance(inspect.getattr_static(packet.Packet, 'data_is_binary'), classmethod), moved(
        'Packet.data_is_binary (a classmethod)', 'JsonFirstPacket')
    assert 'self.data_is_binary(' in inspect.getsource(packet.Packet.__init__), moved(
        'Packet.__init__ calling data_is_binary', 'JsonFirstPacket')
    assert core.sio.packet_class in (packet.Packet, _nicegui.JsonFirstPacket), moved(
        'the default packet class of NiceGUI\'s server', 'install_packet_class')


def test_nicegui_keeps_storage_where_storage_path_says():
    assert isinstance(Storage.path, Path), moved('Storage.path', 'storage_folder')
    assert 'Storage.path /' in inspect.getsource(Storage), moved('storage files under Storage.path', 'storage_folder')
    assert hasattr(Storage, 'redis_url') and hasattr(Storage, 'redis_key_prefix'), moved('Storage.redis_url',
                                                                                       'storage_in_redis')
    assert 'Storage.redis_url' in inspect.getsource(Storage._create_persistent_dict), moved(
        'Redis storage chosen by Storage.redis_url when a storage is made', 'storage_in_redis')


def test_nicegui_redis_storage_logs_and_listens_as_the_outage_filter_expects():
    from nicegui.logging import log as nicegui_log
    from nicegui.persistence import RedisPersistentDict

    assert nicegui_log.name == 'nicegui', moved("NiceGUI's logger", 'quiet_storage_outages')
    source = inspect.getsource(RedisPersistentDict)
    assert "log.exception(f'Unexpected error in Redis listener" in source, moved(
        'the Redis listener logging its error (and ending)', 'quiet_storage_outages')
    assert "log.warning(f'Could not load data from Redis" in source, moved(
        "the warning 'Could not load data from Redis'", "share_sign_ins's OutageFilter messages")
    assert 'self._listener_task' in inspect.getsource(RedisPersistentDict.__init__) and callable(
        RedisPersistentDict._start_listening), moved('RedisPersistentDict._listener_task and _start_listening',
                                                     'listen_to_storage_again')
    storage = core.app.storage
    assert isinstance(storage._users, dict) and isinstance(storage._tabs, dict) and hasattr(storage, '_general'), \
        moved('Storage._general, _users and _tabs', 'listen_to_storage_again')


def test_nicegui_events_can_be_followed_dropped_and_told_apart_per_session():
    event = Event()
    assert event in Event.instances, moved('Event.instances (reset by the test harness)', 'ProcessSignal.reset')
    seen = []
    event.subscribe(seen.append)
    event.emit(1)
    assert seen == [1]
    assert [c.slot for c in event.callbacks] == [None], moved('Event.callbacks[].slot', 'clients_following')
    event.unsubscribe(seen.append)
    assert event.callbacks == [], moved('Event.unsubscribe', 'ProcessSignal.follow')


def test_orjson_is_a_declared_dependency():
    requirements = importlib.metadata.requires('clientpulse') or []
    assert any(r.split(';')[0].strip().startswith('orjson') for r in requirements), \
        'app/live/_nicegui.py imports orjson: declare it in pyproject.toml'


async def test_a_sessions_page_language_is_its_own_and_reaches_html_lang(user: User):
    shared = []

    @ui.page('/contract-language')
    def _page() -> None:
        shared.append(ui.context.client.page)
        _nicegui.set_page_language(ui.context.client, 'sw')
        ui.label('page')

    await user.open('/contract-language')
    assert user.client.page.resolve_language() == 'sw', moved('Page.resolve_language and Page.language',
                                                               'set_page_language')
    assert shared[0].resolve_language() != 'sw', "one session's language leaked into the page every session shares"
    assert 'self.page.resolve_language()' in inspect.getsource(Client.build_response), moved(
        "the html lang taken from the client's page", 'set_page_language')
    template = (Path(nicegui.__file__).parent / 'templates' / 'index.html').read_text(encoding='utf-8')
    assert 'lang="{{ html_lang }}"' in template, moved('<html lang> in index.html', 'set_page_language')
    assert '/static/lang/{{ language }}.umd.prod.js' in template, moved("Quasar's language pack's address",
                                                                       'app/pages/language.QuasarPacks')


async def test_the_running_client_is_read_from_the_slot_stack_without_script_mode(user: User):
    seen = []

    @ui.page('/contract-client')
    def _page() -> None:
        seen.append((_nicegui.current_client(), ui.context.client))

    await user.open('/contract-client')
    assert seen[0][0] is seen[0][1], moved('Slot.get_stack and slot.parent.client', 'current_client')
    assert _nicegui.current_client() is None  # the test's own task runs no page
    assert not core.script_mode, moved('script mode started by reading the slot stack', 'current_client')


def test_a_handler_whose_element_was_deleted_still_finds_its_page(monkeypatch):
    """A click handler awaits; meanwhile a live redraw deletes the button's list; its slot's parent is gone and
    NiceGUI raises on it. The page's language (and anything else asking for the client) must come from the slots
    below, not fail the handler (seen in CI: tests/campaigns/test_campaigns_page.py, unschedule → load)."""
    from types import SimpleNamespace

    from nicegui.slot import Slot

    from app.live import _nicegui

    class Deleted:
        @property
        def parent(self):
            raise RuntimeError('The parent element this slot belongs to has been deleted.')

    page = SimpleNamespace(parent=SimpleNamespace(client='the page'))
    monkeypatch.setattr(Slot, 'get_stack', staticmethod(lambda: [page, Deleted()]))
    assert _nicegui.current_client() == 'the page'
    monkeypatch.setattr(Slot, 'get_stack', staticmethod(lambda: [Deleted()]))
    assert _nicegui.current_client() is None
    monkeypatch.setattr(Slot, 'get_stack', staticmethod(list))
    assert _nicegui.current_client() is None


async def test_the_outbox_loop_copied_is_still_nicegui_s_own(user: User):
    await user.open('/login')
    source = inspect.getsource(_nicegui._LIBRARY_LOOP)
    assert hashlib.sha256(source.encode()).hexdigest() == _nicegui.OUTBOX_LOOP_COPIED, moved(
        'Outbox.loop (its source is no longer the one app/live/_nicegui.py copies)', 'send_once_connected and _loop')
    assert 'await asyncio.sleep(0.1)' in source and 'has_socket_connection' in source
    assert Outbox.loop is _nicegui._loop and type(user.client.outbox).loop is _nicegui._loop  # at start


async def test_what_a_page_queued_before_its_browser_connected_is_sent_at_the_connection(user: User):
    response = await user.http_client.get('/login')  # the page's first HTML: its client waits for the browser
    client_id = re.search(r"'client_id': '([0-9a-f-]+)'", response.text)[1]
    client = Client.instances[client_id]
    sent: list[str] = []
    original = client.outbox._emit

    async def emit(message):
        sent.append(message[1])
        await original(message)

    client.outbox._emit = emit
    with client:
        ui.label('drawn after the first HTML, before the connection')  # a worker thread's figures, say
    for _ in range(20):  # the outbox loop sees no connection and waits for one
        await asyncio.sleep(0)
    assert sent == []
    await _on_handshake(f'test-{uuid4()}', {'client_id': client.id, 'tab_id': str(uuid4()),
                                            'document_id': str(uuid4())})
    for _ in range(50):  # no time passes to speak of: NiceGUI's own loop would still sleep out its 0.1 s
        if 'update' in sent:
            break
        await asyncio.sleep(0)
    assert 'update' in sent
