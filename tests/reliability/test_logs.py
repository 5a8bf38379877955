"""Logs never contain answer text, and the signing key's password is never logged or shown."""

from __future__ import annotations

import logging

from sqlalchemy import text

from app.assessments import answering
from app.config import get_settings
from app.reports.signing import load_signing_key

SECRET_ANSWER = "Zeer-Geheime-Antwoordtekst-4711"


def test_it_keeps_answer_text_out_of_the_logs_even_when_something_fails(
    login, make_assessment, db, caplog, engine
):
    a = make_assessment()
    lead = login("lead")
    with caplog.at_level(logging.DEBUG):
        lead.post(
            f"/assessments/{a.id}/answers/name",
            data={"a-name": SECRET_ANSWER, "v-name": "0"},
            headers={"HX-Request": "true", "X-CSRF-Token": lead.csrf()},
        )
        try:  # a database error whose statement carries the answer as a parameter
            with engine.connect() as conn:
                conn.execute(text("INSERT INTO no_such_table VALUES (:v)"), {"v": SECRET_ANSWER})
        except Exception as exc:
            logging.getLogger("datawaarden").error("database error", exc_info=exc)
    assert answering.answer_values(db, a)["name"] == SECRET_ANSWER
    assert SECRET_ANSWER not in caplog.text


def test_it_never_logs_the_signing_password(dev_pki, caplog, monkeypatch, tmp_path):
    password = "Signing-Password-Not-For-Logs-99"
    broken = tmp_path / "broken.p12"
    broken.write_bytes(b"not a pkcs12")
    settings = get_settings().model_copy(
        update={"signing_p12": broken, "signing_p12_password": password}
    )
    with caplog.at_level(logging.DEBUG):
        try:
            load_signing_key(settings)
        except Exception as exc:
            assert password not in str(exc)
    assert password not in caplog.text
    assert password not in repr(settings)
