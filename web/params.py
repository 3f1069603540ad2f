"""Limits on what a request may ask for: numbers in range, lists and words capped, and no
control characters, so a hostile or mistaken address gets a plain 400, never a 500. The caps'
values live in web.limits, which does not load FastAPI."""

from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException, Path, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from web.limits import MAX_CHOSEN, MAX_NAME_CHARS

__all__ = ["PageNumber", "refuse_unknown_parameters"]

# Any whole number: one the document does not have is a 404, however large.
PageNumber = Annotated[int, Path(description="The page's number, counting from 1")]


def _query_names(dependant: Dependant) -> list[str]:
    names = [field.alias for field in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_names(sub)
    return names


async def refuse_unknown_parameters(request: Request) -> None:
    """A 400 naming any query parameter the API route does not take (say, `page_size`), so a
    caller learns it had no effect instead of getting results that silently ignore it."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = set(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        names = ", ".join(name[:MAX_NAME_CHARS] for name in unknown[:MAX_CHOSEN])
        takes = ", ".join(sorted(known)) or "none"
        raise HTTPException(
            status_code=400,
            detail=f"This address does not take: {names}. It takes: {takes}.",
        )
