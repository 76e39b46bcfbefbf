"""Alembic environment: the models' metadata, batch mode on SQLite, type comparison on."""

from alembic import context
from sqlalchemy import pool
from sqlmodel import SQLModel, create_engine

import app.models  # noqa: F401  (registers every table on the metadata)
from app.models.base import Cents, UTCDateTime
from app.services.database import database_url

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_: str, obj, autogen_context):
    """Render our UTCDateTime as ``UTCDateTime(timezone=True)`` (imported by the template) and an amount (``Cents``) as
    a 64-bit integer that SQLite keeps as its INTEGER; others as usual."""
    if type_ == 'type' and isinstance(obj, UTCDateTime):
        return 'UTCDateTime(timezone=True)'
    if type_ == 'type' and isinstance(obj, Cents):
        return "sa.BigInteger().with_variant(sa.Integer(), 'sqlite')"
    return False


def _url() -> str:
    return config.get_main_option('sqlalchemy.url') or database_url()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get('connection')
    if connectable is None:
        engine = create_engine(_url(), poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == 'sqlite', compare_type=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
