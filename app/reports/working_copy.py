"""Editable working copies of an assessment (DOCX and ODT): the answers, the decision support
and, when there is one, the advice, for reading and commenting outside the application. They
are marked on every page as unsigned: only the signed PDF report counts."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Literal

from sqlmodel import Session

from app import formatting
from app.assessments import answering, reading
from app.assessments.models import Assessment
from app.assessments.presenters import answer_text, support_view
from app.i18n import _, use_locale
from app.questionnaires import engine
from app.reviews import advising
from app.reviews.models import Advice, Outcome

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_MEDIA_TYPE = "application/vnd.oasis.opendocument.text"

Kind = Literal["title", "mark", "h1", "h2", "p", "label"]


@dataclass
class WorkingCopy:
    """The document as a flat list of blocks, so that both formats show the same content."""

    title: str
    marking: str
    blocks: list[tuple[Kind, str]] = field(default_factory=list)

    def add(self, kind: Kind, text: str) -> None:
        self.blocks.append((kind, text))


def _advice_blocks(
    wc: WorkingCopy, session: Session, advice: Advice, q_values: dict[str, str], locale: str
) -> None:
    from app.reviews.labels import OUTCOME_LABELS

    final = advice.finalised_at is not None
    wc.add("h1", _("Advice") if final else _("Draft advice"))
    wc.add("label", _("Outcome"))
    wc.add("p", str(OUTCOME_LABELS[Outcome(advice.outcome)]))
    wc.add("label", _("Summary"))
    wc.add("p", advice.summary)
    rationale = json.loads(advice.rationale_json or "{}")
    if any(rationale.get(vid) for vid in q_values):
        wc.add("h2", _("Rationale per value"))
        for vid, label in q_values.items():
            if text := rationale.get(vid):
                wc.add("label", label)
                wc.add("p", text)
    conditions = advising.conditions_of(session, advice)
    if conditions:
        wc.add("h2", _("Conditions"))
        for c in conditions:
            if c.due_on:
                line = _(
                    "%(n)s. %(text)s (owner: %(owner)s, due %(due)s)",
                    n=c.number,
                    text=c.text,
                    owner=c.owner,
                    due=formatting.day(c.due_on.isoformat(), locale),
                )
            else:
                line = _(
                    "%(n)s. %(text)s (owner: %(owner)s)", n=c.number, text=c.text, owner=c.owner
                )
            wc.add("p", line)


def gather(
    session: Session, assessment: Assessment, *, locale: str, include_draft: bool
) -> WorkingCopy:
    """The working copy's content in `locale`; an advice that is not final only with
    `include_draft` (the committee's draft is not the authors' to read)."""
    with use_locale(locale):
        version, q = reading.questionnaire_of(session, assessment)
        answers = answering.answer_values(session, assessment)
        ds = engine.decision_support(q, answers)
        support = support_view(q, ds, locale)
        wc = WorkingCopy(
            title=f"{assessment.reference} {assessment.title}",
            marking=_("Working copy — not signed; only the signed PDF counts"),
        )
        wc.add("title", assessment.title)
        wc.add("mark", wc.marking)
        wc.add("label", _("Reference"))
        wc.add("p", assessment.reference)
        wc.add("label", _("Questionnaire"))
        wc.add("p", _("%(key)s, version %(n)s", key=version.key, n=version.version))

        wc.add("h1", _("Decision support"))
        wc.add("label", _("Overall level"))
        wc.add("p", support["overall_label"])
        wc.add("h2", _("Level per value"))
        for v in support["values"]:
            wc.add("p", f"{v['label']}: {v['level_label']}")
        wc.add("h2", _("Obligations"))
        if not support["obligations"]:
            wc.add("p", _("No obligations follow from the answers so far."))
        for o in support["obligations"]:
            wc.add("label", f"{o['title']} ({o['severity_label']})")
            if o["reason"]:
                wc.add("p", _("Why: %(reason)s", reason=o["reason"]))
            if o["description"]:
                wc.add("p", _("What to do: %(what)s", what=o["description"]))

        wc.add("h1", _("Answers"))
        visible = {qq.id for qq in engine.visible_questions(q, answers)}
        for section in q.sections:
            wc.add("h2", section.title.get(locale))
            for question in section.questions:
                if question.id in visible:
                    wc.add("label", question.label.get(locale))
                    wc.add("p", answer_text(question, answers.get(question.id), locale))

        advice = advising.open_advice(session, assessment)
        if advice is not None and (include_draft or advice.finalised_at is not None):
            _advice_blocks(
                wc, session, advice, {v.id: v.label.get(locale) for v in q.values}, locale
            )
    return wc


def to_docx(wc: WorkingCopy) -> bytes:
    """A Word document with real heading styles and the marking in header and footer."""
    import docx
    from docx.shared import RGBColor

    document = docx.Document()
    document.core_properties.title = wc.title
    document.core_properties.subject = wc.marking
    section = document.sections[0]
    section.header.paragraphs[0].text = wc.marking
    section.footer.paragraphs[0].text = wc.marking
    for kind, text in wc.blocks:
        if kind == "title":
            document.add_heading(text, level=0)
        elif kind in ("h1", "h2"):
            document.add_heading(text, level=1 if kind == "h1" else 2)
        elif kind == "mark":
            run = document.add_paragraph().add_run(text)
            run.bold = True
            run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        elif kind == "label":
            document.add_paragraph().add_run(text).bold = True
        else:
            document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_odt(wc: WorkingCopy) -> bytes:
    """An OpenDocument text with heading styles (outline levels) and the marking in header and
    footer of the page style."""
    from odf import opendocument, style, text
    from odf.element import Element

    document = opendocument.OpenDocumentText()
    document.meta.addElement(_dc_title(wc.title))

    def paragraph_style(name: str, size: str, *, bold: bool, color: str = "#000000") -> Element:
        s = style.Style(name=name, displayname=name.replace("_20_", " "), family="paragraph")
        s.addElement(
            style.TextProperties(
                fontsize=size, fontweight="bold" if bold else "normal", color=color
            )
        )
        s.addElement(style.ParagraphProperties(margintop="0.2cm", marginbottom="0.1cm"))
        document.styles.addElement(s)
        return s

    styles = {
        "title": paragraph_style("Title", "20pt", bold=True),
        "h1": paragraph_style("Heading_20_1", "16pt", bold=True),
        "h2": paragraph_style("Heading_20_2", "13pt", bold=True),
        "mark": paragraph_style("Working_20_copy", "12pt", bold=True, color="#b00020"),
        "label": paragraph_style("Label", "11pt", bold=True),
        "p": paragraph_style("Text_20_body", "11pt", bold=False),
    }
    layout = style.PageLayout(name="Page")
    layout.addElement(
        style.PageLayoutProperties(pagewidth="21cm", pageheight="29.7cm", margin="2cm")
    )
    document.automaticstyles.addElement(layout)
    master = style.MasterPage(name="Standard", pagelayoutname=layout)
    for part in (style.Header(), style.Footer()):
        part.addElement(text.P(text=wc.marking, stylename=styles["mark"]))
        master.addElement(part)
    document.masterstyles.addElement(master)

    for kind, content in wc.blocks:
        if kind in ("h1", "h2"):
            level = 1 if kind == "h1" else 2
            document.text.addElement(
                text.H(outlinelevel=level, stylename=styles[kind], text=content)
            )
        else:
            document.text.addElement(text.P(stylename=styles[kind], text=content))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def _dc_title(title: str) -> object:
    from odf import dc

    return dc.Title(text=title)


def filename(assessment: Assessment, extension: str) -> str:
    """E.g. "DW-2026-0001-werkexemplaar.docx" (the reference is ASCII by construction)."""
    slug = _("working-copy")
    return f"{assessment.reference}-{slug}.{extension}"
