"""An audit event's hash is what an outsider computes with any RFC 8785 implementation: the
SHA-256 of the canonical form of the event body (README, "Canonical JSON")."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import rfc8785
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from app.audit.models import AuditEvent
from app.audit.service import GENESIS, event_body, event_hash, record_event

TEXT = st.text(max_size=40)  # any Unicode, control characters and quotes included
SAFE_INT = st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
BODY = st.fixed_dictionaries(
    {
        "prev": TEXT,
        "at": TEXT,
        "actor": st.none() | SAFE_INT,
        "action": TEXT,
        "object_type": TEXT,
        "object_id": TEXT,
        "assessment": st.none() | SAFE_INT,
        "details": TEXT,
    }
)


@given(BODY)
def test_it_writes_an_event_body_exactly_as_rfc_8785_does(body):
    assert event_body(body) == rfc8785.dumps(body)


def test_it_hashes_an_event_as_an_outsider_recomputes_it():
    at = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
    digest = event_hash(
        prev_hash=GENESIS,
        created_at=at,
        actor_id=7,
        action="advice.signed",
        object_type="report",
        object_id="12",
        assessment_id=3,
        details_json='{"naam":"Zoë ‘t Hart"}',
    )
    outsider = rfc8785.dumps(
        {
            "action": "advice.signed",
            "actor": 7,
            "assessment": 3,
            "at": "2026-12-01T09:30:15.123456+00:00",
            "details": '{"naam":"Zoë ‘t Hart"}',
            "object_id": "12",
            "object_type": "report",
            "prev": GENESIS,
        }
    )
    assert digest == hashlib.sha256(outsider).hexdigest()
    # Not ASCII-escaped, compact, sorted: the bytes themselves.
    assert b'"details":"{\\"naam\\":\\"Zo\xc3\xab \xe2\x80\x98t Hart\\"}"' in outsider


def test_it_records_an_event_without_an_object_as_empty_text(db):
    record_event(db, action="system.started", actor_id=None)
    event = db.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
    assert event is not None and event.object_type == "" and event.object_id == ""
