"""The ASGI application for uvicorn: `uvicorn app.asgi:app`."""

import sys

from app.config import SettingsError, get_settings

try:
    get_settings()
except SettingsError as exc:  # one clear line, no traceback
    print(exc, file=sys.stderr)
    raise SystemExit(2) from None

from app.main import create_app

app = create_app()
