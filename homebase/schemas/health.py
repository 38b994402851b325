"""Bodies of the health probes (documentation only: the probes build their JSON directly)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Check = Literal["ok", "unavailable"]


class Liveness(BaseModel):
    status: Literal["ok"]


class Health(BaseModel):
    """`/health`: the database's state; `status` is `error` (with a 503) when it is down."""

    status: Literal["ok", "error"]
    database: Check


class Readiness(Health):
    """`/health/ready`: as `/health`, plus Redis when it is configured."""

    redis: Check | None = None
