"""The security suites run on SQLite and on PostgreSQL."""

from tests.conftest import on_both_databases

engine = on_both_databases()
