"""A listing's query parameters validated in one step each for the page and the filters.

FastAPI validates query parameters field by field, for a model too (it looks each field up,
asks whether its annotation is a sequence, then validates the collected values): for the task
list's nine parameters that was 17 % of a request's CPU in process (py-spy, docs/performance.md
round 6), against about 3 % for two `model_validate` calls. `GET /tasks` reads its query here.

The answers are FastAPI's own: the same annotations (`deps.PageLimit`, …, and the filters'
model), the same order (the page first, and its `cursor_with_offset` check before the filters
are read, as a sub-dependency is solved first), and the same errors, located under "query".
`tests/api/test_query_params.py` holds both ways equal over a corpus of queries. The route's
OpenAPI description stays FastAPI's, from a documented twin (see routes/tasks.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError

from homebase.api.deps import PageCursor, PageLimit, PageOffset, page_request
from homebase.services.paging import PageRequest

M = TypeVar("M", bound=BaseModel)


class CursorPageQuery(BaseModel):
    """The paging parameters of `deps.cursor_page_params`, as one model."""

    model_config = ConfigDict(extra="ignore")

    limit: PageLimit = 50
    offset: PageOffset = None
    cursor: PageCursor = None


def _validated(model: type[M], params: Mapping[str, str]) -> tuple[M | None, list[Any]]:
    try:
        return model.model_validate(params), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        return None, [{**error, "loc": ("query", *error["loc"])} for error in errors]


def page_and_filters(request: Request, filters: type[M]) -> tuple[PageRequest, M]:
    """The page (offset or cursor) and the filters of a listing's query; a 422 as FastAPI
    would answer it when either is invalid."""
    params = request.query_params
    page, errors = _validated(CursorPageQuery, params)
    paging = None if page is None else page_request(page.limit, page.offset, page.cursor)
    found, more = _validated(filters, params)
    if paging is None or found is None:
        raise RequestValidationError([*errors, *more])
    return paging, found
