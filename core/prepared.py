"""Querysets whose SQL is built once per process, then run again with new values.

Building a queryset's SQL is Django's compiler working out joins, columns, aliases and converters,
and for the small indexed reads that make up a page it costs more than running them: on SQLite,
0.8 ms to build a one-topic lookup against 0.5 ms to run it and make the object, and 2.7 ms to
build the topic page's header query with its six joins (``bench/render_cost.py --profile``).
A page that is not in the page cache pays that on every request.

``prepared(build)`` wraps a function that returns a queryset for its arguments: numbers (primary
keys), strings (slugs, host names), or lists of either. The first call for a *shape* (each
argument a number, a string, or a list of some length) builds the queryset with stand-in values,
compiles it once and notes where each stand-in landed among the SQL's parameters. Every later
call of that shape puts the real values in those places and runs the same SQL. The rows become
objects through the queryset's own iterable, so a prepared call returns what
``list(build(*args))`` returns (model instances with their ``select_related`` objects, or
``values_list`` rows), and costs the same number of queries.

``prepared(keys=n)``: the first ``n`` arguments choose the query's form rather than a value in
it (a sort order, which filters apply, whose rows are visible). They are passed to ``build`` as
they are and are part of the shape, so each combination is compiled once.

Two more reads share the compiled SQL of a shape:

- ``query.window(*args, offset=, limit=)``: a page of the rows, the SQL's own text with
  ``LIMIT %s OFFSET %s`` appended (Django writes a queryset's slice into the SQL text, which
  would make every page number a shape of its own);
- ``query.count(*args)``: how many rows, as ``SELECT COUNT(*)`` over the query without its
  ordering and columns (what ``Paginator`` asks first).

Limits, each falling back to running ``build(*args)`` as usual:

- only integers, strings and non-empty lists of them are prepared (an empty list runs as
  Django would answer it, without a query);
- a query whose SQL does not carry every stand-in as a parameter (Django folded a value into
  the SQL text, as it does a slice, or changed it, as ``startswith`` does), or that cannot be
  built with them (a string for an integer column), is never prepared;
- a queryset with ``prefetch_related`` is never prepared (prefetching is the queryset's, not
  its iterable's, work);
- at most ``MAX_SHAPES`` shapes are kept per query and thread; more are run unprepared.

Compiled queries are kept per thread (a compiler holds its connection, and connections are per
thread) and per database alias.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections

MAX_SHAPES = 64

# Stand-in values, distinct for each position: odd numbers that fit every integer column
# from 32 bits up (Django drops or refuses a lookup whose value overflows its column, which
# would leave the stand-in out of the SQL); strings that no form or address can hold (a NUL
# byte on both sides).
_STANDIN_BASE = 2_109_876_543
_UNPREPARABLE = object()


def _standin_text(number: int) -> str:
    return f"\x00prepared{number}\x00"


class _Compiled:
    """One shape of one query: the SQL, its parameters, where each argument goes, and a
    queryset whose iterable runs the kept compiler."""

    __slots__ = ("sql", "params", "slots", "runner", "compiler", "current", "current_sql")

    def __init__(self, queryset, slots_by_standin: dict[Any, tuple[int, int | None]]):
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        slots: list[tuple[int, int, int | None, type | None]] = []
        for index, value in enumerate(params):
            if isinstance(value, (int, str)) and not isinstance(value, bool) and value in slots_by_standin:
                arg, item = slots_by_standin[value]
                # On PostgreSQL, Django passes some numbers typed (psycopg's Int4 in a CASE):
                # the real value goes in with the same type.
                wrapper = None if type(value) in (int, str) else type(value)
                slots.append((index, arg, item, wrapper))
        # Every stand-in must be somewhere among the parameters (some more than once).
        found = {(arg, item) for _index, arg, item, _wrapper in slots}
        complete = (
            found == set(slots_by_standin.values())
            and not queryset._prefetch_related_lookups
            and not queryset.query.is_sliced
        )
        self.slots = slots if complete else None
        self.sql, self.params, self.compiler = sql, params, compiler
        self.current: tuple = ()
        self.current_sql = sql
        # The compiler has worked out its columns, joins and converters: keep them, and answer
        # its as_sql() with the kept SQL and this call's parameters.
        compiler.as_sql = self._as_sql
        converters = compiler.get_converters([s[0] for s in compiler.select[0 : compiler.col_count]])
        compiler.get_converters = lambda expressions: converters
        runner = queryset._chain()
        runner.query.get_compiler = lambda *args, **kwargs: compiler
        self.runner = runner

    def _as_sql(self, *args, **kwargs) -> tuple[str, tuple]:
        return self.current_sql, self.current

    def _params(self, args: Sequence[Any]) -> list:
        params = list(self.params)
        for index, arg, item, wrapper in self.slots or ():
            value = args[arg] if item is None else args[arg][item]
            params[index] = value if wrapper is None else wrapper(value)
        return params

    def run(self, args: Sequence[Any], window: tuple[int, int] | None = None) -> list:
        params = self._params(args)
        if window is None:
            self.current_sql = self.sql
        else:
            limit, offset = window
            self.current_sql = f"{self.sql} LIMIT %s OFFSET %s"
            params += [limit, offset]
        self.current = tuple(params)
        self.compiler.connection = connections[self.runner.db]
        try:
            return list(self.runner._iterable_class(self.runner))
        finally:
            self.current = ()

    def scalar(self, args: Sequence[Any]) -> Any:
        """The first column of the first row (a count query's answer)."""
        with connections[self.runner.db].cursor() as cursor:
            cursor.execute(self.sql, self._params(args))
            row = cursor.fetchone()
        return row[0] if row else None


class PreparedQuery:
    """A queryset-building function whose SQL is compiled once per shape (see the module)."""

    def __init__(self, build: Callable[..., Any], keys: int = 0):
        self.build = build
        self.keys = keys
        self._local = threading.local()
        self.__doc__ = build.__doc__
        self.__name__ = getattr(build, "__name__", "prepared")

    def __call__(self, *args: Any) -> list:
        entry = self._entry(args, "rows")
        if entry is None:
            return list(self.build(*args))
        return entry.run(args)

    def window(self, *args: Any, offset: int, limit: int) -> list:
        """Rows ``offset`` to ``offset + limit`` of what ``build(*args)`` gives."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit cannot be negative")
        if limit == 0:
            return []
        entry = self._entry(args, "rows")
        if entry is None:
            return list(self.build(*args)[offset : offset + limit])
        return entry.run(args, window=(limit, offset))

    def count(self, *args: Any) -> int:
        """How many rows ``build(*args)`` gives (``queryset.count()``)."""
        entry = self._entry(args, "count")
        if entry is None:
            return self.build(*args).count()
        return int(entry.scalar(args))

    def _entry(self, args: Sequence[Any], form: str) -> _Compiled | None:
        shape = _shape(args, self.keys)
        if shape is None:
            return None
        compiled: dict = self._local.__dict__.setdefault("compiled", {})
        key = (_alias(), form, shape)
        entry = compiled.get(key)
        if entry is None:
            if len(compiled) >= MAX_SHAPES:
                return None
            entry = compiled[key] = self._compile(args, form)
        if not isinstance(entry, _Compiled) or entry.slots is None:
            return None
        return entry

    def _compile(self, args: Sequence[Any], form: str) -> _Compiled | object:
        standins: list[Any] = list(args[: self.keys])
        slots: dict[Any, tuple[int, int | None]] = {}
        counter = _STANDIN_BASE

        def standin(value: Any, place: tuple[int, int | None]) -> Any:
            nonlocal counter
            counter -= 2
            made = counter if type(value) is int else _standin_text(counter)
            slots[made] = place
            return made

        for position in range(self.keys, len(args)):
            arg = args[position]
            if isinstance(arg, (list, tuple)):
                standins.append([standin(value, (position, item)) for item, value in enumerate(arg)])
            else:
                standins.append(standin(arg, (position, None)))
        try:
            queryset = self.build(*standins)
            if form == "count":
                queryset = _count_query(queryset)
            return _Compiled(queryset, slots)
        except (ValueError, TypeError, EmptyResultSet, FullResultSet):
            # The stand-ins went where a queryset takes no such value (an integer column takes
            # no string, a small integer no stand-in): such a query is run as it is.
            return _UNPREPARABLE

    def forget(self) -> None:
        """Drop this thread's compiled shapes (tests that change the database settings)."""
        self._local.__dict__.pop("compiled", None)


def _count_query(queryset):
    """A queryset whose compiled SQL is ``SELECT COUNT(*) FROM (<queryset's rows>)``, kept by
    ``_Compiled`` for ``scalar``: the rows' query without its ordering, one column."""
    inner = queryset.order_by().values("pk")
    compiler = inner.query.get_compiler(using=inner.db)
    inner_sql_of = compiler.as_sql

    def as_sql(*args, **kwargs):
        sql, params = inner_sql_of(*args, **kwargs)
        # Django compiled sql with its values as parameters; only the wrapper is text.
        return f"SELECT COUNT(*) FROM ({sql}) prepared_count", params  # noqa: S608

    compiler.as_sql = as_sql
    inner.query.get_compiler = lambda *args, **kwargs: compiler
    return inner


def prepared(build: Callable[..., Any] | None = None, *, keys: int = 0):
    """Decorator: ``build(*keys, *values)`` returns a queryset; calling the result returns the
    list that queryset gives, with its SQL compiled once per shape. ``@prepared`` or
    ``@prepared(keys=n)`` (see the module)."""
    if build is None:
        return lambda function: PreparedQuery(function, keys)
    return PreparedQuery(build, keys)


def _shape(args: Sequence[Any], keys: int = 0) -> tuple | None:
    shape: list[Any] = [("key", arg) for arg in args[:keys]]
    for arg in args[keys:]:
        kind = type(arg)
        if kind is int or kind is str:
            shape.append(kind.__name__)
        elif isinstance(arg, (list, tuple)) and arg and all(type(v) is type(arg[0]) for v in arg):
            if type(arg[0]) not in (int, str):
                return None
            shape.append((type(arg[0]).__name__, len(arg)))
        else:
            return None
    try:
        hash(tuple(shape))
    except TypeError:
        return None
    return tuple(shape)


def _alias() -> str:
    # The project reads and writes one database; a router would make this per model.
    return "default"
