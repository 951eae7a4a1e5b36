"""Migrations: a single head, and the full upgrade builds the schema the models describe."""
import os

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from webapp.extensions import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def test_single_head():
    config = AlembicConfig(os.path.join(MIGRATIONS, "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_upgraded_database_matches_the_models(app):
    """The test database was built by `flask db upgrade` (conftest); compare it with the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        tables = set(inspect(connection).get_table_names())
    assert not diff, diff
    assert {"inbox_task", "process_instance", "diagram_version", "registration_history"} <= tables


def test_downgrade_and_upgrade_again(app):
    from flask_migrate import downgrade, upgrade

    downgrade(revision="base")
    assert "inbox_task" not in inspect(db.engine).get_table_names()
    upgrade()
    assert "inbox_task" in inspect(db.engine).get_table_names()


def test_stored_states_are_compressed_with_lz4_on_postgresql(app):
    """Each completion writes the instance's whole state: lz4 compresses it for less of the
    database's CPU than PostgreSQL's default (migration 0027)."""
    import pytest

    with db.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL column setting")
        method = connection.exec_driver_sql(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = 'process_instance'::regclass AND attname = 'state'").scalar()
    assert method == "l"
