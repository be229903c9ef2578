"""Querysets whose SQL is built once per process, then run again with new values.

Building a queryset's SQL is Django's compiler working out joins, columns, aliases and converters,
and for the small indexed reads that make up a page it costs more than running them: on SQLite,
0.8 ms to build a one-topic lookup against 0.5 ms to run it and make the object, and 2.7 ms to
build the topic page's header query with its six joins (``bench/render_cost.py --profile``).
A page that is not in the page cache pays that on every request.

``prepared(build)`` wraps a function that returns a queryset for integer arguments (primary keys,
or lists of them). The first call for a *shape* (each argument a number, or a list of some
length) builds the queryset with stand-in numbers, compiles it once and notes where each
stand-in landed among the SQL's parameters. Every later call of that shape puts the real values
in those places and runs the same SQL. The rows become objects through the queryset's own
iterable, so a prepared call returns what ``list(build(*args))`` returns (model instances with
their ``select_related`` objects, or ``values_list`` rows), and costs the same number of queries.

Limits, each falling back to running ``build(*args)`` as usual:

- only integers and lists of integers are prepared (an empty list too, as Django would answer
  it without a query);
- a query whose SQL does not carry every stand-in as a parameter (Django folded a value into
  the SQL text), or that cannot be built with them (a slice refuses negative numbers), is
  never prepared;
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

from django.db import connections

MAX_SHAPES = 64

# Stand-in values: far below any primary key, and distinct for each position.
_STANDIN_BASE = -7_340_000_000_000
_UNPREPARABLE = object()


class _Compiled:
    """One shape of one query: the SQL, its parameters, where each argument goes, and a
    queryset whose iterable runs the kept compiler."""

    __slots__ = ("sql", "params", "slots", "runner", "compiler", "current")

    def __init__(self, queryset, slots_by_standin: dict[int, tuple[int, int | None]]):
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        slots: list[tuple[int, int, int | None]] = []
        for index, value in enumerate(params):
            if type(value) is int and value in slots_by_standin:
                arg, item = slots_by_standin[value]
                slots.append((index, arg, item))
        complete = len(slots) == len(slots_by_standin) and not queryset._prefetch_related_lookups
        self.slots = slots if complete else None
        self.sql, self.params, self.compiler = sql, params, compiler
        self.current: tuple = ()
        # The compiler has worked out its columns, joins and converters: keep them, and answer
        # its as_sql() with the kept SQL and this call's parameters.
        compiler.as_sql = self._as_sql
        converters = compiler.get_converters([s[0] for s in compiler.select[0 : compiler.col_count]])
        compiler.get_converters = lambda expressions: converters
        runner = queryset._chain()
        runner.query.get_compiler = lambda *args, **kwargs: compiler
        self.runner = runner

    def _as_sql(self, *args, **kwargs) -> tuple[str, tuple]:
        return self.sql, self.current

    def run(self, args: Sequence[Any]) -> list:
        params = list(self.params)
        for index, arg, item in self.slots or ():
            params[index] = args[arg] if item is None else args[arg][item]
        self.current = tuple(params)
        self.compiler.connection = connections[self.runner.db]
        try:
            return list(self.runner._iterable_class(self.runner))
        finally:
            self.current = ()


class PreparedQuery:
    """A queryset-building function whose SQL is compiled once per shape (see the module)."""

    def __init__(self, build: Callable[..., Any]):
        self.build = build
        self._local = threading.local()
        self.__doc__ = build.__doc__
        self.__name__ = getattr(build, "__name__", "prepared")

    def __call__(self, *args: Any) -> list:
        shape = _shape(args)
        if shape is None:
            return list(self.build(*args))
        compiled: dict = self._local.__dict__.setdefault("compiled", {})
        alias = _alias()
        key = (alias, shape)
        entry = compiled.get(key)
        if entry is None:
            if len(compiled) >= MAX_SHAPES:
                return list(self.build(*args))
            entry = compiled[key] = self._compile(args)
        if not isinstance(entry, _Compiled) or entry.slots is None:
            return list(self.build(*args))
        return entry.run(args)

    def _compile(self, args: Sequence[Any]) -> _Compiled | object:
        standins: list[Any] = []
        slots: dict[int, tuple[int, int | None]] = {}
        counter = _STANDIN_BASE
        for position, arg in enumerate(args):
            if isinstance(arg, int):
                counter -= 1
                slots[counter] = (position, None)
                standins.append(counter)
            else:
                values = []
                for item in range(len(arg)):
                    counter -= 1
                    slots[counter] = (position, item)
                    values.append(counter)
                standins.append(values)
        try:
            queryset = self.build(*standins)
        except (ValueError, TypeError):
            # The stand-ins went where a queryset takes no negative number (a slice): such a
            # query is run as it is.
            return _UNPREPARABLE
        return _Compiled(queryset, slots)

    def forget(self) -> None:
        """Drop this thread's compiled shapes (tests that change the database settings)."""
        self._local.__dict__.pop("compiled", None)


def prepared(build: Callable[..., Any]) -> PreparedQuery:
    """Decorator: ``build(*ints_or_int_lists)`` returns a queryset; calling the result returns
    the list that queryset gives, with its SQL compiled once per shape."""
    return PreparedQuery(build)


def _shape(args: Sequence[Any]) -> tuple | None:
    shape: list[int | None] = []
    for arg in args:
        if type(arg) is int:
            shape.append(None)
        elif isinstance(arg, (list, tuple)) and arg and all(type(v) is int for v in arg):
            shape.append(len(arg))
        else:
            return None
    return tuple(shape)


def _alias() -> str:
    # The project reads and writes one database; a router would make this per model.
    return "default"
