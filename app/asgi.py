"""The ASGI application for uvicorn: `uvicorn app.asgi:app`."""

import sys

from app.config import SettingsError, get_settings

try:
    _settings = get_settings()
except SettingsError as exc:  # one clear line, no traceback
    print(exc, file=sys.stderr)
    raise SystemExit(2) from None

if _settings.is_production:
    # Production refuses to start without a usable signing key; development says so on the
    # sign button instead.
    from app.reports.signing import SigningUnavailable, load_signing_key

    try:
        load_signing_key(_settings)
    except SigningUnavailable:
        print(
            "Invalid setting: DATAWAARDEN_SIGNING_P12 / DATAWAARDEN_SIGNING_P12_PASSWORD: "
            f"the signing key {_settings.signing_p12_path} cannot be read",
            file=sys.stderr,
        )
        raise SystemExit(2) from None

from app.main import create_app

try:
    app = create_app()
except SettingsError as exc:  # a setting only the application can check (the role map)
    print(exc, file=sys.stderr)
    raise SystemExit(2) from None
