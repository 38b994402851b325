"""The floor of this stack for an authenticated read of one row, and of a page of 50: FastAPI,
SQLAlchemy's pool and a Core statement run on the driver (`homebase.db.direct`, as Homebase's
hot reads run since round 7), PyJWT and orjson, with nothing but what a Bearer read needs —
the token's signature (each token decoded once, as Homebase does), one statement scoped to its
owner, the rows as JSON. `async def` routes, no middleware, no dependency, no
validation beyond the path's int. It serves the reference app's database and tokens
(`REF_DATABASE_URL`), on the drivers Homebase uses (its inline SQLite driver, asyncpg).

Homebase does more on every such read: the login session's revocation and the user's
`is_active`, in the same statement; request ids, metrics and an access-log line; security
headers; the caller's language; an ETag; app-password scopes; the error envelope. The gap
between this row and `hb.task_by_id` is the price of those; the gap between this row and the
reference is as far as any app on this stack can get (docs/performance.md).
"""

from __future__ import annotations

import os
import time
from functools import partial

import jwt
import orjson
from fastapi import FastAPI, Request, Response
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.reference.plain import ALGORITHM, SECRET_KEY, Task
from homebase.db import sqlite_driver
from homebase.db.direct import DirectSelect

DATABASE_URL = os.environ.get("REF_DATABASE_URL", "sqlite:///./reference.db")


def make_engine(url: str) -> AsyncEngine:
    """Pooled as Homebase's engine is (10 connections and 10 more on demand)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        creator = partial(sqlite_driver.connect, path)
        return create_async_engine(
            f"sqlite+aiosqlite:///{path}", async_creator=creator, pool_size=10, max_overflow=10
        )
    url = url.replace("postgresql+psycopg://", "postgresql+asyncpg://", 1)
    return create_async_engine(url, pool_size=10, max_overflow=10, connect_args={"ssl": False})


engine = make_engine(DATABASE_URL)
tasks = Task.__table__
BY_ID = DirectSelect(
    select(tasks).where(tasks.c.id == bindparam("id"), tasks.c.owner_id == bindparam("owner"))
)
# The reference's page: the owner's first 50 by id, nothing counted.
PAGE = DirectSelect(
    select(tasks).where(tasks.c.owner_id == bindparam("owner")).order_by(tasks.c.id).limit(50)
)
_owners: dict[str, tuple[int, float]] = {}

app = FastAPI()


def owner_of(request: Request) -> int | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    known = _owners.get(token)
    if known is not None and known[1] > time.time():
        return known[0]
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
        owner = int(claims["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        return None
    _owners[token] = (owner, float(claims["exp"]))
    return owner


@app.get("/tasks/{task_id}")
async def read_task(task_id: int, request: Request) -> Response:
    owner = owner_of(request)
    if owner is None:
        return Response(status_code=401)
    async with engine.connect() as connection:
        row = await BY_ID.first(connection, {"id": task_id, "owner": owner})
    if row is None:
        return Response(status_code=404)
    return Response(orjson.dumps(row._asdict()), media_type="application/json")


@app.get("/tasks")
async def read_tasks(request: Request) -> Response:
    owner = owner_of(request)
    if owner is None:
        return Response(status_code=401)
    async with engine.connect() as connection:
        rows = await PAGE.all(connection, {"owner": owner})
    return Response(orjson.dumps([row._asdict() for row in rows]), media_type="application/json")
