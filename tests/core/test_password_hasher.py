"""Password hashing runs off the event loop, in low-priority threads."""

from __future__ import annotations

import os
import threading

from homebase.core.security import HASH_THREAD_NICENESS, PasswordHasher
from tests.support import make_settings


def _where() -> tuple[int, int]:
    return threading.get_ident(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def test_hashing_threads_run_at_lower_priority() -> None:
    hasher = PasswordHasher(make_settings("sqlite://", hash_threads=2))
    try:
        ident, niceness = await hasher._run(_where)
        assert ident != threading.get_ident()
        assert niceness == min(19, os.getpriority(os.PRIO_PROCESS, 0) + HASH_THREAD_NICENESS)
        hashed = await hasher.hash("correct horse battery")
        assert await hasher.verify("correct horse battery", hashed) == (True, None)
        assert (await hasher.verify("wrong horse battery", hashed))[0] is False
        assert (await hasher.verify("anything at all", None))[0] is False
    finally:
        hasher.close()
