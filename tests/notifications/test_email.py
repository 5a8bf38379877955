"""Notifications by e-mail through a real SMTP server on loopback (aiosmtpd), not a mock."""

from __future__ import annotations

import time
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from app.config import get_settings
from app.db import make_engine, session_scope
from app.migrate import upgrade_to_head
from app.notifications.models import Notification
from app.notifications.service import notify
from app.users.models import User
from app.users.passwords import hash_password
from tests.conftest import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("DATAWAARDEN_SMTP_URL", f"smtp://127.0.0.1:{port}")
    get_settings.cache_clear()
    yield inbox
    controller.stop()
    monkeypatch.delenv("DATAWAARDEN_SMTP_URL")
    get_settings.cache_clear()


@pytest.fixture
def fresh_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'mail.db'}")
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        for email, locale in (("nl@example.org", "nl"), ("en@example.org", "en")):
            session.add(
                User(
                    email=email,
                    name=email.split("@")[0],
                    password_hash=hash_password("x" * 12),
                    locale=locale,
                )
            )
    yield engine
    engine.dispose()


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_it_sends_each_recipient_an_email_in_their_language_after_commit(smtp, fresh_engine):
    with session_scope(fresh_engine) as session:
        users = list(session.exec(select(User)).all())
        notify(
            session,
            recipients=users,
            kind="changes_requested",
            assessment_id=None,
            params={"ref": "DW-2026-0007", "title": "Tellingen", "actor": "Bea"},
        )
        assert smtp.messages == []  # nothing leaves before the transaction commits
    messages = smtp.wait_for(2)
    by_recipient = {m["To"]: m for m in messages}
    assert _subject(by_recipient["nl@example.org"]) == "Aanpassingen gevraagd voor DW-2026-0007"
    assert _subject(by_recipient["en@example.org"]) == "Changes requested for DW-2026-0007"
    body = by_recipient["en@example.org"].get_payload(decode=True).decode()
    assert "Tellingen" in body and get_settings().base_url in body
    with session_scope(fresh_engine) as session:
        assert len(session.exec(select(Notification)).all()) == 2


def test_it_sends_nothing_when_the_transaction_is_rolled_back(smtp, fresh_engine):
    with pytest.raises(RuntimeError), session_scope(fresh_engine) as session:
        users = list(session.exec(select(User)).all())
        notify(
            session,
            recipients=users,
            kind="submitted",
            assessment_id=None,
            params={"ref": "DW-2026-0008", "title": "T", "actor": "A"},
        )
        raise RuntimeError("refused")
    time.sleep(
        0.5
    )  # give a wrongly started sender time to deliver, so the assertion means something
    assert smtp.messages == []
