"""Benchmark: render and sign (PAdES B-LTA) the advice report of a fully answered Haarlem
assessment.

Prints the median of: raw WeasyPrint on the same HTML, render (PDF/A-3b with attachments),
render + sign, signing alone, and verification of the signed file (as an archived file, and as
an unknown upload with the full difference analysis); and the ratio of render + sign to raw
WeasyPrint of the same tagged PDF (and to raw WeasyPrint without tags).
Usage: python bench/report.py [--runs 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def raw_weasyprint(html: str, *, tagged: bool = False) -> float:
    """Seconds of raw WeasyPrint writing the report's HTML to a PDF (`tagged`: with the tags
    the report carries). Every timed step starts without the garbage of the one before."""
    import weasyprint

    from app.reports import render

    gc.collect()
    t = time.perf_counter()
    weasyprint.HTML(string=html, base_url=str(render.ROOT / "templates" / "pdf")).write_pdf(
        pdf_tags=tagged
    )
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from bench.common import bench_env, temp_dir

    os.environ.update(bench_env(temp_dir("dw-bench-report-")))
    import weasyprint
    from sqlmodel import select

    from app.config import get_settings
    from app.db import make_engine, session_scope
    from app.demo import run_demo
    from app.reports import checking, render
    from app.reports.models import Report
    from app.reports.pki import ensure_dev_pki
    from app.reports.signing import load_signing_key, long_term, sign_pdf
    from app.reports.verify import verify_pdf
    from app.users.models import User

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    from app.migrate import upgrade_to_head

    upgrade_to_head(engine)
    ensure_dev_pki(settings.pki_dir, org_name=settings.org_name, base_url=settings.base_url)
    result = run_demo(engine, settings)
    with session_scope(engine) as session:
        report = session.exec(select(Report)).one()
        from app.assessments.models import Assessment
        from app.reviews.models import Advice

        assessment = session.get(Assessment, report.assessment_id)
        advice = session.get(Advice, report.advice_id)
        chair = session.get(User, report.signed_by_id)
        source = render.gather(
            session,
            assessment=assessment,
            advice=advice,
            settings=settings,
            audit_head=report.audit_head_hash,
            signer=chair,
            now=report.signed_at,
        )
    key = load_signing_key(settings)
    roots = checking.trust_roots(settings)
    html = render.render_html(source)
    pages = len(
        weasyprint.HTML(string=html, base_url=str(render.ROOT / "templates" / "pdf")).render().pages
    )
    weasyprint.HTML(
        string=html, base_url=str(render.ROOT / "templates" / "pdf")
    ).write_pdf()  # warm up
    timings: dict[str, list[float]] = {
        "weasyprint (raw)": [],
        "weasyprint (raw, tagged)": [],
        "template (Jinja2)": [],
        "render (PDF/A-3b)": [],
        "render + sign": [],
        "total": [],
        "sign only": [],
        "verify (archived)": [],
        "verify (upload)": [],
    }
    lta = long_term(settings, key)

    def raw() -> None:
        timings["weasyprint (raw)"].append(raw_weasyprint(html))
        # The report is a tagged PDF (accessible, WCAG): WeasyPrint's own cost of tagging the
        # same HTML is the fair baseline for what signing and PDF/A add.
        timings["weasyprint (raw, tagged)"].append(raw_weasyprint(html, tagged=True))

    def ours() -> bytes:
        gc.collect()
        t = time.perf_counter()
        page_html = render.render_html(source)
        timings["template (Jinja2)"].append(time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        render.render_pdf(source, html=page_html)
        timings["render (PDF/A-3b)"].append(time.perf_counter() - t)
        # The same HTML as raw WeasyPrint gets: PDF/A-3b with attachments, then the signature.
        gc.collect()
        t = time.perf_counter()
        pdf = render.render_pdf(source, html=html)
        signed = sign_pdf(
            pdf,
            key=key,
            field_name="Signature1",
            signer_name="Bench",
            reason="bench",
            location=settings.org_name,
            long_term=lta,
        )
        timings["render + sign"].append(time.perf_counter() - t)
        timings["total"].append(timings["template (Jinja2)"][-1] + timings["render + sign"][-1])
        gc.collect()
        t = time.perf_counter()
        sign_pdf(
            pdf,
            key=key,
            field_name="Signature1",
            signer_name="Bench",
            reason="bench",
            location="x",
            long_term=lta,
        )
        timings["sign only"].append(time.perf_counter() - t)
        validator = checking.validator_for(settings)
        gc.collect()
        t = time.perf_counter()
        check = verify_pdf(signed, trust_roots=roots, validator=validator, known=True)
        timings["verify (archived)"].append(time.perf_counter() - t)
        assert check.signatures_ok and check.long_term
        gc.collect()
        t = time.perf_counter()
        check = verify_pdf(signed, trust_roots=roots, validator=validator)
        timings["verify (upload)"].append(time.perf_counter() - t)
        assert check.signatures_ok
        return signed

    for run in range(args.runs):
        # Alternate which comes first, so that neither always runs on a warmer machine.
        if run % 2:
            signed = ours()
            raw()
        else:
            raw()
            signed = ours()
    medians = {k: statistics.median(v) for k, v in timings.items()}
    print(
        f"advice report {result.reference}: {pages} pages, {len(signed)} bytes, {args.runs} runs (medians)"
    )
    for name, value in medians.items():
        print(f"  {name:20s} {value * 1000:8.1f} ms")
    ratio = medians["render + sign"] / medians["weasyprint (raw, tagged)"]
    untagged = medians["render + sign"] / medians["weasyprint (raw)"]
    print(f"  render + sign / raw WeasyPrint of the same tagged PDF: {ratio:.2f}x")
    print(f"  render + sign / raw WeasyPrint without tags: {untagged:.2f}x")
    import json

    print(
        "RESULT "
        + json.dumps(
            {
                "bench": "report",
                "pages": pages,
                "ratio": ratio,
                "ratio_untagged": untagged,
                **{k: v * 1000 for k, v in medians.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
