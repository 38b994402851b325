"""Print the application's OpenAPI document (for `make lint`): no database is opened."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from homebase.core.config import Settings
from homebase.main import create_app

with tempfile.TemporaryDirectory() as folder:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",  # the document as tests see it, test-only routes aside (not in the schema)
        database_url=f"sqlite:///{Path(folder) / 'never-opened.db'}",
        secret_key="openapi-dump-only-" + "x" * 32,
    )
    print(json.dumps(create_app(settings).openapi(), indent=1, ensure_ascii=False))
