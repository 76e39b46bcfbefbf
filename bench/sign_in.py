"""Sign-in answers: does an unknown address cost what a real account costs?

    .venv/bin/python bench/sign_in.py [--tries 30]

In a fresh SQLite database with one owner account, times ``users.authenticate`` (the median of
``--tries`` attempts, each with a new address or a reset count so no throttling pause is included) for a
wrong password of the real account (the anchor), an unknown address, a switched-off account, and a right
password; prints each as a ratio to the anchor measured in the same run. Before issue 12 an unknown
address answered about a hundred times faster than a real one, which told who has an account.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--tries', type=int, default=30)
    report.add_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ['CLIENTPULSE_DATA_DIR'] = folder
        os.environ.pop('CLIENTPULSE_DATABASE_URL', None)
        from app.config import reset_settings
        reset_settings()
        from app.models import Role
        from app.services import database
        from app.services.accounts import users
        from app.services.accounts.access import SYSTEM_ACTOR
        from app.services.errors import AuthenticationError
        database.migrate()
        owner = users.create_user('owner@bench.test', 'right password', role=Role.OWNER, actor=SYSTEM_ACTOR)
        off = users.create_user('off@bench.test', 'right password', role=Role.OWNER, actor=SYSTEM_ACTOR)
        users.set_active(off.id, False, actor=SYSTEM_ACTOR)

        def timed(email: str, password: str) -> float:
            started = time.perf_counter()
            try:
                users.authenticate(email, password)
            except AuthenticationError:
                pass
            took = time.perf_counter() - started
            users.unlock(owner.id, actor=SYSTEM_ACTOR)  # no throttling pause in the next try
            users.unlock(off.id, actor=SYSTEM_ACTOR)
            return took

        cases = {
            'wrong password, real account (anchor)': lambda i: timed('owner@bench.test', 'wrong'),
            'unknown address': lambda i: timed(f'nobody{i}@bench.test', 'wrong'),
            'switched-off account': lambda i: timed('off@bench.test', 'right password'),
            'right password': lambda i: timed('owner@bench.test', 'right password'),
        }
        medians = {name: statistics.median(case(i) for i in range(args.tries)) for name, case in cases.items()}
    anchor = medians['wrong password, real account (anchor)']
    table = report.Table('sign_in', ['answer to', f'median of {args.tries} (ms)', '× anchor'],
                         notes=['Anchor: a wrong password for a real account, measured in the same run.'])
    for name, value in medians.items():
        print(f'{name:40} {value * 1000:7.1f} ms  {value / anchor:5.2f} × anchor')
        table.add(name, f'{value * 1000:.1f}', f'{value / anchor:.2f}')
    if args.markdown:
        table.write()


if __name__ == '__main__':
    main()
