"""Single sign-on: the pending login between the redirect to the provider and its return (in
the database, so that any app process finishes it, and each state only once), the roles a
provider's claims give, and the account a login creates, links or updates.

Linking by e-mail address (account takeover): an account is found by the provider's issuer and
subject first. Only when none carries them is an existing account with the same e-mail address
linked, and only when the provider says the address is verified (`email_verified` is true),
the account is active and carries no single sign-on identity yet. Otherwise a login whose
address belongs to an existing account is refused: whoever can choose the address shown by
some directory must not take over the account (the break-glass administrator's included).
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.config import Settings, SettingsError
from app.errors import InvalidInput
from app.i18n import _
from app.text import tidy
from app.timeutil import utcnow
from app.users import oidc
from app.users.models import PendingLogin, Role, User
from app.users.service import create_user, get_user_by_email, roles_of, set_roles, validate_email

PENDING_MINUTES = 10  # how long the provider may take to send the user back
CALLBACK_PATH = "/login/sso/callback"


def check_role_map(settings: Settings) -> dict[str, frozenset[Role]]:
    """The role map with Datawaarden's roles, or SettingsError naming the unknown role."""
    known = ", ".join(r.value for r in Role)
    mapped: dict[str, frozenset[Role]] = {}
    for claim, names in settings.oidc_role_map.items():
        roles = set()
        for name in names:
            try:
                roles.add(Role(name))
            except ValueError:
                raise SettingsError(
                    f"Invalid setting: DATAWAARDEN_OIDC_ROLE_MAP: unknown role {name!r} for "
                    f"{claim!r}; the roles are: {known}"
                ) from None
        mapped[claim] = frozenset(roles)
    return mapped


def roles_from_claims(settings: Settings, claims: dict[str, Any]) -> set[Role]:
    """The roles the configured claim (a list of values or one string) gives."""
    value = claims.get(settings.oidc_role_claim)
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    role_map = check_role_map(settings)
    roles: set[Role] = set()
    for item in values:
        if isinstance(item, str):
            roles |= role_map.get(item, frozenset())
    return roles


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class StartedLogin:
    """Where to send the browser, and the value its cookie must carry back."""

    redirect_url: str
    browser_token: str


def start_login(
    session: Session,
    *,
    settings: Settings,
    next_url: str,
    locale: str,
    step_up_user_id: int | None = None,
) -> StartedLogin:
    """Remember a new pending login and build the authorization request. With
    `step_up_user_id` it is a step-up of that (logged-in) account: the provider must ask for a
    fresh login (app.users.stepup)."""
    now = utcnow()
    session.execute(delete(PendingLogin).where(col(PendingLogin.expires_at) < now))
    pending = PendingLogin(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        browser_hash="",
        next_url=next_url[:500],
        step_up_user_id=step_up_user_id,
        created_at=now,
        expires_at=now + timedelta(minutes=PENDING_MINUTES),
    )
    browser_token = secrets.token_urlsafe(32)
    pending.browser_hash = _hash(browser_token)
    url = oidc.authorization_url(
        settings,
        redirect_uri=settings.public_url + CALLBACK_PATH,
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
        locale=locale,
        fresh_login=step_up_user_id is not None,
    )
    session.add(pending)
    session.flush()
    return StartedLogin(url, browser_token)


class LoginRefused(Exception):
    """A single sign-on login that gives no session: `message` for the user, `reason` for the
    audit log, `status` for the page (400 a broken or replayed request, 403 refused access,
    502 a provider that could not be reached or answered wrongly); `back` where a refused
    step-up leads back to (empty for a login)."""

    def __init__(self, message: str, *, reason: str, status: int, back: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status
        self.back = back


@dataclass(frozen=True)
class FinishedLogin:
    user: User
    next_url: str
    id_token: str


def _take_pending(
    session: Session, *, settings: Settings, state: str, browser_token: str, now: datetime
) -> PendingLogin:
    """The pending login of this state, marked used (by one request only, in any process).
    An unknown or replayed state writes no audit event (anyone can send one, as often as they
    like); a state returning in another browser does, once, as the state is used up."""
    again = _("This login link has expired or has already been used. Please log in again.")
    if not state or len(state) > 64:
        raise LoginRefused(again, reason="unknown_state", status=400)
    taken = session.execute(
        update(PendingLogin)
        .where(
            col(PendingLogin.state) == state,
            col(PendingLogin.used_at).is_(None),
            col(PendingLogin.expires_at) >= now,
        )
        .values(used_at=now)
    )
    pending = session.exec(select(PendingLogin).where(PendingLogin.state == state)).first()
    if taken.rowcount != 1 or pending is None:  # type: ignore[attr-defined]
        reason = "unknown_state" if pending is None else "replayed_state"
        raise LoginRefused(again, reason=reason, status=400)
    if not browser_token or not secrets.compare_digest(pending.browser_hash, _hash(browser_token)):
        audit_refusal(session, settings=settings, reason="other_browser")
        raise LoginRefused(
            _("This login was started in another browser. Please log in again."),
            reason="other_browser",
            status=400,
        )
    return pending


@dataclass(frozen=True)
class Returned:
    """The provider's verified answer: the pending login it ends, the ID token and its claims."""

    pending: PendingLogin
    id_token: str
    claims: dict[str, Any]

    @property
    def is_step_up(self) -> bool:
        return self.pending.step_up_user_id is not None


def _state_of_browser(session: Session, *, browser_token: str, now: datetime) -> str:
    """The state of this browser's newest open pending login ("" for none): for a refusal
    that the provider sends back without the state."""
    if not browser_token:
        return ""
    state = session.exec(
        select(PendingLogin.state)
        .where(
            PendingLogin.browser_hash == _hash(browser_token),
            col(PendingLogin.used_at).is_(None),
            col(PendingLogin.expires_at) >= now,
        )
        .order_by(col(PendingLogin.created_at).desc())
    ).first()
    return state or ""


def verify_return(
    session: Session,
    *,
    settings: Settings,
    state: str,
    code: str,
    browser_token: str,
    provider_error: str = "",
) -> Returned:
    """Check the provider's answer (state, browser, code exchange, ID token), or LoginRefused
    (with an audit event). The pending login is used up either way."""
    now = utcnow()
    if provider_error:  # e.g. access_denied; some providers send no state back with it
        message = _("The sign-in service did not log you in. Please try again.")
        back = ""
        state = state or _state_of_browser(session, browser_token=browser_token, now=now)
        with suppress(LoginRefused):  # audited once, when it ends a login we started
            ended = _take_pending(
                session, settings=settings, state=state, browser_token=browser_token, now=now
            )
            audit_refusal(
                session, settings=settings, reason="provider_error", detail=provider_error
            )
            if ended.step_up_user_id is not None:  # still logged in: back to the signing
                message = _("The sign-in service did not confirm who you are. Please try again.")
                back = ended.next_url
        raise LoginRefused(message, reason="provider_error", status=403, back=back)
    pending = _take_pending(
        session, settings=settings, state=state, browser_token=browser_token, now=now
    )
    back = pending.next_url if pending.step_up_user_id is not None else ""
    try:
        token = oidc.exchange_code(
            settings,
            code=code[:2000],
            code_verifier=pending.code_verifier,
            redirect_uri=settings.public_url + CALLBACK_PATH,
        )
        claims = oidc.validate_id_token(settings, id_token=token["id_token"], nonce=pending.nonce)
    except oidc.OidcError as exc:
        audit_refusal(session, settings=settings, reason=exc.reason, detail=exc.detail)
        if exc.reason == "provider_unreachable":
            message = _("The sign-in service cannot be reached. Please try again later.")
            raise LoginRefused(message, reason=exc.reason, status=502, back=back) from None
        message = _("The sign-in service's answer could not be verified. Please log in again.")
        raise LoginRefused(message, reason=exc.reason, status=400, back=back) from None
    return Returned(pending, token["id_token"], claims)


def finish_login(session: Session, *, settings: Settings, returned: Returned) -> FinishedLogin:
    """The account a verified login (not a step-up) logs in, or LoginRefused (audited)."""
    assert not returned.is_step_up
    user = _account_for(session, settings=settings, claims=returned.claims)
    return FinishedLogin(user, returned.pending.next_url, returned.id_token)


def audit_refusal(
    session: Session, *, settings: Settings, reason: str, detail: str = "", subject: str = ""
) -> None:
    record_event(
        session,
        action="auth.sso_refused",
        actor_id=None,
        object_type="user",
        object_id="",
        details={
            "issuer": settings.oidc_issuer,
            "subject": subject[:255],
            "reason": reason,
            "detail": detail[:300],
        },
    )


def _email_of(claims: dict[str, Any]) -> str:
    for name in ("email", "preferred_username", "upn"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            try:
                return validate_email(value)
            except InvalidInput:
                continue
    return ""


def _account_for(session: Session, *, settings: Settings, claims: dict[str, Any]) -> User:
    """Find, link or create the account of these claims and give it the roles they map to."""
    subject = str(claims["sub"])[:255]
    issuer = settings.oidc_issuer

    def refuse(message: str, reason: str) -> LoginRefused:
        audit_refusal(session, settings=settings, reason=reason, subject=subject)
        return LoginRefused(message, reason=reason, status=403)

    roles = roles_from_claims(settings, claims)
    if not roles:
        raise refuse(
            _(
                "Your account at the sign-in service gives you no role in Datawaarden. "
                "Ask your manager or the service desk for access."
            ),
            "no_role",
        )
    email = _email_of(claims)
    name = tidy(str(claims.get("name") or ""), single_line=True)[:200] or email or subject
    user = session.exec(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    ).first()
    if user is None and email:
        existing = get_user_by_email(session, email)
        if existing is not None:
            linkable = (
                claims.get("email_verified") is True
                and existing.oidc_subject is None
                and existing.is_active
            )
            if not linkable:
                raise refuse(
                    _(
                        "An account with your e-mail address already exists and cannot be "
                        "linked to this sign-in automatically. Ask an administrator."
                    ),
                    "email_in_use",
                )
            user = existing
            user.oidc_issuer, user.oidc_subject = issuer, subject
            session.add(user)
            _audit_link(session, user, issuer=issuer, subject=subject, action="user.sso_linked")
    if user is None:
        if not email:
            raise refuse(_("The sign-in service did not give your e-mail address."), "no_email")
        user = create_user(
            session,
            email=email,
            name=name,
            password=secrets.token_urlsafe(32),  # never told to anyone: no password login
            roles=roles,
            check_password=False,
        )
        user.oidc_issuer, user.oidc_subject = issuer, subject
        session.add(user)
        _audit_link(session, user, issuer=issuer, subject=subject, action="user.sso_linked")
    elif not user.is_active:
        raise refuse(_("Your account has been deactivated."), "deactivated")
    _update_profile(session, user, name=name, email=email)
    if roles_of(session, user) != roles:  # a group removed at the provider removes the role
        set_roles(session, user=user, roles=roles, actor=None)
    record_event(
        session,
        action="auth.login",
        actor_id=user.id,
        object_type="user",
        object_id=user.id or "",
        details={"method": "oidc", "issuer": issuer},
    )
    session.flush()
    return user


def _audit_link(session: Session, user: User, *, issuer: str, subject: str, action: str) -> None:
    session.flush()
    record_event(
        session,
        action=action,
        actor_id=None,
        object_type="user",
        object_id=user.id or "",
        details={"issuer": issuer, "subject": subject},
    )


def _update_profile(session: Session, user: User, *, name: str, email: str) -> None:
    """Name and e-mail address follow the provider (an address another account holds stays)."""
    if name and user.name != name:
        user.name = name
    if email and user.email != email:
        other = get_user_by_email(session, email)
        if other is None:
            user.email = email
    session.add(user)
