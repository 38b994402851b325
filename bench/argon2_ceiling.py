"""`python -m bench.argon2_ceiling`: how many argon2 verifies a second the cores do, with the
service's default parameters, in 1 to 4 processes at once, with glibc's mmap threshold as
`homebase serve` fixes it (each hash maps its 19 MiB afresh) or as glibc leaves it (the block
stays on the heap). The ceiling of `POST /auth/login`; docs/performance.md quotes it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from multiprocessing import Pool

VERIFIES = 60


def _verify(count: int) -> int:
    from homebase.core.config import Settings
    from homebase.core.security import PasswordHasher

    settings = Settings(_env_file=None, secret_key="x" * 48)  # type: ignore[call-arg]
    hasher = PasswordHasher(settings)
    stored = hasher.hash_sync("correct horse battery staple")
    for _ in range(count):
        hasher.verify_sync("correct horse battery staple", stored)
    return count


def measure() -> None:
    _verify(3)
    for processes in (1, 2, 3, 4):
        with Pool(processes) as pool:
            started = time.perf_counter()
            pool.map(_verify, [VERIFIES] * processes)
            elapsed = time.perf_counter() - started
        print(f"  {processes} process(es): {VERIFIES * processes / elapsed:6.1f} verifies/s")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        measure()
        return 0
    for label, extra in (
        ("heap blocks (glibc's own threshold)", {}),
        ("mmapped blocks (MALLOC_MMAP_THRESHOLD_=131072, as homebase serve runs)",
         {"MALLOC_MMAP_THRESHOLD_": "131072"}),
    ):  # fmt: skip
        print(label, flush=True)
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"} | extra
        command = [sys.executable, "-m", "bench.argon2_ceiling", "--measure"]
        subprocess.run(command, env=env, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
