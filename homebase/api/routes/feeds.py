"""Calendar feeds: secret URLs that phone and web calendars subscribe to, no login needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status

from homebase.api.deps import AccountUser, ResourceId, SessionDep, StateDep
from homebase.api.interchange import CALENDAR, etag_matches
from homebase.api.responses import errors
from homebase.schemas.interchange import FeedCreate, FeedCreated, FeedPublic
from homebase.services import feeds as feed_service

router = APIRouter(tags=["feeds"])
_ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "iCalendar feed"},
    304: {"description": "Unchanged since the ETag given in If-None-Match"},
}
_SECRET_MAX = 100


@router.post(
    "/feeds",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedCreated,
    responses=errors(401, 422),
)
async def create_feed(
    data: FeedCreate, request: Request, user: AccountUser, session: SessionDep, state: StateDep
) -> FeedCreated:
    """A new feed (`birthdays` or `tasks`); its secret URL is shown this once."""
    locale = getattr(request.state, "locale", None) or "en"
    feed, secret = await feed_service.create_feed(session, user, data.kind, locale)
    base = state.settings.public_url or str(request.base_url)
    url = f"{base.rstrip('/')}/feeds/{secret}.ics"
    return FeedCreated(id=feed.id, kind=feed.kind, created_at=feed.created_at, url=url)


@router.get("/feeds", response_model=list[FeedPublic], responses=errors(401))
async def list_feeds(user: AccountUser, session: SessionDep) -> list[FeedPublic]:
    """The caller's feeds, never their URLs (the secret is not kept)."""
    return [
        FeedPublic.model_validate(feed) for feed in await feed_service.list_feeds(session, user)
    ]


@router.delete(
    "/feeds/{feed_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 404)
)
async def delete_feed(feed_id: ResourceId, user: AccountUser, session: SessionDep) -> Response:
    """Revoke a feed: its URL is 404 from then on."""
    await feed_service.delete_feed(session, user, feed_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/feeds/{secret}.ics", response_class=Response, responses={**_ICS_RESPONSE, **errors(404)}
)
async def read_feed(
    request: Request,
    session: SessionDep,
    secret: Annotated[str, Path(description="The feed's secret")],
) -> Response:
    """The feed as `text/calendar`; the secret in the URL is the only credential."""
    if len(secret) > _SECRET_MAX:
        raise feed_service.FeedNotFound()
    feed = await feed_service.find_feed(session, secret)
    found = await feed_service.fingerprint(session, feed)
    headers = {"ETag": found.etag, "Cache-Control": "private, no-cache"}
    if etag_matches(request, found.etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    text = await feed_service.body(session, feed, found)
    return Response(content=text, media_type=CALENDAR, headers=headers)
