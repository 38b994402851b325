"""Routes that exist only when `HOMEBASE_ENV=test`: they let tests hold a request in flight."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Query

logger = logging.getLogger("homebase.testing")

router = APIRouter(include_in_schema=False)


@router.get("/__test__/slow")
async def slow(seconds: Annotated[float, Query(ge=0, le=30)] = 1.0) -> dict[str, float]:
    """Answer after `seconds`; logs when it starts, so a test knows the request is in flight."""
    logger.info("slow request started")
    await asyncio.sleep(seconds)
    return {"slept": seconds}
