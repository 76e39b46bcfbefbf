"""The data folder is private: what ClientPulse writes there (the database, exports, scheduled reports,
chat attachments, saved analytics columns, NiceGUI's browser storage files) is readable by its own user only.

Two layers: the app's processes create files with the umask ``077`` (:func:`restrict_new_files`, called
by the ``clientpulse`` command and ``main.py``), and the folders and files that matter are also set to
``0700`` / ``0600`` explicitly, which mends an install made before and holds whatever umask a host uses.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def restrict_new_files() -> None:
    """Files and folders this process creates from now on are its user's alone (umask 077)."""
    os.umask(0o077)


def private_folder(path: Path) -> Path:
    """``path`` as a folder only its owner may enter (created with its parents if missing); returns it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    with contextlib.suppress(PermissionError):  # a folder of another user's: leave it as it is
        path.chmod(FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` readable and writable by its owner only (if it exists); returns it."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError, PermissionError):
        path.chmod(FILE_MODE)
    return path
