"""Two app processes run the message worker at the same instant against one database: every message goes out once
(PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: ``BEGIN IMMEDIATE``), and both did some of the sending. A worker
killed (``kill -9``) in the middle of a run leaves only the message it was sending uncertain: another process sends
every other one, once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.models import Message
from app.services.customers import records
from app.services.database import session_scope
from app.services.messaging import outbox
from tests.conftest import Inbox
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

DAY = date(2030, 3, 6)
pytestmark = pytest.mark.usefixtures('shop_clock')

WORKER = '''
import json, os, sys, time
from datetime import datetime
from app.services.messaging import outbox
as_of, go, name = datetime.fromisoformat(sys.argv[1]), sys.argv[2], sys.argv[3]
open(go + '.' + name, 'w').close()  # imported: ready
while not os.path.exists(go):
    time.sleep(0.005)
sent = 0
while (batch := outbox.deliver_due(as_of=as_of, limit=2, worker=name)):
    sent += batch
print(json.dumps({'sent': sent}))
'''


def test_two_processes_racing_send_each_message_once(db, smtp, tmp_path):
    location = make_location()
    staff = [make_staff_member(location, name) for name in ('JJ', 'Sam', 'Kim')]
    cut = make_service(location)
    booked = 0
    for hour in range(9, 16):
        for member in staff:
            customer = make_customer(location, f'Customer {booked}', f'416-555-{1000 + booked}')
            records.update_customer(customer.id, {'name': customer.name, 'email': f'c{booked}@example.com'},
                                    actor=OWNER)
            make_booking(location, member, cut, customer, at(DAY, f'{hour:02d}:00'))
            booked += 1
    go = tmp_path / 'go'
    as_of = at(DAY - timedelta(days=1), '20:00')  # confirmations and the 24 h reminders are due, the 2 h ones not
    logs = {name: (tmp_path / f'{name}.out', tmp_path / f'{name}.err') for name in ('process-a', 'process-b')}
    workers = []
    for name, (out, err) in logs.items():  # files, not pipes: an unread pipe can block a process
        with out.open('wb') as stdout, err.open('wb') as stderr:
            workers.append(subprocess.Popen([sys.executable, '-c', WORKER, as_of.isoformat(), str(go), name],
                                            stdout=stdout, stderr=stderr))
    deadline = time.monotonic() + 60
    while not all((tmp_path / f'go.{name}').exists() for name in logs):  # both have imported the app
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), 'a worker did not start'
        time.sleep(0.05)
    go.touch()
    results = []
    for worker, (out, err) in zip(workers, logs.values(), strict=True):
        assert worker.wait(timeout=120) == 0, err.read_text(errors='replace')[-2000:]
        results.append(json.loads(out.read_text().strip().splitlines()[-1])['sent'])
    assert sum(results) == 2 * booked == len(smtp.messages)
    assert all(count > 0 for count in results), results  # both processes sent some: they really raced
    assert Counter((m['To'], m['Subject']) for m in smtp.messages).most_common(1)[0][1] == 1
    with session_scope() as session:
        sent = session.exec(select(Message).where(Message.status == 'sent')).all()
    assert len(sent) == 2 * booked and {m.claimed_by for m in sent} == {'process-a', 'process-b'}
    assert all(m.attempts == 1 for m in sent)


KILLED_WORKER = '''
import sys
from datetime import datetime
from app.services.messaging import outbox
outbox.deliver_due(as_of=datetime.fromisoformat(sys.argv[1]), worker='process-a')
print('finished: the worker was not stopped in the middle', flush=True)
'''


class HoldingInbox(Inbox):
    """A mail server that takes ``hold_after`` messages, then leaves the next one's DATA unanswered (its sender waits
    in the middle of sending it) until ``release`` is set; ``held`` is set once it holds one. Holds only once."""

    def __init__(self, hold_after: int) -> None:
        super().__init__()
        self.hold_after = hold_after
        self.held, self.release = threading.Event(), threading.Event()
        self.held_messages: list = []

    async def handle_DATA(self, server, session, envelope):
        if self.held.is_set() or len(self.messages) < self.hold_after:
            return await super().handle_DATA(server, session, envelope)
        from email import message_from_bytes, policy

        self.held_messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.held.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
        return '451 try again later'


@pytest.fixture
def holding_smtp(monkeypatch, tmp_path):
    """The ``smtp`` fixture's local server, holding the 5th message it is sent (:class:`HoldingInbox`)."""
    from aiosmtpd.controller import Controller

    from app.config import reset_settings
    inbox = HoldingInbox(hold_after=4)
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname='127.0.0.1', port=inbox.port)
    controller.start()
    monkeypatch.setenv('CLIENTPULSE_SMTP_HOST', '127.0.0.1')
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', str(inbox.port))
    monkeypatch.setenv('CLIENTPULSE_REPORTS_DIR', str(tmp_path / 'reports'))
    reset_settings()
    yield inbox
    inbox.release.set()
    controller.stop()
    reset_settings()


def test_a_worker_killed_mid_run_leaves_only_the_message_in_flight_uncertain(db, holding_smtp, tmp_path):
    """A real worker process sends 4 messages, is killed with SIGKILL while the mail server holds the 5th; after the
    lease another process sends each of the other 7 once, and only the 5th is marked "may not have been sent"
    (before: the whole claimed run stayed ``sending`` and was failed unsent)."""
    location = make_location()
    staff = [make_staff_member(location, name) for name in ('JJ', 'Sam')]
    cut = make_service(location)
    for number in range(6):
        customer = make_customer(location, f'Customer {number}', f'416-555-{1000 + number}')
        records.update_customer(customer.id, {'name': customer.name, 'email': f'c{number}@example.com'}, actor=OWNER)
        make_booking(location, staff[number % 2], cut, customer, at(DAY, f'{10 + number // 2:02d}:00'))
    as_of = at(DAY - timedelta(days=1), '20:00')  # each booking's confirmation and 24 h reminder are due
    with session_scope() as session:
        assert len(session.exec(select(Message).where(Message.due_at <= as_of)).all()) == 12
    out, err = tmp_path / 'worker.out', tmp_path / 'worker.err'
    with out.open('wb') as stdout, err.open('wb') as stderr:
        worker = subprocess.Popen([sys.executable, '-c', KILLED_WORKER, as_of.isoformat()],
                                  stdout=stdout, stderr=stderr)
    try:
        while not holding_smtp.held.wait(0.05):  # the worker is in the middle of sending the 5th message
            assert worker.poll() is None, f'the worker ended early: {err.read_text(errors="replace")[-2000:]}'
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=60) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
    holding_smtp.release.set()
    assert 'finished' not in out.read_text()
    assert len(holding_smtp.messages) == 4
    (in_flight,) = holding_smtp.held_messages

    after_lease = as_of + outbox.CLAIM_LEASE + timedelta(minutes=1)
    assert outbox.deliver_due(as_of=after_lease, worker='process-b') == 7

    with session_scope() as session:
        messages = session.exec(select(Message).order_by(Message.id)).all()
    (uncertain,) = [m for m in messages if m.status == 'failed']
    assert 'may not have been sent' in uncertain.last_error and uncertain.claimed_by == 'process-a'
    assert (uncertain.to_address, uncertain.subject) == (in_flight['To'], '')  # the held one, never recorded sent
    sent = [m for m in messages if m.status == 'sent']
    assert len(sent) == 11 and all(m.attempts == 1 for m in sent)
    assert Counter(m.claimed_by for m in sent) == {'process-a': 4, 'process-b': 7}
    received = Counter((m['To'], m['Subject']) for m in holding_smtp.messages)
    assert len(holding_smtp.messages) == 11 and max(received.values()) == 1
    assert (in_flight['To'], in_flight['Subject']) not in received
