"""ClientPulse: front desk and analytics for appointment businesses."""

import os as _os


def _version() -> str:
    """The version this code is: ``version`` in pyproject.toml, its one source.

    From a source tree, pyproject.toml itself (an editable install's metadata keeps the version it was installed
    with until it is installed again); installed (a wheel), the package's metadata; '0+unknown' where neither is
    there (a bundle built without the metadata).
    """
    import tomllib
    from importlib import metadata
    from pathlib import Path

    source = Path(__file__).resolve().parent.parent / 'pyproject.toml'
    try:
        project = tomllib.loads(source.read_text(encoding='utf-8')).get('project', {})
        if project.get('name') == 'clientpulse':
            return str(project['version'])
    except (OSError, ValueError, KeyError):
        pass
    try:
        return metadata.version('clientpulse')
    except metadata.PackageNotFoundError:
        return '0+unknown'


__version__ = _version()

# NiceGUI reads where to keep its storage files when it is first imported; keep them in the data folder
# (app.server.setup also points NiceGUI there, for processes that imported NiceGUI before this package).
# Settings are read here without caching them: tests change the environment after this import.
if 'NICEGUI_STORAGE_PATH' not in _os.environ:
    from app.config import Settings as _Settings

    _os.environ['NICEGUI_STORAGE_PATH'] = str(_Settings().data_dir / 'nicegui')
