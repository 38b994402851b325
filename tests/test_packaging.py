"""`pip install .` ships what the service needs at run time: catalogs and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_package_data(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("homebase-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for locale in ("en", "ru", "uk"):
        assert f"homebase/locales/{locale}/core.json" in names
    assert "homebase/migrations/env.py" in names
    assert "homebase/migrations/script.py.mako" in names
    assert any(name.startswith("homebase/migrations/versions/0001") for name in names)
    assert "homebase/py.typed" in names
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "homebase = homebase.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
