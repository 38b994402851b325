"""Calendar feeds: a secret URL per feed, stored as a hash; the feed text and its ETag.

The ETag comes from a fingerprint query (count, newest change, ids) before any row is read,
so a calendar app polling an unchanged feed costs one aggregate query and a 304.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import NotFound
from homebase.core.i18n import translate
from homebase.models import Contact, Feed, Task, User
from homebase.services.interchange import feeds as feed_text
from homebase.services.interchange.feeds import BirthdayEvent, DueEvent

SECRET_BYTES = 32  # 256 bits
_OPEN = ("new", "in_progress")
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class FeedNotFound(NotFound):
    code = "feed_not_found"
    message_key = "feed_not_found"


def secret_hash(secret: str) -> str:
    # A fast hash suffices: the secret has 256 random bits, nothing to guess.
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_feed(
    session: AsyncSession, owner: User, kind: str, locale: str
) -> tuple[Feed, str]:
    """A new feed and its secret (returned this once; only its hash is kept)."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    feed = Feed(user_id=owner.id, kind=kind, secret_hash=secret_hash(secret), locale=locale)
    session.add(feed)
    await session.flush()
    return feed, secret


async def list_feeds(session: AsyncSession, owner: User) -> list[Feed]:
    query = select(Feed).where(Feed.user_id == owner.id).order_by(Feed.id)
    return list(await session.scalars(query))


async def delete_feed(session: AsyncSession, owner: User, feed_id: int) -> None:
    query = select(Feed).where(Feed.id == feed_id, Feed.user_id == owner.id)
    feed = await session.scalar(query)
    if feed is None:
        raise FeedNotFound()
    await session.delete(feed)
    await session.flush()


async def find_feed(session: AsyncSession, secret: str) -> Feed:
    """The feed of a secret URL; a revoked or forged one is 404, like any unknown path."""
    feed = await session.scalar(select(Feed).where(Feed.secret_hash == secret_hash(secret)))
    if feed is None:
        raise FeedNotFound()
    return feed


def _birthday_rows(feed: Feed) -> Select[Contact]:
    return select(Contact).where(Contact.user_id == feed.user_id, Contact.birthday_key.is_not(None))


def _due_rows(feed: Feed) -> Select[Task]:
    return select(Task).where(
        Task.user_id == feed.user_id, Task.due_date.is_not(None), Task.status.in_(_OPEN)
    )


@dataclass(frozen=True, slots=True)
class Fingerprint:
    etag: str
    newest: datetime


async def fingerprint(session: AsyncSession, feed: Feed) -> Fingerprint:
    source = _birthday_rows(feed) if feed.kind == "birthdays" else _due_rows(feed)
    rows = source.subquery()
    query = select(func.count(), func.max(rows.c.updated_at), func.coalesce(func.sum(rows.c.id), 0))
    count, newest, ids = (await session.execute(query)).one()
    raw = f"{feed.id}:{feed.kind}:{feed.locale}:{count}:{newest}:{ids}"
    # SQLite gives the aggregate back as text: the event stamps need a datetime.
    moment = newest if isinstance(newest, datetime) else feed.created_at or _EPOCH
    return Fingerprint(f'"{hashlib.sha256(raw.encode()).hexdigest()[:32]}"', moment)


# Rendered feeds by (feed, fingerprint), newest use last. Calendar apps poll a feed every few
# minutes to hours, mostly without If-None-Match: the same fingerprint is the same text (the
# fingerprint is what makes a 304 right), so a poll of an unchanged feed costs its query only.
_RENDERED: OrderedDict[tuple[int, str], bytes] = OrderedDict()
_RENDERED_MAX = 32


async def body(session: AsyncSession, feed: Feed, found: Fingerprint) -> bytes:
    """The feed's text, rendered once per fingerprint (per process)."""
    key = (feed.id, found.etag)
    text = _RENDERED.get(key)
    if text is None:
        text = (await render(session, feed, found.newest)).encode()
        _RENDERED[key] = text
        if len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    else:
        _RENDERED.move_to_end(key)
    return text


async def render(session: AsyncSession, feed: Feed, generated: datetime) -> str:
    """The feed's VCALENDAR: yearly birthdays, or the due dates of open tasks. Only the
    columns a feed shows are read (never the stored cards)."""
    if feed.kind == "birthdays":
        people = _birthday_rows(feed).with_only_columns(
            Contact.uid, Contact.first_name, Contact.last_name, Contact.birthday,
            Contact.birthday_key,
        ).order_by(Contact.id)  # fmt: skip
        summary = translate("birthday_summary", feed.locale, name="{name}")
        events = [
            BirthdayEvent(
                uid,
                summary.replace("{name}", " ".join(part for part in (first, last) if part)),
                (key or 0) // 100,
                (key or 0) % 100,
                birthday.year if birthday is not None else None,
            )
            for uid, first, last, birthday, key in await session.execute(people)
        ]
        return feed_text.birthdays(translate("birthdays_feed_name", feed.locale), events, generated)
    due = (
        _due_rows(feed)
        .with_only_columns(Task.uid, Task.title, Task.due_date, Task.description)
        .order_by(Task.id)
    )
    tasks = [
        DueEvent(uid, title, day, description)
        for uid, title, day, description in await session.execute(due)
        if day is not None
    ]
    return feed_text.due_dates(translate("tasks_feed_name", feed.locale), tasks, generated)
