"""`constraint_name` names the broken constraint on both backends, as the naming convention
of db/base.py spells it, so services never match a driver's message text."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import Executable

from homebase.app_state import AppState
from homebase.db.integrity import constraint_name
from homebase.models import Contact, Task, User
from tests.factories import Factory


async def _violation(state: AppState, statement: Executable) -> IntegrityError:
    async with state.sessionmaker() as session:
        with pytest.raises(IntegrityError) as caught:
            await session.execute(statement)
        await session.rollback()
    return caught.value


def _contact(owner_id: int) -> dict[str, object]:
    return {"first_name": "A", "last_name": "B", "email": "a@example.com", "user_id": owner_id}


async def test_a_unique_violation_is_named(state: AppState, factory: Factory) -> None:
    owner = await factory.user()
    async with state.sessionmaker() as session:
        await session.execute(insert(Contact).values(**_contact(owner.id)))
        await session.commit()
    exc = await _violation(state, insert(Contact).values(**_contact(owner.id)))
    assert constraint_name(exc) == "uq_contact_user_id_email"


async def test_a_single_column_unique_violation_is_named(state: AppState, factory: Factory) -> None:
    await factory.user(username="taken")
    statement = insert(User).values(name="x", username="taken", password_hash="x")
    exc = await _violation(state, statement)
    assert constraint_name(exc) == "uq_user_username"


async def test_a_foreign_key_violation_is_named_where_the_backend_says(
    state: AppState, database_url: str
) -> None:
    exc = await _violation(state, insert(Task).values(title="t", user_id=2**31 - 1))
    # SQLite reports no name for a foreign key; PostgreSQL does.
    expected = None if database_url.startswith("sqlite") else "fk_task_user_id_user"
    assert constraint_name(exc) == expected
