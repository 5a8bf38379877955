"""The guided form: autosave, the section pages, answer histories and the review page. Its
routes come first in the application: the autosave is by far the most frequent request."""

from __future__ import annotations

from fastapi import APIRouter

from app.pages import answer_history, autosave, sections

router = APIRouter()
for pages in (autosave, sections, answer_history):
    router.include_router(pages.router)

# The modules whose routes this router holds (tests check that they come first).
MODULES = tuple(m.__name__ for m in (autosave, sections, answer_history))
