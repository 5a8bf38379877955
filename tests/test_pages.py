"""Site-wide page behaviour: language, errors, headers."""

from __future__ import annotations

from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from app.i18n import LOCALES, TRANSLATIONS_DIR
from tests.conftest import (
    on_both_databases,
    page_text,
)

# The pages are tested on SQLite and on PostgreSQL.
engine = on_both_databases()


def test_it_speaks_dutch_by_default(client):
    response = client.get("/login")
    soup = BeautifulSoup(response.text, "lxml")
    assert soup.html["lang"] == "nl"
    assert soup.h1.get_text(strip=True) == "Inloggen"


def test_it_follows_the_browser_language_when_no_choice_was_made(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})
    assert BeautifulSoup(response.text, "lxml").html["lang"] == "en"


def test_it_switches_language_and_remembers_it(login, db, personas):
    lead = login("lead")
    response = lead.post_form("/language", {"locale": "en", "next": "/"})
    assert response.status_code == 303
    page = lead.get("/")
    soup = BeautifulSoup(page.text, "lxml")
    assert soup.html["lang"] == "en"
    assert "Welcome, Lia Lead" in page_text(page.text)
    db.refresh(personas["lead"])
    assert personas["lead"].locale == "en"


def test_it_ignores_an_unknown_language_and_an_outside_next(client):
    response = client.post_form("/language", {"locale": "xx", "next": "//evil.example"})
    assert response.headers["location"] == "/"


def test_it_shows_a_friendly_404_page_in_the_users_language(client):
    nl = client.get("/no/such/page")
    assert nl.status_code == 404
    assert "Deze pagina of dit onderdeel bestaat niet" in page_text(nl.text)
    en = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert "This page or item does not exist" in page_text(en.text)


def test_it_shows_a_friendly_500_page_without_a_traceback(app, client):
    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret internals")

    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom-for-test")
    assert response.status_code == 500
    text = page_text(response.text)
    assert "Er ging bij ons iets mis" in text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["x-request-id"] in text


def test_it_sends_security_headers_on_every_response(client):
    for path in ("/login", "/healthz", "/static/css/app.css", "/nope"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_it_serves_htmx_from_its_own_static_files(client):
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:2000]


def test_it_has_complete_catalogs_without_fuzzy_messages():
    for locale in LOCALES:
        with open(TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
            catalog = read_po(fh, locale=locale)
        problems = []
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                problems.append(f"untranslated: {message.id!r}")
            if message.fuzzy:
                problems.append(f"fuzzy: {message.id!r}")
        assert not problems, f"{locale}: " + "; ".join(problems)


def test_it_has_every_template_and_code_message_in_the_catalogs():
    """The catalogs are not stale: every message in the source is in both catalogs."""
    from babel.messages.extract import extract_from_dir

    from app.config import ROOT

    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None}
    found = set()

    def directories(path: str) -> bool:  # also templates/_macros, unlike the default filter
        name = path.rstrip("/").rsplit("/", 1)[-1]
        return not name.startswith(".") and name not in ("node_modules", "__pycache__")

    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        method_map,
        options_map=options,
        keywords=keywords,
        directory_filter=directories,
    ):
        found.add(message if isinstance(message, str) else message[0])
    for locale in LOCALES:
        with open(TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
            catalog = read_po(fh, locale=locale)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        missing = sorted(found - ids)
        assert not missing, (
            f"{locale} catalog is missing (run make extract-messages): {missing[:10]}"
        )


def test_it_publishes_an_accessibility_statement_without_login(client):
    nl = client.get("/toegankelijkheid")
    assert nl.status_code == 200
    assert "Toegankelijkheidsverklaring" in page_text(nl.text)
    en = client.get("/toegankelijkheid", headers={"Accept-Language": "en"})
    assert "WCAG" in page_text(en.text) and "Accessibility statement" in page_text(en.text)


def test_it_keeps_the_navigation_on_public_and_error_pages_for_a_logged_in_user(login):
    lead = login("lead")
    for path in ("/verify", "/register", "/no/such/page", "/toegankelijkheid"):
        page = BeautifulSoup(lead.get(path).text, "lxml")
        assert page.select_one("nav.main-nav form[action='/logout']") is not None, path


def test_it_refuses_an_oversized_body_and_a_form_in_another_codec_with_headers_and_in_dutch(
    client,
):
    too_large = client.post(
        "/login", content=b"x", headers={"Content-Length": str(22 * 1024 * 1024)}
    )
    assert too_large.status_code == 413
    assert too_large.text == "Het bestand is te groot"
    utf7 = client.post(
        "/login",
        content=b"email=a",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-7"},
    )
    assert utf7.status_code == 415
    assert utf7.text == "Formulieren moeten als UTF-8 worden verstuurd."
    for refused in (too_large, utf7):
        assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]
        assert refused.headers["x-content-type-options"] == "nosniff"
        assert refused.headers["x-request-id"]
