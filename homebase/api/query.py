"""The hottest reads' parameters validated in one step instead of FastAPI's field-by-field pass.

FastAPI validates query parameters field by field, for a model too (it looks each field up,
asks whether its annotation is a sequence, then validates the collected values): for the task
list's nine parameters that was 17 % of a request's CPU in process (py-spy, docs/performance.md
round 6), against about 3 % for two `model_validate` calls. `GET /tasks` reads its query here,
and `GET /tasks/{id}` its id and `If-None-Match` (a path parameter and a header dependency,
12 % of that read).

The answers are FastAPI's own: the same annotations (`deps.PageLimit`, …, the filters' model,
`deps.ResourceId`, the ETag header's limit), the same order (a dependency is solved before the
route's own parameters: the page and its `cursor_with_offset` check before the filters, the
header before the id), and the same errors with the same locations.
`tests/api/test_query_params.py` holds both ways equal over a corpus of requests. The routes'
OpenAPI description stays FastAPI's, from a documented twin of each (see routes/tasks.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Header, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from homebase.api.deps import PageCursor, PageLimit, PageOffset, ResourceId, page_request
from homebase.api.etag import MAX_HEADER
from homebase.core.preconditions import TagList
from homebase.services.paging import PageRequest

M = TypeVar("M", bound=BaseModel)


class CursorPageQuery(BaseModel):
    """The paging parameters of `deps.cursor_page_params`, as one model."""

    model_config = ConfigDict(extra="ignore")

    limit: PageLimit = 50
    offset: PageOffset = None
    cursor: PageCursor = None


_RESOURCE_ID = TypeAdapter(ResourceId)
_ETAG_HEADER: TypeAdapter[str] = TypeAdapter(Annotated[str, Header(max_length=MAX_HEADER)])


def _located(exc: ValidationError, *where: str) -> list[Any]:
    return [{**error, "loc": (*where, *error["loc"])} for error in exc.errors(include_url=False)]


def _validated(model: type[M], params: Mapping[str, str]) -> tuple[M | None, list[Any]]:
    try:
        return model.model_validate(params), []
    except ValidationError as exc:
        return None, _located(exc, "query")


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


def id_and_if_none_match(request: Request, name: str) -> tuple[int, TagList | None]:
    """The id in the path parameter `name` and the parsed `If-None-Match`, as `ResourceId` and
    `etag.IfNoneMatchDep` read them; a 422 as FastAPI would answer it when either is invalid."""
    errors: list[Any] = []
    condition = None
    header = request.headers.get("if-none-match")
    if header is not None:
        try:
            condition = TagList.parse(_ETAG_HEADER.validate_python(header))
        except ValidationError as exc:
            errors = _located(exc, "header", "If-None-Match")
    try:
        resource_id = _RESOURCE_ID.validate_python(request.path_params[name])
    except ValidationError as exc:
        errors += _located(exc, "path", name)
    if errors:
        raise RequestValidationError(errors)
    return resource_id, condition
