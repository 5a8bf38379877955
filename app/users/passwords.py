"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 256
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("a password that nobody has, to even out timing")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; always does the same work, even without a hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is not acceptable, in the user's language; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return _("The password must be at least %(n)s characters long.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("The password may be at most %(n)s characters long.", n=MAX_LENGTH)
    lowered = password.lower()
    stem = lowered.strip("0123456789!@#$%^&*()-_=+.?,;: ")
    common = _common_passwords()
    if lowered in common or stem in common or len(stem) < 4 or len(set(lowered)) < 4:
        return _("This password is too common or too easy to guess. Choose another one.")
    local = email.split("@")[0].lower()
    if (local and len(local) >= 4 and local in lowered) or (
        name and name.lower().replace(" ", "") in lowered.replace(" ", "")
    ):
        return _("The password must not contain your name or e-mail address.")
    return None
