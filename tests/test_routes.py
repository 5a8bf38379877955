"""The route table: the guided form's routes come first (its autosave is the most frequent
request) and that order changes no route's meaning."""

from __future__ import annotations

import itertools
import re

from fastapi.routing import APIRoute
from sqlalchemy import create_engine

from app.config import get_settings
from app.main import create_app
from app.pages.guided_form import MODULES as FORM_MODULES

SAMPLE_SEGMENTS = ["1", "2", "new", "profile", "review", "history", "answers", "x"]


def _api_routes(routes) -> list[APIRoute]:  # type: ignore[no-untyped-def]
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_api_routes(route.original_router.routes))
    return found


def _examples(route: APIRoute) -> list[str]:
    names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
    paths = []
    for combo in itertools.product(SAMPLE_SEGMENTS, repeat=len(names)):
        path = route.path
        for name, value in zip(names, combo, strict=True):
            path = re.sub("{" + name + r"(?::\w+)?}", value, path, count=1)
        paths.append(path)
    return paths


def test_it_tries_the_guided_form_routes_first():
    routes = _api_routes(
        create_app(get_settings(), engine=create_engine("sqlite://")).router.routes
    )
    modules = [route.endpoint.__module__ for route in routes]
    first_other = next(i for i, m in enumerate(modules) if m not in FORM_MODULES)
    assert first_other > 0
    assert not set(FORM_MODULES) & set(modules[first_other:])


def test_it_has_no_path_that_a_form_route_and_another_route_both_match():
    routes = _api_routes(
        create_app(get_settings(), engine=create_engine("sqlite://")).router.routes
    )
    form = [r for r in routes if r.endpoint.__module__ in FORM_MODULES]
    others = [r for r in routes if r.endpoint.__module__ not in FORM_MODULES]
    assert form and others
    overlaps = [
        (f.path, o.path, path)
        for f in form
        for o in others
        if f.methods & o.methods
        for path in _examples(f) + _examples(o)
        if f.path_regex.match(path) and o.path_regex.match(path)
    ]
    assert overlaps == []
