"""`python -m bench [--quick]`: the benchmark behind `make bench`; `--profile` runs py-spy."""

from __future__ import annotations

import argparse
import signal
import sys


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # so every `finally` stops its servers


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs on less data")
    parser.add_argument(
        "--profile", action="store_true", help="profile the hot read path with py-spy instead"
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="KEYS",
        help="comma-separated row keys (e.g. hb.task_by_id,hb.task_by_id_app_password): "
        "measure those alone, into bench/results-only.json",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    if args.profile:
        from bench.profile import main as profile

        return profile()
    from bench.runner import main as run

    return run(args.quick, frozenset(key for key in args.only.split(",") if key))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped", file=sys.stderr)
        sys.exit(130)
