"""The front-end assets: NL Design System packages served from node_modules, and the
organisation's theme (a design-tokens stylesheet chosen by DATAWAARDEN_THEME).

No CDN and no build step: `npm ci` installs the exact versions of package-lock.json, and the
app serves their dist folders under a path that names the package and its version, so a
browser never keeps a stylesheet of an older version (and a test can check which one it got).
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from app.config import ROOT, Settings

NODE_MODULES = ROOT / "node_modules"
THEME_URL = "/static/theme.css"
# Swagger UI for /api/docs: the package keeps its files at its top level (no dist folder).
SWAGGER_UI = "swagger-ui-dist"
# Browsers ask for /favicon.ico by themselves (a feed reader, a PDF viewer); pages link the SVG.
FAVICON = ROOT / "static" / "favicon.ico"

# The NL Design System packages, in cascade order: the design tokens (Utrecht's complete set,
# the base every component token has a value in), then the components that use them.
PACKAGES = {
    "@utrecht/design-tokens": "theme.css",
    "@utrecht/component-library-css": "index.css",
}


def package_version(name: str) -> str:
    """The installed version of an npm package ("missing" before `npm ci`)."""
    try:
        manifest = json.loads((NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "missing"
    return str(manifest.get("version", "missing"))


def package_url(name: str) -> str:
    """Where the app serves a package's dist folder: /static/vendor/<name>@<version>."""
    return f"/static/vendor/{name}@{package_version(name)}"


def stylesheets() -> list[str]:
    """The stylesheets of every page, in cascade order: tokens, components, the organisation's
    theme (it overrides tokens), then app.css (the layout rules the components leave open)."""
    vendor = [f"{package_url(name)}/{css}" for name, css in PACKAGES.items()]
    return [*vendor, THEME_URL, "/static/css/app.css"]


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the packages' dist folders and the one theme file the settings name."""
    for name in PACKAGES:
        app.mount(
            package_url(name),
            StaticFiles(directory=NODE_MODULES / name / "dist", check_dir=False),
            name=name,
        )
    app.mount(
        package_url(SWAGGER_UI),
        StaticFiles(directory=NODE_MODULES / SWAGGER_UI, check_dir=False),
        name=SWAGGER_UI,
    )
    theme: Path = settings.theme_file

    async def theme_css(request: Request) -> Response:
        return FileResponse(theme, media_type="text/css")

    # Only this file is served, never the folder it is in (the setting may name any path).
    app.router.add_route(THEME_URL, theme_css, methods=["GET", "HEAD"], include_in_schema=False)

    async def favicon(request: Request) -> Response:
        return FileResponse(FAVICON, media_type="image/x-icon")

    app.router.add_route("/favicon.ico", favicon, methods=["GET", "HEAD"], include_in_schema=False)
