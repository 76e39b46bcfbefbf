"""The app's own password hashes: argon2id with argon2's default parameters (the test suite's processes swap in the
cheapest ones for speed: tests/conftest.py), checked in a process of its own."""

from __future__ import annotations

import subprocess
import sys

from argon2 import PasswordHasher


def test_passwords_are_hashed_with_argon2id_at_its_default_cost_outside_the_tests():
    script = ('from app.services.accounts import users; h = users.hash_password("correct horse"); '
              'print(h); print(users._hasher.verify(h, "correct horse"))')
    printed = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True,
                             timeout=120).stdout.split()
    default = PasswordHasher()
    assert printed[0].startswith(
        f'$argon2id$v=19$m={default.memory_cost},t={default.time_cost},p={default.parallelism}$')
    assert (default.memory_cost, default.time_cost, default.parallelism) == (65536, 3, 4)  # RFC 9106, 2nd choice
    assert printed[1] == 'True'


def test_importing_the_accounts_service_hashes_nothing():
    # the stand-in hash for unknown addresses is made at the first sign-in: at import it cost every start of the app
    script = ('import argon2; made = []; hash = argon2.PasswordHasher.hash\n'
              'argon2.PasswordHasher.hash = lambda self, *a, **k: made.append(1) or hash(self, *a, **k)\n'
              'from app.services.accounts import users; print(len(made)); users._stand_in_hash(); print(len(made))')
    printed = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True,
                             timeout=120).stdout.split()
    assert printed == ['0', '1']
