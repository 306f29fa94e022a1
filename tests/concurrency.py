"""Two requests at once against the test database, as the server would run them.

The fixture ``shared_database`` (import ``shared_database_fixture`` to use it) makes the test
database one that several threads can write to at once the way production does, and
:func:`in_thread` runs a call in a thread with its own connection.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from django.db import connection, connections


@pytest.fixture(name="shared_database")
def shared_database_fixture(tmp_path):
    """The test database as production uses it, for several threads at once.

    PostgreSQL needs nothing. SQLite's in-memory test database (shared cache) answers a
    second writer at once with "database table is locked", where a file database waits for
    the write lock (``transaction_mode`` IMMEDIATE with a busy timeout, as in settings): so on
    SQLite the test runs against a file copy of the test database, and the in-memory one
    comes back afterwards untouched. Request it after the fixtures that fill the database.
    """
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "concurrent.sqlite3"
    in_memory = connections["default"]
    in_memory.ensure_connection()
    copy = sqlite3.connect(path)
    in_memory.connection.backup(copy)
    copy.close()
    settings_dict = in_memory.settings_dict
    name = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)  # every connection opened from now on, in any thread
    on_file = connections.create_connection("default")
    connections["default"] = on_file
    try:
        yield
    finally:
        on_file.close()
        settings_dict["NAME"] = name
        connections["default"] = in_memory


def in_thread(target, results: dict, name: str) -> threading.Thread:
    """Run ``target()`` in a new thread; its result (or exception) lands in ``results[name]``."""

    def run():
        try:
            results[name] = target()
        except Exception as exc:  # handed to the test, which asserts on it
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread
