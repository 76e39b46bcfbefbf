"""NiceGUI's own floor for a table in every session, against one Socket.IO room broadcast.

    .venv/bin/python bench/fanout_floor.py [--sessions 100] [--bookings 15]

Measured like ``bench/fanout.py`` (same sessions, same timing of ``update`` packets), on three
minimal servers, none of them ClientPulse:

- ``label``: NiceGUI's bare page, one bound label (fanout.py's floor);
- ``table``: a page with a 24-row ``ui.table``; each "booking" appends one row to every session's
  table the usual NiceGUI way (``table.rows.append``: each session's element updated and sent);
- ``room``: the same page; each "booking" sends the table's new rows once, as one pre-encoded
  Socket.IO packet, to a room every session's socket joined (what python-socketio does for a room:
  encode once, send the same bytes to each socket). Nothing applies it in a browser: this measures
  delivery only, the upper bound of what a shared broadcast could save.

The ``table`` and ``room`` servers use ClientPulse's JSON-first packets (``app.live._nicegui``), as the
app does. Why this exists: it shows how much of the app's fan-out (``fanout.py``) is NiceGUI's
per-session update of a table alone, and what sending once per change would cost instead.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = [{'id': i, 'time': '10:00', 'customer': f'Customer {i}', 'service': 'Cut', 'staff': 'Jordan',
         'status': 'Booked'} for i in range(24)]


def serve(kind: str, port: int) -> None:
    from dataclasses import dataclass

    from nicegui import app, binding, core, ui

    sys.path.insert(0, str(ROOT))
    from app.live import _nicegui

    if kind != 'label':
        app.on_startup(_nicegui.install_packet_class)

    @binding.bindable_dataclass
    @dataclass
    class State:
        text: str = 'nothing yet'

    state, tables = State(), []

    @ui.page('/')
    def page() -> None:
        if kind == 'label':
            ui.label().bind_text_from(state, 'text')
            return
        tables.append(ui.table(columns=[{'name': k, 'label': k, 'field': k} for k in ROWS[0]], rows=list(ROWS),
                               row_key='id'))
        client = ui.context.client

        async def join() -> None:  # the socket ids are NiceGUI's internals: good enough for a measurement
            for sid in list(client._socket_to_document_id):
                await core.sio.enter_room(sid, 'shop')
        client.on_connect(join)

    @app.post('/bench/book')
    async def book(n: int = 0) -> dict:
        name = f'Bench customer {n:04d}'
        row = {'id': 1000 + n, 'time': '11:00', 'customer': name, 'service': 'Cut', 'staff': 'Jordan',
               'status': 'Booked'}
        stamp = time.time()
        if kind == 'label':
            state.text = name
        elif kind == 'table':
            for table in tables:
                if not table.is_deleted:
                    table.rows.append(row)
        else:
            await core.sio.emit('update', {'shop': {'rows': [*ROWS, row]}}, room='shop')
        return {'name': name, 'stamp': stamp}

    ui.run(host='127.0.0.1', port=port, reload=False, show=False, show_welcome_message=False, reconnect_timeout=30)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench import _sessions

    parser = argparse.ArgumentParser()
    parser.add_argument('--sessions', type=int, nargs='+', default=[100])
    parser.add_argument('--bookings', type=int, default=15)
    args = parser.parse_args()
    results = {}
    for kind in ('label', 'table', 'room'):
        plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'CLIENTPULSE'))}
        server = _sessions.Server(kind, plain, script=Path(__file__).resolve())
        try:
            results[kind] = asyncio.run(_sessions.measure('bare', server, args.sessions, args.bookings, None))
        finally:
            server.stop()
    print('\n| N | label p50 / p95 (ms) | table p50 / p95 (ms) | room p50 / p95 (ms) '
          '| CPU per booking label / table / room (ms) |')
    print('|---|---|---|---|---|')
    for n in args.sessions:
        a, b, c = (results[k][n] for k in ('label', 'table', 'room'))
        print(f'| {n} | {a["p50"]:.0f} / {a["p95"]:.0f} | {b["p50"]:.0f} / {b["p95"]:.0f} | {c["p50"]:.0f} / '
              f'{c["p95"]:.0f} | {a["cpu_ms"]:.1f} / {b["cpu_ms"]:.1f} / {c["cpu_ms"]:.1f} |')


if __name__ in {'__main__', '__mp_main__'}:
    if len(sys.argv) > 2 and sys.argv[1] in {'label', 'table', 'room'}:
        serve(sys.argv[1], int(sys.argv[2]))
    else:
        main()
