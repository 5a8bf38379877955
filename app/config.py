"""Settings, read from the environment with the prefix DATAWAARDEN_."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
THEMES_DIR = ROOT / "themes"
DEFAULT_DATA_DIR = ROOT / "var"
# Absolute links outside a request (the CLI) when BASE_URL is not set; development only.
DEV_BASE_URL = "http://127.0.0.1:8000"
# The origin (scheme, host, port) the current request was served on; set per request by
# app.web.middleware (see note_served_origin).
served_origin: ContextVar[str | None] = ContextVar("dw_served_origin", default=None)
_HOST = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>[0-9]{1,5}))?"
)


def note_served_origin(scheme: str, host: str) -> None:
    """Remember where this request was served, for links without a configured BASE_URL: only
    this machine (localhost, a loopback address) on any port, so that a forged Host header
    never reaches a link; any other host gets DEV_BASE_URL."""
    served_origin.set(None)
    found = _HOST.fullmatch(host)
    if scheme not in ("http", "https") or found is None:
        return
    name = found["v6"] or found["name"]
    if name.lower() != "localhost":
        try:
            if not ipaddress.ip_address(name).is_loopback:
                return
        except ValueError:
            return
    served_origin.set(f"{scheme}://{host.lower()}")


class SettingsError(Exception):
    """A setting is wrong or unreadable; the message names it in one line."""


class Settings(BaseSettings):
    """Application settings. Every one can be set as DATAWAARDEN_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="DATAWAARDEN_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    # The default is var/ of the project (the folder holding the app), wherever a command runs:
    # `make run`, uvicorn and `datawaarden ...` from any folder find the same database and PKI.
    # A relative DATAWAARDEN_DATA_DIR is read from the folder the command runs in.
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    secret_key: str = ""
    # The public address in absolute links (the report's QR code and verification link,
    # e-mails, feeds). Required in production. Unset elsewhere: the address the request came to
    # (`make run PORT=8101` links to port 8101), DEV_BASE_URL without a request (the CLI).
    base_url: str = ""
    org_name: str = "Gemeente Haarlem"
    committee_name: str = "Ethische commissie data"
    default_locale: Literal["nl", "en"] = "nl"
    questionnaires_dir: Path = ROOT / "questionnaires"
    default_questionnaire: str = "haarlem-datawaarden"
    signing_p12: Path | None = None
    signing_p12_password: str | None = Field(default=None, repr=False)
    tsa_url: str | None = None
    # Production signs only with a timestamp authority (long-term signatures) unless this says
    # otherwise; reports are then PAdES B-B and stop validating when the certificate expires.
    allow_no_tsa: bool = False
    # More trust anchors (PEM), for example the root of the timestamp authority's certificate.
    extra_trust_roots: Path | None = None
    # `archive timestamp` renews a report whose newest timestamp expires within this many days.
    timestamp_renewal_days: int = Field(default=730, ge=0, le=36_500)
    smtp_url: str | None = None
    mail_from: str = "datawaarden@localhost"
    # Reminders (app.reminders, sent by `datawaarden jobs run`): a condition due within
    # REMINDER_DUE_DAYS days, and a re-assessment date within REASSESSMENT_NOTICE_DAYS days.
    reminder_due_days: int = Field(default=14, ge=1, le=365)
    reassessment_notice_days: int = Field(default=30, ge=1, le=365)
    # How often the worker looks for reminders to record (minutes) and for mail to send
    # (seconds, on SQLite; on PostgreSQL the queue wakes the worker).
    reminder_scan_minutes: int = Field(default=5, ge=1, le=1440)
    mail_poll_seconds: float = Field(default=5.0, ge=0.05, le=3600)
    # A mail claimed by a worker that has not marked it sent after this long is sent again,
    # with the same Message-ID (the worker died, or its SMTP server hung).
    mail_lease_seconds: int = Field(default=600, ge=1, le=86_400)
    # Attempts before a mail is given up (the wait doubles after each, from a minute to 6 hours).
    mail_max_attempts: int = Field(default=12, ge=1, le=100)
    # PostgreSQL: a worker silent this long is taken for dead and its running job released.
    jobs_stalled_seconds: int = Field(default=60, ge=2, le=3600)
    api_rate_limit_per_minute: int = Field(default=300, ge=1, le=100_000)
    # Resident consultations (app.consultations): reactions accepted per client address per
    # hour, and the days after a consultation's end date after which the respondents'
    # personal data (name, e-mail address, the text of their reaction) is deleted.
    consultation_reactions_per_hour: int = Field(default=5, ge=1, le=10_000)
    consultation_retention_days: int = Field(default=365, ge=1, le=3650)
    retention_years: int = Field(default=20, ge=1, le=200)
    public_register_pdf: bool = True
    # The licence of the register as open data (its DCAT description): CC0 by default.
    register_licence: str = "http://creativecommons.org/publicdomain/zero/1.0/"
    session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 14)
    # Login throttling never locks an account for everyone (app.users.throttle): after
    # LOGIN_MAX_FAILURES failures of one account from one client address, each further attempt
    # of that pair waits LOGIN_FIRST_DELAY_SECONDS, doubling per failure up to
    # LOGIN_MAX_DELAY_MINUTES. A client address as a whole (all accounts) gets the same delays
    # after LOGIN_ADDRESS_MAX_FAILURES failures within LOGIN_WINDOW_MINUTES, which is also the
    # window over which failed logins are summarised in the audit log.
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_first_delay_seconds: int = Field(default=30, ge=1, le=3600)
    login_max_delay_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_address_max_failures: int = Field(default=100, ge=1, le=100_000)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # The reverse proxies whose X-Forwarded-For (and -Proto) is believed: comma-separated IP
    # addresses or networks (CIDR). Empty: nobody, the client address is the socket's peer.
    trusted_proxies: str = ""
    # The bearer token that /metrics asks for; empty: /metrics does not exist (404).
    metrics_token: str = Field(default="", repr=False)
    # Log lines: "json" (one object per line) or "text"; default json in production.
    log_format: Literal["json", "text"] | None = None
    # WARNING drops the access lines (one per request, at INFO).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Where signed audit checkpoints are appended outside the database ("off": nowhere).
    audit_checkpoint_file: str = ""
    # The organisation's look: a design-tokens stylesheet (NL Design System). A name picks
    # themes/<name>.css of this repository; a path to a .css file picks that file.
    theme: str = "haarlem"
    # Single sign-on with OpenID Connect (app.users.sso): on when OIDC_ISSUER is set. Roles
    # come from the ID token's claim OIDC_ROLE_CLAIM (a list or a string), mapped by
    # OIDC_ROLE_MAP, a JSON object from claim value to a role or a list of roles.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = Field(default="", repr=False)
    oidc_role_claim: str = "groups"
    oidc_role_map: Annotated[dict[str, list[str]], NoDecode] = Field(default_factory=dict)
    oidc_scopes: str = "openid profile email"
    # The name on the login button ("Log in with ..."); empty: the organisation's account.
    oidc_provider_name: str = ""
    # Clock skew allowed when checking the ID token's times.
    oidc_leeway_seconds: int = Field(default=60, ge=0, le=600)
    # Local accounts with a password (the break-glass administrator): on or off.
    local_login: bool = True
    # Evidence attached to answers and conditions (app.attachments): stored in the database
    # by default; with ATTACHMENT_DIR, their bytes go to files in that directory (named by
    # their SHA-256) and the database keeps the hash and size. The limits: per file, per
    # assessment (all its attachments together) and the number of files per answer.
    attachment_dir: Path | None = None
    attachment_max_file_mb: int = Field(default=20, ge=1, le=1024)
    attachment_max_assessment_mb: int = Field(default=100, ge=1, le=100_000)
    attachment_max_per_answer: int = Field(default=20, ge=1, le=1000)

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _production_needs_base_url(self) -> Settings:
        if self.env == "production" and not self.base_url:
            raise ValueError(
                "BASE_URL: production needs the public address of the app, for example "
                "https://datawaarden.example.org (absolute links and signed reports use it)"
            )
        return self

    @property
    def public_url(self) -> str:
        """The address absolute links start with (the report's QR code and verification link,
        e-mails, feeds, problem types): BASE_URL when set (always in production), otherwise
        the scheme, host and port the current request came to on this machine (`make run
        PORT=8101` links to port 8101), and DEV_BASE_URL otherwise (the CLI)."""
        return self.base_url or served_origin.get() or DEV_BASE_URL

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:///", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: str) -> str:
        entries = []
        for entry in (item.strip() for item in value.split(",")):
            if not entry:
                continue
            try:
                # Written the way uvicorn reads them: it ignores a network with host bits set.
                entries.append(
                    str(ipaddress.ip_network(entry, strict=False))
                    if "/" in entry
                    else str(ipaddress.ip_address(entry))
                )
            except ValueError:
                raise ValueError(
                    f"not an IP address or network (CIDR): {entry!r}; list the proxies' "
                    "addresses, separated by commas"
                ) from None
        return ",".join(entries)

    @field_validator("metrics_token")
    @classmethod
    def _check_metrics_token(cls, value: str) -> str:
        if value and len(value) < 24:
            raise ValueError("at least 24 characters (for example: openssl rand -hex 24)")
        return value

    @field_validator("theme")
    @classmethod
    def _check_theme(cls, value: str) -> str:
        value = value.strip()
        if not (re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", value) or value.endswith(".css")):
            raise ValueError(
                f"not a theme name (lowercase letters, digits and dashes) nor a path to a .css "
                f"file: {value!r}"
            )
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _check_oidc_issuer(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the provider's https:// URL (its issuer)")
        return value

    @field_validator("oidc_role_map", mode="before")
    @classmethod
    def _check_oidc_role_map(cls, value: object) -> object:
        if isinstance(value, str):
            value = _json_object(value) if value.strip() else {}
        if not isinstance(value, dict):
            raise ValueError(_ROLE_MAP_SHAPE)
        mapped: dict[str, list[str]] = {}
        for claim, roles in value.items():
            names = [roles] if isinstance(roles, str) else roles
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ValueError(f"{claim!r}: {_ROLE_MAP_SHAPE}")
            mapped[str(claim)] = [n.strip() for n in names]
        return mapped

    @field_validator("smtp_url", "tsa_url")
    @classmethod
    def _check_optional_url(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.env == "production":
            if len(self.secret_key) < 32:
                raise ValueError(
                    "SECRET_KEY: production needs a secret key of at least 32 characters"
                )
            if not self.base_url.startswith("https://"):
                raise ValueError("BASE_URL: production must be served over https://")
            if self.signing_p12 is None:
                raise ValueError(
                    "SIGNING_P12: production needs the organisation's signing certificate "
                    "(the development PKI is refused)"
                )
            if not self.tsa_url and not self.allow_no_tsa:
                raise ValueError(
                    "TSA_URL: production needs a timestamp authority for long-term signatures "
                    "(or DATAWAARDEN_ALLOW_NO_TSA=true to sign without, not recommended)"
                )
        return self

    @model_validator(mode="after")
    def _sso_is_complete(self) -> Settings:
        if self.oidc_issuer:
            if not self.oidc_client_id:
                raise ValueError("OIDC_CLIENT_ID: single sign-on needs the client id")
            if not self.oidc_role_map:
                raise ValueError(
                    "OIDC_ROLE_MAP: single sign-on needs the map from claim values to roles"
                )
            if self.is_production and not self.oidc_issuer.startswith("https://"):
                raise ValueError("OIDC_ISSUER: production talks to the provider over https://")
        elif not self.local_login:
            raise ValueError(
                "LOCAL_LOGIN: switching local login off needs single sign-on "
                "(DATAWAARDEN_OIDC_ISSUER), or nobody can log in"
            )
        return self

    @property
    def sso_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'datawaarden.db').resolve()}"

    @property
    def checkpoint_file(self) -> Path | None:
        """The file outside the database that every audit checkpoint is appended to."""
        value = self.audit_checkpoint_file.strip()
        if value.lower() in ("off", "none"):
            return None
        return Path(value) if value else self.data_dir / "audit-checkpoints.jsonl"

    @property
    def theme_file(self) -> Path:
        """The design-tokens stylesheet of the organisation (see `theme`)."""
        if self.theme.endswith(".css"):
            return Path(self.theme).expanduser().resolve()
        return THEMES_DIR / f"{self.theme}.css"

    @property
    def pki_dir(self) -> Path:
        return self.data_dir / "pki"

    @property
    def signing_p12_path(self) -> Path:
        return self.signing_p12 or self.pki_dir / "signing.p12"

    @property
    def resolved_log_format(self) -> Literal["json", "text"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.is_production else "text"

    def resolved_secret_key(self) -> str:
        """The configured key, or in development one generated once and kept under DATA_DIR."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        known = _KEY_FILES.get(path)
        if known is not None:  # read once: every form's CSRF token needs it
            return known
        if not path.exists():
            _create_key_file(path)
        key = path.read_text().strip()
        _KEY_FILES[path] = key
        return key


def _create_key_file(path: Path) -> None:
    """Write a new key, unless another process (a second worker starting at the same moment)
    wrote one first: every process must sign with the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    draft.write_text(secrets.token_urlsafe(48))
    draft.chmod(0o600)
    try:
        os.link(draft, path)  # atomic, and fails when the key exists already
    except FileExistsError:
        pass
    finally:
        draft.unlink()


_KEY_FILES: dict[Path, str] = {}
_ROLE_MAP_SHAPE = (
    "must be a JSON object from claim value to a role or a list of roles, for example "
    '{"datawaarden-leads": "lead", "ethics-chair": ["chair", "board"]}'
)


def _json_object(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at position {exc.pos})") from None


def describe_settings_error(exc: ValidationError) -> str:
    """One line naming each wrong setting, without a traceback."""
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or ""
        msg = err["msg"].removeprefix("Value error, ")
        setting = f"DATAWAARDEN_{name.upper()}: " if name else ""
        parts.append(f"{setting}{msg}")
    return "; ".join(parts)


def load_settings() -> Settings:
    """Read the settings or raise SettingsError with a one-line explanation."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SettingsError(f"Invalid setting: {describe_settings_error(exc)}") from None
    if settings.signing_p12 is not None and not settings.signing_p12.is_file():
        raise SettingsError(
            f"Invalid setting: DATAWAARDEN_SIGNING_P12: file not found: {settings.signing_p12}"
        )
    if settings.extra_trust_roots is not None and not settings.extra_trust_roots.is_file():
        raise SettingsError(
            "Invalid setting: DATAWAARDEN_EXTRA_TRUST_ROOTS: file not found: "
            f"{settings.extra_trust_roots}"
        )
    if not settings.theme_file.is_file():
        themes = ", ".join(sorted(p.stem for p in THEMES_DIR.glob("*.css")))
        raise SettingsError(
            f"Invalid setting: DATAWAARDEN_THEME: file not found: {settings.theme_file} "
            f"(themes here: {themes})"
        )
    return settings


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return load_settings()
