"""What the server imports when it starts: not the packages only some features use (app.services.lazy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from app.services import lazy

ROOT = Path(__file__).resolve().parents[1]
LATER = ('pandas', 'numpy', 'httpx', 'rich', 'icalendar', 'phonenumbers', 'qrcode', 'PIL', 'alembic', 'mako',
         'pygments', 'sqlalchemy.dialects.postgresql', 'openpyxl', 'reportlab', 'statsmodels', 'sklearn', 'scipy',
         'cryptography.fernet', 'cryptography.hazmat.bindings._rust', 'argon2', 'filetype', 'smtplib', 'babel.messages',
         'stdnum')
"""Imported at first use: 1.0 s and ~52 MB of a start together on the 2-core machine (bench/startup.py;
cryptography's OpenSSL bindings, which only sealed backups use, ~7 MB of it; redis imports the bare package)."""
START = """
import json, sys
from app.services import database
database.migrate()  # a database at the newest revision, as every start after the first finds it
from app import server
server.setup()  # the pages registered, as `clientpulse run` does before it serves
print(json.dumps(sorted(name for name in %r if name in sys.modules)))
"""


def test_a_start_on_a_database_at_the_newest_revision_imports_no_package_only_some_features_use(tmp_path):
    env = {**os.environ, 'CLIENTPULSE_DATA_DIR': str(tmp_path), 'CLIENTPULSE_SCHEDULER': 'false',
           'PYTHONPATH': str(ROOT)}
    env.pop('CLIENTPULSE_DATABASE_URL', None)
    subprocess.run([sys.executable, '-c', 'from app.services import database; database.migrate()'], env=env,
                   cwd=ROOT, check=True, capture_output=True)  # the first start: Alembic migrates
    run = subprocess.run([sys.executable, '-c', START % (LATER,)], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=False,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == []


def test_a_stand_in_imports_its_module_once_at_first_use_from_many_threads_and_gives_way_to_it():
    namespace: dict[str, object] = {}
    namespace['wave'] = lazy.module('wave', namespace)  # a stdlib module nothing here has imported
    namespace['again'] = namespace['wave']
    sys.modules.pop('wave', None)
    assert 'imported at first use' in repr(namespace['wave'])
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(namespace['wave'].Wave_read)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    import wave
    assert seen == [wave.Wave_read] * 8  # one module: imported once, whichever thread came first
    assert namespace['wave'] is wave and namespace['again'] is wave  # every name that held the stand-in


def test_models_build_their_validators_at_first_use_and_safely_from_many_threads():
    """The app's models build their pydantic validators when first used (``app/models/base.py``), which is often in
    several worker threads at once: pydantic rebuilds a deferred model under a lock from 2.14 on (pyproject's floor)."""
    from concurrent.futures import ThreadPoolExecutor

    import pydantic
    from sqlmodel import SQLModel

    import app.models  # noqa: F401  (sets the models' config)

    class Visit(SQLModel):
        name: str
        minutes: int

    assert not Visit.__pydantic_complete__  # not built when made
    with ThreadPoolExecutor(8) as pool:
        minutes = list(pool.map(lambda i: Visit.model_validate({'name': f'v{i}', 'minutes': str(i)}).minutes,
                                range(64)))
    assert minutes == list(range(64))
    assert Visit.__pydantic_complete__
    assert hasattr(pydantic.main, '_rebuild_lock'), 'pydantic rebuilds deferred models without a lock: need >= 2.14'
