"""Hostile input against every form and the JSON API.

Every HTML form and every API endpoint gets random and hostile values: huge strings, control
characters and NUL, emoji, RTL marks, lone surrogates (in JSON, and in multipart forms that name
a charset such as unicode_escape), Unicode digits such as "²" that pass str.isdigit() but not
int(), wrong types (repeated fields where one is expected, numbers as text, nested JSON),
unknown ids and other users' ids, injection strings, invalid dates and URLs. The rules:

* never a 5xx and never a traceback in the body;
* a refused request (4xx) changes no row (all tables are compared before and after);
* API errors are RFC 9457 problem details;
* text from users is shown escaped on every page that shows it (no `<script>` or `on*=` from
  user text), also in the htmx fragments and the exports.

Each test builds a small world (drafts, a submission, an advice, an archive entry, tokens)
through the services and commits it to the test's savepoint, so that a refused request, which
rolls back, cannot take it along.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import Session

from app.archive.models import ArchiveEntry
from app.assessments import answering, lifecycle, reading
from app.assessments.models import AnswerRevision, Assessment, State
from app.db import metadata
from app.reviews import advising, commenting
from app.users.models import LoginThrottle, Role, User, UserRole
from app.users.service import SESSION_COOKIE, create_user, get_user_by_email, start_session
from app.users.tokens import create_token
from app.web.csrf import CSRF_COOKIE, new_seed
from tests.conftest import COMPLETE_SAMPLE_ANSWERS, PASSWORD, PERSONAS, Client

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROBLEM = "application/problem+json"

# --- hostile values ---------------------------------------------------------------------------

HUGE = "A" * 100_000
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x08\x0b\x0c\x1b\x1f\x7f",
    "\r\n\r\n",
    "\t",
    "\u202eevil\u202c",
    "\u200f\u200e\u061c",
    "\u200b\ufeff",
    "😀" * 20,
    "👩\u200d👩\u200d👧\u200d👦",
    "Z\u0364\u0354\u0367\u0311a\u0308\u0356",
    "\uffff\ufffe\U0010ffff",
    "' OR '1'='1' --",
    "'; DROP TABLE users; --",
    '" OR ""="',
    "1 UNION SELECT password_hash FROM users",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "{% raw %}",
    "${7*7}",
    "%(name)s%s%d",
    "{0}{1}",
    "../../../../etc/passwd",
    "%00",
    "0",
    "-1",
    "1",
    "2147483648",
    str(2**63),
    str(-(2**63) - 1),
    "9" * 400,
    "1e400",
    "-1e400",
    "NaN",
    "inf",
    "0x10",
    "1_000",
    "²",
    "①",
    "٣",
    "𝟗",
    "1.5",
    "1,5",
    "1.000.000,5",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "2024-13-01",
    "1899-12-31",
    "20240101",
    "http://[::1",
    "//[",
    "//evil.example/",
    "/\\evil.example",
    "http://",
    "https://ex ample.org",
    "ftp://example.org",
    "data:text/html,<script>alert(1)</script>",
    "true",
    "null",
    "[]",
    "{}",
    HUGE,
    "é" * 100_001,
    "😀" * 50_000,
    "\x00" * 5_000,
    "<" * 100_000,
]
# Lone surrogates cannot be sent in a UTF-8 form; JSON can carry them as \ud800 escapes.
JSON_ONLY_TEXT = ["\ud800", "a\udfffb", "\udbff\udc00\ud800"]
FORM_CHARS = st.characters(exclude_categories=("Cs",))


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each as often as its weight says (one_of does not weigh)."""
    flat = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(range(len(flat))).flatmap(lambda i: flat[i])


def texts(*valid: str) -> st.SearchStrategy[str]:
    """One of the given valid values (half of the time, so that requests also get past the
    first check), a hostile text or a random one."""
    hostile = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(FORM_CHARS, max_size=30))
    if not valid:
        return hostile
    return weighted((1, st.sampled_from(valid)), (1, hostile))


def json_texts(*valid: str) -> st.SearchStrategy[str]:
    """As texts(), and lone surrogates, which JSON can carry."""
    return weighted((5, texts(*valid)), (1, st.sampled_from(JSON_ONLY_TEXT)))


def mostly(*valid: str) -> st.SearchStrategy[str]:
    """A valid value three times in four, else hostile JSON text: gets past the model's checks
    often enough to reach the services."""
    return weighted((3, st.sampled_from(valid)), (1, json_texts()))


def fields(*valid: str) -> st.SearchStrategy[Any]:
    """A form field: absent (None), one value, or the field repeated (a list)."""
    value = texts(*valid)
    return weighted((5, value), (2, st.lists(value, min_size=2, max_size=3)), (1, st.none()))


def forms(**spec: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A form with all the given fields (absent ones dropped), or with only a few of them, and
    sometimes unknown extra fields. A few fields more often pass validation as a whole."""

    def build(values: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in extra.items() if v is not None}
        out.update({k: v for k, v in values.items() if v is not None})
        return out

    extra = st.dictionaries(
        st.sampled_from(["id", "user_id", "lead_id", "state", "version", "is_admin", "role"]),
        fields("1", "admin", "archived"),
        max_size=2,
    )
    few = st.lists(st.sampled_from(sorted(spec)), max_size=3, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: spec[name] for name in names})
    )
    return st.builds(build, weighted((1, st.fixed_dictionaries(spec)), (1, few)), extra)


# Ids in URLs: symbolic names of objects in the world (resolved per test) or hostile text.
HOSTILE_IDS = [
    "0",
    "-1",
    "2147483647",
    "2147483648",
    str(2**63),
    str(2**64),
    str(-(2**63) - 1),
    "abc",
    "1.5",
    "1e3",
    "0x1",
    "%20",
    "١",
    "²",
    "%00",
    "\x00",
    "..",
    "1;DROP TABLE users",
    "9" * 400,
]


def ids(*symbols: str) -> st.SearchStrategy[str]:
    """A named object of the world (most of the time), a hostile id or an unknown number."""
    hostile = st.one_of(
        st.sampled_from(HOSTILE_IDS), st.integers(min_value=1, max_value=10**6).map(str)
    )
    if not symbols:
        return hostile
    return weighted((3, st.sampled_from(symbols)), (2, hostile))


# --- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    """Objects of several users in several states, committed to the test's savepoint."""

    draft: Assessment  # lead's draft, with answers
    other_draft: Assessment  # lead2's draft
    submitted: Assessment  # lead's, submitted, with a committee comment
    advised: Assessment  # lead's, draft advice written by the board
    archived: Assessment  # lead's, in the archive
    objects: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def value(self, symbol: str) -> str:
        """The id of a named object, or the (hostile) text itself as a form value."""
        return str(self.objects[symbol]) if symbol in self.objects else symbol

    def id(self, symbol: str) -> str:
        """The id of a named object, or the (hostile) text itself as a path segment."""
        if symbol in self.objects:
            return str(self.objects[symbol])
        return seg(symbol)


def seg(text: str) -> str:
    """Hostile text as one URL path segment (percent-encoded; URLs have a length limit)."""
    return quote(text[:2000].encode("utf-8", "surrogatepass"), safe="")


def query(params: dict[str, str]) -> dict[str, str]:
    """Hostile query parameters, within the length a URL can have."""
    return {k: v[:2000] for k, v in params.items()}


def _complete(db: Session, a: Assessment, lead) -> None:  # type: ignore[no-untyped-def]
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
        )


@pytest.fixture
def world(db, personas, make_assessment) -> World:  # type: ignore[no-untyped-def]
    lead, board = personas["lead"], personas["board"]
    draft = make_assessment("lead", "Concept van Lia")
    _complete(db, draft, lead)
    answering.save_answer(
        db, assessment=draft, question_id="name", raw="Tweede", base_version=None, actor=lead
    )
    other_draft = make_assessment("lead2", "Concept van Lars")
    answering.save_answer(
        db,
        assessment=other_draft,
        question_id="name",
        raw="Van Lars",
        base_version=None,
        actor=personas["lead2"],
    )
    submitted = make_assessment("lead", "Ingediend")
    _complete(db, submitted, lead)
    lifecycle.submit_assessment(db, assessment=submitted, actor=lead)
    comment = commenting.add_comment(
        db,
        assessment=submitted,
        actor=board,
        roles={Role.board},
        body="Graag toelichten",
        question_id="name",
    )
    advised = make_assessment("lead", "Met advies")
    _complete(db, advised, lead)
    lifecycle.submit_assessment(db, assessment=advised, actor=lead)
    other_comment = commenting.add_comment(
        db, assessment=advised, actor=board, roles={Role.board}, body="Algemeen"
    )
    advising.save_advice(
        db,
        assessment=advised,
        actor=board,
        roles={Role.board},
        outcome="conditional",
        summary="Positief, mits gepubliceerd.",
        rationale={"transparent": "Open."},
        conditions=[advising.ConditionInput("Publiceer.", "Team", "2030-01-01")],
        reassess_on="2031-01-01",
    )
    archived = _archived(db, make_assessment, personas)
    revision = db.scalars(
        sa_select(AnswerRevision.id).where(AnswerRevision.assessment_id == draft.id)
    ).first()
    other_revision = db.scalars(
        sa_select(AnswerRevision.id).where(AnswerRevision.assessment_id == other_draft.id)
    ).first()
    own_token, _own_text = create_token(db, user=lead, name="mijn token", expires_days=None)
    other_token, _text = create_token(db, user=personas["lead2"], name="van Lars", expires_days=30)
    db.commit()
    w = World(draft, other_draft, submitted, advised, archived)
    w.objects = {
        "draft": draft.id,
        "other_draft": other_draft.id,
        "submitted": submitted.id,
        "advised": advised.id,
        "archived": archived.id,
        "comment": comment.id,
        "other_comment": other_comment.id,
        "revision": revision,
        "other_revision": other_revision,
        "own_token": own_token.id,
        "other_token": other_token.id,
        **{f"user_{key}": user.id for key, user in personas.items()},
    }
    spare = create_user(
        db,
        email="spare@example.org",
        name="Reserve Gebruiker",
        password=PASSWORD,
        roles={Role.lead},
        check_password=False,
    )
    w.objects["user_spare"] = spare.id or 0
    for key in ("lead", "lead2", "board", "chair", "auditor", "admin"):
        _row, text = create_token(db, user=personas[key], name=f"api {key}", expires_days=None)
        w.tokens[key] = text
    db.commit()
    return w


def _archived(db: Session, make_assessment, personas) -> Assessment:  # type: ignore[no-untyped-def]
    """An assessment in the archive, without the (slow) signing: the state and the archive row
    are written directly, as archive_after_signing would."""
    lead, board, chair = personas["lead"], personas["board"], personas["chair"]
    a = make_assessment("lead", "Gearchiveerd")
    _complete(db, a, lead)
    lifecycle.submit_assessment(db, assessment=a, actor=lead)
    advising.save_advice(
        db,
        assessment=a,
        actor=board,
        roles={Role.board},
        outcome="positive",
        summary="Positief.",
        rationale={},
        conditions=[],
        reassess_on="",
    )
    advising.finalise_advice(db, assessment=a, actor=chair, roles={Role.chair, Role.board})
    a.state = State.archived
    db.add(a)
    db.flush()
    entry_from(db, a, outcome="positive")
    return a


# --- clients ----------------------------------------------------------------------------------


@pytest.fixture
def as_(app, db) -> Iterator[Callable[[str | None], Client]]:  # type: ignore[no-untyped-def]
    """A logged-in client per persona (None: anonymous), made once per test. Server errors come
    back as 500 responses instead of exceptions, so that the assertions can judge them."""
    made: dict[str | None, Client] = {}
    # The rate limit is tested elsewhere; here it would hide code behind 429s.
    app.state.settings = app.state.settings.model_copy(
        update={"api_rate_limit_per_minute": 100_000}
    )

    def _as(key: str | None) -> Client:
        if key not in made:
            c = Client(
                app,
                base_url="http://testserver",
                follow_redirects=False,
                raise_server_exceptions=False,
                headers={"X-Test-Persona": key or "anonymous"},  # named in failure messages
            )
            if key is not None:  # a session as POST /login makes it, without the slow hash
                user = get_user_by_email(db, PERSONAS[key].email)
                assert user is not None
                c.cookies.set(SESSION_COOKIE, start_session(db, user=user, client="testclient"))
                c.cookies.set(CSRF_COOKIE, new_seed())
                db.commit()
            made[key] = c
        return made[key]

    yield _as
    for c in made.values():
        c.close()


# --- the database guard -----------------------------------------------------------------------

# Written by reading (the session and token "last used" touches) or on purpose by a refused
# login (the throttle) or API call (the rate limit counts calls the app then refuses: on PostgreSQL
# in a transaction of its own); the questionnaire definitions are large and no request writes
# them.
IGNORED_TABLES = {"web_sessions", "login_throttles", "api_rate_windows", "questionnaire_versions"}
IGNORED_COLUMNS = {("api_tokens", "last_used_at")}


def snapshot(db: Session, ignore: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every table (but the ones reads may touch)."""
    conn = db.connection()
    out = {}
    for table in metadata.sorted_tables:
        if table.name in IGNORED_TABLES or table.name in ignore:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in IGNORED_COLUMNS]
        query = sa_select(*columns).order_by(*table.primary_key.columns)
        out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


class Guard:
    """Take a snapshot; then judge a response: no 5xx, no traceback, and a refusal changed
    nothing."""

    def __init__(self, db: Session, *, ignore: frozenset[str] = frozenset()) -> None:
        self.db = db
        self.ignore = ignore
        self.before = snapshot(db, ignore)

    def check(self, response, what: str) -> None:  # type: ignore[no-untyped-def]
        status = response.status_code
        what = f"{what} (as {response.request.headers.get('x-test-persona', '?')})"
        assert status < 500, f"{what} -> {status}: {response.text[:500]}"
        assert "Traceback" not in response.text, f"{what}: a traceback in the response"
        if 400 <= status < 500:
            after = snapshot(self.db, self.ignore)
            changed = sorted(t for t in self.before if self.before[t] != after[t])
            assert not changed, f"{what} was refused ({status}) but changed {changed}"


def check_problem(response, what: str) -> None:  # type: ignore[no-untyped-def]
    """An API error is RFC 9457 problem details."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith(PROBLEM), f"{what}: {response.status_code} as {content_type}"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), f"{what}: {body}"
    assert body["status"] == response.status_code, f"{what}: {body}"
    assert all(isinstance(body[k], str) for k in ("type", "title", "detail")), body


def _shortened(form: dict[str, Any]) -> str:
    return repr({k: (v[:40] if isinstance(v, str) else v) for k, v in form.items()})[:300]


# === 1. HTML forms =============================================================================


@HYPOTHESIS
@given(
    form=forms(
        email=fields("lead@example.org", "nobody@example.org", "LEAD@EXAMPLE.ORG "),
        password=fields(PASSWORD, "wrong"),
        next=fields("/", "/assessments", "https://evil.example/"),
    ),
    query_next=texts("/", "/assessments"),
)
@example(form={"email": "x@example.org", "password": "x", "next": "//["}, query_next="/")
@example(
    form={"email": "lead@example.org", "password": PASSWORD, "next": "http://[::1"},
    query_next="/",
)
@example(form={}, query_next="//[")
def test_it_survives_hostile_logins(app, db, form, query_next):
    db.execute(delete(LoginThrottle))  # keep the lock-out from hiding the code behind it
    db.commit()
    # A refused login records the attempt in the audit log on purpose.
    guard = Guard(db, ignore=frozenset({"audit_events"}))
    with Client(
        app,
        base_url="http://testserver",
        follow_redirects=False,
        raise_server_exceptions=False,
        headers={"X-Test-Persona": "anonymous"},
    ) as c:
        guard.check(c.get("/login", params=query({"next": query_next})), "GET /login?next")
        response = c.post_form("/login", form)
        guard.check(response, f"POST /login {_shortened(form)}")
        if response.status_code in (301, 302, 303, 307):
            location = response.headers["location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@HYPOTHESIS
@given(
    persona=st.sampled_from([None, "lead"]),
    form=forms(locale=fields("nl", "en", "de"), next=fields("/", "/assessments")),
)
@example(persona=None, form={"locale": "en", "next": "//["})
def test_it_survives_hostile_language_switches(db, as_, persona, form):
    client = as_(persona)
    guard = Guard(db)
    response = client.post_form("/language", form)
    guard.check(response, f"POST /language {_shortened(form)}")
    if response.status_code == 303:
        location = response.headers["location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@HYPOTHESIS
@given(
    persona=st.sampled_from(["admin", "admin", "lead"]),
    form=forms(
        email=fields("new.user@example.org", "lead@example.org", "a@b"),
        name=fields("Nieuwe Gebruiker"),
        password=fields("Another-Correct-Horse-77", "short"),
        locale=fields("nl", "en"),
        roles=fields("lead", "board", "chair", "auditor", "admin", " lead "),
    ),
    user=ids("user_lead", "user_admin", "user_board", "user_spare"),
    roles=fields("lead", "board", "admin"),
)
def test_it_survives_hostile_user_administration(db, world, as_, persona, form, user, roles):
    client = as_(persona)
    guard = Guard(db)
    guard.check(client.post_form("/admin/users/new", form), f"new user {_shortened(form)}")
    guard = Guard(db)
    data = {"roles": roles} if roles is not None else {}
    url = f"/admin/users/{world.id(user)}/roles"
    guard.check(client.post_form(url, data), f"POST {url} {roles!r:.100}")
    guard = Guard(db)
    if user in world.objects and user != "user_spare":
        user = "user_spare"  # a deactivated persona could no longer log in for the next example
    url = f"/admin/users/{world.id(user)}/deactivate"
    guard.check(client.post_form(url, {}), f"POST {url}")


@HYPOTHESIS
@given(
    persona=st.sampled_from(["lead", "lead", "board"]),
    form=forms(
        title=fields("Een titel"),
        department=fields("Mobiliteit"),
        description=fields("Beschrijving"),
        questionnaire=fields("1", "2", "0", "-1"),
    ),
)
def test_it_survives_hostile_new_assessments(db, world, sample_version, as_, persona, form):
    client = as_(persona)
    guard = Guard(db)
    response = client.post_form("/assessments/new", form)
    guard.check(response, f"POST /assessments/new {_shortened(form)}")


SECTION_FORM = forms(
    **{
        "a-name": fields("Verkeerstellingen"),
        "v-name": fields("0", "1", "2", "3"),
        "a-personal": fields("none", "ordinary", "special"),
        "v-personal": fields("0", "1"),
        "a-people": fields("10", "10000", "1.000.000"),
        "rows-sources": fields("0", "1", "2", "500", "501"),
        "a-sources-0-name": fields("CBS"),
        "a-sources-0-personal": fields("yes", "no", "unknown"),
        "a-sources-1-name": fields("Kadaster"),
        "present-purposes": fields("1"),
        "a-purposes": fields("policy", "enforcement", "service"),
        "a-published": fields("yes", "no", "unknown"),
        "v-published": fields("0", "1"),
        "a-encryption": fields("yes", "no"),
        "a-confidence": fields("1", "5", "6"),
        "a-start": fields("2024-01-01"),
        "a-site": fields("https://example.org"),
        "overwrite": fields("name", "personal", "published"),
        "go": fields("next", "prev", "review", "stay"),
    }
)


@HYPOTHESIS
@given(
    persona=st.sampled_from(["lead", "lead", "lead2", "board"]),
    target=ids("draft", "draft", "other_draft", "submitted"),
    section=texts("profile", "transparency"),
    form=SECTION_FORM,
    htmx=st.booleans(),
)
def test_it_survives_hostile_section_forms(db, world, as_, persona, target, section, form, htmx):
    client = as_(persona)
    url = f"/assessments/{world.id(target)}/sections/{seg(section)}"
    headers = {"HX-Request": "true"} if htmx else {}
    guard = Guard(db)
    response = client.post_form(url, form, headers=headers)
    guard.check(response, f"POST {url[:120]} {_shortened(form)}")


QUESTIONS = [
    "name",
    "personal",
    "people",
    "sources",
    "published",
    "purposes",
    "encryption",
    "confidence",
    "start",
    "site",
]


ANSWERS = {  # valid raw values per question, for the field a-<question>
    "name": ("Verkeerstellingen",),
    "personal": ("none", "ordinary", "special"),
    "people": ("10", "10000", "1.000.000", "10000001"),
    "published": ("yes", "no", "unknown"),
    "purposes": ("policy", "enforcement", "service"),
    "encryption": ("yes", "no"),
    "confidence": ("1", "5", "6"),
    "start": ("2024-01-01", "2201-01-01"),
    "site": ("https://example.org", "javascript:alert(1)"),
    "sources": ("CBS",),
}


@HYPOTHESIS
@given(
    persona=st.sampled_from(["lead", "lead", "lead", "lead2", "board"]),
    target=ids("draft", "draft", "other_draft", "submitted"),
    question=weighted((3, st.sampled_from(QUESTIONS)), (1, texts())),
    answer=st.data(),
    others=SECTION_FORM,
    version=fields("0", "1", "2", "3"),
    overwrite=st.booleans(),
)
@example(
    persona="lead",
    target="draft",
    question="name",
    answer=None,
    others={"a-name": "Nieuw"},
    version="²",
    overwrite=False,
)
def test_it_survives_hostile_autosaves(
    db, world, as_, persona, target, question, answer, others, version, overwrite
):
    form = dict(others)
    if answer is not None:  # the field of the question itself, hostile or valid
        value = answer.draw(fields(*ANSWERS.get(question, ())), label="value")
        if question == "sources":
            form.update({"rows-sources": "1", "a-sources-0-name": value})
        elif value is not None:
            form[f"a-{question}"] = value
    if version is not None:
        form[f"v-{question}"] = version
    if overwrite:
        form["overwrite"] = question
    client = as_(persona)
    url = f"/assessments/{world.id(target)}/answers/{seg(question)}"
    guard = Guard(db)
    response = client.post_form(url, form, headers={"HX-Request": "true"})
    guard.check(response, f"POST {url[:120]} {_shortened(form)}")


@HYPOTHESIS
@given(
    persona=st.sampled_from(["lead", "lead2", "board"]),
    target=ids("draft", "draft", "other_draft", "submitted"),
    email=fields("lead2@example.org", "lead@example.org", "board@example.org"),
    user=ids("user_lead2", "user_lead", "user_board"),
)
def test_it_survives_hostile_coauthor_changes(db, world, as_, persona, target, email, user):
    client = as_(persona)
    url = f"/assessments/{world.id(target)}/coauthors"
    guard = Guard(db)
    data = {"email": email} if email is not None else {}
    guard.check(client.post_form(url, data), f"POST {url} {email!r:.80}")
    url = f"/assessments/{world.id(target)}/coauthors/{world.id(user)}/remove"
    guard = Guard(db)
    guard.check(client.post_form(url, {}), f"POST {url}")


@HYPOTHESIS
@given(
    persona=st.sampled_from(["board", "board", "chair", "lead", "lead2", "auditor"]),
    target=ids("submitted", "submitted", "advised", "draft", "other_draft"),
    form=forms(
        body=fields("Graag toelichten."),
        question_id=fields(*QUESTIONS),
        parent_id=weighted(
            (2, st.sampled_from(["comment", "other_comment"])), (1, texts("1")), (1, st.none())
        ),
    ),
    comment=ids("comment", "other_comment"),
)
@example(
    persona="board",
    target="submitted",
    form={"body": "Een reactie", "parent_id": "²"},
    comment="comment",
)
def test_it_survives_hostile_comments(db, world, as_, persona, target, form, comment):
    if isinstance(form.get("parent_id"), str):
        form = {**form, "parent_id": world.value(form["parent_id"])}
    client = as_(persona)
    url = f"/assessments/{world.id(target)}/comments"
    guard = Guard(db)
    guard.check(client.post_form(url, form), f"POST {url} {_shortened(form)}")
    url = f"/assessments/{world.id(target)}/comments/{world.id(comment)}/resolve"
    guard = Guard(db)
    guard.check(client.post_form(url, {}), f"POST {url}")


@HYPOTHESIS
@given(
    persona=st.sampled_from(["board", "chair", "lead", "auditor"]),
    target=ids("submitted", "submitted", "advised", "draft"),
    section=texts("profile", "transparency"),
    verdict=fields("acceptable", "needs_improvement", "to_correct"),
    note=fields("Graag aanpassen."),
    reason=fields("Ik ken de aanvrager."),
)
def test_it_survives_hostile_verdicts_and_change_requests(
    db, world, as_, persona, target, section, verdict, note, reason
):
    client = as_(persona)
    url = f"/committee/assessments/{world.id(target)}/verdicts/{seg(section)}"
    guard = Guard(db)
    data = {"verdict": verdict} if verdict is not None else {}
    guard.check(client.post_form(url, data), f"POST {url[:120]} {verdict!r:.80}")
    url = f"/committee/assessments/{world.id(target)}/request-changes"
    guard = Guard(db)
    data = {"note": note} if note is not None else {}
    guard.check(client.post_form(url, data), f"POST {url} {note!r:.80}")
    url = f"/committee/assessments/{world.id(target)}/claim"
    guard = Guard(db)
    guard.check(client.post_form(url, {}), f"POST {url}")
    if target not in ("submitted", "advised"):  # a conflict would end the member's part
        url = f"/committee/assessments/{world.id(target)}/conflict"
        guard = Guard(db)
        data = {"reason": reason} if reason is not None else {}
        guard.check(client.post_form(url, data), f"POST {url} {reason!r:.80}")


ADVICE_FORM = forms(
    outcome=fields("positive", "conditional", "negative"),
    summary=fields("Positief advies."),
    **{
        "rationale-transparent": fields("Open genoeg."),
        "rationale-reliable": fields("Betrouwbaar."),
        "rationale-unknown": fields("Bestaat niet."),
        "condition_rows": fields("0", "1", "2", "100", "101"),
        "condition-0-text": fields("Publiceer het dashboard."),
        "condition-0-owner": fields("Team Mobiliteit"),
        "condition-0-due": fields("2030-01-01", ""),
        "condition-1-text": fields("Evalueer."),
        "condition-1-owner": fields("Datateam"),
        "condition-1-due": fields("2030-02-29", "2028-02-29"),
        "reassess_on": fields("2031-01-01", ""),
    },
)


@HYPOTHESIS
@given(
    persona=st.sampled_from(["board", "board", "chair", "lead", "lead2"]),
    target=ids("advised", "advised", "submitted", "draft", "archived"),
    form=ADVICE_FORM,
)
@example(
    persona="board",
    target="advised",
    form={"outcome": "positive", "summary": "Goed.", "condition_rows": "²"},
)
def test_it_survives_hostile_advice_forms(db, world, as_, persona, target, form):
    client = as_(persona)
    url = f"/committee/assessments/{world.id(target)}/advice"
    guard = Guard(db)
    guard.check(client.post_form(url, form), f"POST {url} {_shortened(form)}")


@HYPOTHESIS
@given(
    persona=st.sampled_from(["board", "chair", "lead", "auditor"]),
    target=ids("advised", "advised", "submitted", "archived"),
    form=forms(stance=fields("agree", "disagree", "abstain"), note=fields("Eens.")),
    action=st.sampled_from(["finalise", "new-round"]),
)
def test_it_survives_hostile_opinions(db, world, as_, persona, target, form, action):
    client = as_(persona)
    url = f"/committee/assessments/{world.id(target)}/opinion"
    guard = Guard(db)
    guard.check(client.post_form(url, form), f"POST {url} {_shortened(form)}")
    if persona != "chair":  # the chair finalising ends the opinion rounds for the test
        url = f"/committee/assessments/{world.id(target)}/advice/{action}"
        guard = Guard(db)
        guard.check(client.post_form(url, {}), f"POST {url}")


@HYPOTHESIS
@given(
    persona=st.sampled_from(["board", "chair", "lead", "auditor", "admin"]),
    target=ids("archived", "archived", "advised", "draft"),
    public=fields("1", "0", "01", "1 "),
)
def test_it_survives_hostile_publication_forms(db, world, as_, persona, target, public):
    client = as_(persona)
    url = f"/archive/{world.id(target)}/publication"
    guard = Guard(db)
    data = {"public": public} if public is not None else {}
    guard.check(client.post_form(url, data), f"POST {url} {public!r:.80}")


@HYPOTHESIS
@given(
    persona=st.sampled_from(["lead", "lead2", "auditor"]),
    form=forms(name=fields("Mijn script"), expires_days=fields("1", "30", "3650", "3651", "0")),
    token=ids("own_token", "other_token"),
)
@example(persona="lead", form={"name": "Een token", "expires_days": "²"}, token="own_token")
def test_it_survives_hostile_api_token_forms(db, world, as_, persona, form, token):
    client = as_(persona)
    guard = Guard(db)
    guard.check(
        client.post_form("/account/tokens", form), f"POST /account/tokens {_shortened(form)}"
    )
    url = f"/account/tokens/{world.id(token)}/revoke"
    guard = Guard(db)
    guard.check(client.post_form(url, {}), f"POST {url}")


PDFISH = [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF",
    b"%PDF-1.4\n" + b"\x00" * 1000,
    b"%PDF-" + b"A" * 100_000,
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\nxref\n0 1\n"
    b"0000000000 65535 f \ntrailer\n<< /Size 1 /Root 1 0 R >>\nstartxref\n9999999\n%%EOF",
    b"\x00",
    b"\xff\xfe\xfd",
    b"<script>alert(1)</script>",
    b"{}",
]
UPLOAD_NAMES = st.sampled_from(
    [
        "rapport.pdf",
        "../../etc/passwd",
        "x" * 5000 + ".pdf",
        "\u202efdp.exe",
        "<img src=x onerror=alert(1)>.pdf",
        "",
        "a\x00b.pdf",
        "😀.json",
    ]
)


def uploads(contents: st.SearchStrategy[bytes]) -> st.SearchStrategy[dict[str, Any]]:
    """A multipart body: a file (possibly empty), no file, a text field named file, several
    files, or other fields only."""
    one = st.tuples(UPLOAD_NAMES, contents, st.sampled_from(["application/pdf", "text/html", ""]))
    return st.one_of(
        st.builds(lambda f: {"files": {"file": f}, "data": {}}, one),
        st.builds(lambda t: {"files": None, "data": {"file": t}}, texts("rapport.pdf")),
        st.builds(lambda a, b: {"files": [("file", a), ("file", b)], "data": {}}, one, one),
        st.builds(lambda t: {"files": {"other": ("x.pdf", t)}, "data": {}}, contents),
    )


def _post_upload(client: Client, url: str, upload: dict[str, Any]):  # type: ignore[no-untyped-def]
    data = {**upload["data"], "csrf_token": client.csrf()}
    if upload["files"] is None:
        # a plain multipart field named "file" (no file name): force multipart with a dummy
        return client.post(url, data=data, files={"dummy": ("d.txt", b"d")})
    return client.post(url, data=data, files=upload["files"])


@HYPOTHESIS
@given(
    persona=st.sampled_from([None, "auditor", "lead"]),
    upload=uploads(st.one_of(st.sampled_from(PDFISH), st.binary(max_size=2000))),
    reference=texts("DW-2026-0001"),
)
def test_it_survives_hostile_verification_uploads(
    db, world, dev_pki, as_, persona, upload, reference
):
    client = as_(persona)
    guard = Guard(db)
    guard.check(client.get("/verify", params=query({"reference": reference})), "GET /verify")
    guard = Guard(db)
    guard.check(_post_upload(client, "/verify", upload), "POST /verify")


JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**31, 2**63, 2**64, -(2**63) - 1, 10**400]),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(HOSTILE_TEXT + JSON_ONLY_TEXT),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | st.sampled_from(QUESTIONS), inner, max_size=4)
    ),
    max_leaves=12,
)


def _nested(depth: int) -> bytes:
    return (
        b'{"format": "datawaarden.assessment/1", "answers": ' + b"[" * depth + b"]" * depth + b"}"
    )


ANSWER_VALUES = weighted(
    (2, st.sampled_from([v for values in ANSWERS.values() for v in values])),
    (1, st.lists(st.sampled_from(ANSWERS["purposes"]), max_size=3)),
    (1, st.lists(st.fixed_dictionaries({"name": json_texts("CBS")}), max_size=3)),
    (2, JSON_VALUES),
)
IMPORT_DOCUMENTS = weighted(
    # an export with hostile parts
    (
        4,
        st.builds(
            lambda title, answers, meta: json.dumps(
                {
                    "format": "datawaarden.assessment/1",
                    "title": title,
                    "department": title,
                    "description": title,
                    "questionnaire": meta,
                    "answers": answers,
                }
            ).encode(),
            weighted((3, json_texts("Een titel")), (1, JSON_VALUES)),
            weighted(
                (
                    3,
                    st.dictionaries(
                        weighted((3, st.sampled_from(QUESTIONS)), (1, json_texts())), ANSWER_VALUES
                    ),
                ),
                (1, JSON_VALUES),
            ),
            weighted(
                (
                    3,
                    st.fixed_dictionaries(
                        {"key": weighted((3, st.just("sample")), (1, JSON_VALUES))},
                        optional={"version": JSON_VALUES, "sha256": JSON_VALUES},
                    ),
                ),
                (1, JSON_VALUES),
            ),
        ),
    ),
    (1, st.builds(lambda v: json.dumps(v).encode(), JSON_VALUES)),
    (1, st.sampled_from([_nested(100), _nested(100_000), b"", b"\xff\xfe", b"{", b"[" * 10_000])),
    (1, st.binary(max_size=500)),
)


@HYPOTHESIS
@given(persona=st.sampled_from(["lead", "lead", "board"]), document=IMPORT_DOCUMENTS)
@example(persona="lead", document=_nested(100_000))
@example(
    persona="lead",
    document=json.dumps(
        {
            "format": "datawaarden.assessment/1",
            "title": "x",
            "department": "y",
            "description": "z",
            "questionnaire": {"key": "sample", "version": 2**64},
            "answers": {},
        }
    ).encode(),
)
@example(
    persona="lead",
    document=json.dumps(
        {
            "format": "datawaarden.assessment/1",
            "title": "Met \ud800 een losse surrogaat",
            "department": "y",
            "description": "z",
            "questionnaire": {"key": "sample"},
            "answers": {"name": "ook \udfff hier"},
        }
    ).encode(),
)
def test_it_survives_hostile_imports(db, world, as_, persona, document):
    client = as_(persona)
    guard = Guard(db)
    response = client.post(
        "/assessments/import",
        data={"csrf_token": client.csrf()},
        files={"file": ("export.json", document, "application/json")},
    )
    guard.check(response, f"POST /assessments/import {document[:120]!r}")


CHARSETS = ["unicode_escape", "utf-7", "utf-16", "latin-1", "nonsense", "utf-8"]
FORM_DEP_POSTS = [  # handlers that read the posted form themselves, past FastAPI's validation
    ("lead", "/assessments/{draft}/answers/name", "a-name", {"overwrite": "name"}),
    ("lead", "/assessments/{draft}/answers/sources", "a-sources-0-name", {"rows-sources": "1"}),
    ("lead", "/assessments/{draft}/answers/site", "a-site", {"overwrite": "site"}),
    ("lead", "/assessments/{draft}/sections/profile", "a-name", {"overwrite": "name"}),
    ("board", "/committee/assessments/{advised}/advice", "summary", {"outcome": "positive"}),
    ("board", "/committee/assessments/{advised}/advice", "rationale-reliable", {"summary": "x"}),
    ("board", "/assessments/{submitted}/comments", "body", {"question_id": "name"}),
    ("lead", "/account/tokens", "name", {}),
]


def _multipart(fields: dict[str, str], charset: str) -> bytes:
    """A multipart body whose text is encoded in the charset the request claims (Starlette
    decodes with the charset the client names)."""
    out = b""
    for name, value in fields.items():
        try:
            data = value.encode(charset, "surrogatepass")
        except (LookupError, UnicodeError):
            data = value.encode("utf-8", "surrogatepass")
        out += b'--xx\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (
            name.encode(),
            data,
        )
    return out + b"--xx--\r\n"


@HYPOTHESIS
@given(
    post=st.sampled_from(FORM_DEP_POSTS),
    value=weighted((2, st.sampled_from(JSON_ONLY_TEXT)), (1, texts("Gewone tekst"))),
    charset=st.sampled_from(CHARSETS),
)
@example(post=FORM_DEP_POSTS[3], value="a\ud800b", charset="unicode_escape")
@example(post=FORM_DEP_POSTS[4], value="a\ud800b", charset="unicode_escape")
def test_it_survives_surrogates_smuggled_in_multipart_forms(db, world, as_, post, value, charset):
    """A multipart body may name its own charset: unicode_escape or utf-7 turn bytes into lone
    surrogates, which UTF-8 (the database, the response) cannot hold."""
    persona, route, name, others = post
    client = as_(persona)
    url = route.format(**world.objects)
    body = _multipart({**others, name: value}, charset)
    headers = {
        "X-CSRF-Token": client.csrf(),
        "HX-Request": "true",
        "Content-Type": f"multipart/form-data; boundary=xx; charset={charset}",
    }
    guard = Guard(db)
    response = client.post(url, content=body, headers=headers)
    guard.check(response, f"POST {url} {name}={value[:40]!r} as {charset}")


ROUTES_WITH_IDS = [
    "/assessments/{a}/submit",
    "/assessments/{a}/withdraw",
    "/assessments/{a}/reopen",
    "/assessments/{a}/revisions/{x}/restore",
    "/assessments/{a}/coauthors/{x}/remove",
    "/assessments/{a}/comments/{x}/resolve",
    "/committee/assessments/{a}/claim",
    "/committee/assessments/{a}/conflict",
    "/committee/assessments/{a}/advice/finalise",
    "/committee/assessments/{a}/advice/new-round",
    "/archive/{a}/publication",
    "/account/tokens/{x}/revoke",
    "/admin/users/{x}/roles",
    "/admin/users/{x}/deactivate",
]


@HYPOTHESIS
@given(
    persona=st.sampled_from(["lead", "lead2", "board", "chair", "admin", "auditor"]),
    route=st.sampled_from(ROUTES_WITH_IDS),
    a=ids("draft", "other_draft", "submitted", "advised", "archived"),
    x=ids("revision", "other_revision", "comment", "other_comment", "own_token", "other_token")
    | ids("user_lead", "user_lead2", "user_admin"),
    extra=forms(roles=fields("lead"), reason=fields("x"), public=fields("1")),
)
@example(
    persona="lead",
    route="/assessments/{a}/revisions/{x}/restore",
    a="draft",
    x="other_revision",
    extra={},
)
def test_it_survives_hostile_ids_in_every_form_url(db, world, as_, persona, route, a, x, extra):
    if route.endswith("/deactivate") and x.startswith("user_"):
        x = "user_spare"  # a deactivated persona could no longer log in for the next example
    client = as_(persona)
    url = route.format(a=world.id(a), x=world.id(x))
    guard = Guard(db)
    guard.check(client.post_form(url, extra), f"POST {url} as {persona}")


@HYPOTHESIS
@given(
    persona=st.sampled_from(["board", "auditor", "lead"]),
    params=st.fixed_dictionaries(
        {},
        optional={
            name: texts(*valid)
            for name, valid in {
                "q": ("verkeer",),
                "year": ("2026", "1"),
                "page": ("1", "2", "0"),
                "state": ("submitted", "in_review"),
                "department": ("Mobiliteit",),
                "level": ("high", "low"),
                "value": ("reliable",),
                "outcome": ("positive",),
                "obligation": ("dpo",),
                "questionnaire": ("sample",),
                "sort": ("age", "level", "title", "newest"),
                "reference": ("DW-2026-0001",),
            }.items()
        },
    ),
    page=st.sampled_from(["/archive", "/committee", "/register", "/verify", "/audit"]),
    htmx=st.booleans(),
)
@example(persona="auditor", params={"year": "²"}, page="/archive", htmx=False)
@example(persona="auditor", params={"page": "①"}, page="/register", htmx=False)
@example(persona="auditor", params={"questionnaire": "sample:²"}, page="/archive", htmx=False)
@example(
    persona="auditor", params={"questionnaire": "sample:" + "9" * 30}, page="/archive", htmx=False
)
def test_it_survives_hostile_search_parameters(db, world, as_, persona, params, page, htmx):
    client = as_(persona)
    guard = Guard(db)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(page, params=query(params), headers=headers)
    guard.check(response, f"GET {page} {_shortened(params)}")


# === 2. The JSON API ============================================================================


def _call(
    client: Client,
    world: World,
    method: str,
    url: str,
    *,
    token: str | None,
    body: Any = None,
    raw: bytes | None = None,
    headers: dict[str, Any] | None = None,
):  # type: ignore[no-untyped-def]
    sent = {"X-Test-Persona": f"token {token}", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {world.tokens.get(token, token)}"
    content = raw if raw is not None else json.dumps(body).encode()
    sent.setdefault("Content-Type", "application/json")
    return client.request(method, url, content=content, headers=sent)


def _judge_api(guard: Guard, response, what: str) -> None:  # type: ignore[no-untyped-def]
    guard.check(response, what)
    check_problem(response, what)
    if response.status_code < 300 and response.content:
        response.json()  # a success is JSON


API_PERSONAS = st.sampled_from(["lead", "lead", "lead2", "board", "chair", "auditor"])


def json_objects(
    required: dict[str, st.SearchStrategy[Any]] | None = None,
    **optional: st.SearchStrategy[Any],
) -> st.SearchStrategy[Any]:
    """The model's object with every required field (each value valid or any JSON), with or
    without its optional fields and unknown extra fields; or a partial object; or any JSON."""
    required = required or {}

    def loose(strategies: dict[str, st.SearchStrategy[Any]]) -> dict[str, st.SearchStrategy[Any]]:
        return {k: weighted((3, v), (1, JSON_VALUES)) for k, v in strategies.items()}

    extra = st.dictionaries(
        st.sampled_from(["id", "state", "lead_id", "version", "is_public", "__proto__"]),
        JSON_VALUES,
        max_size=2,
    )
    complete = st.fixed_dictionaries(loose(required), optional=loose(optional))
    partial = st.fixed_dictionaries({}, optional=loose({**required, **optional}))
    return weighted(
        (4, complete),
        (1, st.builds(lambda known, more: {**more, **known}, complete, extra)),
        (1, partial),
        (1, JSON_VALUES),
    )


RAW_BODIES = st.sampled_from(
    [
        b"",
        b"{",
        b"[" * 100_000,
        b"\xff\xfe\x00",
        b"NaN",
        b"1e99999",
        b'{"a": 1, "a": 2}',
        HUGE.encode(),
    ]
)


@HYPOTHESIS
@given(
    persona=API_PERSONAS,
    body=json_objects(
        {
            "title": mostly("Een titel", "😀 \u202e RTL", "a\x00b", "x" * 200),
            "department": mostly("Mobiliteit", "<b>Dienst</b>"),
            "description": mostly("Iets.", "'; DROP TABLE assessments; --"),
            # the default questionnaire of the settings is not in the test database
            "questionnaire_key": mostly("sample", "sample", "nope"),
        },
        questionnaire_version=st.integers() | st.sampled_from([1, 2, 0, -1, 2**63]),
    ),
    raw=weighted((4, st.none()), (1, RAW_BODIES)),
)
@example(
    persona="lead",
    body={"title": "Met \ud800", "department": "x", "description": "y"},
    raw=None,
)
def test_it_survives_hostile_api_assessment_creation(db, world, as_, persona, body, raw):
    client = as_(None)
    guard = Guard(db)
    response = _call(
        client, world, "POST", "/api/v1/assessments", token=persona, body=body, raw=raw
    )
    _judge_api(guard, response, f"POST /api/v1/assessments {body!r:.200}")


@HYPOTHESIS
@given(
    persona=API_PERSONAS,
    target=ids("draft", "draft", "other_draft", "submitted"),
    question=texts(*QUESTIONS),
    body=json_objects(
        {
            "value": st.one_of(
                json_texts("none", "yes", "policy", "Naam", "2024-01-01", "https://x.org", "3"),
                st.lists(json_texts("policy", "service", "enforcement"), max_size=4),
                st.lists(
                    st.dictionaries(st.sampled_from(["name", "personal", "x"]), JSON_VALUES),
                    max_size=4,
                ),
                st.integers(),
                st.floats(),
            ),
            "base_version": st.integers(min_value=0, max_value=5) | st.integers(),
        },
        force=st.booleans(),
    ),
    if_match=texts('W/"1-1"', "*") | st.none(),
)
@example(
    persona="lead",
    target="draft",
    question="name",
    body={"value": "losse \ud800 surrogaat", "base_version": 0, "force": True},
    if_match=None,
)
def test_it_survives_hostile_api_answers(db, world, as_, persona, target, question, body, if_match):
    client = as_(None)
    url = f"/api/v1/assessments/{world.id(target)}/answers/{seg(question)}"
    headers: dict[str, Any] = {}
    if if_match is not None:  # any bytes but line breaks
        headers["If-Match"] = if_match[:2000].encode("utf-8").translate(None, b"\r\n")
    guard = Guard(db)
    response = _call(client, world, "PUT", url, token=persona, body=body, headers=headers)
    _judge_api(guard, response, f"PUT {url[:120]} {body!r:.200}")


COMMITTEE_CALLS = [
    (
        "POST",
        "/api/v1/assessments/{a}/comments",
        json_objects(
            {"body": mostly("Graag toelichten.", "<script>alert(1)</script>", "x" * 5000)},
            question_id=st.sampled_from(QUESTIONS) | json_texts(),
            parent_id=st.integers(min_value=1, max_value=20) | st.integers(),
        ),
    ),
    (
        "PUT",
        "/api/v1/assessments/{a}/verdicts/{s}",
        json_objects({"verdict": mostly("acceptable", "needs_improvement", "to_correct")}),
    ),
    (
        "POST",
        "/api/v1/assessments/{a}/request-changes",
        json_objects(note=json_texts("Aanpassen.")),
    ),
    (
        "PUT",
        "/api/v1/assessments/{a}/advice",
        json_objects(
            {
                "outcome": mostly("positive", "conditional", "negative"),
                "summary": mostly("Positief.", "\x00", "x" * 10_000),
            },
            rationale=st.dictionaries(
                st.sampled_from(["transparent", "reliable", "nope"]) | json_texts(),
                json_texts("Open."),
                max_size=25,
            ),
            conditions=st.lists(
                st.fixed_dictionaries(
                    {"text": json_texts("Doe dit."), "owner": json_texts("Team")},
                    optional={"due_on": json_texts("2030-01-01", "2030-02-30")},
                ),
                max_size=3,
            ),
            reassess_on=json_texts("2031-01-01"),
        ),
    ),
    (
        "PUT",
        "/api/v1/assessments/{a}/opinion",
        json_objects({"stance": mostly("agree", "disagree", "abstain")}, note=json_texts("Eens.")),
    ),
    ("POST", "/api/v1/assessments/{a}/advice/finalise", JSON_VALUES),
    ("POST", "/api/v1/assessments/{a}/submit", JSON_VALUES),
    ("POST", "/api/v1/assessments/{a}/withdraw", JSON_VALUES),
]


@HYPOTHESIS
@given(
    persona=API_PERSONAS,
    call=st.integers(min_value=0, max_value=len(COMMITTEE_CALLS) - 1).flatmap(
        lambda i: st.tuples(
            st.just(COMMITTEE_CALLS[i][0]), st.just(COMMITTEE_CALLS[i][1]), COMMITTEE_CALLS[i][2]
        )
    ),
    target=ids("submitted", "advised", "draft", "other_draft", "archived"),
    section=texts("profile", "transparency"),
    raw=weighted((4, st.none()), (1, RAW_BODIES)),
)
@example(  # pydantic refuses lone surrogates in a str field, not in dict[str, str]
    persona="board",
    call=(
        "PUT",
        "/api/v1/assessments/{a}/advice",
        {"outcome": "positive", "summary": "Goed.", "rationale": {"transparent": "a\ud800"}},
    ),
    target="advised",
    section="profile",
    raw=None,
)
@example(  # the unknown key is echoed in the problem details, which cannot be encoded
    persona="board",
    call=(
        "PUT",
        "/api/v1/assessments/{a}/advice",
        {"outcome": "positive", "summary": "Goed.", "rationale": {"\ud800": "x"}},
    ),
    target="advised",
    section="profile",
    raw=None,
)
def test_it_survives_hostile_api_committee_calls(
    db, world, as_, persona, call, target, section, raw
):
    client = as_(None)
    method, route, body = call
    url = route.format(a=world.id(target), s=seg(section))
    guard = Guard(db)
    response = _call(client, world, method, url, token=persona, body=body, raw=raw)
    _judge_api(guard, response, f"{method} {url[:120]} {body!r:.200}")


API_READS = [
    "/api/v1/questionnaires",
    "/api/v1/questionnaires/{k}/versions/{x}",
    "/api/v1/assessments",
    "/api/v1/assessments/{a}",
    "/api/v1/assessments/{a}/answers",
    "/api/v1/assessments/{a}/decision-support",
    "/api/v1/assessments/{a}/comments",
    "/api/v1/assessments/{a}/report",
    "/api/v1/assessments/{a}/algoritmeregister",
    "/api/v1/assessments/{a}/audit-events",
    "/api/v1/archive",
    "/api/v1/exports/register",
    "/api/v1/nope/{a}",
]
API_QUERY = st.fixed_dictionaries(
    {},
    optional={
        "limit": texts("1", "200", "201", "0"),
        "offset": texts("0", "10000000", "10000001"),
        "state": texts("draft", "submitted", "archived"),
        "q": texts("verkeer"),
        "year": texts("2026", "1899", "2201"),
        "department": texts("Mobiliteit"),
        "outcome": texts("positive"),
        "obligation": texts("dpo"),
    },
)
TOKENS = weighted(
    (6, API_PERSONAS),
    (1, st.sampled_from(["dw_nonsense", "", "dw_" + "x" * 200, "Bearer", "dw_1234_abc;DROP"])),
    (1, st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40)),
    (1, st.none()),
)


@HYPOTHESIS
@given(
    token=TOKENS,
    route=st.sampled_from(API_READS),
    a=ids("draft", "other_draft", "submitted", "advised", "archived"),
    key=texts("sample"),
    version=ids("1"),
    params=API_QUERY,
)
def test_it_survives_hostile_api_reads(db, world, as_, token, route, a, key, version, params):
    client = as_(None)
    url = route.format(a=world.id(a), k=seg(key), x=world.id(version))
    headers = {"X-Test-Persona": f"token {token}"}
    if token is not None:
        headers["Authorization"] = f"Bearer {world.tokens.get(token, token)}"
    guard = Guard(db)
    response = client.get(url, params=query(params), headers=headers)
    _judge_api(guard, response, f"GET {url[:120]} {_shortened(params)}")


@HYPOTHESIS
@given(
    token=TOKENS,
    raw=st.one_of(st.sampled_from(PDFISH), RAW_BODIES, st.binary(max_size=2000)),
    content_type=st.sampled_from(["application/pdf", "application/json", "text/plain", ""]),
)
def test_it_survives_hostile_api_verification(db, world, dev_pki, as_, token, raw, content_type):
    client = as_(None)
    guard = Guard(db)
    response = _call(
        client,
        world,
        "POST",
        "/api/v1/reports/verify",
        token=token,
        raw=raw,
        headers={"Content-Type": content_type},
    )
    _judge_api(guard, response, f"POST /api/v1/reports/verify {raw[:60]!r}")


# === 3. Injected markup is shown as text =======================================================

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
# A fixed set rather than random variants: each payload walks through some forty pages.
XSS_PAYLOADS = [
    *XSS,
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "Ünïcødé 😀 <svg onload=alert(1)> \u202e",
    "</title></script><script>alert(1)</script><!--",
    "Stuurteken \x01\x08\x1b en <b>vet</b> & ]]>",
]
SAFE_SCRIPT_SOURCES = ("/static/",)


def assert_no_injected_markup(html: str, where: str) -> BeautifulSoup:
    """No element or attribute on the page came from the injected text."""
    page = BeautifulSoup(html, "lxml")
    for script in page.find_all("script"):
        assert "alert(1)" not in script.get_text(), f"{where}: an injected <script>"
        src = script.get("src")
        assert src is None or str(src).startswith(SAFE_SCRIPT_SOURCES), f"{where}: script {src}"
    assert not page.select("img[onerror]"), f"{where}: an injected <img onerror>"
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            assert not (name.startswith("on") and "alert" in str(value)), f"{where}: {name}="
            if name in ("href", "src", "action", "formaction"):
                assert not str(value).lower().strip().startswith("javascript:"), f"{where}: {name}"
    return page


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_it_shows_injected_markup_as_text_everywhere(db, as_, personas, sample_version, payload):
    from app.text import strip_invisible, tidy

    lead, board, auditor = as_("lead"), as_("board"), as_("auditor")
    typed = payload[:200]
    short = tidy(typed, single_line=True)  # what a title is stored as: control characters removed

    def page(client: Client, url: str, **kw: Any) -> BeautifulSoup:
        response = client.get(url, **kw)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        return assert_no_injected_markup(response.text, url)

    # a title, department and description
    response = lead.post_form(
        "/assessments/new",
        {
            "title": typed,
            "department": typed,
            "description": payload,
            "questionnaire": str(sample_version.id),
        },
    )
    assert response.status_code == 303, response.text[:500]
    aid = int(response.headers["location"].rsplit("/", 1)[1])
    overview = page(lead, f"/assessments/{aid}")
    assert short in overview.get_text()
    # an answer through htmx, a table cell, and an invalid answer shown back in the fragment
    for question, data in [
        ("name", {"a-name": payload}),
        ("sources", {"rows-sources": "1", "a-sources-0-name": payload}),
        ("site", {"a-site": payload}),
        ("people", {"a-people": payload}),
        ("personal", {"a-personal": "none"}),
        ("published", {"a-published": "yes"}),
    ]:
        response = lead.post_form(
            f"/assessments/{aid}/answers/{question}", data, headers={"HX-Request": "true"}
        )
        assert response.status_code in (200, 422), response.text[:500]
        assert_no_injected_markup(response.text, f"autosave {question}")
    # an invalid section post renders what was typed back into the form
    response = lead.post_form(
        f"/assessments/{aid}/sections/profile",
        {"a-name": payload, "a-people": payload, "a-personal": "ordinary"},
    )
    assert response.status_code == 422
    assert_no_injected_markup(response.text, "section 422")
    for url in [
        "/assessments",
        f"/assessments/{aid}/sections/profile",
        f"/assessments/{aid}/sections/transparency",
        f"/assessments/{aid}/review",
        f"/assessments/{aid}/questions/name/history",
        f"/assessments/{aid}/audit",
    ]:
        page(lead, url)
    export = lead.get(f"/assessments/{aid}/export.json")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/json")
    assert export.json()["title"] == short.strip()
    # As stored: without control characters, and (a short, single-line answer) without
    # bidirectional controls and zero-width characters.
    answer = strip_invisible(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", payload)).strip()
    assert export.json()["answers"]["name"] == answer

    # the committee's pages: a comment, a reply, the advice
    assert lead.post_form(f"/assessments/{aid}/submit", {}).status_code == 303
    response = board.post_form(
        f"/assessments/{aid}/comments", {"body": payload, "question_id": "name"}
    )
    assert response.status_code == 303, response.text[:500]
    comment_id = int(re.search(r"comment-(\d+)", response.headers["location"]).group(1))  # type: ignore[union-attr]
    response = lead.post_form(
        f"/assessments/{aid}/comments", {"body": payload, "parent_id": str(comment_id)}
    )
    assert response.status_code == 303, response.text[:500]
    response = board.post_form(
        f"/committee/assessments/{aid}/advice",
        {
            "outcome": "conditional",
            "summary": payload,
            "rationale-transparent": payload,
            "condition_rows": "1",
            "condition-0-text": payload,
            "condition-0-owner": typed,
            "condition-0-due": "",
        },
    )
    assert response.status_code == 303, response.text[:500]
    # an invalid advice renders what was typed back into the form
    response = board.post_form(
        f"/committee/assessments/{aid}/advice",
        {"outcome": payload, "summary": payload, "reassess_on": payload},
    )
    assert response.status_code == 422
    assert_no_injected_markup(response.text, "advice 422")
    assert (
        board.post_form(
            f"/committee/assessments/{aid}/opinion", {"stance": "disagree", "note": payload}
        ).status_code
        == 303
    )
    review = page(board, f"/committee/assessments/{aid}")
    assert (
        tidy(payload) in review.get_text()
    )  # comments keep their text, without control characters
    for url in [
        "/committee",
        f"/committee/assessments/{aid}/advice",
        "/notifications",
    ]:
        page(board, url)
    page(board, "/committee", headers={"HX-Request": "true"})
    for url in [f"/assessments/{aid}/comments", f"/assessments/{aid}", "/notifications"]:
        page(lead, url)
    page(auditor, f"/committee/assessments/{aid}")

    # the archive and the register export
    a = db.get(Assessment, aid)
    assert a is not None
    entry_from(db, a)
    page(auditor, "/archive")
    page(auditor, "/archive", params={"q": payload})
    page(auditor, f"/archive/{aid}")
    csv_export = auditor.get("/archive/export.csv")
    assert csv_export.status_code == 200
    assert csv_export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_export.text)))
    assert short.strip() in [row["title"] for row in rows]
    json_export = auditor.get("/archive/export.json")
    assert json_export.headers["content-type"].startswith("application/json")
    assert short.strip() in [r["title"] for r in json_export.json()["assessments"]]

    # the public register: pages, JSON and the Atom feed (which must stay well-formed XML)
    response = board.post_form(f"/archive/{aid}/publication", {"public": "1"})
    assert response.status_code == 303, response.text[:500]
    anonymous = as_(None)
    page(anonymous, "/register")
    page(anonymous, f"/register/{a.reference}")
    register = anonymous.get("/register.json")
    assert register.headers["content-type"].startswith("application/json")
    assert short.strip() in [advice["title"] for advice in register.json()["advices"]]
    feed = anonymous.get("/register/feed.atom")
    assert feed.status_code == 200
    root = etree.fromstring(feed.content)  # raises on a character XML cannot hold
    titles = [t.text or "" for t in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert any(short.strip() in t for t in titles)

    # a person's name, given by the administrator, shown as a co-author
    db.add(named := User(email="named@example.org", name=short.strip(), password_hash="-"))
    db.flush()
    db.add(UserRole(user_id=named.id or 0, role=Role.lead.value))
    db.commit()
    page(as_("admin"), "/admin/users")
    draft = lead.post_form(
        "/assessments/new",
        {
            "title": "x",
            "department": "y",
            "description": "z",
            "questionnaire": str(sample_version.id),
        },
    ).headers["location"]
    response = lead.post_form(f"{draft}/coauthors", {"email": "named@example.org"})
    assert response.status_code == 303, response.text[:500]
    assert short.strip() in page(lead, draft).get_text()


def entry_from(db: Session, a: Assessment, outcome: str = "conditional") -> None:
    """Put an assessment in the archive index, as signing would."""
    submission = reading.submissions_of(db, a)[-1]
    db.add(
        ArchiveEntry(
            assessment_id=a.id or 0,
            reference=a.reference,
            title=a.title,
            department=a.department,
            description=a.description,
            search_text=a.title,
            questionnaire_key="sample",
            questionnaire_version=1,
            outcome=outcome,
            overall_level="low",
            levels_json='{"reliable":"low","transparent":"low"}',
            obligations=" ",
            created_at=a.created_at,
            submitted_at=submission.submitted_at,
            signed_at=submission.submitted_at,
            year=submission.submitted_at.year,
            retention_until=submission.submitted_at.date().replace(year=2100),
            report_sha256="0" * 64,
        )
    )
    db.commit()
