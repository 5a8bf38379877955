"""`datawaarden consultations`: what the operator does with consultations of residents."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from app.cli.common import console, fail, open_engine, settings_or_exit
from app.cli.jobs import _migrated

consultations_app = typer.Typer(
    help="Consultations of residents: deleting their personal data.", no_args_is_help=True
)

PURGE_TODAY_HELP = (
    "Take this day (YYYY-MM-DD) as today, to delete what is due by then; the default is "
    "today in Europe/Amsterdam."
)


@consultations_app.command("purge")
def consultations_purge(
    today: Annotated[str | None, typer.Option(help=PURGE_TODAY_HELP)] = None,
) -> None:
    """Delete the name, e-mail address and text of every reaction to a consultation that
    ended more than CONSULTATION_RETENTION_DAYS ago. Counts, values, themes and the
    committee's summaries stay. The job runner does this daily; running it again is harmless.
    It speaks the installation's language (DATAWAARDEN_DEFAULT_LOCALE)."""
    from app.i18n import gettext, ngettext, use_locale
    from app.jobs.runs import purge

    settings = settings_or_exit()
    with use_locale(settings.default_locale):
        day = None
        if today is not None:
            try:
                day = date.fromisoformat(today)
            except ValueError:
                fail(
                    gettext(
                        "--today: '%(value)s' is not a date; write it as YYYY-MM-DD.",
                        value=today,
                    ),
                    code=2,
                )
        engine = open_engine()
        _migrated(engine)
        emptied = purge(engine, settings, today=day)
        engine.dispose()
        console.print(
            ngettext(
                "Personal data deleted from %(num)s reaction (retention %(days)s days).",
                "Personal data deleted from %(num)s reactions (retention %(days)s days).",
                emptied,
                days=settings.consultation_retention_days,
            )
        )
