"""ClientPulse: front desk and analytics for appointment businesses."""

import os as _os

# NiceGUI reads where to keep session files when it is first imported; keep them in the data folder
# (app.server.setup also points NiceGUI there, for processes that imported NiceGUI before this package).
# Settings are read here without caching them: tests change the environment after this import.
if 'NICEGUI_STORAGE_PATH' not in _os.environ:
    from app.config import Settings as _Settings

    _os.environ['NICEGUI_STORAGE_PATH'] = str(_Settings().data_dir / 'nicegui')
