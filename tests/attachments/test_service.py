"""Attaching files to answers: stored once by SHA-256, checked for type, limits and who may,
every change audited, and frozen into the submission's snapshot by hash."""

from __future__ import annotations

import json
import stat

import pytest
from sqlmodel import func, select

from app.assessments import answering, lifecycle
from app.attachments import service
from app.attachments.models import Attachment, Blob
from app.attachments.storage import StoredFileUnreadable, blob_path
from app.audit.models import AuditEvent
from app.canonical import canonical_json, sha256_hex
from app.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, PermissionDenied
from app.i18n import use_locale
from app.users.models import Role
from tests.attachments import files
from tests.attachments.conftest import with_limits
from tests.conftest import COMPLETE_SAMPLE_ANSWERS

LEAD = frozenset({Role.lead})


def attach(db, a, actor, data, name="bewijs.pdf", question="name", **kwargs):  # type: ignore[no-untyped-def]
    return service.add_attachment(
        db,
        assessment=a,
        actor=actor,
        roles=LEAD,
        filename=name,
        data=data,
        question_id=question,
        **kwargs,
    )


def events(db, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_it_stores_a_file_with_the_type_read_from_its_content(db, make_assessment, personas):
    a = make_assessment()
    attachment = attach(db, a, personas["lead"], files.docx(), name="overeenkomst")
    assert attachment.media_type.endswith("wordprocessingml.document")
    assert attachment.filename == "overeenkomst.docx"
    assert attachment.sha256 == sha256_hex(files.docx())
    assert service.read_blob(db, attachment.sha256) == files.docx()
    assert service.attachments_of_answers(db, a.id) == {"name": [attachment]}


def test_it_stores_the_same_bytes_once(db, make_assessment, personas):
    first, second = make_assessment(), make_assessment(title="Ander project")
    one = attach(db, first, personas["lead"], files.png(), name="a.png")
    two = attach(db, second, personas["lead"], files.png(), name="b.png")
    again = attach(db, first, personas["lead"], files.png(), name="c.png", question="personal")
    assert one.sha256 == two.sha256 == again.sha256
    count = db.exec(select(func.count()).select_from(Blob).where(Blob.sha256 == one.sha256)).one()
    assert count == 1
    assert len({one.id, two.id, again.id}) == 3


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (files.HTML, "rapport.pdf"),
        (files.SVG, "logo.png"),
        (files.EXE, "dpia.pdf"),
        (files.zip_bomb(), "dpia.docx"),
    ],
)
def test_it_refuses_a_file_of_another_type_and_stores_nothing(
    db, make_assessment, personas, data, name
):
    a = make_assessment()
    before = db.exec(select(func.count()).select_from(Blob)).one()
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        attach(db, a, personas["lead"], data, name=name)
    assert "PDF, ODT, DOCX, XLSX, CSV, PNG, JPEG" in refused.value.detail
    assert "read from the file itself, not from its name" in refused.value.detail
    assert db.exec(select(func.count()).select_from(Blob)).one() == before
    assert service.attachments_of_answers(db, a.id) == {}


def test_it_refuses_a_pdf_named_as_an_image(db, make_assessment, personas):
    with (
        use_locale("en"),
        pytest.raises(InvalidInput, match=r"ends in \.png, but the file is a PDF"),
    ):
        attach(db, make_assessment(), personas["lead"], files.pdf(), name="scan.png")


def test_it_refuses_an_empty_file(db, make_assessment, personas):
    with use_locale("en"), pytest.raises(InvalidInput, match="empty"):
        attach(db, make_assessment(), personas["lead"], b"")


def test_it_refuses_a_file_over_the_limit_per_file(db, make_assessment, personas):
    settings = with_limits(attachment_max_file_mb=1)
    data = files.csv("a;b\r\n" + "x;y\r\n" * 300_000)
    with use_locale("en"), pytest.raises(PayloadTooLarge, match="larger than 1 MB"):
        attach(db, make_assessment(), personas["lead"], data, name="groot.csv", settings=settings)


def test_it_refuses_a_file_that_would_bring_the_assessment_over_its_limit(
    db, make_assessment, personas
):
    settings = with_limits(attachment_max_file_mb=1, attachment_max_assessment_mb=2)
    a = make_assessment()
    for n in range(2):
        attach(
            db,
            a,
            personas["lead"],
            files.csv(f"n;{n}\r\n" + "x;y\r\n" * 150_000),
            name=f"{n}.csv",
            settings=settings,
        )
    with use_locale("en"), pytest.raises(PayloadTooLarge, match="at most 2 MB together"):
        attach(
            db,
            a,
            personas["lead"],
            files.csv("n;3\r\n" + "x;y\r\n" * 150_000),
            name="3.csv",
            settings=settings,
        )
    # A removed file no longer counts.
    first = service.attachments_of_answers(db, a.id)["name"][0]
    service.remove_attachment(db, assessment=a, actor=personas["lead"], attachment_id=first.id)
    attach(
        db,
        a,
        personas["lead"],
        files.csv("n;3\r\n" + "x;y\r\n" * 150_000),
        name="3.csv",
        settings=settings,
    )


def test_it_refuses_more_files_than_an_answer_may_have(db, make_assessment, personas):
    settings = with_limits(attachment_max_per_answer=2)
    a = make_assessment()
    attach(db, a, personas["lead"], files.csv("a\r\n"), name="1.csv", settings=settings)
    attach(db, a, personas["lead"], files.csv("b\r\n"), name="2.csv", settings=settings)
    with use_locale("en"), pytest.raises(InvalidInput, match="at most 2 attachments"):
        attach(db, a, personas["lead"], files.csv("c\r\n"), name="3.csv", settings=settings)
    attach(
        db,
        a,
        personas["lead"],
        files.csv("c\r\n"),
        name="3.csv",
        question="personal",
        settings=settings,
    )


def test_only_the_authors_may_attach_and_only_while_the_assessment_can_be_changed(
    db, make_assessment, personas, submitted
):
    a = make_assessment()
    for key in ("lead2", "board", "chair"):
        with pytest.raises(PermissionDenied):
            attach(db, a, personas[key], files.pdf())
    with pytest.raises(Conflict):
        attach(db, submitted, personas["lead"], files.pdf())
    with pytest.raises(NotFound):
        attach(db, a, personas["lead"], files.pdf(), question="no-such-question")
    assert (
        db.exec(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.assessment_id.in_([a.id, submitted.id]))
        ).one()
        == 0
    )


def test_a_conditions_evidence_needs_the_callers_permission(db, submitted, personas):
    from app.assessments.models import Submission
    from app.reviews.models import Advice, AdviceCondition

    a = submitted
    submission = db.exec(select(Submission).where(Submission.assessment_id == a.id)).one()
    advice = Advice(
        assessment_id=a.id,
        submission_id=submission.id,
        round=1,
        outcome="conditional",
        summary="",
        rationale_json="{}",
        drafted_by_id=personas["board"].id,
    )
    db.add(advice)
    db.flush()
    condition = AdviceCondition(advice_id=advice.id, number=1, text="Publiceer.", owner="Team")
    db.add(condition)
    db.flush()
    kwargs = {
        "assessment": a,
        "actor": personas["lead2"],
        "roles": LEAD,
        "filename": "bewijs.pdf",
        "data": files.pdf(),
    }
    with pytest.raises(PermissionDenied):
        service.add_attachment(db, condition_id=condition.id, **kwargs)
    with pytest.raises(NotFound):
        service.add_attachment(db, condition_id=condition.id + 1000, permitted=True, **kwargs)
    with pytest.raises(InvalidInput):
        service.add_attachment(
            db, condition_id=condition.id, question_id="name", permitted=True, **kwargs
        )
    evidence = service.add_attachment(db, condition_id=condition.id, permitted=True, **kwargs)
    assert service.attachments_of_conditions(db, [condition.id]) == {condition.id: [evidence]}
    assert service.attachments_of_answers(db, a.id) == {}


def test_removing_keeps_the_row_and_is_refused_once_submitted(db, make_assessment, personas):
    a = make_assessment()
    kept = attach(db, a, personas["lead"], files.jpeg(), name="foto.jpg")
    gone = attach(db, a, personas["lead"], files.png(), name="schets.png")
    with pytest.raises(PermissionDenied):
        service.remove_attachment(db, assessment=a, actor=personas["lead2"], attachment_id=gone.id)
    service.remove_attachment(db, assessment=a, actor=personas["lead"], attachment_id=gone.id)
    assert gone.removed_at is not None and gone.removed_by_id == personas["lead"].id
    assert service.attachments_of_answers(db, a.id) == {"name": [kept]}
    with pytest.raises(Conflict):
        service.remove_attachment(db, assessment=a, actor=personas["lead"], attachment_id=gone.id)
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    with pytest.raises(Conflict):
        service.remove_attachment(db, assessment=a, actor=personas["lead"], attachment_id=kept.id)
    other = make_assessment(title="Ander")
    with pytest.raises(NotFound):
        service.remove_attachment(
            db, assessment=other, actor=personas["lead"], attachment_id=kept.id
        )


def test_every_add_removal_and_download_is_an_audit_event(db, make_assessment, personas):
    a = make_assessment()
    attachment = attach(db, a, personas["lead"], files.odt(), name="dpia.odt")
    service.download(db, attachment=attachment, actor=personas["lead"])
    service.remove_attachment(db, assessment=a, actor=personas["lead"], attachment_id=attachment.id)
    for action in ("attachment.added", "attachment.downloaded", "attachment.removed"):
        event = events(db, action)[-1]
        assert event.assessment_id == a.id and event.object_id == str(attachment.id)
        details = json.loads(event.details_json)
        assert details["sha256"] == attachment.sha256 and details["filename"] == "dpia.odt"
        assert details["question"] == "name"


def test_the_snapshot_lists_the_attachments_of_the_visible_answers_by_hash(
    db, make_assessment, personas
):
    a = make_assessment()
    lead = personas["lead"]
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
        )
    pdf = attach(db, a, lead, files.pdf(), name="dpia.pdf", question="published")
    csv = attach(db, a, lead, files.csv(), name="bronnen.csv", question="name")
    removed = attach(db, a, lead, files.png(), name="oud.png", question="name")
    service.remove_attachment(db, assessment=a, actor=lead, attachment_id=removed.id)
    submission = lifecycle.submit_assessment(db, assessment=a, actor=lead)
    snapshot = json.loads(submission.snapshot_json)
    assert snapshot["attachments"] == [
        {
            "question_id": "name",
            "filename": "bronnen.csv",
            "media_type": "text/csv",
            "size": csv.size,
            "sha256": csv.sha256,
        },
        {
            "question_id": "published",
            "filename": "dpia.pdf",
            "media_type": "application/pdf",
            "size": pdf.size,
            "sha256": pdf.sha256,
        },
    ]
    assert submission.sha256 == sha256_hex(canonical_json(snapshot))


def test_a_snapshot_without_attachments_is_what_it_always_was(db, submitted):
    from app.assessments.models import Submission

    submission = db.exec(select(Submission).where(Submission.assessment_id == submitted.id)).one()
    snapshot = json.loads(submission.snapshot_json)
    assert "attachments" not in snapshot
    assert sorted(snapshot) == [
        "answers",
        "decision_support",
        "department",
        "description",
        "format",
        "questionnaire",
        "reference",
        "submission",
        "submitted_at",
        "submitted_by",
        "title",
    ]


def damage(db, statement: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    """A change past the guard triggers, inside the test's transaction (rolled back after it),
    as someone with write access to the database could make it."""
    from sqlalchemy import text

    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        db.execute(text("DROP TRIGGER dw_guard_blobs_update"))
    db.execute(text(statement), params)


def test_a_damaged_blob_is_never_served(db, make_assessment, personas):
    a = make_assessment()
    attachment = attach(db, a, personas["lead"], files.csv("eigen;inhoud\r\n"), name="x.csv")
    db.flush()
    damage(
        db,
        "UPDATE blobs SET content = :bytes WHERE sha256 = :sha",
        bytes=b"other;bytes\r\n",
        sha=attachment.sha256,
    )
    db.expire_all()
    with (
        use_locale("en"),
        pytest.raises(StoredFileUnreadable, match="no longer matches its SHA-256"),
    ):
        service.read_blob(db, attachment.sha256)


def test_the_database_refuses_to_change_or_delete_a_blob_or_an_attachment(
    db, make_assessment, personas
):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    a = make_assessment()
    attachment = attach(db, a, personas["lead"], files.csv("niet;wijzigen\r\n"), name="x.csv")
    db.commit()
    for statement in (
        "UPDATE blobs SET size = 1 WHERE sha256 = :sha",
        "DELETE FROM blobs WHERE sha256 = :sha",
        "UPDATE attachments SET filename = 'ander.csv' WHERE sha256 = :sha",
        "DELETE FROM attachments WHERE sha256 = :sha",
    ):
        with pytest.raises(DBAPIError, match="sealed"), db.begin_nested():
            db.execute(text(statement), {"sha": attachment.sha256})


def test_with_a_directory_the_bytes_live_in_files_that_are_not_executable(
    db, make_assessment, personas, tmp_path
):
    settings = with_limits(attachment_dir=tmp_path / "bijlagen")
    a = make_assessment()
    attachment = attach(
        db, a, personas["lead"], files.xlsx(), name="bronnen.xlsx", settings=settings
    )
    path = blob_path(tmp_path / "bijlagen", attachment.sha256)
    assert path.read_bytes() == files.xlsx()
    assert path.parent.name == attachment.sha256[:2] and path.name == attachment.sha256[2:]
    mode = path.stat().st_mode
    assert not mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    assert not mode & (stat.S_IRWXG | stat.S_IRWXO)
    assert db.get(Blob, attachment.sha256).content is None
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".upload-")]
    assert service.read_blob(db, attachment.sha256, settings=settings) == files.xlsx()
    path.write_bytes(b"damaged")
    with pytest.raises(StoredFileUnreadable):
        service.read_blob(db, attachment.sha256, settings=settings)
    # Uploading the same bytes again repairs the file.
    attach(db, a, personas["lead"], files.xlsx(), name="opnieuw.xlsx", settings=settings)
    assert service.read_blob(db, attachment.sha256, settings=settings) == files.xlsx()
    path.unlink()
    with use_locale("en"), pytest.raises(StoredFileUnreadable, match="missing"):
        service.read_blob(db, attachment.sha256, settings=settings)
