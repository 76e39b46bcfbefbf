"""The ``clientpulse`` command."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from app import __version__
from app.models import Role
from app.services import i18n
from app.services.i18n import for_terminal as _
from app.services.i18n import ngettext_for_terminal as ngettext


def in_the_terminals_language(command: Callable[..., None]) -> Callable[..., None]:
    """Run a command that does not serve in the terminal's language: what services say (a refusal, a summary) is
    read there. (A serving command must not: the language of the moment would reach every open page.)"""
    @functools.wraps(command)
    def run(*args, **kwargs) -> None:
        with i18n.speaking(i18n.terminal_language()):
            command(*args, **kwargs)

    return run


cli = typer.Typer(help='ClientPulse: front desk and analytics for appointment businesses.', no_args_is_help=True)
import_cli = typer.Typer(help='Import data from other booking systems.', no_args_is_help=True)
cli.add_typer(import_cli, name='import')


def _show_version(shown: bool) -> None:
    if shown:
        typer.echo(f'ClientPulse {__version__}')
        raise typer.Exit()


@cli.callback()
def _options(version: Annotated[bool, typer.Option('--version', callback=_show_version, is_eager=True,
                                                   help='print the version and stop')] = False,
             verbose: Annotated[bool, typer.Option('--verbose', '-v', help='also show the libraries\' logs (each '
                                                   'migration step, each scheduler run; CLIENTPULSE_LOG_LEVEL=INFO)',
                                                   )] = False) -> None:
    """ClientPulse: front desk and analytics for appointment businesses."""
    if verbose:
        logging.getLogger().setLevel(logging.INFO)


@cli.command()
def run(host: Annotated[str | None, typer.Option(help='interface to serve on (default from settings)')] = None,
        port: Annotated[int | None, typer.Option(help='port (default 8080, CLIENTPULSE_PORT)')] = None,
        native: Annotated[bool, typer.Option(help='also open the desktop window (needs the "native" extra)')] = False,
        ) -> None:
    """Start the app (migrates the database first; prints its addresses once it listens)."""
    from app import server
    server.run(host=host, port=port, native=native)


@cli.command()
@in_the_terminals_language
def migrate() -> None:
    """Bring the database schema up to date."""
    from app.services import database
    _migrate()
    typer.echo(_('Database at {url} is up to date.').format(url=database.database_url()))


@cli.command('create-user')
@in_the_terminals_language
def create_user(email: str,
                role: Annotated[Role, typer.Option(help='owner, manager, staff or kiosk')] = Role.STAFF,
                location_id: Annotated[int | None, typer.Option(help='the location (all but owners)')] = None,
                password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = '',
                pin: Annotated[str, typer.Option(help='4–8 digits that take a kiosk out of kiosk mode')] = '',
                ) -> None:
    """Create an account (the password is asked for, never stored in clear)."""
    from app.services.accounts import users
    from app.services.accounts.access import ROLE_NAMES, SYSTEM_ACTOR
    from app.services.errors import ClientPulseError
    _migrate()
    try:
        user = users.create_user(email, password, role=role, location_id=location_id, actor=SYSTEM_ACTOR)
        if pin:
            users.set_pin(user.id, pin, actor=SYSTEM_ACTOR)
    except ClientPulseError as error:
        typer.echo(_('Error: {error}').format(error=error), err=True)
        raise typer.Exit(1) from None
    typer.echo(_('Created {role} {email} (id {id}).').format(role=_(ROLE_NAMES[user.role]), email=user.email,
                                                           id=user.id))


@import_cli.command('salon')
@in_the_terminals_language
def import_salon(directory: Annotated[Path, typer.Argument(exists=True, file_okay=False, help='folder with the CSVs')],
                 location: Annotated[str, typer.Option(help='the location to import into')] = '') -> None:
    """Import the salon export (Service Listing, Future Bookings, Receipt Transactions … CSVs)."""
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.errors import ClientPulseError
    from app.services.imports import salon as imports
    _migrate()
    target = imports.SALON_LOCATION.model_copy(update={'name': location}) if location else imports.SALON_LOCATION
    with typer.progressbar(length=100, label=_('Importing')) as bar:
        try:
            report = imports.import_salon(directory, actor=SYSTEM_ACTOR, location=target, progress=_advance(bar))
        except ClientPulseError as error:
            typer.echo('\n' + _('Import failed, nothing was changed. {error}').format(error=error), err=True)
            raise typer.Exit(1) from None
    typer.echo(_('Imported into location {id}: {summary}').format(id=report.location_id, summary=report.summary()))
    for note in report.notes:
        typer.echo(note)


@import_cli.command('bookings')
@in_the_terminals_language
def import_bookings(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help='.csv or .xlsx export')],
                    mapping: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                                                          help='column mapping (TOML), see docs/mappings/')]) -> None:
    """Import any booking export through a column mapping, in one transaction."""
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.errors import ClientPulseError
    from app.services.imports import mapped as booking_imports
    from app.services.imports import mapping as mappings
    _migrate()
    with typer.progressbar(length=100, label=_('Importing')) as bar:
        try:
            report = booking_imports.import_bookings(file, mappings.load_mapping(mapping), actor=SYSTEM_ACTOR,
                                                     progress=_advance(bar))
        except ClientPulseError as error:
            typer.echo('\n' + _('Import failed, nothing was changed. {error}').format(error=error), err=True)
            raise typer.Exit(1) from None
    typer.echo(report.summary())


@cli.command()
def demo(serve: Annotated[bool, typer.Option('--serve/--no-serve', help='start the app afterwards')] = True,
         port: Annotated[int | None, typer.Option(help='port (default 8080, CLIENTPULSE_PORT)')] = None,
         host: Annotated[str | None, typer.Option(
             help="interface to serve on (default 127.0.0.1, this computer only; 0.0.0.0 lets the shop's network "
                  'in, CLIENTPULSE_DEMO_HOST)')] = None) -> None:
    """Create the demo business (once) in the configured database, print the logins, start the app on this computer
    only (its password is published) unless ``--host`` says otherwise."""
    from app import server
    from app.config import get_settings
    from app.services import database
    from app.services.errors import ClientPulseError
    from app.services.imports import demo as demo_data
    with i18n.speaking(i18n.terminal_language()):  # not while serving, below
        _migrate()
        try:
            result = demo_data.ensure_demo()
        except ClientPulseError as error:
            typer.echo(_('Error: {error}').format(error=error), err=True)
            raise typer.Exit(1) from None
    if result.created:
        said = ngettext('Demo business "{name}" created with {n} booking in {url}',
                        'Demo business "{name}" created with {n} bookings in {url}', result.bookings)
    else:
        said = _('Demo business "{name}" already there in {url}')
    typer.echo(said.format(name=demo_data.DEMO_LOCATION, n=result.bookings, url=database.database_url()))
    logins = demo_logins(demo_data.DEMO_USERS, demo_data.DEMO_PASSWORD)
    if not serve:
        typer.echo('\n'.join(logins))
        return
    settings = get_settings()
    bind, served = host or settings.demo_host, port or settings.port
    # the logins come last, under the line that says it is ready: nothing of the start-up scrolls them away
    server.run(host=bind, port=served, announce=[*demo_banner(bind, served, demo_data.DEMO_PASSWORD), *logins])


def demo_logins(accounts: list[tuple[str, Role]], password: str) -> list[str]:
    """The lines that give the demo's ``accounts`` (e-mail, role) and their one ``password``."""
    return [_('Demo logins (password for all: {password}):').format(password=password),
            *(f'  {role.value:8} {email}' for email, role in accounts)]


def demo_banner(host: str, port: int, password: str) -> list[str]:
    """What the demo says once it listens: where, and who can reach it (its password is in the README)."""
    from app import server
    if host.startswith('127.') or host in ('localhost', '::1'):
        return [_("Demo on {url} — only this computer can reach it; --host 0.0.0.0 to let the shop's network "
                  'in').format(url=f'http://{host}:{port}')]
    return [*(_('Demo on {url}').format(url=url) for url in server.addresses(host, port)),
            _("— the shop's network can reach it, and its password ({password}) is published: use it only on a "
              'network you trust').format(password=password)]


@cli.command()
@in_the_terminals_language
def report(start: Annotated[str, typer.Option('--from', help='first day, YYYY-MM-DD')],
           end: Annotated[str, typer.Option('--to', help='last day, YYYY-MM-DD')],
           fmt: Annotated[str, typer.Option('--format', help='xlsx, pdf or csv')] = 'xlsx',
           location: Annotated[list[int] | None, typer.Option(help='location id (repeat; default: all)')] = None,
           output: Annotated[Path | None, typer.Option(help='file to write (default: report-FROM-TO.FORMAT)')] = None,
           ) -> None:
    """Write the analytics report for a period as Excel, PDF or CSV."""
    from datetime import UTC, date, datetime

    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.analytics import exports, reports
    from app.services.catalogue import locations
    from app.services.errors import ClientPulseError
    _migrate()
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        typer.echo(_('Error: --from and --to take dates as YYYY-MM-DD.'), err=True)
        raise typer.Exit(1) from None
    chosen = [x for x in locations.list_locations(actor=SYSTEM_ACTOR) if not location or x.id in location]
    if not chosen:
        typer.echo(_('Error: no such location.'), err=True)
        raise typer.Exit(1)
    target = output or Path(f'report-{first}-{last}.{fmt}')
    try:
        result = reports.report([x.id for x in chosen], first, last, actor=SYSTEM_ACTOR, as_of=datetime.now(UTC),
                                time_zone=chosen[0].time_zone)
        rows = reports.booking_rows([x.id for x in chosen], first, last, actor=SYSTEM_ACTOR,
                                    time_zone=chosen[0].time_zone) \
            if fmt == 'xlsx' else None  # Excel also lists every booking of the period
        with typer.progressbar(length=100, label=_('Writing')) as bar:
            exports.export(result, target, fmt=fmt, title='ClientPulse analytics', currency=chosen[0].currency,
                           locations=[x.name for x in chosen], bookings=rows, locale=chosen[0].locale,
                           progress=lambda fraction, _message: bar.update(int(fraction * 100) - bar.pos))
    except ClientPulseError as error:
        typer.echo(_('Error: {error}').format(error=error), err=True)
        raise typer.Exit(1) from None
    typer.echo(_('Wrote {file}').format(file=target))


# --- issue 31: backups and restore -----------------------------------------------------------------------------------

@cli.command()
@in_the_terminals_language
def backup(to: Annotated[Path | None, typer.Option('--to', help='the folder to write it to (default: the scheduled '
                                                          "folder, else the data folder's backups)")] = None,
           passphrase: Annotated[str | None, typer.Option(
               envvar='CLIENTPULSE_BACKUP_PASSPHRASE',
               help='seal it with this passphrase (default: the scheduled one, if set)')] = None) -> None:
    """Back up the database and the data folders into one verified file (written under a temporary name, renamed
    only once read back)."""
    from app.services.backups import schedule
    from app.services.errors import ClientPulseError
    _migrate()
    try:
        result = schedule.back_up(to, passphrase=passphrase or None)
    except ClientPulseError as error:
        typer.echo(_('Error: {error}').format(error=error), err=True)
        raise typer.Exit(1) from None
    rows = sum(n for table, n in result.counts.items() if table != 'alembic_version')
    typer.echo(ngettext('Backed up {n} row into {file} ({size} bytes).', 'Backed up {n} rows into {file} ({size} '
                        'bytes).', rows).format(n=rows, file=result.path, size=result.size_bytes))


@cli.command()
@in_the_terminals_language
def restore(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help='a clientpulse-backup-… file')],
            yes: Annotated[bool, typer.Option('--yes', help='move the data that is here aside without asking')] = False,
            passphrase: Annotated[str | None, typer.Option(envvar='CLIENTPULSE_BACKUP_PASSPHRASE',
                                                           help='the passphrase of a sealed backup')] = None,
            ) -> None:
    """Restore a backup into this data folder and database: what is there is moved aside (after you confirm), never
    overwritten; an older backup is upgraded, a newer one refused. Stop ClientPulse first."""
    from app.services.backups import restore as restoring
    from app.services.backups.sealing import is_sealed
    from app.services.errors import ClientPulseError
    with open(file, 'rb') as head:
        if is_sealed(head.read(16)) and not passphrase:
            passphrase = typer.prompt(_('Passphrase of the backup'), hide_input=True)
    try:
        try:
            result = restoring.restore(file, passphrase=passphrase, move_aside=yes)
        except restoring.RestoreNeedsConfirmation as question:
            if not typer.confirm(str(question) + ' ' + _('Go on?')):
                raise typer.Exit(1) from None
            result = restoring.restore(file, passphrase=passphrase, move_aside=True)
    except ClientPulseError as error:
        typer.echo(_('Error: {error}').format(error=error), err=True)
        raise typer.Exit(1) from None
    if result.moved_aside_to:
        typer.echo(_('The data that was here is kept in {place}.').format(place=result.moved_aside_to))
    typer.echo(_('Restored a backup made by ClientPulse {version} (database revision {before}, now {after}):').format(
        version=result.app_version, before=result.revision_from, after=result.revision_to))
    for table, count in sorted(result.counts.items()):
        if table != 'alembic_version':
            typer.echo(f'  {table:28} {count:>9}')
    for name, count in result.files.items():
        typer.echo('  ' + ngettext('{folder}: {n} file', '{folder}: {n} files', count).format(folder=name, n=count))


def _migrate() -> None:
    """Bring the database up to date, or stop with its plain refusal (a database a newer ClientPulse migrated, or one
    that cannot be written) and exit status 1, no traceback."""
    from app.services import database
    from app.services.errors import ClientPulseError
    try:
        database.migrate()
    except ClientPulseError as error:
        typer.echo(_('Error: {error}').format(error=error), err=True)
        raise typer.Exit(1) from None


def _advance(bar):
    """A progress callback (fraction 0–1, message) that moves a typer progress bar of length 100."""
    done = [0]

    def progress(fraction: float, _message: str) -> None:
        bar.update(int(fraction * 100) - done[0])
        done[0] = int(fraction * 100)

    return progress


def configure_logging(level_name: str) -> None:
    """Log to stderr: the libraries (Alembic's steps, the scheduler's runs) from ``level_name`` up (a name such as
    ``WARNING`` or ``INFO``; one it does not know is ``WARNING``), ClientPulse's own loggers from ``INFO`` (or lower,
    if ``level_name`` is lower), so a start and the demo's logins are not buried."""
    level = logging.getLevelNamesMapping().get(level_name.strip().upper(), logging.WARNING)
    logging.basicConfig(format='%(levelname)s %(name)s: %(message)s')
    logging.getLogger().setLevel(level)
    logging.getLogger('app').setLevel(min(level, logging.INFO))


def main() -> None:
    """Entry point of the ``clientpulse`` script."""
    from app.config import get_settings
    configure_logging(get_settings().log_level)
    from app.services import files
    files.restrict_new_files()  # the database, exports and reports it writes are its user's alone
    cli()


if __name__ == '__main__':
    main()
