"""Task service: the ownership rule, search keys, and writes that race with another writer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.app_state import AppState
from homebase.core.errors import FieldError, NotFound, PreconditionFailed
from homebase.core.preconditions import TagList, entity_tag
from homebase.models import Task, User
from homebase.repositories.tasks import tasks
from homebase.schemas.task import TaskCreate, TaskReplace, TaskUpdate
from homebase.services import tasks as task_service
from tests.factories import Factory

Write = Callable[..., Awaitable[object]]


async def _create(state: AppState, owner: User, title: str = "Task") -> Task:
    async with state.sessionmaker() as session:
        task = await task_service.create_task(session, owner, TaskCreate(title=title))
        await session.commit()
    return task


def test_search_text_is_case_folded_for_every_script() -> None:
    assert task_service.search_text("Купить МОЛОКО", "Straße") == "купить молоко\nstrasse"
    assert task_service.search_text("ÉTÉ", None) == "été\n"


async def test_owned_task_query_scopes_normal_users_only(state: AppState, factory: Factory) -> None:
    owner, other, admin = await factory.user(), await factory.user(), await factory.admin()
    task = await _create(state, owner.user)
    async with state.sessionmaker() as session:
        visible = {
            handle.id: list(await session.scalars(tasks.visible(handle.user)))
            for handle in (owner, other, admin)
        }
        assert [row.id for row in visible[owner.id]] == [task.id]
        assert visible[other.id] == []
        assert [row.id for row in visible[admin.id]] == [task.id]
        with pytest.raises(NotFound):
            await task_service.get_task(session, other.user, task.id)
    async with state.read_engine.connect() as reader:
        with pytest.raises(NotFound):
            await task_service.read_task(reader, other.user, task.id)
        assert (await task_service.read_task(reader, admin.user, task.id)).id == task.id


async def test_search_text_is_kept_on_create_and_updates(state: AppState, factory: Factory) -> None:
    owner = await factory.user()
    async with state.sessionmaker() as session:
        task = await task_service.create_task(
            session, owner.user, TaskCreate(title="Купить Молоко", description="СРОЧНО")
        )
        assert task.search_text == "купить молоко\nсрочно"
        await task_service.update_task(session, owner.user, task.id, TaskUpdate(title="Хлеб"))
        assert task.search_text == "хлеб\nсрочно"
        await task_service.replace_task(session, owner.user, task.id, TaskReplace(title="Сыр"))
        assert task.search_text == "сыр\n"


async def test_unknown_owner_is_a_field_error(state: AppState, factory: Factory) -> None:
    admin = await factory.admin()
    async with state.sessionmaker() as session:
        with pytest.raises(FieldError) as caught:
            await task_service.create_task(
                session, admin.user, TaskCreate(title="T", user_id=987_654)
            )
    assert caught.value.field == "user_id"


async def _replace(session: AsyncSession, actor: User, task_id: int, tag: TagList | None) -> None:
    await task_service.replace_task(
        session, actor, task_id, TaskReplace(title="Mine"), if_match=tag
    )


async def _update(session: AsyncSession, actor: User, task_id: int, tag: TagList | None) -> None:
    await task_service.update_task(session, actor, task_id, TaskUpdate(title="Mine"), if_match=tag)


async def _delete(session: AsyncSession, actor: User, task_id: int, tag: TagList | None) -> None:
    await task_service.delete_task(session, actor, task_id, if_match=tag)


WRITES: dict[str, Write] = {"replace": _replace, "update": _update, "delete": _delete}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("conditional", [True, False])
async def test_a_write_that_lost_the_race_is_412_not_an_overwrite(
    state: AppState, factory: Factory, write: str, conditional: bool
) -> None:
    """Device A reads the task and checks its If-Match; before A writes, device B commits a
    change. A's write must fail (the UPDATE/DELETE is conditional on the version A saw)."""
    owner = await factory.user()
    task = await _create(state, owner.user, "Original")
    async with state.sessionmaker() as device_a:
        seen = await task_service.get_task(device_a, owner.user, task.id)
        tag = TagList.parse(entity_tag(seen)) if conditional else None

        async with state.sessionmaker() as device_b:
            await task_service.update_task(
                device_b, owner.user, task.id, TaskUpdate(title="Theirs")
            )
            await device_b.commit()

        with pytest.raises(PreconditionFailed):
            await WRITES[write](device_a, owner.user, task.id, tag)
        await device_a.rollback()

    async with state.sessionmaker() as session:
        stored = await session.scalar(select(Task).where(Task.id == task.id))
    assert stored is not None
    assert (stored.title, stored.version) == ("Theirs", 2)
