"""The Algoritmeregister 1.0 document of an assessment about an algorithm, built from the answers
and checked against the register's own configuration (register_standard) before it is offered.

Which answer fills which field is in the questionnaire file (`register_field` on a question,
`register_value` on an option), so the mapping is visible and versioned with the questionnaire:

- text and choice questions fill the field they name; choices give their `register_value`, and
  for fields with permitted values (category, status) only permitted values are kept;
- `impacttoetsen_grouping` (a multiple choice of assessments that were *carried out*): one item
  per chosen option, titled by its `register_value`, linked by the question `<option id>_url`
  when the questionnaire has one and it was answered. This assessment itself always comes first;
- `lawful_basis_grouping` (a choice of GDPR ground): the ground, linked to the GDPR; links in
  the answer of the `lawful_basis` question become items as well;
- `source_data_grouping` (a table with `name`, `owner` and `link` columns): one item per row
  that has a link (the register requires one)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.archive import register_standard as standard
from app.questionnaires.schema import Question, Questionnaire, QuestionType

PUBLICATION_CATEGORY = {
    "A": "Hoog-risico AI-systeem",
    "B": "Impactvolle algoritmes",
    "C": "Overige algoritmes",
}
GDPR_LINK = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
GROUPINGS = ("impacttoetsen_grouping", "lawful_basis_grouping", "source_data_grouping")
URL_FIELDS = {"website", "url", "publiccode", "process_index_url"}
_URL = re.compile(r"https?://[^\s<>\"'()]+[^\s<>\"'().,;:!?]")


def _truncate(value: str, limit: int | None) -> str:
    return value if limit is None or len(value) <= limit else value[: limit - 1].rstrip() + "…"


def as_register_html(value: str, limit: int) -> str:
    """Plain text as the standard's HTML (only p and br), escaped; its text without the HTML
    (which is what the register counts) within the limit."""
    paragraphs = []
    used = 0
    for paragraph in [p.strip() for p in value.replace("\r\n", "\n").split("\n\n") if p.strip()]:
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        length = sum(len(line) for line in lines)
        if used + length > limit:
            room = limit - used
            if room > 20:
                short = _truncate(" ".join(lines), room)
                paragraphs.append(f"<p>{html.escape(short, quote=False)}</p>")
            break
        paragraphs.append("<p>" + "<br>".join(html.escape(x, quote=False) for x in lines) + "</p>")
        used += length
    return "".join(paragraphs)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Subject:
    """What the document says about the assessment itself, apart from the answers."""

    title: str
    description: str
    reference: str
    organization: str
    link: str  # the public page of this assessment
    category: str | None  # A, B or C from the decision support


def _choice_values(question: Question, value: Any) -> list[str]:
    chosen = value if isinstance(value, list) else [value]
    return [
        option.register_value or option.label.nl
        for option in question.options or []
        if option.id in chosen and not option.exclusive
    ]


def _plain(field: str, question: Question, value: Any) -> Any:
    if question.type in (QuestionType.single_choice, QuestionType.multi_choice):
        values = _choice_values(question, value)
        permitted = standard.permitted_values(field)
        if permitted:
            values = list(dict.fromkeys(v for v in values if v in permitted))
            return values if field == "category" else (values[0] if values else None)
        return ", ".join(values)
    if field in ("begin_date", "end_date"):
        return str(value)[:7] if isinstance(value, str) and len(value) >= 7 else None
    text = str(value)
    spec = standard.configuration().get(field, {})
    limit = spec.get("max_length")
    if spec.get("allowed_html_tags") is not None and isinstance(limit, int):
        return as_register_html(text, limit)
    return _truncate(text, limit if isinstance(limit, int) else None)


def _impact_items(
    q: Questionnaire, question: Question, value: Any, answers: Mapping[str, Any]
) -> list[dict[str, str]]:
    ids = {x.id for x in q.questions()}
    chosen = value if isinstance(value, list) else [value]
    items = []
    for option in question.options or []:
        if option.id not in chosen or option.exclusive:
            continue
        item = {"title": option.register_value or option.label.nl}
        link = answers.get(f"{option.id}_url") if f"{option.id}_url" in ids else None
        if _is_url(link):
            item["link"] = _truncate(
                str(link), standard.max_length("impacttoetsen_grouping", "link")
            )
        items.append(item)
    return items


def _lawful_items(question: Question, value: Any) -> list[dict[str, str]]:
    limit = standard.max_length("lawful_basis_grouping", "title")
    return [
        {"title": _truncate(title, limit), "link": GDPR_LINK}
        for title in _choice_values(question, value)
    ]


def _links_in_text(text: str) -> list[dict[str, str]]:
    """Every link in a legal basis text, titled by the words before it on its line."""
    items = []
    title_limit = standard.max_length("lawful_basis_grouping", "title")
    link_limit = standard.max_length("lawful_basis_grouping", "link") or 500
    for line in text.splitlines():
        start = 0
        for match in _URL.finditer(line):
            words = line[start : match.start()].strip(" \t:;,.-–()[]")
            start = match.end()
            if len(match.group()) > link_limit:
                continue
            items.append(
                {
                    "title": _truncate(words or "Wettelijke basis", title_limit),
                    "link": match.group(),
                }
            )
    return items


def _source_items(value: Any) -> list[dict[str, str]]:
    items = []
    for row in value if isinstance(value, list) else []:
        if not isinstance(row, dict) or not _is_url(row.get("link")) or not row.get("name"):
            continue
        title = str(row["name"]).strip()
        if row.get("owner"):
            title += f" ({str(row['owner']).strip()})"
        items.append(
            {
                "title": _truncate(title, standard.max_length("source_data_grouping", "title")),
                "link": _truncate(
                    str(row["link"]), standard.max_length("source_data_grouping", "link")
                ),
            }
        )
    return items


def register_document(
    q: Questionnaire, answers: Mapping[str, Any], subject: Subject
) -> dict[str, Any]:
    """The document; `register_standard.findings` of it is empty for every answer set the
    questionnaire accepts."""
    document: dict[str, Any] = {}
    own = {
        "title": f"Datawaarden-beoordeling en advies ethische commissie ({subject.reference})",
        "link": _truncate(subject.link, standard.max_length("impacttoetsen_grouping", "link")),
    }
    groupings: dict[str, list[dict[str, str]]] = {
        "impacttoetsen_grouping": [own],
        "lawful_basis_grouping": [],
        "source_data_grouping": [],
    }
    for question in q.questions():
        field = question.register_field
        if not field or question.id not in answers:
            continue
        value = answers[question.id]
        if field == "impacttoetsen_grouping":
            groupings[field] += _impact_items(q, question, value, answers)
        elif field == "lawful_basis_grouping":
            groupings[field] += _lawful_items(question, value)
        elif field == "source_data_grouping":
            groupings[field] += _source_items(value)
        else:
            plain = _plain(field, question, value)
            if plain not in (None, "", []):
                document[field] = plain
            if field == "lawful_basis":
                groupings["lawful_basis_grouping"] += _links_in_text(str(value))
    for field, items in groupings.items():
        unique = list({(i["title"], i.get("link", "")): i for i in items}.values())
        if unique:
            document[field] = unique
    document.update(
        {
            "name": _truncate(subject.title.strip(), standard.max_length("name")),
            "organization": _truncate(
                subject.organization.strip(), standard.max_length("organization")
            ),
            "publication_category": PUBLICATION_CATEGORY[subject.category or "C"],
            "lang": "nld",
            "standard_version": "1.0",
            "source_id": _truncate(subject.reference, standard.max_length("source_id")),
        }
    )
    document.setdefault(
        "description_short",
        _truncate(
            subject.description.strip() or subject.title, standard.max_length("description_short")
        ),
    )
    document.setdefault("status", "In ontwikkeling")
    for url_field in URL_FIELDS:
        if url_field in document and not _is_url(document[url_field]):
            del document[url_field]
    return dict(sorted(document.items()))
