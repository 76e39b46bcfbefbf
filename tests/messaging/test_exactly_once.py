"""Two app processes run the message worker at the same instant against one database: every message goes out once
(PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: ``BEGIN IMMEDIATE``), and both did some of the sending."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.models import Message
from app.services.customers import records
from app.services.database import session_scope
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
