"""What claiming one message at a time costs the outbox: 300 due e-mails sent by ``outbox.deliver_due`` against the
batch claim it replaced (one ``UPDATE`` taking up to 50 rows, then each sent), same run.

    .venv/bin/python bench/outbox.py [--messages 300] [--rounds 3] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each database (a fresh SQLite file; a fresh PostgreSQL database if reachable), ``--rounds`` times each way in
turn, ``--messages`` confirmations are queued and sent:

- **one at a time** (now): ``deliver_due(limit=messages)`` — a short transaction claims each message just before it
  is sent, so a crash strands at most the one in flight;
- **batch** (the anchor, as before): up to 50 rows claimed by one ``UPDATE … RETURNING``, then each sent by the same
  ``outbox._deliver``.

Twice: with a null sender (the database's share alone) and with a local SMTP server (aiosmtpd, one connection a
message, as ``mail.send_message`` does). Prints ms per message of each and one-at-a-time as a ratio of the batch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text, update  # noqa: E402

from app.config import reset_settings  # noqa: E402
from app.models import CustomerCreate, LocationCreate, Message, MessageChannel, MessageStatus, Template  # noqa: E402
from app.services import clock, database  # noqa: E402
from app.services.accounts.access import SYSTEM_ACTOR  # noqa: E402
from app.services.catalogue import locations  # noqa: E402
from app.services.customers import customers  # noqa: E402
from app.services.messaging import outbox  # noqa: E402
from bench import report  # noqa: E402

BATCH = 50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--messages', type=int, default=300)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--postgres', default='postgresql+psycopg://postgres@127.0.0.1:5432/postgres')
    report.add_option(parser)
    args = parser.parse_args()
    args.table = report.Table('outbox', ['database', 'sender', 'one at a time (ms/message)',
                                         'batch claim (ms/message)', '× anchor'], notes=[
        f'{args.messages} due e-mails, median of {args.rounds} rounds each way, in turn. Anchor: one `UPDATE` '
        'claiming up to 50 rows, then each sent.'])
    data = tempfile.TemporaryDirectory(prefix='clientpulse-bench-')
    os.environ['CLIENTPULSE_DATA_DIR'] = data.name
    os.environ['CLIENTPULSE_SCHEDULER'] = 'false'
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (aiosmtpd checks its own start on the port it is given)
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    server = Controller(_Sink(), hostname='127.0.0.1', port=port)
    server.start()
    os.environ['CLIENTPULSE_SMTP_HOST'], os.environ['CLIENTPULSE_SMTP_PORT'] = '127.0.0.1', str(server.port)
    try:
        with data, tempfile.TemporaryDirectory() as folder:
            run('SQLite', f'sqlite:///{Path(folder) / "outbox.db"}', args)
            _postgres(args)
    finally:
        server.stop()
    if args.markdown:
        args.table.write()


def _postgres(args: argparse.Namespace) -> None:
    name = f'clientpulse_bench_{uuid.uuid4().hex[:8]}'
    admin = create_engine(args.postgres, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}'))
    except Exception as error:
        print(f'PostgreSQL at {args.postgres} is not reachable ({error}); only SQLite was measured.')
        args.table.note('PostgreSQL was not reachable: only SQLite was measured.')
        return
    try:
        run('PostgreSQL', args.postgres.rsplit('/', 1)[0] + f'/{name}', args)
    finally:
        database.reset_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
        admin.dispose()


def run(label: str, url: str, args: argparse.Namespace) -> None:
    os.environ['CLIENTPULSE_DATABASE_URL'] = url
    reset_settings()
    database.reset_engines()
    database.migrate(url)
    location = locations.find_or_create_location(LocationCreate(name='Bench', time_zone='UTC', currency='EUR'))
    people = [customers.create_customer(CustomerCreate(location_id=location.id, name=f'Customer {n}',
                                                       email=f'c{n}@example.com'), actor=SYSTEM_ACTOR).id
              for n in range(args.messages)]
    real_send = outbox._send
    for sender, send in (('null sender', lambda _message, _rendered: ('', '')), ('local SMTP', real_send)):
        outbox._send = send
        times: dict[str, list[float]] = {'one at a time': [], 'batch (before)': []}
        try:
            for _ in range(args.rounds):  # in turn: both under the same load of the machine, on a table as large
                for way, deliver in (('one at a time', _one_at_a_time), ('batch (before)', _batch)):
                    _queue(location.id, people)
                    started = time.perf_counter()
                    sent = deliver(args.messages)
                    times[way].append((time.perf_counter() - started) / sent * 1000)
                    assert sent == args.messages, (way, sent)
        finally:
            outbox._send = real_send
        one, batch = (statistics.median(times[way]) for way in times)
        print(f'{label:10} {sender:11}  one at a time {one:6.2f} ms/message   batch (before) {batch:6.2f} '
              f'ms/message   one at a time = {one / batch:4.2f} × the batch')
        args.table.add(label, sender, f'{one:.2f}', f'{batch:.2f}', f'{one / batch:.2f}')


def _queue(location_id: int, people: list[int]) -> None:
    now = clock.now()
    with database.session_scope(write=True) as session:
        for customer_id in people:
            outbox.queue(session, location_id=location_id, template=Template.CONFIRMATION,
                         channel=MessageChannel.EMAIL, to=f'c{customer_id}@example.com', customer_id=customer_id,
                         due_at=now)


def _one_at_a_time(count: int) -> int:
    return outbox.deliver_due(limit=count, worker='bench')


def _batch(count: int) -> int:
    """The claim as it was: up to 50 due rows marked ``sending`` by one statement, then each sent."""
    sent = 0
    while sent < count:
        now = clock.now()
        with database.session_scope(write=True) as session:
            ids = list(session.execute(select(Message.id).where(
                Message.status == MessageStatus.QUEUED.value, Message.due_at <= now)
                .order_by(Message.due_at, Message.id).limit(BATCH).with_for_update(skip_locked=True)).scalars())
            claimed = sorted(session.execute(update(Message).where(
                Message.id.in_(ids), Message.status == MessageStatus.QUEUED.value).values(
                status=MessageStatus.SENDING.value, claimed_by='bench', claimed_at=now,
                attempts=Message.attempts + 1).returning(Message.id)).scalars())
        if not claimed:
            break
        sent += sum(outbox._deliver(message_id, now) for message_id in claimed)
    return sent


class _Sink:
    async def handle_DATA(self, _server, _session, _envelope) -> str:
        return '250 OK'


if __name__ == '__main__':
    main()
