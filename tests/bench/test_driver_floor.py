"""`python -m bench.driver_floor` reads the same task both ways, on both backends, and prints a
row for each way."""

from __future__ import annotations

import pytest

from bench import driver_floor


async def test_both_ways_read_the_task_and_are_timed() -> None:
    results = await driver_floor.run(["sqlite", "postgresql"], 5)
    assert list(results) == ["sqlite", "postgresql"]
    for rows in results.values():
        assert list(rows) == ["SQLAlchemy execute", "driver (db/direct.py)", "pool"]
        assert all(us > 0 for us in rows.values())
    printed = driver_floor.table(results).splitlines()
    assert len(printed) == 7
    assert printed[2].split()[:2] == ["sqlite", "driver"]


async def test_reads_that_differ_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The timing is only taken when the driver's row is SQLAlchemy's."""
    first = driver_floor.DIRECT.first

    async def other(*args: object) -> object:
        row = await first(*args)  # type: ignore[arg-type]
        return row._replace(title="another")

    monkeypatch.setattr(driver_floor.DIRECT, "first", other)
    with pytest.raises(RuntimeError, match="differ"):
        await driver_floor.run(["sqlite"], 5)
