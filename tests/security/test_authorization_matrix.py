"""Who may use which route: a matrix generated from the app's own route table.

Every (method, path) of the app must have an entry in EXPECTED that says who may use it and on
which object state; a new route without one fails, and so does an entry whose route is gone.
Each route is then sent by every persona (anonymous, the lead, a co-author, another lead, a
board member, the chair, an auditor, an administrator):

* anonymous: a page redirects (303) to /login, the API answers 401 problem+json;
* a persona who may not: 403 (a few documented entries answer 404 on purpose), and a refused
  request changes no row;
* a persona who may: never 401/403, never a 5xx, never bounced to /login;
* every state-changing page refuses a request without (or with a forged) CSRF token, the API
  refuses a session cookie without the X-CSRF-Token header, and neither changes anything;
  a bearer token needs no CSRF token.

The matrix runs on a committed database of its own (signing opens its own transactions). The
session tests at the end use the ordinary rolled-back fixtures."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

import app.models  # noqa: F401  (every table in the metadata, for the snapshots)
from app.config import Settings, get_settings
from app.db import session_scope
from app.timeutil import utcnow
from app.users.models import ApiToken, Role, User, WebSession
from app.users.service import SESSION_COOKIE
from app.web.csrf import CSRF_COOKIE
from tests.conftest import (
    COMPLETE_SAMPLE_ANSWERS,
    PASSWORD,
    PERSONAS,
    Client,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import build_world

PROBLEM = "application/problem+json"

# --- personas -----------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
COAUTHOR_EMAIL = "coauthor@example.org"
# Every logged-in persona, in the order the matrix tries them.
USERS = ("lead", "coauthor", "lead2", "board", "chair", "auditor", "admin")
ROLES: dict[str, frozenset[Role]] = {
    **{key: frozenset(p.roles) for key, p in PERSONAS.items()},
    "coauthor": frozenset({Role.lead}),
}
EMAILS = {**{key: p.email for key, p in PERSONAS.items()}, "coauthor": COAUTHOR_EMAIL}
BOARD = frozenset({Role.board})
CHAIR = frozenset({Role.chair, Role.board})

# --- the world ----------------------------------------------------------------------------------

# The states an object can be built in, in lifecycle order.
STATES = (
    "draft",
    "submitted",
    "withdrawn",
    "in_review",
    "advice_drafted",
    "advice_final",
    "archived",
    "published",
)
# Tables whose rows change with every request (session touches, the audit trail of reads,
# the API rate limit's counts).
SKIP_TABLES = {"audit_events", "login_throttles", "web_sessions", "api_rate_windows"}
VOLATILE_COLUMNS = {"api_tokens": {"last_used_at"}}


@dataclass(frozen=True)
class Obj:
    """An assessment made for the matrix, with the ids its routes need."""

    id: int
    reference: str
    state: str
    owner: str
    comment_id: int | None = None
    revision_id: int | None = None


@dataclass
class World:
    """A committed database with the personas, a co-author, API tokens, one logged-in client
    per persona and assessments in the states the routes need."""

    engine: Engine
    settings: Settings
    app: Any
    users: dict[str, int]
    clients: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    shared: dict[str, Obj] = field(default_factory=dict)
    import_file: bytes = b""
    sample_version_id: int = 0
    _extra_clients: list[Client] = field(default_factory=list)

    def client(self) -> Client:
        c = Client(self.app, base_url="http://testserver", follow_redirects=False)
        self._extra_clients.append(c)
        return c

    def login(self, key: str) -> Client:
        """A new client with a new session of this persona (or an anonymous one)."""
        c = self.client()
        if key == ANONYMOUS:
            c.get("/login")
            return c
        response = c.post_form("/login", {"email": EMAILS[key], "password": PASSWORD})
        assert response.status_code == 303, response.text
        return c

    def session_client(self, key: str) -> Client:
        """A new client with a new server-side session of this persona, made directly (the
        argon2 check of a real login costs a tenth of a second each)."""
        from app.users.service import start_session

        c = self.client()
        c.get("/login")
        if key != ANONYMOUS:
            with session_scope(self.engine) as session:
                token = start_session(session, user=self.user(session, key), client="matrix")
            c.cookies.set(SESSION_COOKIE, token)
        return c

    def bare(self) -> Client:
        """A client without any cookie, as an API integration would be."""
        c = self.clients["_bare"]
        c.cookies.clear()
        return c

    def close(self) -> None:
        for c in [*self.clients.values(), *self._extra_clients]:
            c.close()

    def user(self, session: Session, key: str) -> User:
        user = session.get(User, self.users[key])
        assert user is not None
        return user

    def fresh(self, state: str, *, owner: str = "lead") -> Obj:
        return build_object(self, state, owner=owner)

    def new_user(self) -> int:
        """A throw-away account for the administrator's routes to change."""
        from app.users.service import create_user

        with session_scope(self.engine) as session:
            user = create_user(
                session,
                email=f"victim-{uuid.uuid4().hex[:8]}@example.org",
                name="Vera Victim",
                password=PASSWORD,
                roles={Role.lead},
                check_password=False,
            )
            return user.id or 0

    def new_token(self, key: str) -> int:
        """A personal API token of a persona, made for a route to revoke."""
        from app.users.tokens import create_token

        with session_scope(self.engine) as session:
            row, _text = create_token(
                session, user=self.user(session, key), name="te intrekken", expires_days=None
            )
            return row.id or 0

    def snapshot(self) -> dict[str, Any]:
        """What a refused request must leave as it was: every row of every table except the
        ones that change with each request, plus the number of (open) sessions."""
        out: dict[str, Any] = {}
        with self.engine.connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                if table.name in SKIP_TABLES:
                    continue
                skip = VOLATILE_COLUMNS.get(table.name, set())
                columns = [c for c in table.columns if c.name not in skip]
                rows = conn.execute(sa_select(*columns).order_by(*table.primary_key.columns)).all()
                out[table.name] = [
                    tuple(hashlib.sha256(v).hexdigest() if isinstance(v, bytes) else v for v in r)
                    for r in rows
                ]
            total, still_open = conn.execute(
                text(
                    "SELECT count(*), coalesce(sum(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END), 0)"
                    " FROM web_sessions"
                )
            ).one()
            out["web_sessions (all, open)"] = (total, still_open)
        return out


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def build_object(world: World, state: str, *, owner: str = "lead") -> Obj:
    """An assessment of the sample questionnaire, driven with the services to `state`.

    Every object of the lead has the co-author; every object has two revisions of the answer
    `name` (the first is the one to restore) and complete answers; from `in_review` on, the
    board member is rapporteur and has commented on `name`."""
    from app.archive.service import archive_after_signing, get_entry, set_public
    from app.assessments import answering, coauthoring, lifecycle
    from app.assessments.models import AnswerRevision
    from app.questionnaires.registry import find_version
    from app.reports.service import sign_report
    from app.reviews import advising, commenting, intake

    level = STATES.index(state)
    with session_scope(world.engine) as session:
        lead = world.user(session, owner)
        board = world.user(session, "board")
        chair = world.user(session, "chair")
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title=f"Matrix {state}",
            department="Mobiliteit",
            description="Een dashboard met open verkeerstellingen.",
            questionnaire=find_version(session, "sample"),
        )
        if owner == "lead":
            coauthoring.add_coauthor(session, assessment=a, email=COAUTHOR_EMAIL, actor=lead)
        answering.save_answer(
            session,
            assessment=a,
            question_id="name",
            raw="Eerste naam",
            base_version=None,
            actor=lead,
        )
        for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
            answering.save_answer(
                session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
            )
        revision_id = session.exec(
            select(AnswerRevision.id)
            .where(AnswerRevision.assessment_id == a.id, AnswerRevision.question_id == "name")
            .order_by(col(AnswerRevision.id))
        ).first()
        comment_id = None
        if level >= STATES.index("submitted"):
            lifecycle.submit_assessment(session, assessment=a, actor=lead)
        if state == "withdrawn":
            lifecycle.withdraw_assessment(session, assessment=a, actor=lead)
        if level >= STATES.index("in_review"):
            intake.claim_rapporteur(session, assessment=a, actor=board, roles=BOARD)
            comment = commenting.add_comment(
                session,
                assessment=a,
                actor=board,
                roles=BOARD,
                body="Licht de naam toe.",
                question_id="name",
            )
            comment_id = comment.id
        if level >= STATES.index("advice_drafted"):
            advising.save_advice(
                session,
                assessment=a,
                actor=board,
                roles=BOARD,
                outcome="conditional",
                summary="De commissie adviseert positief onder een voorwaarde.",
                rationale={},
                # Owned by a party without an account: the authors report on it.
                conditions=[
                    advising.ConditionInput("Publiceer in het register.", "Projectteam", "")
                ],
                reassess_on="",
            )
        if level >= STATES.index("advice_final"):
            advising.finalise_advice(session, assessment=a, actor=chair, roles=CHAIR)
        obj = Obj(a.id or 0, a.reference, state, owner, comment_id, revision_id)
    if level >= STATES.index("archived"):
        sign_report(
            world.engine,
            assessment_id=obj.id,
            actor_id=world.users["chair"],
            roles=CHAIR,
            password=PASSWORD,
            settings=world.settings,
        )
        with session_scope(world.engine) as session:
            archive_after_signing(session, assessment_id=obj.id, actor=world.user(session, "chair"))
            if state == "published":
                set_public(
                    session,
                    entry=get_entry(session, obj.id),
                    public=True,
                    actor=world.user(session, "board"),
                    roles={Role.board},
                )
    return obj


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix_world(request, tmp_path_factory: pytest.TempPathFactory, dev_pki) -> Iterator[World]:  # type: ignore[no-untyped-def]
    from app.archive.exports import assessment_export
    from app.assessments.models import Assessment
    from app.main import create_app
    from app.questionnaires.registry import find_version
    from app.users.service import create_user
    from app.users.tokens import create_token

    url = None
    if request.param == "postgresql":
        skip_without_postgres()
        url = create_postgres_database()
    built = build_world(tmp_path_factory.mktemp("security-db"), url)
    # No rate limit to speak of: the matrix makes far more calls per token than a minute allows.
    settings = get_settings().model_copy(update={"api_rate_limit_per_minute": 100_000})
    application = create_app(settings, engine=built.engine)
    users = dict(built.users)
    with session_scope(built.engine) as session:
        coauthor = create_user(
            session,
            email=COAUTHOR_EMAIL,
            name="Cora Coauthor",
            password=PASSWORD,
            roles={Role.lead},
            check_password=False,
        )
        users["coauthor"] = coauthor.id or 0
    w = World(built.engine, settings, application, users)
    with session_scope(built.engine) as session:
        w.sample_version_id = find_version(session, "sample").id or 0
        for key in USERS:
            _row, token = create_token(
                session, user=w.user(session, key), name=f"matrix {key}", expires_days=None
            )
            w.tokens[key] = token
    for state in ("draft", "submitted", "in_review", "advice_drafted", "archived", "published"):
        w.shared[state] = build_object(w, state)
    w.shared["lead2_draft"] = build_object(w, "draft", owner="lead2")
    with session_scope(built.engine) as session:
        submitted = session.get(Assessment, w.shared["submitted"].id)
        assert submitted is not None
        w.import_file = json.dumps(assessment_export(session, submitted)).encode()
    w.clients[ANONYMOUS] = w.login(ANONYMOUS)
    w.clients["_bare"] = w.client()
    for key in USERS:
        w.clients[key] = w.login(key)
    yield w
    w.close()
    built.engine.dispose()
    if url is not None:
        drop_postgres_database(url)


# --- the authorization table ----------------------------------------------------------------

# Who may use a route. A frozenset of roles means: whoever holds one of these roles.
PUBLIC = "public"  # everybody, also anonymous
ANY_USER = "any_user"  # every logged-in user
AUTHOR = "author"  # the lead and the co-author of the object
LEAD_OF = "lead_of"  # only the lead of the object (not a co-author)
READER = "reader"  # the authors, and board, chair, auditor, admin once it was submitted
COMMITTEE = "committee"  # board members and the chair who are not authors
AUTHOR_OR_COMMITTEE = "author_or_committee"  # replies: the authors and the committee
CHAIR_ONLY = "chair"  # the chair who is not an author
OWNER = "owner"  # the owner of a personal object (the lead's API token)
NOBODY = "nobody"  # nobody: the object does not exist here (404 for everyone)

Who = str | frozenset[Role]
ARCHIVE_ROLES = frozenset({Role.auditor, Role.board, Role.chair, Role.admin})


def allowed(who: Who) -> frozenset[str]:
    """The personas who may use a route with this access rule."""
    if isinstance(who, frozenset):
        return frozenset(p for p in USERS if ROLES[p] & who)
    return {
        PUBLIC: frozenset({ANONYMOUS, *USERS}),
        ANY_USER: frozenset(USERS),
        AUTHOR: frozenset({"lead", "coauthor"}),
        LEAD_OF: frozenset({"lead"}),
        READER: frozenset({"lead", "coauthor", "board", "chair", "auditor", "admin"}),
        COMMITTEE: frozenset({"board", "chair"}),
        AUTHOR_OR_COMMITTEE: frozenset({"lead", "coauthor", "board", "chair"}),
        CHAIR_ONLY: frozenset({"chair"}),
        OWNER: frozenset({"lead"}),
        NOBODY: frozenset(),
    }[who]


@dataclass(frozen=True)
class Body:
    """What a request sends: a form (the CSRF token is added), JSON, an upload or raw bytes."""

    form: dict[str, Any] | None = None
    json: Any = None
    files: dict[str, Any] | None = None
    content: bytes | None = None
    content_type: str | None = None


@dataclass
class Ctx:
    world: World
    obj: Obj | None
    params: dict[str, Any]


BodyFn = Callable[[Ctx, str], Body]
ParamsFn = Callable[[World, "Obj | None"], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """Who may use a route, and on what.

    obj: the state of the assessment in the URL (a fresh one for each state-changing route,
    shared ones for reading); body: what to send; deny: the status a persona who may not gets;
    also: further (state, who, deny) cases, checked leniently (an allowed persona need only not
    be refused: 404/409 are expected there); shared: change a shared object (idempotent routes);
    fresh_client: every persona sends from a new session (login, logout); login_redirect_ok:
    the route itself sends everybody to /login."""

    who: Who
    obj: str | None = None
    body: BodyFn | None = None
    deny: int = 403
    params: ParamsFn | None = None
    also: tuple[tuple[str, Who, int], ...] = ()
    shared: bool = False
    fresh_client: bool = False
    login_redirect_ok: bool = False
    lenient: bool = False


def form(**data: Any) -> BodyFn:
    return lambda ctx, persona: Body(form=data)


def as_json(**data: Any) -> BodyFn:
    return lambda ctx, persona: Body(json=data)


def reply_form(ctx: Ctx, persona: str) -> Body:
    assert ctx.obj is not None
    return Body(form={"body": "Een antwoord.", "parent_id": str(ctx.obj.comment_id)})


def reply_json(ctx: Ctx, persona: str) -> Body:
    assert ctx.obj is not None
    return Body(json={"body": "Een antwoord.", "parent_id": ctx.obj.comment_id})


def new_assessment_form(ctx: Ctx, persona: str) -> Body:
    return Body(
        form={
            "title": "Nieuw dashboard",
            "department": "Mobiliteit",
            "description": "Een nieuw dashboard.",
            "questionnaire": str(ctx.world.sample_version_id),
        }
    )


def new_user_form(ctx: Ctx, persona: str) -> Body:
    return Body(
        form={
            "email": f"new-{uuid.uuid4().hex[:8]}@example.org",
            "name": "Nina Nieuw",
            "password": PASSWORD,
            "locale": "nl",
            "roles": "lead",
        }
    )


def import_upload(ctx: Ctx, persona: str) -> Body:
    return Body(files={"file": ("export.json", ctx.world.import_file, "application/json")})


PDF_LIKE = b"%PDF-1.7\n% not really a pdf\n%%EOF\n"


def pdf_upload(ctx: Ctx, persona: str) -> Body:
    return Body(files={"file": ("rapport.pdf", PDF_LIKE, "application/pdf")})


def login_form(ctx: Ctx, persona: str) -> Body:
    key = "lead" if persona == ANONYMOUS else persona
    return Body(form={"email": EMAILS[key], "password": PASSWORD})


SAVE_NAME = form(**{"a-name": "Nieuwe naam", "v-name": "0", "overwrite": "name", "go": "stay"})
AUTOSAVE_NAME = form(**{"a-name": "Nieuwe naam", "v-name": "0", "overwrite": "name"})


def restore_form(ctx: Ctx, persona: str) -> Body:
    """A restore sends the version of the answer the history page showed: the current one."""
    from app.assessments.models import Answer

    with Session(ctx.world.engine) as session:
        version = session.exec(
            select(Answer.version).where(
                Answer.assessment_id == (ctx.obj.id if ctx.obj else 0),
                Answer.question_id == "name",
            )
        ).first()
    return Body(form={"base_version": str(version or 0)})


def condition_of(world: World, obj: Obj | None) -> dict[str, Any]:
    """The (first) condition of the object's advice."""
    from app.reviews.models import Advice, AdviceCondition

    with Session(world.engine) as session:
        found = session.exec(
            select(AdviceCondition.id)
            .join(Advice, col(Advice.id) == AdviceCondition.advice_id)
            .where(Advice.assessment_id == (obj.id if obj else 0))
        ).first()
    return {"condition_id": found or 999_999}


def attachment_of(world: World, obj: Obj | None) -> dict[str, Any]:
    """A file attached to the object's answer `name` (stored directly: a submitted assessment
    no longer takes new ones through the service)."""
    from app.attachments.models import Attachment
    from app.attachments.storage import store_blob

    with session_scope(world.engine) as session:
        data = b"bron;eigenaar\r\nBRP;Burgerzaken\r\n"
        attachment = Attachment(
            sha256=store_blob(session, data, settings=world.settings),
            filename="bronnen.csv",
            media_type="text/csv",
            size=len(data),
            assessment_id=obj.id if obj else 0,
            question_id="name",
            uploaded_by_id=world.users["lead"],
        )
        session.add(attachment)
        session.flush()
        return {"attachment_id": attachment.id}


def attachment_upload(ctx: Ctx, persona: str) -> Body:
    return Body(files={"file": ("bewijs.pdf", PDF_LIKE, "application/pdf")})


def attachment_multipart(ctx: Ctx, persona: str) -> Body:
    """The API's upload: a multipart body of its own (the API sends raw content)."""
    body = (
        b'--grens\r\nContent-Disposition: form-data; name="file"; filename="bewijs.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF_LIKE + b"\r\n--grens--\r\n"
    )
    return Body(content=body, content_type="multipart/form-data; boundary=grens")


def removal_of(ctx: Ctx, persona: str) -> Body:
    return Body(form={"attachment_id": str(ctx.params["attachment_id"])})


def victim(world: World, obj: Obj | None) -> dict[str, Any]:
    return {"user_id": world.new_user()}


def coauthor_id(world: World, obj: Obj | None) -> dict[str, Any]:
    return {"user_id": world.users["coauthor"]}


def lead2_id(world: World, obj: Obj | None) -> dict[str, Any]:
    return {"user_id": world.users["lead2"]}


def owners_figure(world: World, obj: Obj | None) -> dict[str, Any]:
    return {"figure": "owners"}


def leads_token(world: World, obj: Obj | None) -> dict[str, Any]:
    return {"token_id": world.new_token("lead")}


# The consultation of residents on an assessment in review (the board member is rapporteur):
# its draft, the lead's confirmation, publication and a reaction, made with the services.
def _summary_form(**extra: str) -> BodyFn:
    def body(ctx: Ctx, persona: str) -> Body:
        from app.timeutil import amsterdam_today

        today = amsterdam_today()
        return Body(
            form={
                "purpose": "De gemeente telt verkeer op kruispunten.",
                "data_used": "Tellingen per kwartier.",
                "questions": "Wat vindt u ervan?",
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=13)).isoformat(),
                **extra,
            }
        )

    return body


def consultation_to(world: World, obj: Obj | None, step: str) -> dict[str, Any]:
    from app.assessments.models import Assessment
    from app.consultations import responding, service

    with session_scope(world.engine) as session:
        a = session.get(Assessment, obj.id if obj else 0)
        assert a is not None
        data = _summary_form()(Ctx(world, obj, {}), "board").form or {}
        summary = service.SummaryInput(
            data["purpose"],
            data["data_used"],
            data["questions"],
            data["starts_on"],
            data["ends_on"],
        )
        board, lead, chair = (world.user(session, k) for k in ("board", "lead", "chair"))
        service.save_draft(session, assessment=a, actor=board, roles=BOARD, form=summary)
        if step == "draft":
            return {}
        service.correct_draft(
            session, assessment=a, actor=lead, roles=LEADS, form=summary, confirm=True
        )
        if step == "confirmed":
            return {}
        c = service.publish(session, assessment=a, actor=chair, roles=CHAIR)
        reaction = responding.respond(
            session,
            consultation=c,
            assessment=a,
            form=responding.ReactionInput(body="Goed idee."),
            address=f"192.0.2.{obj.id % 250 if obj else 1}",
            settings=world.settings,
            locale="nl",
        )
        assert reaction is not None
        return {"reaction_id": reaction.id}


def consultation_draft(world: World, obj: Obj | None) -> dict[str, Any]:
    return consultation_to(world, obj, "draft")


def consultation_confirmed(world: World, obj: Obj | None) -> dict[str, Any]:
    return consultation_to(world, obj, "confirmed")


def consultation_reaction(world: World, obj: Obj | None) -> dict[str, Any]:
    return consultation_to(world, obj, "published")


LEADS = frozenset({Role.lead})
BOARD_AND_CHAIR = frozenset({Role.board, Role.chair})
AUDIT_ROLES = frozenset({Role.auditor, Role.admin})
ADMINS = frozenset({Role.admin})
NOT_SUBMITTED = ("submitted", NOBODY, 404)  # not in the archive / register: 404 for everyone
NO_REPORT = ("submitted", READER, 403)  # before signing: 404 for readers, 403 for the others
NOT_ARCHIVED = ("submitted", ARCHIVE_ROLES, 403)
# The register knows only published advices: a signed one that is not public, and a draft,
# are 404 for everybody (also for their own authors).
NOT_PUBLIC = (("archived", NOBODY, 404), ("draft", NOBODY, 404))

EXPECTED: dict[tuple[str, str], Rule] = {
    # --- site, login, account ------------------------------------------------------------
    ("GET", "/"): Rule(ANY_USER),
    ("POST", "/language"): Rule(PUBLIC, body=form(locale="nl", next="/")),
    ("GET", "/healthz"): Rule(PUBLIC),
    ("GET", "/livez"): Rule(PUBLIC),
    ("GET", "/readyz"): Rule(PUBLIC),
    # Only with the metrics bearer token, which no persona holds (and none is configured here).
    ("GET", "/metrics"): Rule(NOBODY, deny=404),
    ("GET", "/toegankelijkheid"): Rule(PUBLIC),
    ("GET", "/problems"): Rule(PUBLIC),
    ("GET", "/problems/{slug}"): Rule(PUBLIC),
    ("GET", "/login"): Rule(PUBLIC),
    ("POST", "/login"): Rule(PUBLIC, body=login_form, fresh_client=True),
    ("POST", "/logout"): Rule(PUBLIC, fresh_client=True, login_redirect_ok=True),
    # The session warning's "stay logged in", and saving what was sent after a session expired
    # (tests/users/test_session_expiry.py checks that nothing is saved for another user).
    ("POST", "/session/extend"): Rule(ANY_USER, body=form(next="/")),
    ("GET", "/resume"): Rule(ANY_USER),
    # Single sign-on is public by nature (it is how one logs in); without a provider configured
    # both answer 404. tests/users/test_sso.py runs them against a real provider.
    ("GET", "/login/sso"): Rule(PUBLIC, fresh_client=True, lenient=True),
    ("GET", "/login/sso/callback"): Rule(PUBLIC, fresh_client=True, lenient=True),
    # The step-up before signing needs a logged-in user (404 without a provider); its checks:
    # tests/users/test_step_up.py and tests/reports/test_step_up_signing.py.
    ("POST", "/login/sso/step-up"): Rule(ANY_USER, lenient=True),
    ("GET", "/notifications"): Rule(ANY_USER),
    ("POST", "/notifications/read"): Rule(ANY_USER),
    ("GET", "/account/tokens"): Rule(ANY_USER),
    ("POST", "/account/tokens"): Rule(ANY_USER, body=form(name="matrix")),
    # Another user's token is "not found" (404), so that token ids cannot be probed.
    ("POST", "/account/tokens/{token_id}/revoke"): Rule(OWNER, params=leads_token, deny=404),
    # --- administration ------------------------------------------------------------------
    ("GET", "/admin/users"): Rule(ADMINS),
    ("GET", "/admin/users/new"): Rule(ADMINS),
    ("POST", "/admin/users/new"): Rule(ADMINS, body=new_user_form),
    ("GET", "/admin/users/{user_id}"): Rule(ADMINS, params=lead2_id),
    ("POST", "/admin/users/{user_id}/roles"): Rule(
        ADMINS, params=victim, body=form(roles="auditor")
    ),
    ("POST", "/admin/users/{user_id}/deactivate"): Rule(ADMINS, params=victim),
    # --- assessments (project leads) -----------------------------------------------------
    ("GET", "/assessments"): Rule(ANY_USER),
    ("GET", "/assessments/new"): Rule(LEADS),
    ("POST", "/assessments/new"): Rule(LEADS, body=new_assessment_form),
    ("GET", "/assessments/import"): Rule(LEADS),
    ("POST", "/assessments/import"): Rule(LEADS, body=import_upload),
    ("GET", "/assessments/{assessment_id}"): Rule(READER, "submitted"),
    ("GET", "/assessments/{assessment_id}/review"): Rule(READER, "submitted"),
    ("GET", "/assessments/{assessment_id}/sections/{section_id}"): Rule(READER, "submitted"),
    ("GET", "/assessments/{assessment_id}/find/{question_id}"): Rule(READER, "submitted"),
    ("GET", "/assessments/{assessment_id}/questions/{question_id}/history"): Rule(
        READER, "submitted"
    ),
    ("GET", "/assessments/{assessment_id}/export.json"): Rule(READER, "submitted"),
    ("GET", "/assessments/{assessment_id}/working-copy.docx"): Rule(READER, "submitted"),
    ("GET", "/assessments/{assessment_id}/working-copy.odt"): Rule(READER, "submitted"),
    ("GET", "/assessments/{assessment_id}/audit"): Rule(READER, "submitted"),
    # The follow-up of a signed advice: readers see it; the authors report on a condition
    # whose owner has no account (the committee judges, after a report: other tests).
    ("GET", "/assessments/{assessment_id}/follow-up"): Rule(READER, "archived"),
    ("POST", "/assessments/{assessment_id}/follow-up/{condition_id}"): Rule(
        AUTHOR, "archived", params=condition_of, body=form(action="report", note="Gedaan.")
    ),
    ("POST", "/assessments/{assessment_id}/follow-up/{condition_id}/evidence"): Rule(
        AUTHOR, "archived", params=condition_of, body=pdf_upload
    ),
    ("GET", "/follow-up"): Rule(ANY_USER),
    # The consultation of residents: one page for the authors and the committee; the
    # rapporteur or the chair drafts, publishes and moderates, the authors check the draft
    # (a second allowed persona sends a stale version: 409).
    ("GET", "/assessments/{assessment_id}/consultation"): Rule(
        AUTHOR_OR_COMMITTEE, "in_review", also=(("draft", AUTHOR, 403),)
    ),
    ("POST", "/assessments/{assessment_id}/consultation"): Rule(
        COMMITTEE, "in_review", body=_summary_form(version="0")
    ),
    ("POST", "/assessments/{assessment_id}/consultation/check"): Rule(
        AUTHOR,
        "in_review",
        params=consultation_draft,
        body=_summary_form(version="1", confirm="yes"),
    ),
    ("POST", "/assessments/{assessment_id}/consultation/publish"): Rule(
        COMMITTEE, "in_review", params=consultation_confirmed, body=form(version="2")
    ),
    ("POST", "/assessments/{assessment_id}/consultation/reactions/{reaction_id}"): Rule(
        COMMITTEE,
        "in_review",
        params=consultation_reaction,
        body=form(tags="privacy", decision="withheld", public_summary="", version="1"),
    ),
    ("POST", "/assessments/{assessment_id}/reassess"): Rule(
        LEAD_OF, "archived", also=(("submitted", LEAD_OF, 403),)
    ),
    ("POST", "/assessments/{assessment_id}/sections/{section_id}"): Rule(
        AUTHOR, "draft", body=SAVE_NAME, also=(("submitted", AUTHOR, 403),)
    ),
    ("POST", "/assessments/{assessment_id}/answers/{question_id}"): Rule(
        AUTHOR, "draft", body=AUTOSAVE_NAME, also=(("submitted", AUTHOR, 403),)
    ),
    # Files attached to answers: the authors while it can be changed (409 after, tests/
    # attachments); whoever may read it downloads them.
    ("POST", "/assessments/{assessment_id}/questions/{question_id}/attachments"): Rule(
        AUTHOR, "draft", body=attachment_upload, also=(("submitted", AUTHOR, 403),)
    ),
    ("POST", "/assessments/{assessment_id}/attachments/remove"): Rule(
        AUTHOR, "draft", params=attachment_of, body=removal_of
    ),
    ("GET", "/assessments/{assessment_id}/attachments/{attachment_id}"): Rule(
        READER, "submitted", params=attachment_of
    ),
    ("POST", "/assessments/{assessment_id}/revisions/{revision_id}/restore"): Rule(
        AUTHOR, "draft", body=restore_form, also=(("submitted", AUTHOR, 403),)
    ),
    ("POST", "/assessments/{assessment_id}/submit"): Rule(AUTHOR, "draft"),
    # Moving to a newer questionnaire version: the sample has one version, so an author gets
    # 409 (already the newest); tests/assessments/test_upgrading.py moves with a real v2.
    ("GET", "/assessments/{assessment_id}/new-version"): Rule(AUTHOR, "draft", lenient=True),
    ("POST", "/assessments/{assessment_id}/new-version"): Rule(
        AUTHOR, "draft", body=form(version="2", seen="1"), lenient=True
    ),
    ("POST", "/assessments/{assessment_id}/withdraw"): Rule(AUTHOR, "submitted"),
    ("POST", "/assessments/{assessment_id}/reopen"): Rule(AUTHOR, "withdrawn"),
    ("POST", "/assessments/{assessment_id}/coauthors"): Rule(
        LEAD_OF, "draft", body=form(email=PERSONAS["lead2"].email)
    ),
    ("POST", "/assessments/{assessment_id}/coauthors/{user_id}/remove"): Rule(
        LEAD_OF, "draft", params=coauthor_id
    ),
    # --- comments and the committee ------------------------------------------------------
    ("GET", "/assessments/{assessment_id}/comments"): Rule(READER, "in_review"),
    ("POST", "/assessments/{assessment_id}/comments"): Rule(
        AUTHOR_OR_COMMITTEE, "in_review", body=reply_form
    ),
    ("POST", "/assessments/{assessment_id}/comments/{comment_id}/resolve"): Rule(
        COMMITTEE, "in_review"
    ),
    ("GET", "/committee"): Rule(BOARD_AND_CHAIR),
    ("GET", "/committee/assessments/{assessment_id}"): Rule(READER, "in_review"),
    ("POST", "/committee/assessments/{assessment_id}/claim"): Rule(COMMITTEE, "submitted"),
    ("POST", "/committee/assessments/{assessment_id}/conflict"): Rule(
        COMMITTEE, "submitted", body=form(reason="Familie van de projectleider.")
    ),
    ("POST", "/committee/assessments/{assessment_id}/verdicts/{section_id}"): Rule(
        COMMITTEE, "in_review", body=form(verdict="acceptable")
    ),
    ("POST", "/committee/assessments/{assessment_id}/request-changes"): Rule(
        COMMITTEE, "in_review", body=form(note="Graag de naam toelichten.")
    ),
    ("GET", "/committee/assessments/{assessment_id}/advice"): Rule(READER, "advice_drafted"),
    ("POST", "/committee/assessments/{assessment_id}/advice"): Rule(
        COMMITTEE, "in_review", body=form(outcome="positive", summary="Positief advies.")
    ),
    ("POST", "/committee/assessments/{assessment_id}/opinion"): Rule(
        COMMITTEE, "advice_drafted", body=form(stance="agree")
    ),
    ("POST", "/committee/assessments/{assessment_id}/advice/finalise"): Rule(
        CHAIR_ONLY, "advice_drafted"
    ),
    ("POST", "/committee/assessments/{assessment_id}/advice/new-round"): Rule(
        CHAIR_ONLY, "advice_final"
    ),
    # --- signed reports ------------------------------------------------------------------
    ("POST", "/committee/assessments/{assessment_id}/sign"): Rule(
        CHAIR_ONLY, "advice_final", body=form(password=PASSWORD)
    ),
    # The second signature goes on the shared archived report: the board member adds it, the
    # chair (who signed first) then gets 409.
    ("POST", "/committee/assessments/{assessment_id}/cosign"): Rule(
        COMMITTEE, "archived", body=form(password=PASSWORD), shared=True
    ),
    ("GET", "/assessments/{assessment_id}/report.pdf"): Rule(READER, "archived", also=(NO_REPORT,)),
    ("GET", "/verify"): Rule(PUBLIC),
    ("POST", "/verify"): Rule(PUBLIC, body=pdf_upload),
    ("GET", "/pki/ca.pem"): Rule(PUBLIC),
    ("GET", "/pki/ca.crl"): Rule(PUBLIC),
    # --- archive and audit ---------------------------------------------------------------
    ("GET", "/archive"): Rule(ARCHIVE_ROLES),
    ("GET", "/archive/export.{fmt}"): Rule(AUDIT_ROLES),
    ("GET", "/archive/{assessment_id}"): Rule(ARCHIVE_ROLES, "archived", also=(NOT_ARCHIVED,)),
    ("GET", "/archive/{assessment_id}/submissions/{number}.json"): Rule(ARCHIVE_ROLES, "archived"),
    # The sample questionnaire describes no algorithm, so the export itself answers 409.
    ("GET", "/archive/{assessment_id}/algoritmeregister.json"): Rule(
        ARCHIVE_ROLES, "archived", also=(NOT_ARCHIVED,), lenient=True
    ),
    # Publishing an already public advice again changes nothing: safe on the shared object.
    ("POST", "/archive/{assessment_id}/publication"): Rule(
        COMMITTEE, "published", body=form(public="1"), shared=True
    ),
    ("GET", "/audit"): Rule(AUDIT_ROLES),
    ("GET", "/dashboard"): Rule(ARCHIVE_ROLES),
    ("GET", "/dashboard/{figure}.csv"): Rule(ARCHIVE_ROLES, params=owners_figure),
    # --- the public register -------------------------------------------------------------
    ("GET", "/register"): Rule(PUBLIC),
    ("GET", "/register.json"): Rule(PUBLIC),
    ("GET", "/register.schema.json"): Rule(PUBLIC),
    ("GET", "/register.csv"): Rule(PUBLIC),
    ("GET", "/register.dcat.jsonld"): Rule(PUBLIC),
    ("GET", "/register/feed.atom"): Rule(PUBLIC),
    # This world signs through the service without taking checkpoints: 404 for everybody.
    ("GET", "/register/audit-checkpoint.json"): Rule(PUBLIC, lenient=True),
    ("GET", "/register/{reference}"): Rule(PUBLIC, "published", also=NOT_PUBLIC),
    ("GET", "/register/{reference}/report.pdf"): Rule(PUBLIC, "published", also=NOT_PUBLIC),
    # --- consultations of residents: public, no account ---------------------------------
    # This world has no published consultation: an id answers 404 for everybody (lenient);
    # tests/consultations/test_public_pages.py covers the published, open and closed pages.
    ("GET", "/consultations"): Rule(PUBLIC),
    ("GET", "/consultations/privacy"): Rule(PUBLIC),
    ("GET", "/consultations/feed.atom"): Rule(PUBLIC),
    ("GET", "/consultations/{consultation_id}"): Rule(PUBLIC, lenient=True),
    ("GET", "/consultations/{consultation_id}/thanks"): Rule(PUBLIC, lenient=True),
    ("POST", "/consultations/{consultation_id}/reactions"): Rule(
        PUBLIC, body=form(body="Een reactie."), lenient=True
    ),
    # --- API documentation ---------------------------------------------------------------
    ("GET", "/api/openapi.json"): Rule(PUBLIC),
    ("GET", "/api/docs"): Rule(PUBLIC),
    # --- API v1 --------------------------------------------------------------------------
    ("GET", "/api/v1/questionnaires"): Rule(ANY_USER),
    ("GET", "/api/v1/questionnaires/{key}/versions/{version}"): Rule(ANY_USER),
    ("GET", "/api/v1/assessments"): Rule(ANY_USER),
    ("POST", "/api/v1/assessments"): Rule(
        LEADS,
        body=as_json(
            title="Via de API",
            department="Mobiliteit",
            description="Gemaakt met een token.",
            questionnaire_key="sample",
        ),
    ),
    ("GET", "/api/v1/assessments/{assessment_id}"): Rule(READER, "submitted"),
    ("GET", "/api/v1/assessments/{assessment_id}/answers"): Rule(READER, "submitted"),
    ("GET", "/api/v1/assessments/{assessment_id}/decision-support"): Rule(READER, "submitted"),
    ("GET", "/api/v1/assessments/{assessment_id}/audit-events"): Rule(READER, "submitted"),
    ("PUT", "/api/v1/assessments/{assessment_id}/answers/{question_id}"): Rule(
        AUTHOR,
        "draft",
        body=as_json(value="Nieuwe naam", base_version=0, force=True),
        also=(("submitted", AUTHOR, 403),),
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/answers/{question_id}/attachments"): Rule(
        AUTHOR, "draft", body=attachment_multipart, also=(("submitted", AUTHOR, 403),)
    ),
    ("GET", "/api/v1/assessments/{assessment_id}/answers/{question_id}/attachments"): Rule(
        READER, "submitted"
    ),
    ("GET", "/api/v1/assessments/{assessment_id}/attachments/{attachment_id}"): Rule(
        READER, "submitted", params=attachment_of
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/submit"): Rule(AUTHOR, "draft"),
    ("POST", "/api/v1/assessments/{assessment_id}/withdraw"): Rule(AUTHOR, "submitted"),
    ("GET", "/api/v1/assessments/{assessment_id}/comments"): Rule(READER, "in_review"),
    ("POST", "/api/v1/assessments/{assessment_id}/comments"): Rule(
        AUTHOR_OR_COMMITTEE, "in_review", body=reply_json
    ),
    ("PUT", "/api/v1/assessments/{assessment_id}/verdicts/{section_id}"): Rule(
        COMMITTEE, "in_review", body=as_json(verdict="acceptable")
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/request-changes"): Rule(
        COMMITTEE, "in_review", body=as_json(note="Graag de naam toelichten.")
    ),
    ("PUT", "/api/v1/assessments/{assessment_id}/advice"): Rule(
        COMMITTEE, "in_review", body=as_json(outcome="positive", summary="Positief advies.")
    ),
    ("PUT", "/api/v1/assessments/{assessment_id}/opinion"): Rule(
        COMMITTEE, "advice_drafted", body=as_json(stance="agree")
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/advice/finalise"): Rule(
        CHAIR_ONLY, "advice_drafted"
    ),
    ("GET", "/api/v1/assessments/{assessment_id}/report"): Rule(
        READER, "archived", also=(NO_REPORT,)
    ),
    ("POST", "/api/v1/reports/verify"): Rule(
        ANY_USER,
        body=lambda ctx, persona: Body(content=PDF_LIKE, content_type="application/pdf"),
    ),
    ("GET", "/api/v1/assessments/{assessment_id}/conditions"): Rule(READER, "archived"),
    ("POST", "/api/v1/assessments/{assessment_id}/conditions/{condition_id}/moves"): Rule(
        AUTHOR, "archived", params=condition_of, body=as_json(action="report", note="Gedaan.")
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/reassessment"): Rule(LEAD_OF, "archived"),
    # tests/consultations/test_consultation_api.py reads a real consultation; here none exists
    # yet (404 for who may read it, 403 for who may not).
    ("GET", "/api/v1/assessments/{assessment_id}/consultation"): Rule(
        AUTHOR_OR_COMMITTEE, "in_review", lenient=True
    ),
    ("GET", "/api/v1/archive"): Rule(ARCHIVE_ROLES),
    ("GET", "/api/v1/exports/register"): Rule(AUDIT_ROLES),
    ("GET", "/api/v1/assessments/{assessment_id}/algoritmeregister"): Rule(
        ARCHIVE_ROLES, "archived", also=(NOT_ARCHIVED,), lenient=True
    ),
}

# Path parameters that do not come from the object or the rule.
FIXED_PARAMS = {
    "slug": "conflict",
    "section_id": "profile",
    "question_id": "name",
    "fmt": "csv",
    "key": "sample",
    "version": 1,
    "number": 1,
    "consultation_id": 999_999,
}


# --- the app's route table ------------------------------------------------------------------


def route_table(application: Any) -> list[tuple[str, str]]:
    """Every (method, path) the app serves through an APIRoute; static mounts are left out."""
    from fastapi.routing import APIRoute

    try:  # FastAPI keeps included routers lazily; this walks them
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI flattens them itself
        contexts: list[Any] = list(application.routes)
    else:
        contexts = list(iter_route_contexts(application.routes))
    out = []
    for rc in contexts:
        route = getattr(rc, "original_route", rc)
        if not isinstance(route, APIRoute):
            continue
        out.extend((m, rc.path) for m in sorted(rc.methods or ()) if m != "HEAD")
    return out


def _app_routes() -> list[tuple[str, str]]:
    from app.main import create_app

    return route_table(create_app(get_settings(), engine=create_engine("sqlite://")))


ROUTES = _app_routes()


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    rule: Rule | None
    obj: str | None = None
    who: Who = NOBODY
    deny: int = 403
    lenient: bool = False

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def changes_state(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


def build_cases() -> list[Any]:
    cases = []
    for method, path in ROUTES:
        rule = EXPECTED.get((method, path))
        label = f"{method} {path}"
        if rule is None:
            cases.append(pytest.param(Case(method, path, None), id=label))
            continue
        variants = [(rule.obj, rule.who, rule.deny, rule.lenient)]
        variants += [(obj, who, deny, True) for obj, who, deny in rule.also]
        # Drafts are private to their authors: every page a reader may see of a submitted
        # assessment is refused to everybody else while it is a draft.
        if method == "GET" and rule.who == READER and rule.obj != "archived":
            variants.append(("draft", AUTHOR, 403, True))
        for obj, who, deny, lenient in variants:
            case = Case(method, path, rule, obj, who, deny, lenient)
            cases.append(pytest.param(case, id=f"{label} [{obj}]" if obj else label))
    return cases


# --- sending --------------------------------------------------------------------------------


def fill(path: str, ctx: Ctx) -> str:
    values: dict[str, Any] = dict(FIXED_PARAMS)
    if ctx.obj is not None:
        values.update(
            assessment_id=ctx.obj.id,
            reference=ctx.obj.reference,
            comment_id=ctx.obj.comment_id,
            revision_id=ctx.obj.revision_id,
        )
    values.update(ctx.params)
    return path.format(**values)


def send(
    world: World,
    case: Case,
    persona: str,
    url: str,
    body: Body,
    *,
    client: Client | None = None,
    csrf: str = "valid",
    via: str = "auto",
    headers: dict[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    """One request as a persona. csrf: "valid", "missing" or "forged". via (API only): "auto"
    is a bearer token for a persona (a session for anonymous), "session" is the cookie."""
    headers = dict(headers or {})
    if case.api:
        if via == "auto" and persona != ANONYMOUS:
            c = world.bare()
            headers["Authorization"] = f"Bearer {world.tokens[persona]}"
        else:
            c = client or world.clients[persona]
            if case.changes_state and csrf != "missing":
                headers["X-CSRF-Token"] = c.csrf() if csrf == "valid" else "0" * 64
        if body.content is not None:
            headers["Content-Type"] = body.content_type or "application/octet-stream"
            return c.request(case.method, url, content=body.content, headers=headers)
        if body.json is not None:
            return c.request(case.method, url, json=body.json, headers=headers)
        return c.request(case.method, url, headers=headers)
    c = client or world.clients[persona]
    if not case.changes_state:
        return c.get(url, headers=headers)
    data = dict(body.form or {})
    if csrf == "valid":
        data["csrf_token"] = c.csrf()
    elif csrf == "forged":
        data["csrf_token"] = "0" * 64
    return c.request(case.method, url, data=data, files=body.files, headers=headers)


def describe(persona: str, response) -> str:  # type: ignore[no-untyped-def]
    where = response.headers.get("location", "")
    return f"{persona}: {response.status_code}" + (f" -> {where}" if where else "")


def judge(case: Case, persona: str, may: bool, response, *, first: bool) -> str | None:  # type: ignore[no-untyped-def]
    """Why this response is wrong, or None."""
    status = response.status_code
    location = response.headers.get("location", "")
    content_type = response.headers.get("content-type", "")
    rule = case.rule
    assert rule is not None
    if status >= 500:
        return f"{describe(persona, response)}: server error"
    if may:
        if status in (401, 403):
            return f"{describe(persona, response)}: refused, but {persona} may use this route"
        if 300 <= status < 400 and location.startswith("/login") and not rule.login_redirect_ok:
            return f"{describe(persona, response)}: sent to the login page, but may use this route"
        if status >= 400 and not case.lenient and (first or not case.changes_state):
            return f"{describe(persona, response)}: expected success for {persona}"
        return None
    if persona == ANONYMOUS and case.who != NOBODY:
        if case.api:
            if status != 401 or not content_type.startswith(PROBLEM):
                return f"{describe(persona, response)}: expected 401 {PROBLEM} ({content_type})"
            return None
        if status != 303 or not location.startswith("/login"):
            return f"{describe(persona, response)}: expected 303 to /login"
        return None
    if status != case.deny:
        return f"{describe(persona, response)}: expected {case.deny} for {persona}"
    if case.api and not content_type.startswith(PROBLEM):
        return f"{describe(persona, response)}: a refusal is not {PROBLEM} ({content_type})"
    return None


def csrf_refused(response) -> bool:  # type: ignore[no-untyped-def]
    """A 403 that is the CSRF check (asked for as problem details)."""
    if response.status_code != 403:
        return False
    try:
        return bool(response.json()["type"].endswith("/problems/csrf"))
    except (ValueError, KeyError):
        return False


# --- the matrix -----------------------------------------------------------------------------


def test_every_route_has_an_authorization_entry() -> None:
    missing = [f"{m} {p}" for m, p in ROUTES if (m, p) not in EXPECTED]
    assert not missing, "\n".join(f"new route {r} has no authorization entry" for r in missing)


def test_every_authorization_entry_has_a_route() -> None:
    stale = [f"{m} {p}" for m, p in EXPECTED if (m, p) not in ROUTES]
    assert not stale, "\n".join(
        f"authorization entry {r} has no route (renamed or removed?)" for r in stale
    )


@pytest.mark.parametrize("case", build_cases())
def test_authorization_matrix(case: Case, matrix_world: World) -> None:
    if case.rule is None:
        pytest.fail(
            f"new route {case.method} {case.path} has no authorization entry: add it to EXPECTED "
            "in tests/security/test_authorization_matrix.py"
        )
    rule = case.rule
    world = matrix_world
    obj = None
    if case.obj is not None:
        use_shared = not case.changes_state or rule.shared
        obj = world.shared[case.obj] if use_shared else world.fresh(case.obj)
    params = rule.params(world, obj) if rule.params else {}
    ctx = Ctx(world, obj, params)
    url = fill(case.path, ctx)
    may = allowed(case.who)
    denied = [p for p in (ANONYMOUS, *USERS) if p not in may]
    permitted = [p for p in (ANONYMOUS, *USERS) if p in may]
    clients: dict[str, Client] = {}
    if rule.fresh_client:
        clients = {p: world.session_client(p) for p in (ANONYMOUS, *USERS)}
        clients["_csrf"] = world.session_client("lead" if case.path == "/logout" else ANONYMOUS)
    problems: list[str] = []
    before = world.snapshot() if case.changes_state else None

    for persona in denied:
        body = rule.body(ctx, persona) if rule.body else Body()
        response = send(world, case, persona, url, body, client=clients.get(persona))
        problem = judge(case, persona, False, response, first=False)
        if problem:
            problems.append(problem)

    if case.changes_state and permitted:
        # The persona who may, without the CSRF token (or with a forged one): refused, and
        # nothing changes. For the API: the session cookie without the X-CSRF-Token header.
        persona = permitted[0]
        client = clients.get("_csrf") or clients.get(persona)
        body = rule.body(ctx, persona) if rule.body else Body()
        for kind in ("missing", "forged"):
            response = send(
                world,
                case,
                persona,
                url,
                body,
                client=client,
                csrf=kind,
                via="session",
                headers={"Accept": "application/json"},
            )
            if not csrf_refused(response):
                problems.append(
                    f"{describe(persona, response)}: accepted with a {kind} CSRF token "
                    f"({response.text[:200]!r})"
                )

    if before is not None:
        changed = changed_tables(before, world.snapshot())
        if changed:
            problems.append(f"refused requests changed rows in: {', '.join(changed)}")

    for index, persona in enumerate(permitted):
        body = rule.body(ctx, persona) if rule.body else Body()
        response = send(world, case, persona, url, body, client=clients.get(persona))
        problem = judge(case, persona, True, response, first=index == 0)
        if problem:
            problems.append(problem)

    assert not problems, f"{case.method} {url} [{case.obj}]:\n  " + "\n  ".join(problems)


# --- object-level checks --------------------------------------------------------------------


def test_another_leads_draft_is_refused_on_every_channel(matrix_world: World) -> None:
    world = matrix_world
    theirs = world.shared["lead2_draft"]
    lead = world.clients["lead"]
    for path in ("", "/review", "/sections/profile", "/comments", "/audit", "/export.json"):
        assert lead.get(f"/assessments/{theirs.id}{path}").status_code == 403, path
    api = world.bare().get(
        f"/api/v1/assessments/{theirs.id}",
        headers={"Authorization": f"Bearer {world.tokens['lead']}"},
    )
    assert api.status_code == 403 and api.headers["content-type"].startswith(PROBLEM)
    listed = world.bare().get(
        "/api/v1/assessments?limit=200", headers={"Authorization": f"Bearer {world.tokens['lead']}"}
    )
    assert theirs.id not in {item["id"] for item in listed.json()["items"]}
    # Their own lead sees it; the lead's dashboard does not list it.
    assert world.clients["lead2"].get(f"/assessments/{theirs.id}").status_code == 200
    assert theirs.reference not in lead.get("/assessments").text


def test_a_signed_report_stays_private_until_it_is_published(matrix_world: World) -> None:
    world = matrix_world
    signed, public = world.shared["archived"], world.shared["published"]
    assert world.clients["lead2"].get(f"/assessments/{signed.id}/report.pdf").status_code == 403
    anonymous = world.clients[ANONYMOUS]
    assert anonymous.get(f"/register/{signed.reference}").status_code == 404
    assert anonymous.get(f"/register/{signed.reference}/report.pdf").status_code == 404
    assert signed.reference not in anonymous.get("/register.json").text
    assert signed.reference not in anonymous.get("/register/feed.atom").text
    assert anonymous.get(f"/register/{public.reference}/report.pdf").status_code == 200
    assert public.reference in anonymous.get("/register.json").text


def test_a_member_with_a_conflict_of_interest_is_refused(matrix_world: World) -> None:
    world = matrix_world
    obj = world.fresh("submitted")
    board = world.clients["board"]
    declared = board.post_form(f"/committee/assessments/{obj.id}/conflict", {"reason": "Buren."})
    assert declared.status_code == 303
    assert board.post_form(f"/committee/assessments/{obj.id}/claim").status_code == 403
    verdict = world.bare().put(
        f"/api/v1/assessments/{obj.id}/verdicts/profile",
        json={"verdict": "acceptable"},
        headers={"Authorization": f"Bearer {world.tokens['board']}"},
    )
    assert verdict.status_code == 403
    # The chair, without a conflict, still can.
    assert (
        world.clients["chair"].post_form(f"/committee/assessments/{obj.id}/claim").status_code
        == 303
    )


# --- CSRF beyond the matrix -----------------------------------------------------------------


def test_the_api_takes_a_session_with_the_csrf_header(matrix_world: World) -> None:
    lead = matrix_world.clients["lead"]
    body = {
        "title": "Sessie",
        "department": "Mobiliteit",
        "description": "Met de cookie.",
        "questionnaire_key": "sample",
    }
    assert csrf_refused(lead.post("/api/v1/assessments", json=body))
    made = lead.post("/api/v1/assessments", json=body, headers={"X-CSRF-Token": lead.csrf()})
    assert made.status_code == 201, made.text


def test_a_bad_bearer_token_never_falls_back_to_the_session(matrix_world: World) -> None:
    lead = matrix_world.clients["lead"]
    response = lead.post(
        "/api/v1/assessments",
        json={"title": "X", "department": "Y", "description": "Z", "questionnaire_key": "sample"},
        headers={"Authorization": "Bearer dw_not-a-real-token"},
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


def test_an_authorization_header_does_not_exempt_a_page_from_csrf(matrix_world: World) -> None:
    """The CSRF check skips every request with `Authorization: Bearer …`, also on pages, which
    authenticate with the session cookie and ignore the header. A request with the cookie, any
    bearer header and no CSRF token then changes state."""
    world = matrix_world
    admin = world.clients["admin"]
    target = world.new_user()
    before = world.snapshot()
    response = admin.post(
        f"/admin/users/{target}/roles",
        data={"roles": "admin"},
        headers={"Authorization": "Bearer anything", "Accept": "application/json"},
    )
    changed = changed_tables(before, world.snapshot())
    assert response.status_code == 403 and not changed, (
        f"POST /admin/users/{target}/roles with the admin's cookie, 'Authorization: Bearer "
        f"anything' and no CSRF token: {response.status_code}, changed {changed}"
    )


def test_an_anonymous_api_write_is_401_not_a_csrf_error(matrix_world: World) -> None:
    """An integration without credentials should learn that it must authenticate (401 with
    WWW-Authenticate), as the API documents, not that 'this form has expired'."""
    response = matrix_world.bare().post(
        "/api/v1/assessments",
        json={"title": "X", "department": "Y", "description": "Z"},
    )
    assert response.status_code == 401, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers.get("www-authenticate", "").startswith("Bearer")


# --- sessions -------------------------------------------------------------------------------


def _set_cookie(response, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}="))


def _web_session(db: Session, client: Client) -> WebSession:
    token_hash = hashlib.sha256(client.cookies[SESSION_COOKIE].encode()).hexdigest()
    row = db.exec(
        select(WebSession)
        .where(WebSession.token_hash == token_hash)
        .execution_options(populate_existing=True)
    ).one()
    return row


def test_session_cookies_are_httponly_and_lax_without_secure_or_hsts_outside_production(
    client: Client,
) -> None:
    page = client.get("/login")
    assert "strict-transport-security" not in page.headers
    response = client.post_form("/login", {"email": PERSONAS["lead"].email, "password": PASSWORD})
    assert response.status_code == 303
    assert "strict-transport-security" not in response.headers
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        flags = [f.strip() for f in _set_cookie(response, name).split(";")]
        assert {"HttpOnly", "SameSite=Lax", "Path=/"} <= set(flags), flags
        assert "Secure" not in flags


def test_session_cookies_are_secure_and_hsts_is_sent_in_production(engine, db) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    settings = get_settings().model_copy(
        update={"env": "production", "secret_key": "x" * 40, "base_url": "https://example.org"}
    )
    application = create_app(settings, engine=engine)

    def _session() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    application.state.sessions = contextmanager(_session)
    with Client(application, base_url="https://testserver", follow_redirects=False) as c:
        page = c.get("/login")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert "Secure" in _set_cookie(page, CSRF_COOKIE)
        response = c.post_form("/login", {"email": PERSONAS["lead"].email, "password": PASSWORD})
        assert response.status_code == 303, response.text
        assert "strict-transport-security" in response.headers
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            flags = [f.strip() for f in _set_cookie(response, name).split(";")]
            assert {"HttpOnly", "SameSite=Lax", "Secure"} <= set(flags), flags
        assert c.get("/assessments").status_code == 200
        refused = c.get("/admin/users")
        assert refused.status_code == 403 and "strict-transport-security" in refused.headers


@pytest.mark.parametrize("kind", ["idle", "absolute"])
def test_a_timed_out_session_ends(login, db: Session, kind: str) -> None:  # type: ignore[no-untyped-def]
    settings = get_settings()
    lead = login("lead")
    assert lead.get("/assessments").status_code == 200
    web = _web_session(db, lead)
    now = utcnow()
    if kind == "idle":
        web.last_seen_at = now - timedelta(minutes=settings.session_idle_minutes, seconds=30)
    else:
        web.created_at = now - timedelta(hours=settings.session_absolute_hours, minutes=1)
        web.last_seen_at = now
    db.add(web)
    db.commit()
    for _ in range(2):  # and it stays ended
        response = lead.get("/assessments")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    api = lead.get("/api/v1/assessments")
    assert api.status_code == 401 and api.headers["content-type"].startswith(PROBLEM)


def test_a_session_just_inside_its_limits_still_works(login, db: Session) -> None:  # type: ignore[no-untyped-def]
    settings = get_settings()
    lead = login("lead")
    web = _web_session(db, lead)
    now = utcnow()
    web.created_at = now - timedelta(hours=settings.session_absolute_hours) + timedelta(minutes=5)
    web.last_seen_at = now - timedelta(minutes=settings.session_idle_minutes) + timedelta(minutes=5)
    db.add(web)
    db.commit()
    assert lead.get("/assessments").status_code == 200
    db.refresh(web)  # still live, and seen just now: the idle time starts again
    assert web.ended_at is None
    assert utcnow() - web.last_seen_at < timedelta(seconds=30)


def test_logout_ends_the_session_on_the_server(login, app, db: Session) -> None:  # type: ignore[no-untyped-def]
    lead = login("lead")
    old = lead.cookies[SESSION_COOKIE]
    web = _web_session(db, lead)
    refused = lead.post("/logout")  # without a CSRF token: refused, still logged in
    assert refused.status_code == 403
    assert lead.get("/assessments").status_code == 200
    response = lead.post_form("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert SESSION_COOKIE in response.headers.get("set-cookie", "")
    db.refresh(web)
    assert web.ended_at is not None
    with Client(app, base_url="http://testserver", follow_redirects=False) as replay:
        replay.cookies.set(SESSION_COOKIE, old)
        again = replay.get("/assessments")
        assert again.status_code == 303 and again.headers["location"].startswith("/login")
        api = replay.get("/api/v1/assessments")
        assert api.status_code == 401


def test_a_deactivated_users_api_token_stops_working(matrix_world: World) -> None:
    world = matrix_world
    from app.users.tokens import create_token

    victim_id = world.new_user()
    with session_scope(world.engine) as session:
        user = session.get(User, victim_id)
        assert user is not None
        _row, token = create_token(session, user=user, name="weg", expires_days=None)
    headers = {"Authorization": f"Bearer {token}"}
    assert world.bare().get("/api/v1/assessments", headers=headers).status_code == 200
    admin = world.clients["admin"]
    assert admin.post_form(f"/admin/users/{victim_id}/deactivate").status_code == 303
    assert world.bare().get("/api/v1/assessments", headers=headers).status_code == 401
    with session_scope(world.engine) as session:
        assert session.exec(select(ApiToken).where(ApiToken.user_id == victim_id)).one()
