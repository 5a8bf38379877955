"""Attachments: every test on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from app.config import Settings, get_settings
from tests.conftest import on_both_databases

engine = on_both_databases()


@pytest.fixture
def settings() -> Settings:
    return get_settings()


def with_limits(**values: object) -> Settings:
    """The settings with other attachment settings (attachment_max_file_mb=1, ...)."""
    return get_settings().model_copy(update=values)
