"""INSERT ... ON CONFLICT statements, compiled once per database kind, and chains of statements.

SQLAlchemy's dialect insert constructs (``postgresql.insert``, ``sqlite.insert``) opt out of its
compiled-statement cache (``inherit_cache = False``), so every execution compiles one again:
0.25-0.3 ms a call on a case start, a completion or a form save, more than the statement takes to
run. Here each shape is compiled once per dialect into a textual statement with typed bind
parameters, which the cache serves like any other.

On PostgreSQL several such statements run as one (``chain``: the first ones as data-modifying
WITH queries of the last): one round trip instead of several, in the same order. The counters'
day row and total go so (``execute_together``), and so do a case start's new rows (``new_rows``).
"""
import re
from typing import NamedTuple

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


class Compiled(NamedTuple):
    """A statement compiled once: what runs, and the SQL and typed bind parameters it was made of
    (which ``chain`` puts together)."""

    statement: TextClause
    sql: str
    binds: tuple


# (dialect, table, keys, updated, inserted, add) -> Compiled; threads may build one twice, alike
_UPSERTS = {}
_CHAINS = {}  # tuple of statements -> their chain; threads may build one twice, alike


def as_text(construct, dialect, types, what):
    """``construct`` compiled once for ``dialect`` (a module of sqlalchemy.dialects) as a Compiled
    whose bind parameters are named and typed as ``types`` ({name: SQL type}) says; ValueError
    when it binds a name ``types`` lacks (a column default it would add is lost in the text)."""
    compiled = construct.compile(dialect=dialect.dialect(paramstyle="named"))
    unbound = set(compiled.binds) - set(types)
    if unbound:
        raise ValueError(f"{what} needs values for {sorted(unbound)}")
    # A bind's PostgreSQL cast (":detail::JSON") would read as a bind name in text(); the typed bind
    # parameter below renders the same cast again.
    sql = re.sub(r"(:\w+)::\w+", r"\1", str(compiled))
    binds = tuple(bindparam(name, type_=type_) for name, type_ in types.items())
    return Compiled(text(sql).bindparams(*binds), sql, binds)


# (statement, dialect name) -> its text (``as_text``); threads may build one twice, alike
_TEXTS = {}


def text_for(statement, dialect_name, what):
    """``statement`` (a Core construct) as text compiled once for the dialect named
    ``dialect_name``, its binds typed as the construct's own; None for a database without a known
    dialect here (run the construct itself). ``what`` names it in :func:`as_text`'s error."""
    key = (statement, dialect_name)
    found = _TEXTS.get(key)
    if found is None and dialect_name in _DIALECTS:
        found = _TEXTS[key] = as_text(statement, _DIALECTS[dialect_name], _own_types(statement), what).statement
    return found


def _own_types(construct):
    """{bind name: SQL type} of the bind parameters ``construct`` holds (``as_text``'s ``types``)."""
    return {bind.key: bind.type for bind in construct._get_embedded_bindparams()}


def chain(parts, last):
    """One statement running the Compiled ``parts`` (named: [(name, Compiled)]) as WITH queries of
    ``last``, in order; a bind name the parts share takes one value. PostgreSQL only."""
    heads = ", ".join(f"{name} AS ({part.sql})" for name, part in parts)
    binds = {}
    for each in (*(part for _name, part in parts), last):
        for parameter in each.binds:
            binds.setdefault(parameter.key, parameter)
    sql = f"WITH {heads} {last.sql}"
    return Compiled(text(sql).bindparams(*binds.values()), sql, tuple(binds.values()))


# statement -> (dialect, its SQL for the driver, {bind name: the type's bind processor}); bounded
_DRIVER_FORMS = {}
_DRIVER_FORMS_LIMIT = 256


def execute_text(connection, statement, params):
    """``connection.execute(statement, params)`` for a textual statement of this module's
    (``as_text``, ``chain``, of fixed typed binds; ``params`` by name, those it does not bind
    left out), sent as the driver's SQL compiled once.

    SQLAlchemy would build the text's cache key (a walk of every bind parameter: a case start's
    chained INSERTs have about sixty) and process its parameters through the compiled statement on
    each run; here the values only pass the types' bind processors, as they would there. The
    statement still goes through the connection's execution (its events, the driver's cursor),
    without result types: for statements whose results are plain values (ids, counts).
    """
    dialect = connection.dialect
    form = _DRIVER_FORMS.get(statement)
    if form is None or form[0] is not dialect:
        compiled = statement.compile(dialect=dialect)
        # positiontup: the bind names in the order of a positional paramstyle's markers (SQLite's ?)
        form = (dialect, compiled.string, dict(compiled._bind_processors), compiled.positiontup)
        if len(_DRIVER_FORMS) < _DRIVER_FORMS_LIMIT:  # threads may build one twice, alike
            _DRIVER_FORMS[statement] = form
    _dialect, sql, processors, positions = form
    if processors:
        params = {key: processors[key](value) if key in processors else value for key, value in params.items()}
    if positions is not None:
        params = tuple([params[name] for name in positions])
    return connection.exec_driver_sql(sql, params)


def on_conflict(bind, table, keys, updated=(), inserted=(), add=False):
    """The upsert of ``table`` for ``bind``'s database, every value bound by its column's name.

    ``keys`` (the unique columns) and ``inserted`` are only inserted. On conflict over ``keys`` the
    ``updated`` columns take the new values or, with ``add``, are increased by them
    (``value = value + excluded.value``); with no ``updated`` column the existing row is kept
    (DO NOTHING).
    """
    name = bind.dialect.name
    cache_key = (name, table.name, tuple(keys), tuple(updated), tuple(inserted), add)
    found = _UPSERTS.get(cache_key)
    if found is None:
        found = _UPSERTS[cache_key] = _compiled(_DIALECTS[name], table, keys, updated, inserted, add)
    return found.statement


def execute_together(session, statements, params):
    """Run the upserts ``statements`` (from ``on_conflict``, a tuple) with ``params``, in order.

    On PostgreSQL as one statement (``chain``); SQLite has no data-modifying WITH, so there they
    run one by one. Values are bound by column name: a name the statements share takes one value,
    and each takes the names it has. Run one by one (SQLite, or a single statement), the rows
    each changed; else None.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql" or len(statements) == 1:
        return [execute_text(connection, statement, params).rowcount for statement in statements]
    chained = _CHAINS.get(statements)
    if chained is None:
        parts = [compiled_of(statement) for statement in statements]
        chained = _CHAINS[statements] = chain([(f"u{index}", part) for index, part in enumerate(parts[:-1])],
                                              parts[-1]).statement
    execute_text(connection, chained, params)


def execute_along(executor, statement, params, chained, along, write_along, along_first=False):
    """``statement``'s result, run with ``params`` and one more write along with it (an audit
    event): on PostgreSQL one statement, ``chained`` (the two made one by ``chain``) run with
    ``params`` and the write's values ``along()``; SQLite has no data-modifying WITH, so there
    ``statement`` runs and then ``write_along()`` (first with ``along_first``, as the chain has it).

    ``executor``: the session (which flushes what it holds first) or its connection (which runs
    the statement as it is), as the caller runs its other statements.
    """
    dialect = executor.dialect if isinstance(executor, Connection) else executor.get_bind().dialect
    if dialect.name == "postgresql":
        return executor.execute(chained, dict(params, **along()))
    if along_first:
        write_along()
        return executor.execute(statement, params)
    result = executor.execute(statement, params).freeze()  # read before the next statement
    write_along()
    return result()


def compiled_of(statement):
    """The Compiled an ``on_conflict`` (or ``chainable``) statement was made from (for ``chain``);
    searched, so only when a chain is first built."""
    return next(found for found in list(_UPSERTS.values()) if found.statement is statement)


_CHECKED = set()  # statements of ``chainable`` writes that must change exactly one row


def chainable(key, construct, what):
    """A write other than an upsert (a Core construct, its binds typed as its own; ``what`` names
    it in ``as_text``'s error), compiled once for PostgreSQL and known to ``compiled_of``, so it can
    go with ``execute_together`` or ``new_rows.write``'s ``along`` like the upserts; its statement.
    ``construct`` must change exactly one row, and say so with RETURNING (``checked``): the writes
    that take it along check that it did."""
    found = _UPSERTS.get(key)
    if found is None:
        found = as_text(construct, postgresql, _own_types(construct), what)
        _CHECKED.add(found.statement)
        _UPSERTS[key] = found
    return found.statement


def checked(statement):
    """Whether ``statement`` (a ``chainable`` one) must change exactly one row."""
    return statement in _CHECKED


def upsert_rows(session, table, keys, rows, updated=(), add=False):
    """Run the upsert of :func:`on_conflict` for each of ``rows`` (dicts naming the same columns;
    those neither in ``keys`` nor ``updated`` are inserted).

    One row goes as :func:`on_conflict`'s statement. Many go as the dialect's construct, which
    SQLAlchemy sends as multi-row INSERTs: compiling it again costs less than a round trip a row
    (the compiled statement run once per row took three times the CPU for a few hundred rows on
    PostgreSQL). With ``updated``, no two rows may share their ``keys`` (PostgreSQL refuses to
    update a row twice in one statement).
    """
    if len(rows) == 1:
        inserted = tuple(column for column in rows[0] if column not in keys and column not in updated)
        session.execute(on_conflict(session.get_bind(), table, keys, updated, inserted, add), rows[0])
    elif rows:
        session.execute(_construct(_DIALECTS[session.get_bind().dialect.name], table, keys, updated, add), rows)


def _construct(dialect, table, keys, updated, add):
    """The dialect's INSERT ... ON CONFLICT construct of ``table``, its values given when run."""
    construct = dialect.insert(table)
    if updated:
        set_ = {column: table.c[column] + construct.excluded[column] if add else construct.excluded[column]
                for column in updated}
        return construct.on_conflict_do_update(index_elements=list(keys), set_=set_)
    return construct.on_conflict_do_nothing(index_elements=list(keys))


def _compiled(dialect, table, keys, updated, inserted, add):
    columns = (*keys, *inserted, *updated)
    # inline: no RETURNING of the new id, which no caller reads
    construct = _construct(dialect, table, keys, updated, add).inline().values(
        {column: bindparam(column) for column in columns})
    # A column default the caller did not give would be lost in the text: as_text refuses it.
    return as_text(construct, dialect, {column: table.c[column].type for column in columns},
                   f"upsert of {table.name}")
