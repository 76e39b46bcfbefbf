"""The entry of the desktop bundle (scripts/build_bundle.sh builds it with nicegui-pack): the ``clientpulse`` command.

Started with no arguments (a double click), it serves the app and opens the owner's window where pywebview is
bundled, else serves it for a browser (it prints the addresses, and on a fresh install the setup link).
"""

import multiprocessing
import sys

from app.start import full_collections_held_off, main

# every module of the app, written in by scripts/build_bundle.sh so PyInstaller bundles what is imported by name only;
# imported as app/start.py imports the app (without full garbage collections, then frozen)
with full_collections_held_off():
    pass
    # BUNDLED MODULES

if __name__ == '__main__':
    multiprocessing.freeze_support()  # NiceGUI's native window runs in a child process
    if len(sys.argv) == 1:
        try:
            import webview  # noqa: F401
            sys.argv += ['run', '--native']
        except ImportError:
            sys.argv += ['run']
    main()
