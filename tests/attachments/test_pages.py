"""The section page: each question lists its files and has an upload form that works without
JavaScript; downloads are always downloads, sandboxed, and audited."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup
from sqlmodel import func, select

from app.attachments import service
from app.attachments.models import Attachment
from app.audit.models import AuditEvent
from app.users.models import Role
from tests.attachments import files
from tests.attachments.conftest import with_limits
from tests.conftest import page_text

SECTION = "/assessments/{id}/sections/profile"
UPLOAD = "/assessments/{id}/questions/{qid}/attachments"


def upload(client, a, data: bytes, name: str = "dpia.pdf", qid: str = "name", **kwargs):  # type: ignore[no-untyped-def]
    return client.post(
        UPLOAD.format(id=a.id, qid=qid),
        data={"csrf_token": client.csrf(), **kwargs.pop("data", {})},
        files={"file": (name, data, kwargs.pop("content_type", "application/octet-stream"))},
        **kwargs,
    )


def current(db, a) -> list[Attachment]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return [f for files_ in service.attachments_of_answers(db, a.id).values() for f in files_]


def test_each_question_has_an_upload_form_outside_the_section_form(login, make_assessment):
    a = make_assessment()
    page = BeautifulSoup(login("lead").get(SECTION.format(id=a.id)).text, "lxml")
    field = page.find("input", id="file-name")
    assert field is not None and field["type"] == "file" and field["name"] == "file"
    form = page.find("form", id=field["form"])
    assert form["method"] == "post" and form["enctype"] == "multipart/form-data"
    assert form["action"] == UPLOAD.format(id=a.id, qid="name")
    assert form.find("input", attrs={"name": "csrf_token"})["value"]
    assert form.find_parent("form") is None  # forms cannot be nested
    label = page.find("label", attrs={"for": "file-name"})
    assert label is not None and "file-name-help" in field["aria-describedby"]
    assert ".pdf" in field["accept"] and ".docx" in field["accept"]


def test_a_lead_uploads_a_file_and_sees_it_listed(login, make_assessment, db):
    a = make_assessment()
    lead = login("lead")
    response = upload(lead, a, files.pdf(), name="DPIA verkeer.pdf")
    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{a.id}/sections/profile#attachments-name"
    page = lead.get(response.headers["location"])
    [stored] = current(db, a)
    assert stored.filename == "DPIA verkeer.pdf" and stored.media_type == "application/pdf"
    soup = BeautifulSoup(page.text, "lxml")
    link = soup.select_one("#attachments-name a[download]")
    assert link.text == "DPIA verkeer.pdf"
    assert link["href"] == f"/assessments/{a.id}/attachments/{stored.id}"
    assert "DPIA verkeer.pdf" in page_text(page.text)  # and the flash message says it too


def test_a_refused_file_comes_back_with_the_reason_at_its_field(login, make_assessment, db):
    a = make_assessment()
    lead = login("lead")
    lead.cookies.set("dw_lang", "en")
    response = upload(lead, a, files.HTML, name="rapport.pdf", content_type="application/pdf")
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "lxml")
    error = soup.find(id="file-name-error")
    assert "none of the accepted types" in error.text
    assert soup.find("input", id="file-name")["aria-invalid"] == "true"
    assert soup.select_one("#error-summary a[href='#file-name']") is not None
    assert soup.title.text.startswith("Error")
    assert current(db, a) == []


def test_a_file_over_the_limit_is_refused_with_413(app, login, make_assessment, db):
    app.state.settings = with_limits(attachment_max_file_mb=1)
    a = make_assessment()
    lead = login("lead")
    lead.cookies.set("dw_lang", "en")
    response = upload(lead, a, files.csv("a;b\r\n" + "x;y\r\n" * 300_000), name="groot.csv")
    assert response.status_code == 413
    assert (
        "larger than 1 MB" in BeautifulSoup(response.text, "lxml").find(id="file-name-error").text
    )
    assert current(db, a) == []


def test_a_body_without_a_length_is_cut_off_at_the_limit(app, login, make_assessment, db):
    """Sent in chunks without a Content-Length: the app stops reading past the limit."""
    import asyncio

    a = make_assessment()
    lead = login("lead")
    token = lead.csrf()
    boundary = "grens"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    chunks = [head] + [b"x;y\r\n" * (1024 * 1024 // 5)] * 60  # about 60 MB
    pulled = []
    sent: list[dict] = []

    async def receive() -> dict:
        index = len(pulled)
        pulled.append(index)
        return {"type": "http.request", "body": chunks[index], "more_body": index + 1 < len(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    cookie = "; ".join(f"{name}={value}" for name, value in lead.cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": UPLOAD.format(id=a.id, qid="name"),
        "raw_path": UPLOAD.format(id=a.id, qid="name").encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"transfer-encoding", b"chunked"),
            (b"cookie", cookie.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert len(pulled) < 30  # it stopped reading at the limit (21 MB), not at the end
    assert current(db, a) == []


def test_an_upload_without_the_csrf_token_is_refused(login, make_assessment, db):
    a = make_assessment()
    lead = login("lead")
    response = lead.post(
        UPLOAD.format(id=a.id, qid="name"),
        files={"file": ("dpia.pdf", files.pdf(), "application/pdf")},
    )
    assert response.status_code == 403
    assert current(db, a) == []


def test_only_authors_may_upload_and_only_while_it_can_be_changed(
    login, make_assessment, submitted, db
):
    draft = make_assessment()
    assert upload(login("lead2"), draft, files.pdf()).status_code == 403
    assert upload(login("board"), submitted, files.pdf()).status_code == 403
    response = upload(login("lead"), submitted, files.pdf())
    assert response.status_code == 409
    assert current(db, draft) == [] and current(db, submitted) == []
    assert upload(login("lead"), draft, files.pdf(), qid="nonsense").status_code == 404


def test_a_download_is_never_shown_inline_and_is_audited(login, make_assessment, db, personas):
    a = make_assessment()
    attachment = service.add_attachment(
        db,
        assessment=a,
        actor=personas["lead"],
        roles=frozenset({Role.lead}),
        filename="bronnen.csv",
        data=files.csv(),
        question_id="name",
    )
    db.commit()
    response = login("lead").get(f"/assessments/{a.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.content == files.csv()
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="bronnen.csv"')
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert response.headers["cache-control"] == "no-store"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "attachment.downloaded")).all()[
        -1
    ]
    assert (
        event.actor_id == personas["lead"].id
        and json.loads(event.details_json)["sha256"] == attachment.sha256
    )
    # Other pages keep the pages' own policy.
    assert (
        "default-src 'self'"
        in login("lead").get(SECTION.format(id=a.id)).headers["content-security-policy"]
    )


def test_a_download_needs_the_right_to_read_and_the_right_assessment(
    login, make_assessment, submitted, db, personas, client
):
    draft = make_assessment()
    other = make_assessment(title="Ander project")
    attachment = service.add_attachment(
        db,
        assessment=draft,
        actor=personas["lead"],
        roles=frozenset({Role.lead}),
        filename="foto.png",
        data=files.png(),
        question_id="name",
    )
    db.commit()
    url = f"/assessments/{draft.id}/attachments/{attachment.id}"
    assert login("lead2").get(url).status_code == 403
    assert login("board").get(url).status_code == 403  # a draft is private to its authors
    assert client.get(url).status_code == 303  # to the login page
    assert (
        login("lead").get(f"/assessments/{other.id}/attachments/{attachment.id}").status_code == 404
    )
    assert (
        login("lead").get(f"/assessments/{submitted.id}/attachments/{attachment.id}").status_code
        == 404
    )
    downloads = db.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "attachment.downloaded")
    ).one()
    assert downloads == 0


def test_the_committee_reads_the_files_of_a_submitted_assessment(
    login, make_assessment, db, personas
):
    from app.assessments import answering, lifecycle
    from tests.conftest import COMPLETE_SAMPLE_ANSWERS

    a = make_assessment()
    attachment = service.add_attachment(
        db,
        assessment=a,
        actor=personas["lead"],
        roles=frozenset({Role.lead}),
        filename="dpia.odt",
        data=files.odt(),
        question_id="name",
    )
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    db.commit()
    board = login("board")
    page = BeautifulSoup(board.get(SECTION.format(id=a.id)).text, "lxml")
    assert page.select_one("#attachments-name a[download]").text == "dpia.odt"
    assert page.find("input", id="file-name") is None  # read only: no upload form
    assert board.get(f"/assessments/{a.id}/attachments/{attachment.id}").content == files.odt()


def test_a_lead_removes_a_file_while_the_answer_can_be_changed(
    login, make_assessment, db, personas
):
    a = make_assessment()
    lead = login("lead")
    upload(lead, a, files.png(), name="schets.png")
    [stored] = current(db, a)
    page = BeautifulSoup(lead.get(SECTION.format(id=a.id)).text, "lxml")
    button = page.select_one("#attachments-name button[name=attachment_id]")
    assert button["value"] == str(stored.id) and button["form"] == "attachment-remove"
    assert page.find("form", id="attachment-remove").find_parent("form") is None
    response = lead.post_form(
        f"/assessments/{a.id}/attachments/remove", {"attachment_id": str(stored.id)}
    )
    assert response.status_code == 303
    assert current(db, a) == []
    again = lead.post_form(
        f"/assessments/{a.id}/attachments/remove", {"attachment_id": str(stored.id)}
    )
    assert again.status_code == 409
    assert (
        login("lead2")
        .post_form(f"/assessments/{a.id}/attachments/remove", {"attachment_id": str(stored.id)})
        .status_code
        == 403
    )
