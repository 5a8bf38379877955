"""Request dependencies for pages and the API: settings, the request's session, the current
user, role checks, the assessment in the URL, posted forms and uploads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.assessments.models import Assessment
from app.assessments.permissions import ensure_can_view
from app.assessments.reading import get_assessment
from app.config import Settings
from app.errors import AppError, NotAuthenticated, PermissionDenied
from app.i18n import _
from app.text import parse_int
from app.users.models import Role, User
from app.users.service import SESSION_COOKIE, resolve_session
from app.web.session import SessionDep as SessionDep
from app.web.session import request_session as request_session


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with (async: no worker thread for a lookup)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
# An id in a URL: a database integer, so anything else is refused as input (never a 500).
ObjectId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@dataclass(frozen=True)
class Viewer:
    """What pages show of the logged-in user, independent of the database session."""

    id: int
    name: str
    email: str


def _looked_up(request: Request) -> bool:
    return bool(getattr(request.state, "user_resolved", False))


def resolve_user(request: Request, session: Session, settings: Settings) -> User | None:
    """The logged-in user, or None, looked up once per request (database work: call it from a
    worker thread). Also puts user and roles on request.state for templates."""
    if _looked_up(request):
        user: User | None = request.state.user
        return user
    token = request.cookies.get(SESSION_COOKIE, "")
    resolved = resolve_session(session, token=token, settings=settings) if token else None
    request.state.user = resolved.user if resolved else None
    request.state.user_resolved = True
    if resolved is None:
        return None
    user = resolved.user
    # Templates get a plain copy: an error page is rendered after the session rolled back.
    request.state.viewer = Viewer(id=user.id or 0, name=user.name, email=user.email)
    request.state.roles = resolved.roles
    # When the session ends if nothing more happens: the page warns before (app.js), every
    # response says it again (RequestContextMiddleware).
    request.state.session_expires_at = resolved.expires_at
    request.state.session_ends_at = resolved.ends_at
    # The badge in the navigation: counted for page loads, not for every htmx save or form post.
    if request.method == "GET" and request.headers.get("HX-Request") != "true":
        from app.notifications.service import unread_count

        request.state.unread_count = unread_count(session, user=user)
    return user


async def get_current_user_optional(
    request: Request, session: SessionDep, settings: SettingsDep
) -> User | None:
    """The logged-in user, or None. A dependency that already looked the user up (the
    assessment of the path does) saves this one a trip to a worker thread."""
    if _looked_up(request):
        user: User | None = request.state.user
        return user
    return await run_in_threadpool(resolve_user, request, session, settings)


CurrentUserOptional = Annotated[User | None, Depends(get_current_user_optional)]


def require_user(user: User | None) -> User:
    """The user, or NotAuthenticated for an anonymous request (sent to the login page)."""
    if user is None:
        raise NotAuthenticated()
    return user


async def get_current_user(user: CurrentUserOptional) -> User:
    """The logged-in user; an anonymous request is sent to the login page."""
    return require_user(user)


CurrentUser = Annotated[User, Depends(get_current_user)]


def current_roles(request: Request) -> frozenset[Role]:
    """The roles of the logged-in user of this request."""
    roles: frozenset[Role] = getattr(request.state, "roles", frozenset())
    return roles


class RequireRole:
    """A dependency that lets through users holding at least one of the given roles."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, request: Request, user: CurrentUser) -> User:
        if not (current_roles(request) & self.roles):
            raise PermissionDenied(_("Your role does not give access to this page."))
        return user


async def posted_form(request: Request) -> FormData:
    """The posted form, for handlers whose fields depend on the questionnaire."""
    return await request.form()


FormDep = Annotated[FormData, Depends(posted_form)]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """The bytes of the uploaded form field `file`, or why there are none: the page shows its
    form again with that reason (app.web.forms), as for any other field."""

    data: bytes = b""
    refused: AppError | None = None

    def read(self) -> bytes:
        """The bytes; raises the refusal (InvalidInput, PayloadTooLarge) when there are none."""
        if self.refused is not None:
            raise self.refused
        return self.data


async def uploaded_file(request: Request) -> Upload:
    """The uploaded form field `file` (at most 20 MB), read before a sync handler runs;
    refused as too large (413), missing or empty (422)."""
    from app.errors import InvalidInput, PayloadTooLarge

    too_large = PayloadTooLarge(
        _("The file is larger than %(mb)s MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024)),
        fields={
            "file": _("The file is larger than %(mb)s MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024))
        },
    )
    length = request.headers.get("content-length", "")
    if (parse_int(length, default=0, max_digits=15) or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        return Upload(refused=too_large)
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return Upload(
            refused=InvalidInput(_("Choose a file."), fields={"file": _("Choose a file.")})
        )
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return Upload(refused=too_large)
    if not data:  # no file chosen (a browser sends an empty one without a name), or empty
        message = _("The file is empty.") if upload.filename else _("Choose a file.")
        return Upload(refused=InvalidInput(message, fields={"file": message}))
    return Upload(bytes(data))


UploadDep = Annotated[Upload, Depends(uploaded_file)]

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class NamedUpload:
    """The file of the form field `file` with the name the browser gave it, read in chunks up
    to the limit per attachment (DATAWAARDEN_ATTACHMENT_MAX_FILE_MB); or why there is none."""

    filename: str = ""
    data: bytes = b""
    refused: AppError | None = None

    def read(self) -> bytes:
        if self.refused is not None:
            raise self.refused
        return self.data


async def attachment_file(request: Request, settings: SettingsDep) -> NamedUpload:
    """The uploaded form field `file` for an attachment: refused as too large (413) once more
    than the limit arrived (never more than the limit and a chunk in memory), as missing
    (422). Its type is the service's to judge, from its content."""
    from app.errors import InvalidInput, PayloadTooLarge

    limit = settings.attachment_max_file_mb * 1024 * 1024
    message = _("The file is larger than %(mb)s MB.", mb=settings.attachment_max_file_mb)
    too_large = PayloadTooLarge(message, fields={"file": message})
    length = parse_int(request.headers.get("content-length", ""), default=0, max_digits=15) or 0
    if length > limit + 64 * 1024:
        return NamedUpload(refused=too_large)
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return NamedUpload(
            refused=InvalidInput(_("Choose a file."), fields={"file": _("Choose a file.")})
        )
    data = bytearray()
    while chunk := await upload.read(_CHUNK):
        data.extend(chunk)
        if len(data) > limit:
            return NamedUpload(upload.filename, refused=too_large)
    return NamedUpload(upload.filename, bytes(data))


AttachmentFileDep = Annotated[NamedUpload, Depends(attachment_file)]

AdminUser = Annotated[User, Depends(RequireRole(Role.admin))]


async def raw_body(request: Request) -> bytes:
    """The request body itself (for the API's file endpoints), at most 20 MB."""
    from app.errors import InvalidInput, PayloadTooLarge
    from app.i18n import _

    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(
                _("The file is larger than %(mb)s MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024))
            )
    if not data:
        raise InvalidInput(_("The file is empty."), fields={"body": _("The file is empty.")})
    return bytes(data)


RawBodyDep = Annotated[bytes, Depends(raw_body)]


def visible_assessment(
    request: Request, session: SessionDep, settings: SettingsDep, assessment_id: ObjectId
) -> Assessment:
    """The assessment of the path, or 404; 403 when the caller may not see it. Looks up the
    logged-in user in the same worker thread (a handler that asks for the assessment before
    the user gets both in one trip)."""
    user = require_user(resolve_user(request, session, settings))
    assessment = get_assessment(session, assessment_id)
    ensure_can_view(session, user, current_roles(request), assessment)
    return assessment


VisibleAssessment = Annotated[Assessment, Depends(visible_assessment)]
