"""Server time of every page type, with the ASGI app driven in-process (no network, no HTTP
client in the measurement, one request at a time), in a database the size of years of use.

The database: the demo (`datawaarden demo`), 10,000 archived assessments with the rows years of
use leave behind (archive rows and full-text entries, one submission with its snapshot, the
answers, an advice with conditions and opinions, state changes, a comment and its reply,
section verdicts, about 30 audit events and 7 notifications each, all in bulk; no report files:
those are for the 25 newest, below), 25 archived copies of the demo with signed B-LTA reports
of their own, public (the first page of the register), 300 project leads, a committee of five,
20 assessments waiting in the committee's inbox, a fully answered assessment under review with
50 comments and replies over two submissions, a draft being answered, and a final advice
waiting for the chair's signature.

Every HTML page a user can reach with GET is requested in turn, round after round, by the role
that uses it; per page type the median, the 95th percentile, the first request (a cold page:
templates compiled, signed reports verified for the first time) and the number of SQL
statements. The target is p95 < 100 ms for every page type.

To find out why a page is slow: --data-dir keeps the filled database for the next run, and
--profile PAGE prints where one page type's time goes (cProfile) and its SQL statements.
Usage: python bench/pages.py [--entries 10000] [--rounds 40] [--database-url URL]
                             [--data-dir DIR [--profile "register list"]]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import json
import logging
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    PASSWORD,
    asgi_send,
    bench_env,
    cookie_header,
    log_in,
    percentile,
    temp_dir,
)

TARGET_MS = 100.0
COMMENTS = 50
SIGNED_COPIES = 25  # the register's first page
OPEN_IN_INBOX = 20
LEADS = 300
SECTIONS = ("profile", "transparent", "value_creating", "reliable", "responsible")


@dataclass
class Seeded:
    """What the pages are requested about."""

    emails: dict[str, str] = field(default_factory=dict)  # role -> e-mail
    draft: int = 0
    review: int = 0
    to_sign: int = 0
    archived: int = 0  # an archived copy with its own signed report
    demo: int = 0  # the signed demo assessment (the lead's archived assessment)
    public_reference: str = ""
    lead_id: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _insert(session, model, rows: list[dict], *, ids: bool = False) -> list[int]:  # type: ignore[no-untyped-def]
    """Bulk insert; with `ids`, the new primary keys in the order of `rows`."""
    from sqlalchemy import insert

    if not rows:
        return []
    if ids:
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(session.execute(statement, rows).scalars())
    session.execute(insert(model), rows)
    return []


def _answered(session, lead, title: str, version, answers: dict):  # type: ignore[no-untyped-def]
    """A new assessment with every answer of the demo, saved through the services."""
    from app.assessments import answering, lifecycle

    a = lifecycle.create_assessment(
        session,
        actor=lead,
        title=title,
        department="Sociaal Domein",
        description="Een model dat huishoudens met betalingsachterstanden op volgorde zet.",
        questionnaire=version,
    )
    for qid, value in answers.items():
        answering.save_answer(
            session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
        )
    return a


def _people(session, settings) -> dict:  # type: ignore[no-untyped-def]
    """The demo's people with the bench password, an auditor, an administrator, two more
    members and the project leads."""
    from sqlmodel import select

    from app.demo import PEOPLE
    from app.users.models import Role, User, UserRole
    from app.users.passwords import hash_password
    from app.users.service import create_user

    password_hash = hash_password(PASSWORD)
    people = {}
    for key, (email, _name, _roles) in PEOPLE.items():
        user = session.exec(select(User).where(User.email == email)).one()
        user.password_hash = password_hash
        session.add(user)
        people[key] = user
    for key, roles in (
        ("auditor", {Role.auditor}),
        ("admin", {Role.admin}),
        ("member4", {Role.board}),
        ("member5", {Role.board}),
    ):
        people[key] = create_user(
            session,
            email=f"{key}@bench.example",
            name=f"Bench {key.capitalize()}",
            password=PASSWORD,
            roles=roles,
        )
    now = datetime.now(UTC)
    ids = _insert(
        session,
        User,
        [
            {
                "email": f"lead{i}@bench.example",
                "name": f"Projectleider {i}",
                "password_hash": password_hash,
                "is_active": True,
                "locale": "nl",
                "is_demo": False,
                "created_at": now - timedelta(days=2000 - i),
            }
            for i in range(LEADS)
        ],
        ids=True,
    )
    _insert(session, UserRole, [{"user_id": i, "role": Role.lead.value} for i in ids])
    people["leads"] = ids
    session.flush()
    return people


def _history(  # type: ignore[no-untyped-def]
    session, entries: list[dict], lead_of: dict[int, int], copies, people: dict, rng: random.Random
) -> tuple[dict[str, int], list[int]]:
    """What years of use leave behind for every archived assessment of `entries`: a submission
    (the demo's snapshot under the entry's reference), the answers, an advice with conditions
    and opinions, state changes, a comment and its reply, section verdicts, audit events and
    notifications. Returns the number of rows per table and the advices' ids."""
    from app.assessments.models import Answer, StateChange, Submission
    from app.canonical import sha256_hex
    from app.notifications.models import Notification
    from app.reviews.models import Advice, AdviceCondition, Opinion, ReviewComment, SectionVerdict

    committee = [people[k].id for k in ("board", "chair", "secretary", "member4", "member5")]
    board, chair = people["board"].id, people["chair"].id
    demo_text = copies.submission.snapshot_json
    demo_reference = json.dumps(copies.original.reference)
    submissions, answers, changes = [], [], []
    for e in entries:
        lead = lead_of[e["assessment_id"]]
        text = demo_text.replace(demo_reference, json.dumps(e["reference"]))
        submissions.append(
            {
                "assessment_id": e["assessment_id"],
                "number": 1,
                "snapshot_json": text,
                "sha256": sha256_hex(text),
                "submitted_by_id": lead,
                "submitted_at": e["submitted_at"],
            }
        )
        for a in copies.answers:
            answers.append(
                {
                    "assessment_id": e["assessment_id"],
                    "question_id": a.question_id,
                    "value_json": a.value_json,
                    "version": 1 + rng.randrange(3),
                    "updated_by_id": lead,
                    "updated_at": e["submitted_at"] - timedelta(days=1),
                }
            )
        steps = ["draft", "submitted", "in_review", "advice_drafted", "signed", "archived"]
        for n, (a, b) in enumerate(itertools.pairwise(steps)):
            changes.append(
                {
                    "assessment_id": e["assessment_id"],
                    "from_state": a,
                    "to_state": b,
                    "actor_id": lead if n == 0 else chair if n >= 3 else board,
                    "note": "",
                    "created_at": e["submitted_at"] + timedelta(days=n * 4),
                }
            )
    submission_ids = _insert(session, Submission, submissions, ids=True)
    _insert(session, Answer, answers)
    _insert(session, StateChange, changes)
    advices = [
        {
            "assessment_id": e["assessment_id"],
            "round": 1,
            "submission_id": s,
            "outcome": e["outcome"],
            "summary": copies.advice.summary,
            "rationale_json": copies.advice.rationale_json,
            "drafted_by_id": board,
            "created_at": e["signed_at"] - timedelta(days=6),
            "finalised_by_id": chair,
            "finalised_at": e["signed_at"] - timedelta(days=1),
        }
        for e, s in zip(entries, submission_ids, strict=True)
    ]
    advice_ids = _insert(session, Advice, advices, ids=True)
    conditions, opinions, comments, verdicts = [], [], [], []
    for e, s, advice in zip(entries, submission_ids, advice_ids, strict=True):
        for c in copies.conditions:
            conditions.append(
                {
                    "advice_id": advice,
                    "number": c.number,
                    "text": c.text,
                    "owner": c.owner,
                    "due_on": c.due_on,
                }
            )
        for member, stance in zip(committee[:3], ("agree", "agree", "abstain"), strict=True):
            opinions.append(
                {
                    "advice_id": advice,
                    "member_id": member,
                    "stance": stance,
                    "note": "",
                    "updated_at": e["signed_at"] - timedelta(days=3),
                }
            )
        for section in SECTIONS:
            verdicts.append(
                {
                    "assessment_id": e["assessment_id"],
                    "submission_id": s,
                    "section_id": section,
                    "verdict": "acceptable",
                    "author_id": board,
                    "updated_at": e["submitted_at"] + timedelta(days=5),
                }
            )
        comments.append(
            {
                "assessment_id": e["assessment_id"],
                "submission_id": s,
                "question_id": "bias_assessment",
                "body": "Is het model getoetst op ongelijke uitkomsten?",
                "author_id": board,
                "created_at": e["submitted_at"] + timedelta(days=2),
                "resolved_at": e["submitted_at"] + timedelta(days=4),
                "resolved_by_id": board,
            }
        )
    _insert(session, AdviceCondition, conditions)
    _insert(session, Opinion, opinions)
    _insert(session, SectionVerdict, verdicts)
    comment_ids = _insert(session, ReviewComment, comments, ids=True)
    _insert(
        session,
        ReviewComment,
        [
            {
                "assessment_id": c["assessment_id"],
                "submission_id": c["submission_id"],
                "question_id": c["question_id"],
                "parent_id": parent,
                "body": "Ja, dat is gedaan; het antwoord is aangevuld.",
                "author_id": lead_of[c["assessment_id"]],
                "created_at": c["created_at"] + timedelta(days=1),
            }
            for c, parent in zip(comments, comment_ids, strict=True)
        ],
    )
    notifications = []
    for e in entries:
        params = json.dumps({"ref": e["reference"], "title": e["title"], "actor": "Bench"})
        for member in committee:
            notifications.append(
                {
                    "user_id": member,
                    "kind": "submitted",
                    "assessment_id": e["assessment_id"],
                    "params_json": params,
                    "created_at": e["submitted_at"],
                    "read_at": e["submitted_at"] + timedelta(days=1),
                }
            )
        for kind, at in (("advice_finalised", -1), ("signed", 0)):
            notifications.append(
                {
                    "user_id": lead_of[e["assessment_id"]],
                    "kind": kind,
                    "assessment_id": e["assessment_id"],
                    "params_json": params,
                    "created_at": e["signed_at"] + timedelta(days=at),
                    "read_at": e["signed_at"] + timedelta(days=at + 2),
                }
            )
    _insert(session, Notification, notifications)
    counts = {
        "submissions": len(submissions),
        "answers": len(answers),
        "state_changes": len(changes),
        "advices": len(advices),
        "comments": 2 * len(comments),
        "verdicts": len(verdicts),
        "notifications": len(notifications),
    }
    return counts, advice_ids


def _events(entries: list[dict], advice_ids: list[int], lead_of: dict, people: dict):  # type: ignore[no-untyped-def]
    """About 30 audit events per archived assessment, in the order they happened (the chain
    is in order of id; the dates only tell when)."""
    board, chair = people["board"].id, people["chair"].id
    members = [people[k].id for k in ("board", "secretary", "member4")]

    def event(at, actor, action, kind, obj, assessment, details):  # type: ignore[no-untyped-def]
        return {
            "created_at": at,
            "actor_id": actor,
            "action": action,
            "object_type": kind,
            "object_id": str(obj),
            "assessment_id": assessment,
            "details_json": json.dumps(details, separators=(",", ":"), sort_keys=True),
        }

    for e, advice in sorted(
        zip(entries, advice_ids, strict=True), key=lambda pair: pair[0]["created_at"]
    ):
        a, ref, lead = e["assessment_id"], e["reference"], lead_of[e["assessment_id"]]
        t = e["created_at"]
        yield event(t, lead, "auth.login", "user", lead, None, {})
        yield event(t, lead, "assessment.created", "assessment", ref, a, {"title": e["title"]})
        for n in range(14):
            question = f"q{n}"
            yield event(
                t + timedelta(minutes=n),
                lead,
                "answer.saved",
                "answer",
                question,
                a,
                {"question": question, "version": 1},
            )
        t = e["submitted_at"]
        yield event(t, lead, "assessment.submit", "assessment", ref, a, {"to": "submitted"})
        yield event(t, board, "auth.login", "user", board, None, {})
        yield event(t, board, "review.rapporteur_claimed", "assessment", ref, a, {})
        yield event(t, board, "review.comment_added", "comment", a, a, {"question": "x"})
        yield event(t, lead, "review.comment_added", "comment", a, a, {"reply_to": a})
        for section in SECTIONS:
            yield event(t, board, "review.verdict_set", "section", section, a, {"verdict": "ok"})
        t = e["signed_at"] - timedelta(days=6)
        yield event(t, board, "advice.saved", "advice", advice, a, {"outcome": e["outcome"]})
        for member in members:
            yield event(t, member, "advice.opinion", "advice", advice, a, {"stance": "agree"})
        t = e["signed_at"]
        yield event(t, chair, "auth.login", "user", chair, None, {})
        yield event(t, chair, "advice.finalised", "advice", advice, a, {})
        yield event(t, chair, "report.signed", "report", a, a, {"sequence": 1})
        yield event(t, chair, "assessment.archive", "assessment", ref, a, {"to": "archived"})


def seed(engine, settings, entries: int) -> Seeded:  # type: ignore[no-untyped-def]
    """Fill the database (see the module docstring); returns what the pages are about."""
    from sqlalchemy import update
    from sqlmodel import col, select

    from app.assessments import answering, lifecycle
    from app.assessments.models import Assessment
    from app.db import session_scope
    from app.demo import PEOPLE, run_demo
    from app.demo_data import ANSWERS
    from app.i18n import use_locale
    from app.questionnaires.registry import find_version
    from app.reports.pki import ensure_dev_pki
    from app.reviews import commenting, intake, judging
    from app.users.models import Role, User
    from app.users.tokens import create_token
    from bench.archive import DemoCopies, fill_archive
    from bench.audit_verify import append_events

    ensure_dev_pki(settings.pki_dir, org_name=settings.org_name, base_url=settings.base_url)
    run_demo(engine, settings)
    out = Seeded()
    rng = random.Random(19)
    board_roles = {Role.board}
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        people = _people(session, settings)
        version = find_version(session, settings.default_questionnaire)
        copies = DemoCopies(session, settings)
        out.demo = copies.original.id or 0
        out.lead_id = people["lead"].id
        rows = fill_archive(
            session,
            entries,
            version_id=version.id or 0,
            lead_ids=[*people["leads"], people["lead"].id],
            rng=rng,
            state="advice_drafted",  # archived once the rows it seals are in
        )
        lead_of = dict(session.exec(select(Assessment.id, Assessment.lead_id)).all())
        counts, advice_ids = _history(session, rows, lead_of, copies, people, rng)
        session.execute(
            update(Assessment)
            .where(col(Assessment.state) == "advice_drafted")
            .values(state="archived")
        )
    counts["audit_events"] = append_events(engine, _events(rows, advice_ids, lead_of, people))
    print(
        f"  {entries:,} archived assessments in bulk: {time.perf_counter() - t0:.1f} s", flush=True
    )
    t0 = time.perf_counter()
    with session_scope(engine) as session, use_locale("nl"):
        copies = DemoCopies(session, settings)
        for n in range(SIGNED_COPIES):
            copy = copies.archived(session, f"DW-BENCH-{n:05d}", public=True)
        out.archived, out.public_reference = copy.id or 0, copy.reference
        out.to_sign = copies.ready_to_sign(session, "DW-BENCH-SIGN")[0].id or 0
        lead = session.get(User, people["lead"].id)
        board = session.get(User, people["board"].id)
        members = [session.get(User, people[k].id) for k in ("board", "secretary", "member4")]
        for i in range(OPEN_IN_INBOX):
            other = session.get(User, people["leads"][i])
            a = _answered(session, other, f"Wachtend {i}", version, ANSWERS)
            lifecycle.submit_assessment(session, assessment=a, actor=other)
            if i % 2:
                intake.claim_rapporteur(session, assessment=a, actor=board, roles=board_roles)
        # Under review: 50 comments and replies over two submissions, three verdicts.
        h = _answered(session, lead, "Onder beoordeling: 50 opmerkingen", version, ANSWERS)
        lifecycle.submit_assessment(session, assessment=h, actor=lead)
        intake.claim_rapporteur(session, assessment=h, actor=board, roles=board_roles)
        questions = list(ANSWERS)
        count = 0

        def comment(actor, roles, body, question=None, parent=None):  # type: ignore[no-untyped-def]
            nonlocal count
            count += 1
            return commenting.add_comment(
                session,
                assessment=h,
                actor=actor,
                roles=roles,
                body=f"{body} ({count}) " + "Toelichting bij de vraag. " * rng.randrange(1, 8),
                question_id=question,
                parent_id=parent,
            )

        first = [
            comment(members[n % 3], board_roles, "Graag verduidelijken", questions[n])
            for n in range(10)
        ]
        judging.request_changes(
            session, assessment=h, actor=board, roles=board_roles, note="Zie de opmerkingen."
        )
        for c in first:
            comment(lead, {Role.lead}, "Aangevuld", parent=c.id)
        for qid in ("plain_description", "commissioning_client", "supplier"):
            answering.save_answer(
                session,
                assessment=h,
                question_id=qid,
                raw=ANSWERS[qid] + " (aangevuld)",
                base_version=None,
                actor=lead,
            )
        lifecycle.submit_assessment(session, assessment=h, actor=lead)
        second = [
            comment(members[n % 3], board_roles, "Nog een vraag", questions[10 + n])
            for n in range(15)
        ]
        second += [comment(members[n % 3], board_roles, "Algemeen") for n in range(5)]
        for c in second[:10]:
            comment(lead, {Role.lead}, "Antwoord", parent=c.id)
        for c in first[:8]:
            commenting.resolve_comment(
                session, assessment=h, comment_id=c.id or 0, actor=board, roles=board_roles
            )
        for section in SECTIONS[:3]:
            judging.set_verdict(
                session,
                assessment=h,
                actor=board,
                roles=board_roles,
                section_id=section,
                verdict="acceptable",
            )
        assert count == COMMENTS, count
        out.review = h.id or 0
        # A draft being answered: more than half of the answers, one changed five times.
        d = lifecycle.create_assessment(
            session,
            actor=lead,
            title="Concept: camera's bij evenementen",
            department="Veiligheid",
            description="Tellen van bezoekers met camera's.",
            questionnaire=version,
        )
        for qid in questions[: len(questions) * 2 // 3]:
            answering.save_answer(
                session,
                assessment=d,
                question_id=qid,
                raw=ANSWERS[qid],
                base_version=None,
                actor=lead,
            )
        for n in range(5):
            answering.save_answer(
                session,
                assessment=d,
                question_id="plain_description",
                raw=f"Versie {n}: camera's tellen bezoekers.",
                base_version=None,
                actor=lead,
            )
        out.draft = d.id or 0
        for n in range(3):
            create_token(session, user=lead, name=f"Koppeling {n}", expires_days=365)
    print(f"  the signed copies and the open assessments: {time.perf_counter() - t0:.1f} s")
    out.emails = {key: PEOPLE[key][0] for key in ("lead", "board", "chair")}
    out.emails |= {"auditor": "auditor@bench.example", "admin": "admin@bench.example"}
    out.counts = counts | {"users": LEADS + 8, "signed_copies": SIGNED_COPIES}
    return out


@dataclass(frozen=True)
class PageType:
    name: str
    role: str  # "" for a visitor who is not logged in
    path: str
    status: int = 200


def page_types(s: Seeded) -> list[PageType]:
    """Every HTML page reachable with GET (app/pages and the API's documentation page), once
    per kind, by the role that uses it."""
    d, h = f"/assessments/{s.draft}", f"/assessments/{s.review}"
    pages = [
        PageType("login", "", "/login"),
        PageType("home", "lead", "/"),
        PageType("accessibility statement", "", "/toegankelijkheid"),
        PageType("problem types", "", "/problems"),
        PageType("problem type", "", "/problems/not-found"),
        PageType("API documentation", "", "/api/docs"),
        PageType("verify form", "", "/verify"),
        PageType("my assessments", "lead", "/assessments"),
        PageType("new assessment", "lead", "/assessments/new"),
        PageType("import form", "lead", "/assessments/import"),
        PageType("overview, draft", "lead", d),
        *[PageType(f"section {sid}", "lead", f"{d}/sections/{sid}") for sid in SECTIONS],
        PageType("go to a question (303)", "lead", f"{d}/find/bias_assessment", 303),
        PageType("review before submitting", "lead", f"{d}/review"),
        PageType("answer history", "lead", f"{d}/questions/plain_description/history"),
        PageType("overview, under review", "lead", h),
        PageType("comments for the lead", "lead", f"{h}/comments"),
        PageType("overview, archived", "lead", f"/assessments/{s.demo}"),
        PageType("notifications (lead)", "lead", "/notifications"),
        PageType("API tokens", "lead", "/account/tokens"),
        PageType("committee inbox", "board", "/committee"),
        PageType("committee inbox, filtered", "board", "/committee?state=in_review&sort=level"),
        PageType("committee review (50 comments)", "board", f"/committee/assessments/{s.review}"),
        PageType("advice, drafting", "board", f"/committee/assessments/{s.review}/advice"),
        PageType("advice, signing", "chair", f"/committee/assessments/{s.to_sign}/advice"),
        PageType("assessment audit trail", "board", f"{h}/audit"),
        PageType("notifications (member)", "board", "/notifications"),
        PageType("archive list", "board", "/archive"),
        PageType("archive search", "board", "/archive?q=schuldhulp+wijk"),
        PageType(
            "archive search, filtered",
            "board",
            "/archive?department=Sociaal+Domein&level=high&value=responsible&sort=title",
        ),
        PageType("archive list, page 40", "board", "/archive?page=40"),
        PageType("archive detail", "board", f"/archive/{s.archived}"),
        PageType("register list", "", "/register"),
        PageType("register search", "", "/register?q=schuldhulp"),
        PageType("register detail", "", f"/register/{s.public_reference}"),
        PageType("audit log", "auditor", "/audit"),
        PageType("audit log, filtered", "auditor", "/audit?action=review."),
        PageType("users", "admin", "/admin/users"),
        PageType("new user", "admin", "/admin/users/new"),
        PageType("edit user", "admin", f"/admin/users/{s.lead_id}"),
    ]
    return pages


WARM_UP = 3


async def _cookies(app, seeded: Seeded) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A logged-in session per role ("" for a visitor)."""
    cookies = {"": ""}
    for role, email in seeded.emails.items():
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            if not await log_in(client, email):
                raise SystemExit(f"could not log in as {role}")
            cookies[role] = cookie_header(client)
    return cookies


def _get(path: str) -> httpx.Request:
    return httpx.Request("GET", f"http://bench{path}", headers={"Accept-Language": "nl"})


async def profile(app, seeded: Seeded, name: str) -> None:  # type: ignore[no-untyped-def]
    """Where the time of one page type goes: cProfile over 10 requests after the warm-up. The
    work FastAPI sends to worker threads runs in the event loop's thread meanwhile, so that
    the profiler sees it."""
    import cProfile
    import pstats
    from unittest import mock

    import anyio.to_thread

    page = next((p for p in page_types(seeded) if p.name == name), None)
    if page is None:
        raise SystemExit(f"no page type {name!r}: {[p.name for p in page_types(seeded)]}")
    cookie = (await _cookies(app, seeded))[page.role]

    async def inline(func, *args, **_kwargs):  # type: ignore[no-untyped-def]
        return func(*args)

    with mock.patch.object(anyio.to_thread, "run_sync", inline):
        for _ in range(WARM_UP):
            await asgi_send(app, _get(page.path), cookie)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            await asgi_send(app, _get(page.path), cookie)
        profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(50)
    stats.print_callees(r"app/(pages|reports|archive|reviews|assessments|audit)/.*\(\w+\)$")
    from collections import Counter

    from sqlalchemy import event

    seen: Counter[str] = Counter()
    spent: Counter[str] = Counter()
    started: list[float] = []

    def before(*_args) -> None:  # type: ignore[no-untyped-def]
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        key = " ".join(statement.split())[:150]
        seen[key] += 1
        spent[key] += time.perf_counter() - started.pop()

    event.listen(app.state.engine, "before_cursor_execute", before)
    event.listen(app.state.engine, "after_cursor_execute", after)
    await asgi_send(app, _get(page.path), cookie)
    event.remove(app.state.engine, "before_cursor_execute", before)
    event.remove(app.state.engine, "after_cursor_execute", after)
    # SQLite computes rows as they are fetched: its time is in the profile's fetchall.
    print(f"the SQL statements of one request ({sum(seen.values())}), time to execute:")
    for statement, total in spent.most_common():
        print(f"  {seen[statement]:4d} x {total * 1000:7.2f} ms {statement}")


async def measure(app, seeded: Seeded, rounds: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each page type once per round, in turn; the first request of each is reported apart."""
    from sqlalchemy import event

    cookies = await _cookies(app, seeded)
    statements = [0]

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        statements[0] += 1

    event.listen(app.state.engine, "before_cursor_execute", count)
    pages = page_types(seeded)
    times: dict[str, list[float]] = {p.name: [] for p in pages}
    first: dict[str, float] = {}
    queries: dict[str, int] = {}
    size: dict[str, int] = {}
    for n in range(WARM_UP + rounds):
        for page in pages:
            before = statements[0]
            response, elapsed = await asgi_send(app, _get(page.path), cookies[page.role])
            if response.status_code != page.status:
                raise SystemExit(
                    f"{page.name} ({page.path}) answered {response.status_code}: "
                    f"{response.text[:500]}"
                )
            if n == 0:
                first[page.name] = elapsed
            elif n >= WARM_UP:
                times[page.name].append(elapsed)
            queries[page.name] = statements[0] - before
            size[page.name] = len(response.content)
    event.remove(app.state.engine, "before_cursor_execute", count)
    return [
        {
            "page": p.name,
            "role": p.role or "visitor",
            "path": p.path,
            "p50_ms": statistics.median(times[p.name]) * 1000,
            "p95_ms": percentile(times[p.name], 95) * 1000,
            "first_ms": first[p.name] * 1000,
            "queries": queries[p.name],
            "kb": size[p.name] / 1024,
        }
        for p in pages
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the filled database here and use it again on the next run (to profile)",
    )
    parser.add_argument("--profile", metavar="PAGE", help="profile one page type (cProfile)")
    args = parser.parse_args()
    if args.entries > 100_000 or args.rounds > 1000:
        parser.error("bounded: at most 100,000 entries and 1,000 rounds")
    data_dir = args.data_dir or temp_dir("dw-bench-pages-")
    os.environ.update(bench_env(data_dir, args.database_url))
    from app.config import get_settings
    from app.db import make_engine
    from app.main import create_app
    from app.migrate import upgrade_to_head

    get_settings.cache_clear()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    engine_name = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"
    kept = data_dir / "bench-pages.json"
    if kept.exists():
        seeded = Seeded(**json.loads(kept.read_text()))
        print(f"the database filled before ({engine_name}): {seeded.counts}", flush=True)
    else:
        print(f"filling the database ({engine_name})", flush=True)
        t0 = time.perf_counter()
        seeded = seed(engine, settings, args.entries)
        if engine.dialect.name == "postgresql":
            # What autovacuum does after bulk inserts, before the measurement rather than in it.
            from sqlalchemy import text

            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        print(f"  filled in {time.perf_counter() - t0:.1f} s: {seeded.counts}", flush=True)
        if args.data_dir:
            kept.write_text(json.dumps(dataclasses.asdict(seeded)))
    engine.dispose()
    app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.profile:
        asyncio.run(profile(app, seeded, args.profile))
        return
    rows = asyncio.run(measure(app, seeded, args.rounds))
    print(
        f"\nserver time per page type, in-process, {engine_name}, {args.entries:,} archived "
        f"assessments, {args.rounds} requests each (after {WARM_UP} to warm up)"
    )
    print(
        f"  {'page type':34s} {'role':8s} {'median':>8s} {'p95':>8s} {'first':>8s} "
        f"{'queries':>7s} {'KB':>6s}"
    )
    for r in rows:
        mark = "" if r["p95_ms"] < TARGET_MS else "  over the target"
        print(
            f"  {r['page']:34s} {r['role']:8s} {r['p50_ms']:7.1f}  {r['p95_ms']:7.1f}  "
            f"{r['first_ms']:7.1f}  {r['queries']:7d} {r['kb']:6.0f}{mark}"
        )
    worst = max(rows, key=lambda r: r["p95_ms"])
    over = [r["page"] for r in rows if r["p95_ms"] >= TARGET_MS]
    print(
        f"  slowest p95: {worst['page']} {worst['p95_ms']:.1f} ms; "
        + (f"over {TARGET_MS:.0f} ms: {', '.join(over)}" if over else "every page type within")
    )
    print(
        "RESULT "
        + json.dumps(
            {
                "bench": "pages",
                "engine": engine_name,
                "entries": args.entries,
                "rounds": args.rounds,
                "page_types": len(rows),
                "worst": worst["page"],
                "worst_p95_ms": worst["p95_ms"],
                "over": over,
                "pages": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
