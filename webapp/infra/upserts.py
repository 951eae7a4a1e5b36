"""INSERT ... ON CONFLICT statements, compiled once per database kind.

SQLAlchemy's dialect insert constructs (``postgresql.insert``, ``sqlite.insert``) opt out of its
compiled-statement cache (``inherit_cache = False``), so every execution compiles one again:
0.25-0.3 ms a call on a case start, a completion or a form save, more than the statement takes to
run. Here each shape is compiled once per dialect into a textual statement with typed bind
parameters, which the cache serves like any other.
"""
import re

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite

_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}
_COMPILED = {}  # (dialect, table, keys, updated, inserted, add) -> text; threads may build one twice, alike
_SOURCES = {}  # the same keys -> (SQL text, typed bind parameters) the text was made of
_KEY_OF = {}  # each text of _COMPILED -> its key there
_CHAINS = {}  # tuple of _COMPILED keys -> one text; threads may build one twice, alike


def on_conflict(bind, table, keys, updated=(), inserted=(), add=False):
    """The upsert of ``table`` for ``bind``'s database, every value bound by its column's name.

    ``keys`` (the unique columns) and ``inserted`` are only inserted. On conflict over ``keys`` the
    ``updated`` columns take the new values or, with ``add``, are increased by them
    (``value = value + excluded.value``); with no ``updated`` column the existing row is kept
    (DO NOTHING).
    """
    name = bind.dialect.name
    cache_key = (name, table.name, tuple(keys), tuple(updated), tuple(inserted), add)
    statement = _COMPILED.get(cache_key)
    if statement is None:
        sql, binds = _SOURCES[cache_key] = _compiled(_DIALECTS[name], table, keys, updated, inserted, add)
        statement = text(sql).bindparams(*binds)
        _KEY_OF[statement] = cache_key
        _COMPILED[cache_key] = statement
    return statement


def together(bind, statements):
    """The upserts ``statements`` (from ``on_conflict``) as one statement on PostgreSQL, None elsewhere.

    On PostgreSQL the first ones run as data-modifying WITH queries of the last: one round trip
    instead of several, in the same order (a counter's day row, then its total), with the same
    effect. Parameters are bound by column name, so a name the statements share takes one value.
    SQLite has no data-modifying WITH: the caller runs the statements one by one.
    """
    if bind.dialect.name != "postgresql":
        return None
    chain_key = tuple(_KEY_OF[statement] for statement in statements)
    chained = _CHAINS.get(chain_key)
    if chained is None:
        sources = [_SOURCES[key] for key in chain_key]
        heads = ", ".join(f"u{index} AS ({sql})" for index, (sql, _binds) in enumerate(sources[:-1]))
        binds = {}
        for _sql, each in sources:
            for parameter in each:
                binds.setdefault(parameter.key, parameter)
        chained = _CHAINS[chain_key] = text(f"WITH {heads} {sources[-1][0]}").bindparams(*binds.values())
    return chained


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
    compiled = construct.compile(dialect=dialect.dialect(paramstyle="named"))
    unbound = set(compiled.binds) - set(columns)
    if unbound:  # a column default the caller did not give would be lost in the text
        raise ValueError(f"upsert of {table.name} needs values for {sorted(unbound)}")
    # A bind's PostgreSQL cast (":detail::JSON") would read as a bind name in text(); the typed bind
    # parameter below renders the same cast again.
    sql = re.sub(r"(:\w+)::\w+", r"\1", str(compiled))
    return sql, [bindparam(column, type_=table.c[column].type) for column in columns]
