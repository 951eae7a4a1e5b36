"""The application's database: Flask-SQLAlchemy bound to the app with PostgreSQL's connection
set-up (pg_connections.py: pings and the deferred BEGIN; prepared.py: server-side prepared
statements) in one step, in the order they need."""
from ..extensions import db
from . import pg_connections, prepared


def init_app(app):
    """Bind ``db`` to ``app``; on psycopg2 engines install the connection set-up (SQLite and other
    drivers are left as Flask-SQLAlchemy makes them)."""
    pg_connections.configure(app)  # before the engines exist: no SELECT 1 per checkout (pool_pre_ping off)
    db.init_app(app)
    # Order matters: SQLAlchemy stops at the first do_execute listener that sends the statement
    # itself, as prepared's does (an EXECUTE). pg_connections' listener, which lets a plain SELECT
    # run without BEGIN, goes first so that a prepared read rests too; a write opens the transaction
    # either way (prepared asks pg_connections.end_rest_for itself).
    pg_connections.install(app)  # pings only idle or hung-up connections; BEGIN deferred to the first write
    prepared.install(app)  # hot statements prepared on the server, unless DATABASE_PREPARED_STATEMENTS is off
