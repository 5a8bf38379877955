"""The advice report: its content as data, rendered by WeasyPrint as tagged PDF/A-3b with the
frozen snapshot (byte for byte) and the advice embedded as JSON attachments."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import qrcode
import qrcode.image.svg
import weasyprint
from babel.numbers import format_decimal
from sqlmodel import Session

from app import formatting
from app.assessments import reading
from app.assessments.models import Assessment, Submission
from app.assessments.presenters import answer_table, answer_text, support_view
from app.attachments.service import read_blob
from app.canonical import canonical_json, sha256_hex
from app.config import ROOT, Settings
from app.i18n import use_locale
from app.jinja import environment
from app.questionnaires import engine
from app.questionnaires.schema import Question, Questionnaire, QuestionType, Section
from app.reports.consulted import consultation_view
from app.reports.sealed import (
    ADVICE_ATTACHMENT,
    SNAPSHOT_ATTACHMENT,
    advice_document,
    evidence_entries,
    evidence_name,
    public_document,
    public_snapshot,
)
from app.reviews import commenting, judging
from app.reviews.models import Advice, Outcome, Verdict
from app.users.models import User


def verification_path(reference: str) -> str:
    """Where the verification page of a report is, as its QR code and cover give it."""
    return f"/verify?reference={reference}"


def verification_url(settings: Settings, reference: str) -> str:
    return f"{settings.public_url}{verification_path(reference)}"


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI (vector, so it prints sharply)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass(frozen=True)
class Evidence:
    """A file attached to an answer, embedded as an associated file (relationship Supplement)."""

    name: str
    description: str
    data: bytes


@dataclass(frozen=True)
class ReportSource:
    """Everything that goes into a report, gathered before rendering (no database needed then)."""

    context: dict[str, Any]
    snapshot_json: str
    advice_json: str
    title: str
    subject: str
    locale: str
    # The public edition: other descriptions of its attachments.
    public: bool = False
    # The files the snapshot lists, in its order (the public edition carries none).
    evidence: tuple[Evidence, ...] = ()


def _report_text(question: Question, value: Any, locale: str) -> str:
    """An answer as the report prints it: dates and numbers the way the language writes them
    ("1 december 2026", "60.000"), everything else as on the pages."""
    if value not in (None, "") and question.type == QuestionType.date:
        return formatting.day(str(value), locale)
    if isinstance(value, int | float) and question.type == QuestionType.number:
        unit = f" {question.unit.get(locale)}" if question.unit else ""
        return format_decimal(value, locale=locale) + unit
    return answer_text(question, value, locale)


def _principles(q: Questionnaire, sections: list[dict[str, Any]], locale: str) -> list[Any]:
    """The commitments that the report's questions name as their basis, with their text, so
    that a reader can look up a code such as "T1"."""
    used = {code for s in sections for r in s["rows"] for code in r["codes"]}
    return [(p.id, p.text.get(locale)) for p in q.principles if p.id in used]


def _section(
    q: Questionnaire,
    section: Section,
    answers: dict[str, Any],
    visible: set[str],
    verdicts: dict[str, str],
    comments: dict[str | None, list[dict[str, Any]]],
    locale: str,
    attached: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """One chapter of answers, a table answer as a table."""
    from app.reviews.labels import VERDICT_LABELS

    questions = [qq for qq in section.questions if qq.id in visible]
    rows = []
    for qq in questions:
        value = answers.get(qq.id)
        table = None
        if qq.type == QuestionType.table and isinstance(value, list) and value:
            columns, cells = answer_table(qq, value, locale)
            table = {"columns": columns, "rows": cells}
        rows.append(
            {
                "label": qq.label.get(locale),
                "basis": ", ".join(qq.basis),
                "codes": list(qq.basis),
                "text": _report_text(qq, value, locale),
                "table": table,
                "comments": comments.get(qq.id, []),
                "attachments": (attached or {}).get(qq.id, []),
            }
        )
    verdict = verdicts.get(section.id)
    return {
        "id": section.id,
        "title": section.title.get(locale),
        "rows": rows,
        # stored through judging.set_verdict, which accepts only a Verdict
        "verdict": str(VERDICT_LABELS[Verdict(verdict)]) if verdict else None,
    }


def gather(
    session: Session,
    *,
    assessment: Assessment,
    advice: Advice,
    settings: Settings,
    audit_head: str,
    signer: User,
    now: datetime,
) -> ReportSource:
    """Collect the report's content in the assessment's language."""
    from app.reviews.labels import OUTCOME_LABELS, STANCE_LABELS

    locale = assessment.locale
    version, q = reading.questionnaire_of(session, assessment)
    submission = session.get(Submission, advice.submission_id)
    assert submission is not None
    snapshot = json.loads(submission.snapshot_json)
    answers = snapshot["answers"]
    evidence, attached = _evidence(session, snapshot)
    with use_locale(locale):
        visible = {qq.id for qq in engine.visible_questions(q, answers)}
        verdicts = judging.verdicts(session, submission)
        by_question: dict[str | None, list[dict[str, Any]]] = {}
        for thread in commenting.threads(session, assessment):
            if thread.comment.resolved_at is None:
                continue
            by_question.setdefault(thread.comment.question_id, []).append(
                {
                    "author": thread.author,
                    "body": thread.comment.body,
                    "replies": [{"author": name, "body": r.body} for r, name in thread.replies],
                }
            )
        sections = [
            _section(q, section, answers, visible, verdicts, by_question, locale, attached)
            for section in q.sections
        ]
        support = support_view(q, engine.decision_support(q, answers), locale)
        document = advice_document(
            session, assessment=assessment, advice=advice, signer=signer, audit_head=audit_head
        )
        # stored through advising.save_advice, which accepts only an Outcome
        outcome_label = str(OUTCOME_LABELS[Outcome(advice.outcome)])
        context = {
            "locale": locale,
            "org_name": settings.org_name,
            "committee_name": settings.committee_name,
            "a": assessment,
            "q": q,
            "version": version,
            "advice": advice,
            "outcome_label": outcome_label,
            "advice_doc": document,
            "stance_labels": {k: str(v) for k, v in STANCE_LABELS.items()},
            "rationale": [
                (v.label.get(locale), document["rationale"].get(v.id))
                for v in q.values
                if document["rationale"].get(v.id)
            ],
            "consultation": consultation_view(
                document, {v.id: v.label.get(locale) for v in q.values}
            ),
            "sections": sections,
            "principles": _principles(q, sections, locale),
            "general_comments": by_question.get(None, []),
            "support": support,
            "submission": submission,
            "submissions": reading.submissions_of(session, assessment),
            "audit_head": audit_head,
            "signer_name": signer.name,
            "date": now,
            "verify_url": verification_url(settings, assessment.reference),
            "qr": qr_data_uri(verification_url(settings, assessment.reference)),
            "snapshot_sha256": submission.sha256,
            "evidence": [
                {**entry, "question": _label(q, entry["question_id"], locale)}
                for entries in attached.values()
                for entry in entries
            ],
        }
    return ReportSource(
        context=context,
        snapshot_json=submission.snapshot_json,
        advice_json=canonical_json(document),
        title=f"{assessment.reference} {assessment.title}",
        subject=outcome_label,
        locale=locale,
        evidence=evidence,
    )


def _label(q: Questionnaire, question_id: str, locale: str) -> str:
    question = engine.question_by_id(q).get(question_id)
    return question.label.get(locale) if question else question_id


def _evidence(
    session: Session, snapshot: dict[str, Any]
) -> tuple[tuple[Evidence, ...], dict[str, list[dict[str, Any]]]]:
    """The files the snapshot lists with their stored bytes (checked against the hashes), and
    per question what the report prints of them."""
    files = []
    attached: dict[str, list[dict[str, Any]]] = {}
    for number, entry in enumerate(evidence_entries(snapshot), start=1):
        name = evidence_name(number, entry)
        files.append(
            Evidence(
                name,
                f"Attachment to the answer to {entry['question_id']}: {entry['filename']} "
                f"(SHA-256 {entry['sha256']})",
                read_blob(session, entry["sha256"]),
            )
        )
        attached.setdefault(entry["question_id"], []).append({**entry, "name": name})
    return tuple(files), attached


def gather_public(
    session: Session,
    *,
    assessment: Assessment,
    advice: Advice,
    settings: Settings,
    audit_head: str,
    now: datetime,
) -> ReportSource:
    """Collect the content of the public edition: what the committee decided as a body, built
    from the public advice document (`app.reports.sealed.public_document`) and the public
    snapshot only, so that neither the pages nor the attachments can carry a member's name,
    an opinion, a note or a comment. Finish it with `with_edition_of` once the internal
    report's hash is known."""
    from app.reviews.labels import OUTCOME_LABELS

    locale = assessment.locale
    version, q = reading.questionnaire_of(session, assessment)
    submission = session.get(Submission, advice.submission_id)
    assert submission is not None
    snapshot_json = public_snapshot(submission.snapshot_json)
    answers = json.loads(snapshot_json)["answers"]
    with use_locale(locale):
        visible = {qq.id for qq in engine.visible_questions(q, answers)}
        verdicts = judging.verdicts(session, submission)
        sections = [
            _section(q, section, answers, visible, verdicts, {}, locale) for section in q.sections
        ]
        support = support_view(q, engine.decision_support(q, answers), locale)
        document = public_document(
            advice_document(
                session, assessment=assessment, advice=advice, signer=None, audit_head=audit_head
            ),
            committee=settings.committee_name,
            organisation=settings.org_name,
            edition_of=None,
        )
        outcome_label = str(OUTCOME_LABELS[Outcome(advice.outcome)])
        context = {
            "public": True,
            "locale": locale,
            "org_name": settings.org_name,
            "committee_name": settings.committee_name,
            # plain values, not the rows: the template cannot reach anything else through them
            "a": {
                "reference": assessment.reference,
                "title": assessment.title,
                "department": assessment.department,
            },
            "q": q,
            "version": {"key": version.key, "version": version.version, "sha256": version.sha256},
            "advice": {"outcome": advice.outcome, "summary": advice.summary},
            "outcome_label": outcome_label,
            "advice_doc": document,
            "rationale": [
                (v.label.get(locale), document["rationale"].get(v.id))
                for v in q.values
                if document["rationale"].get(v.id)
            ],
            "consultation": consultation_view(
                document, {v.id: v.label.get(locale) for v in q.values}
            ),
            "sections": sections,
            "principles": _principles(q, sections, locale),
            "general_comments": [],
            "support": support,
            "submissions": [
                {"number": s.number, "submitted_at": s.submitted_at}
                for s in reading.submissions_of(session, assessment)
            ],
            "audit_head": audit_head,
            "date": now,
            "finalised_on": (document["finalised_at"] or "")[:10],
            "verify_url": verification_url(settings, assessment.reference),
            "qr": qr_data_uri(verification_url(settings, assessment.reference)),
            "snapshot_sha256": sha256_hex(snapshot_json),
            "edition_of": None,
        }
    return ReportSource(
        context=context,
        snapshot_json=snapshot_json,
        advice_json=canonical_json(document),
        title=f"{assessment.reference} {assessment.title}",
        subject=outcome_label,
        locale=locale,
        public=True,
    )


def with_edition_of(source: ReportSource, report_sha256: str) -> ReportSource:
    """The public edition, bound to the internal report it is the public edition of."""
    document = json.loads(source.advice_json)
    document["edition_of"] = {"report_sha256": report_sha256}
    return replace(
        source,
        advice_json=canonical_json(document),
        context={**source.context, "advice_doc": document, "edition_of": report_sha256},
    )


def render_html(source: ReportSource) -> str:
    with use_locale(source.locale):
        return environment.get_template("pdf/report.html").render(source.context)


def render_pdf(source: ReportSource, *, html: str | None = None) -> bytes:
    """WeasyPrint, PDF/A-3b, tagged (headings, tables with their headers, the chart's text as
    its alternative), with the snapshot and the advice as Data attachments and the files
    attached to the answers as Supplement attachments. Slow (seconds):
    call it from a worker thread, never from an async handler."""
    html = html if html is not None else render_html(source)
    attachments = [
        weasyprint.Attachment(
            string=source.snapshot_json,
            name=SNAPSHOT_ATTACHMENT,
            relationship="Data",
            description="Frozen snapshot of the submission, public edition (canonical JSON)"
            if source.public
            else "Frozen snapshot of the submission (canonical JSON)",
        ),
        weasyprint.Attachment(
            string=source.advice_json,
            name=ADVICE_ATTACHMENT,
            relationship="Data",
            description="The committee's advice, public edition (canonical JSON)"
            if source.public
            else "The committee's advice (canonical JSON)",
        ),
    ]
    attachments.extend(
        weasyprint.Attachment(
            file_obj=io.BytesIO(item.data),
            name=item.name,
            relationship="Supplement",
            description=item.description,
        )
        for item in source.evidence
    )
    document = weasyprint.HTML(string=html, base_url=str(ROOT / "templates" / "pdf"))
    pdf: bytes = document.write_pdf(pdf_variant="pdf/a-3b", attachments=attachments, pdf_tags=True)
    return pdf


def snapshot_matches(attachment: bytes | None, snapshot_json: str) -> bool:
    return attachment is not None and sha256_hex(attachment) == sha256_hex(snapshot_json)
