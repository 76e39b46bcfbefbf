"""Alembic: upgrade head on empty SQLite and PostgreSQL databases, then autogenerate finds no difference."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401  (the whole metadata)
from app.services import database


def empty_database(kind: str, request: pytest.FixtureRequest, tmp_path) -> str:
    if kind == 'sqlite':
        return f'sqlite:///{tmp_path / "empty.db"}'
    url = request.getfixturevalue('postgres_server_url')
    engine = create_engine(url, isolation_level='AUTOCOMMIT')
    with engine.connect() as connection:  # the session database is migrated already: start from nothing
        connection.execute(text('DROP SCHEMA public CASCADE'))
        connection.execute(text('CREATE SCHEMA public'))
    engine.dispose()
    return url


@pytest.mark.parametrize('kind', ['sqlite', pytest.param('postgres', marks=pytest.mark.postgres)])
def test_upgrade_head_matches_the_models(kind, request, tmp_path):
    url = empty_database(kind, request, tmp_path)
    database.migrate(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={'compare_type': True})
        assert compare_metadata(context, SQLModel.metadata) == []
        assert set(SQLModel.metadata.tables) <= set(inspect(connection).get_table_names())
    command.downgrade(database.alembic_config(url), 'base')
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {'alembic_version'}
    database.migrate(url)  # and back up again, so later tests find the schema
    engine.dispose()


def test_0009_gives_every_booking_a_random_code_and_repairs_missing_times(tmp_path):
    """Bookings made before booking codes get distinct random ones; imports before 0009 stored a missing
    booked-at time as the text 'Na ', which every later read failed on: it becomes NULL."""
    url = f'sqlite:///{tmp_path / "old.db"}'
    command.upgrade(database.alembic_config(url), '0008')
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO location (id, name, time_zone, currency, tax_rates) "
                                "VALUES (1, 'Shop', 'UTC', 'EUR', '[]')"))
        connection.execute(text("INSERT INTO staff_member (id, location_id, name, active) VALUES (1, 1, 'Jo', 1)"))
        connection.execute(text("INSERT INTO service (id, location_id, code, name, category, price_cents, cost_cents, "
                                "active) VALUES (1, 1, 'CUT', 'Cut', '', 0, 0, 1)"))
        for number, booked in enumerate(['Na ', '2024-04-01 09:00:00.000000', 'Na '], start=1):
            connection.execute(text(
                'INSERT INTO booking (id, location_id, service_id, staff_member_id, starts_at, ends_at, notes, status, '
                "channel, price_cents, booked_at) VALUES (:id, 1, 1, 1, '2024-05-01 10:00:00.000000', "
                "'2024-05-01 10:00:00.000000', '', 'completed', 'import', 0, :booked)"),
                {'id': number, 'booked': booked})
    database.migrate(url)
    with engine.connect() as connection:
        rows = connection.execute(text('SELECT id, code, booked_at FROM booking ORDER BY id')).all()
    engine.dispose()
    assert [r.booked_at for r in rows] == [None, '2024-04-01 09:00:00.000000', None]
    codes = [r.code for r in rows]
    assert len(set(codes)) == 3 and all(len(c) == 10 for c in codes)
    assert not any(c.isdigit() and int(c) == r.id for c, r in zip(codes, rows, strict=True))


@pytest.mark.parametrize('kind', ['sqlite', pytest.param('postgres', marks=pytest.mark.postgres)])
def test_0045_puts_amounts_in_each_currencys_own_minor_units_and_back(kind, request, tmp_path):
    """Before 0045 every amount was hundredths: 150000 was 1,500.00 in any currency. After it, RWF's 1,500 is 1500
    (whole francs, rounded half up), BHD's 1.500 is 1500 thousandths (× 10) and KES stays; downgrade gives back
    hundredths. Rows reached through a parent (lines, payments, card movements) and amounts kept in JSON follow."""
    from datetime import UTC, date, datetime

    from sqlmodel import Session, select

    from app.models import (
        Campaign,
        DayClose,
        GiftCard,
        GiftCardMovement,
        Location,
        Payment,
        Receipt,
        ReceiptLine,
    )

    url = empty_database(kind, request, tmp_path)
    config = database.alembic_config(url)
    command.upgrade(config, '0044')
    engine = create_engine(url)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    with Session(engine) as session:
        for number, currency in enumerate(('RWF', 'BHD', 'KES'), start=1):
            session.add(Location(id=number, name=currency, time_zone='UTC', currency=currency, tax_rates=[]))
            session.flush()
            session.execute(text(  # the table as it was at 0044 (the model has columns added since)
                "INSERT INTO service (id, location_id, code, name, category, price_cents, cost_cents, deposit_cents, "
                "active) VALUES (:n, :n, :code, 'Massage', '', 150000, 150049, -150050, :yes)"),
                {'n': number, 'code': f'S{number}', 'yes': True})
            session.add(Receipt(id=number, location_id=number, number='1', issued_at=now, total_cents=150000,
                                paid_cents=150000, tip_cents=150))
            session.add(GiftCard(id=number, location_id=number, code=f'CARD-{number}', initial_cents=150000,
                                 balance_cents=150000, created_at=now))
            session.add(Campaign(id=number, location_id=number, name='Back', channel='email', seed=1,
                                 budget_cents=150000, target={'min_spend_cents': 150000, 'tags': ['x']}))
            session.flush()
            session.add(ReceiptLine(receipt_id=number, description='Massage', amount_cents=150000,
                                    unit_price_cents=150000, total_cents=150000))
            session.add(Payment(receipt_id=number, method='cash', amount_cents=150000, tendered_cents=200000, at=now))
            session.add(GiftCardMovement(gift_card_id=number, kind='sold', amount_cents=150000, at=now))
            session.add(DayClose(location_id=number, day=date(2026, 12, 1), closed_at=now, expected_cash_cents=150000,
                                 counted_cash_cents=150000, figures={
                                     'net_cents': 150000, 'payments': {'cash': 150000}, 'tips': {'Jo': 150},
                                     'earlier_receipts': [{'amount_cents': 150000, 'method': 'cash'}]}))
        session.commit()

    def amounts():
        with engine.connect() as connection:
            return {currency: [
                *connection.execute(text('SELECT price_cents, cost_cents, deposit_cents FROM service '
                                         'WHERE location_id = :l'), {'l': number}).one(),
                *connection.execute(text('SELECT total_cents, paid_cents, tip_cents FROM receipt '
                                         'WHERE location_id = :l'), {'l': number}).one(),
                *connection.execute(text('SELECT amount_cents, unit_price_cents, total_cents FROM receipt_line '
                                         'WHERE receipt_id = :l'), {'l': number}).one(),
                *connection.execute(text('SELECT amount_cents, tendered_cents FROM payment WHERE receipt_id = :l'),
                                    {'l': number}).one(),
                connection.execute(text('SELECT amount_cents FROM gift_card_movement WHERE gift_card_id = :l'),
                                   {'l': number}).scalar_one(),
                connection.execute(text('SELECT budget_cents FROM campaign WHERE id = :l'), {'l': number}).scalar_one(),
            ] for number, currency in enumerate(('RWF', 'BHD', 'KES'), start=1)}

    def json_amounts(number):
        with Session(engine) as session:
            close = session.exec(select(DayClose).where(DayClose.location_id == number)).one()
            campaign = session.get(Campaign, number)
            return (close.figures['net_cents'], close.figures['payments']['cash'], close.figures['tips']['Jo'],
                    close.figures['earlier_receipts'][0]['amount_cents'], campaign.target['min_spend_cents'],
                    campaign.target['tags'])

    before = amounts()
    command.upgrade(config, '0045')
    after = amounts()
    assert after['RWF'] == [1500, 1500, -1501, 1500, 1500, 2, 1500, 1500, 1500, 1500, 2000, 1500, 1500]
    assert after['BHD'] == [v * 10 for v in before['BHD']]
    assert after['KES'] == before['KES']
    assert json_amounts(1) == (1500, 1500, 2, 1500, 1500, ['x'])
    assert json_amounts(2) == (1500000, 1500000, 1500, 1500000, 1500000, ['x'])
    assert json_amounts(3) == (150000, 150000, 150, 150000, 150000, ['x'])
    command.downgrade(config, '0044')
    back = amounts()
    assert back['RWF'] == [150000, 150000, -150100, 150000, 150000, 200, 150000, 150000, 150000, 150000, 200000,
                           150000, 150000]
    assert back['BHD'] == before['BHD'] and back['KES'] == before['KES']
    assert json_amounts(2) == (150000, 150000, 150, 150000, 150000, ['x'])
    database.migrate(url)  # head again, for later tests
    engine.dispose()


def test_the_start_reads_the_revisions_as_alembic_does():
    """``database.written_revisions`` (read without importing Alembic, for the start's "already at the newest?")
    finds every revision and the heads Alembic finds."""
    script = database.scripts()
    every, heads = database.written_revisions()
    assert every == {s.revision for s in script.walk_revisions()}
    assert heads == set(script.get_heads())
    assert len(every) >= 47


def test_a_migration_the_quick_reading_cannot_follow_leaves_the_answer_to_alembic(tmp_path, monkeypatch):
    """A revision that is not a literal (computed) gives empty sets: the start imports Alembic and asks it."""
    versions = tmp_path / 'versions'
    versions.mkdir()
    (versions / 'a.py').write_text("revision = 'a1'\ndown_revision = None\n")
    (versions / 'b.py').write_text("revision: str = 'b' + '1'\ndown_revision = 'a1'\n")
    monkeypatch.setattr(database, 'MIGRATIONS_DIR', tmp_path)
    database.written_revisions.cache_clear()
    try:
        assert database.written_revisions() == (frozenset(), frozenset())
        (versions / 'b.py').write_text("revision: str = 'b1'\ndown_revision: str | None = 'a1'\n")
        (versions / 'c.py').write_text("revision = 'c1'\ndown_revision = ('a1', 'b1')\n")
        database.written_revisions.cache_clear()
        assert database.written_revisions() == ({'a1', 'b1', 'c1'}, {'c1'})
    finally:
        database.written_revisions.cache_clear()
