"""What a keyed part's change sends: the items added or changed and the ids gone, whatever mix of the very same
item objects (kept from the last list) and items built again (equal or not) the new list holds."""

from __future__ import annotations

from app.live import keyed
from app.live.rooms import _keyed_change


def test_a_keyed_change_sends_the_changed_items_and_the_ids_gone():
    a, b, c = {'id': 1, 'text': 'a'}, {'id': 2, 'text': 'b'}, {'id': 3, 'text': 'c'}
    old = keyed([a, b, c], sort='at')
    assert _keyed_change(old, keyed([a, b, c])) is None  # the same objects
    assert _keyed_change(old, keyed([dict(a), dict(b), dict(c)])) is None  # built again, equal: nothing to send
    renamed, added = {'id': 2, 'text': 'B'}, {'id': 4, 'text': 'd'}
    change = _keyed_change(old, keyed([added, a, renamed], sort='at'))
    assert change == {'$keyed': 1, 'set': [added, renamed], 'drop': [3], 'sort': 'at'}
    assert _keyed_change(old, keyed([])) == {'$keyed': 1, 'set': [], 'drop': [1, 2, 3], 'sort': None}
    moved = {'id': 1, 'text': 'a', 'start': 60}  # the same id, now another item
    assert _keyed_change(keyed([a]), keyed([moved]))['set'] == [moved]
