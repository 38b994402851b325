"""`python -m homebase.observability.probe [URL]`: exit 0 when URL answers 200, else 1.

The container's HEALTHCHECK (the slim image has no curl). Standard library only, so that it
starts fast and cannot break with the app's dependencies.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/health/live"
TIMEOUT = 3.0


def probe(url: str) -> bool:
    if not url.startswith(("http://", "https://")):
        return False
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - checked above
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    return 0 if probe(args[0] if args else DEFAULT_URL) else 1


if __name__ == "__main__":
    raise SystemExit(main())
