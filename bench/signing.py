"""Benchmark: the chair's signing request end to end, next to raw WeasyPrint of the same
report, in one run.

The chair posts the signing form of the advice page (password included) through the ASGI app
in-process, and the page that follows (the advice page the redirect names) is served: that is
the time from the click to the next page. Each run signs an assessment of its own, a copy of
the demo's (`datawaarden demo`) with a final advice, so every request renders, signs and
stores a report, archives the assessment and takes the audit checkpoint, as the chair's click
does; the next page is asked for as soon as the post has answered, while the server makes the
public edition after its response (measured apart: "after the response"). Raw WeasyPrint
writes the same report's HTML (tagged, as the report is, and untagged); the two alternate, so
that the shared machine's drift hits both. Prints the medians and the ratio of the request to
raw WeasyPrint.
Usage: python bench/signing.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import statistics
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    PASSWORD,
    asgi_send,
    bench_env,
    cookie_header,
    form_fields,
    log_in,
    temp_dir,
)
from bench.report import raw_weasyprint

TARGET_RATIO = 1.5


def prepare(runs: int) -> tuple[list[int], str, str]:  # type: ignore[no-untyped-def]
    """The demo, `runs` + 1 copies of it waiting for the chair's signature (one to warm up),
    the chair's password set to the bench's; returns their ids, the chair's e-mail and the
    report's HTML as the first copy's signing would render it."""
    from sqlmodel import select

    from app.audit.service import head_hash
    from app.config import get_settings
    from app.db import make_engine, session_scope
    from app.demo import PEOPLE, run_demo
    from app.migrate import upgrade_to_head
    from app.reports import render
    from app.reports.pki import ensure_dev_pki
    from app.timeutil import utcnow
    from app.users.models import User
    from app.users.passwords import hash_password
    from bench.archive import DemoCopies

    get_settings.cache_clear()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    ensure_dev_pki(settings.pki_dir, org_name=settings.org_name, base_url=settings.base_url)
    run_demo(engine, settings)
    email = PEOPLE["chair"][0]
    with session_scope(engine) as session:
        chair = session.exec(select(User).where(User.email == email)).one()
        chair.password_hash = hash_password(PASSWORD)
        session.add(chair)
        copies = DemoCopies(session, settings)
        made = [copies.ready_to_sign(session, f"DW-SIGN-{n:03d}") for n in range(runs + 1)]
        first, advice, _submission = made[1]
        source = render.gather(
            session,
            assessment=first,
            advice=advice,
            settings=settings,
            audit_head=head_hash(session),
            signer=chair,
            now=utcnow(),
        )
        html = render.render_html(source)
        ids = [a.id or 0 for a, _advice, _submission in made]
    engine.dispose()
    return ids, email, html


async def sign(app, cookie: str, assessment_id: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """The chair's click: the signing form posted, then the page it leads to, requested as
    soon as the post's response has been sent (as a browser does) while the server makes the
    public edition after that response. Returns the seconds of the post until its response,
    of the next page, and of the work after the response."""
    page = f"/committee/assessments/{assessment_id}/advice"
    advice, _elapsed = await asgi_send(app, httpx.Request("GET", f"http://bench{page}"), cookie)
    action = f"/committee/assessments/{assessment_id}/sign"
    fields = dict(form_fields(advice.text, action))
    if "csrf_token" not in fields:
        raise SystemExit(f"no signing form on {page}")
    fields["password"] = PASSWORD
    gc.collect()
    answered: asyncio.Future[tuple[httpx.Response, float]] = (
        asyncio.get_running_loop().create_future()
    )
    posting = asyncio.create_task(
        asgi_send(
            app,
            httpx.Request("POST", f"http://bench{action}", data=fields),
            cookie,
            on_sent=lambda response, seconds: answered.set_result((response, seconds)),
        )
    )
    posted, post_time = await answered
    if posted.status_code != 303:
        raise SystemExit(f"signing answered {posted.status_code}: {posted.text[:500]}")
    # The flash message the redirect sets, as the browser sends it with the next page.
    flash = "; ".join(c.split(";", 1)[0] for c in posted.headers.get_list("set-cookie"))
    follow, follow_time = await asgi_send(
        app,
        httpx.Request("GET", f"http://bench{posted.headers['location']}"),
        "; ".join(c for c in (cookie, flash) if c),
    )
    if follow.status_code != 200:
        raise SystemExit(f"the page after signing answered {follow.status_code}")
    _response, total = await posting
    return post_time, follow_time, total - post_time


async def measure(app, ids: list[int], email: str, html: str) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        if not await log_in(client, email):
            raise SystemExit("the chair could not log in")
        cookie = cookie_header(client)
    await sign(app, cookie, ids[0])  # warm up: templates, fonts, the timestamp authority
    raw_weasyprint(html, tagged=True)
    timings: dict[str, list[float]] = {
        "request": [],
        "post": [],
        "next page": [],
        "after the response": [],
        "weasyprint (raw, tagged)": [],
        "weasyprint (raw)": [],
    }

    def raw() -> None:
        timings["weasyprint (raw, tagged)"].append(raw_weasyprint(html, tagged=True))
        timings["weasyprint (raw)"].append(raw_weasyprint(html))

    for run, assessment_id in enumerate(ids[1:]):
        if run % 2:
            raw()
        post, follow, after = await sign(app, cookie, assessment_id)
        timings["request"].append(post + follow)
        timings["post"].append(post)
        timings["next page"].append(follow)
        timings["after the response"].append(after)
        if not run % 2:
            raw()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.runs <= 50:
        parser.error("between 1 and 50 runs")
    os.environ.update(bench_env(temp_dir("dw-bench-signing-")))
    ids, email, html = prepare(args.runs)
    from app.main import create_app

    app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    timings = asyncio.run(measure(app, ids, email, html))
    medians = {k: statistics.median(v) * 1000 for k, v in timings.items()}
    ratio = medians["request"] / medians["weasyprint (raw, tagged)"]
    untagged = medians["request"] / medians["weasyprint (raw)"]
    print(f"the chair's signing request, in-process, SQLite, {args.runs} runs (medians)")
    for name, value in medians.items():
        print(f"  {name:26s} {value:8.0f} ms")
    print(
        f"  request / raw WeasyPrint of the same tagged report: {ratio:.2f}x "
        f"(target <= {TARGET_RATIO}x); against untagged raw WeasyPrint: {untagged:.2f}x"
    )
    print(
        "RESULT "
        + json.dumps(
            {
                "bench": "signing",
                "runs": args.runs,
                "ratio": ratio,
                "ratio_untagged": untagged,
                **{f"{k}_ms": v for k, v in medians.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
