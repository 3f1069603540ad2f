"""Request dependencies: the open library, its vocabulary and the templates (app state)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from search.library import Library
from web.vocabulary import Vocabulary, vocabulary_of


def get_library(request: Request) -> Library:
    library: Library | None = request.app.state.library
    if library is None:
        if getattr(request.app.state, "load_error", None):
            # Started without its index (see /healthz): a plain page, not a traceback.
            raise HTTPException(503, "Search is not working at the moment. Try again later.")
        raise RuntimeError("the library is not open: create_app's lifespan has not run")
    return library


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


LibraryDep = Annotated[Library, Depends(get_library)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]


def get_vocabulary(library: LibraryDep) -> Vocabulary:
    return vocabulary_of(library)


VocabularyDep = Annotated[Vocabulary, Depends(get_vocabulary)]
