"""Reads on the survey's hot path, their SQL built once instead of on every request.

Django compiles a queryset's SQL anew each time it runs. For the two reads that every survey
request makes (the invitation behind the link with its scan, organisation, person and unit;
the respondent's draft) compiling cost more CPU than the database did: a quarter to a third of
a web worker's time under load (BENCHMARKS.md, "Respondents answering at once").

A :class:`PreparedRead` builds its ``SELECT`` once per database connection from the models'
metadata, runs it on Django's cursor, converts every column as the ORM does (the backend's and
the field's converters) and builds the instances with ``Model.from_db``, related instances
attached as ``select_related`` attaches them. It returns the same objects as the queryset it
replaces (``tests/test_prepared.py`` compares them field by field on both databases).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


@dataclass(frozen=True)
class _Table:
    model: type[Model]
    alias: str
    fields: tuple[Field, ...]
    parent: int | None  # index of the table whose foreign key leads here
    via: Field | None  # that foreign key
    outer: bool = False  # joined with LEFT OUTER JOIN: a null key on the way here

    @property
    def pk_index(self) -> int:
        return self.fields.index(self.model._meta.pk)


@dataclass(frozen=True)
class _Built:
    sql: str
    tables: tuple[_Table, ...]
    conversions: tuple[tuple[int, Any, tuple[Any, ...]], ...]  # (column index, column, converters)
    where_fields: tuple[Field, ...]


class PreparedRead:
    """At most one ``model`` row matching ``where`` (field names, compared for equality).

    ``related`` lists foreign keys to follow as ``select_related`` does, ``"scan"`` or
    ``"scan__organisation"`` (a path's parent listed before it). With ``first=True`` the
    lowest primary key wins, as ``QuerySet.first()``; otherwise ``where`` must name a unique
    key (as for ``QuerySet.get()``). ``for_update=True`` locks the rows read, as
    ``select_for_update()`` does, where the database can (inside a transaction).
    """

    def __init__(
        self,
        model: type[Model],
        *,
        where: Sequence[str],
        related: Sequence[str] = (),
        first: bool = False,
        for_update: bool = False,
    ):
        self.model = model
        self.where = tuple(where)
        self.related = tuple(related)
        self.first = first
        self.for_update = for_update
        self._built: dict[tuple[str, str], _Built] = {}

    def get(self, **values: Any) -> Model | None:
        """The matching instance, or ``None``; ``values`` give each ``where`` field's value."""
        if set(values) != set(self.where):
            raise TypeError(f"expected values for {self.where}, got {tuple(values)}")
        connection = connections[router.db_for_read(self.model)]
        built = self._build(connection)
        params = [
            field.get_db_prep_value(values[name], connection, prepared=False)
            for name, field in zip(self.where, built.where_fields, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(built.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for index, column, converters in built.conversions:
            for converter in converters:
                row[index] = converter(row[index], column, connection)
        instances: list[Model | None] = []
        start = 0
        for table in built.tables:
            values_of_table = row[start : start + len(table.fields)]
            start += len(table.fields)
            parent = instances[table.parent] if table.parent is not None else None
            if table.parent is not None and parent is None:
                instances.append(None)  # below a missing (null) relation
                continue
            instance = (
                None
                if values_of_table[table.pk_index] is None
                # The values are every concrete field's, in order: from_db needs no names.
                else table.model.from_db(connection.alias, None, values_of_table)
            )
            if table.via is not None:
                table.via.set_cached_value(parent, instance)
            instances.append(instance)
        return instances[0]

    def _build(self, connection) -> _Built:
        key = (connection.alias, connection.vendor)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = self._compose(connection)
        return built

    def _compose(self, connection) -> _Built:
        quote = connection.ops.quote_name
        tables = [_Table(self.model, "t0", tuple(self.model._meta.concrete_fields), None, None)]
        index_of = {"": 0}
        joins = []
        for path in self.related:
            head, _, name = path.rpartition("__")
            if head not in index_of:
                raise ValueError(f"{path!r}: list {head!r} before it")
            parent = tables[index_of[head]]
            via = parent.model._meta.get_field(name)
            if not via.many_to_one:
                raise ValueError(f"{path!r} is not a foreign key")
            model = via.related_model
            alias = f"t{len(tables)}"
            outer = via.null or parent.outer
            kind = "LEFT OUTER JOIN" if outer else "INNER JOIN"
            joins.append(
                f"{kind} {quote(model._meta.db_table)} {alias} ON "
                f"{alias}.{quote(via.target_field.column)} = {parent.alias}.{quote(via.column)}"
            )
            index_of[path] = len(tables)
            tables.append(
                _Table(model, alias, tuple(model._meta.concrete_fields), index_of[head], via, outer)
            )
        where_fields = tuple(self.model._meta.get_field(name) for name in self.where)
        columns = ", ".join(
            f"{table.alias}.{quote(field.column)}" for table in tables for field in table.fields
        )
        conditions = " AND ".join(f"t0.{quote(field.column)} = %s" for field in where_fields)
        sql = f"SELECT {columns} FROM {quote(self.model._meta.db_table)} t0"
        if joins:
            sql += " " + " ".join(joins)
        sql += f" WHERE {conditions}"
        if self.first:
            sql += f" ORDER BY t0.{quote(self.model._meta.pk.column)}"
        sql += " LIMIT 1"
        if self.for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"  # as select_for_update(): held until the transaction ends
        # The ORM's conversion of each column (dates on SQLite, JSON, booleans, ...), with the
        # column it is called with; columns that need none are skipped.
        conversions = []
        selected = (field.get_col(table.alias) for table in tables for field in table.fields)
        for index, column in enumerate(selected):
            converters = (
                *connection.ops.get_db_converters(column),
                *column.get_db_converters(connection),
            )
            if converters:
                conversions.append((index, column, converters))
        return _Built(sql, tuple(tables), tuple(conversions), where_fields)
