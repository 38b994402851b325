"""The usual tutorial stack: FastAPI + sync SQLAlchemy ORM + PyJWT, plain `def` routes, a
`yield` session dependency, `response_model`. Reads a task by id and a page of tasks for the
Bearer-authenticated user. The database comes from REF_DATABASE_URL (psycopg 3 on PostgreSQL).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jwt.exceptions import InvalidTokenError
from pwdlib import PasswordHash
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Date, DateTime, ForeignKey, String, Text, create_engine, insert, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)

from bench.data import PASSWORD, tasks_for, user_email, user_name

DATABASE_URL = os.environ.get("REF_DATABASE_URL", "sqlite:///./reference.db")
SECRET_KEY = os.environ.get("REF_SECRET_KEY", "reference-app-secret-key-for-the-bench-only")
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE = timedelta(hours=2)


def make_engine(url: str):
    connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    return create_engine(url, connect_args=connect_args)


engine = make_engine(DATABASE_URL)
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, index=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    full_name: Mapped[str | None] = mapped_column(String(255))
    hashed_password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    tasks: Mapped[list[Task]] = relationship(back_populates="owner")


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new")
    due_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    owner: Mapped[User] = relationship(back_populates="tasks")


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    status: str
    due_date: date | None
    created_at: datetime
    owner_id: int


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


SessionDep = Annotated[Session, Depends(get_db)]
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def create_access_token(user_id: int) -> str:
    expire = datetime.now(UTC) + ACCESS_TOKEN_EXPIRE
    return jwt.encode({"sub": str(user_id), "exp": expire}, SECRET_KEY, algorithm=ALGORITHM)


def get_current_user(db: SessionDep, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    credentials_exception = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except InvalidTokenError:
        raise credentials_exception from None
    user_id = payload.get("sub")
    if user_id is None:
        raise credentials_exception
    user = db.get(User, int(user_id))
    if user is None or not user.is_active:
        raise credentials_exception
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]

app = FastAPI()


@app.get("/tasks/{task_id}", response_model=TaskPublic)
def read_task(task_id: int, db: SessionDep, current_user: CurrentUser):
    task = db.get(Task, task_id)
    if task is None or task.owner_id != current_user.id:
        raise HTTPException(status_code=404, detail="Task not found")
    return task


@app.get("/tasks", response_model=list[TaskPublic])
def read_tasks(db: SessionDep, current_user: CurrentUser, skip: int = 0, limit: int = 50):
    query = select(Task).where(Task.owner_id == current_user.id).order_by(Task.id)
    return db.scalars(query.offset(skip).limit(limit)).all()


def seed(database_url: str, users: int, tasks_per_user: int) -> dict[int, list[int]]:
    """Create the tables and the data; return each user's task ids."""
    seed_engine = make_engine(database_url)
    try:
        Base.metadata.drop_all(seed_engine)
        Base.metadata.create_all(seed_engine)
        hashed = PasswordHash.recommended().hash(PASSWORD)
        with Session(seed_engine) as db, db.begin():
            db.execute(
                insert(User),
                [
                    {
                        "id": i,
                        "email": user_email(i),
                        "full_name": user_name(i),
                        "hashed_password": hashed,
                    }
                    for i in range(1, users + 1)
                ],
            )
            rows = tasks_for(list(range(1, users + 1)), tasks_per_user)
            db.execute(insert(Task), [_task_row(row) for row in rows])
            owned: dict[int, list[int]] = {}
            for task_id, owner_id in db.execute(select(Task.id, Task.owner_id)):
                owned.setdefault(owner_id, []).append(task_id)
        return owned
    finally:
        seed_engine.dispose()


def _task_row(row: dict) -> dict:
    fields = dict(row)
    fields["owner_id"] = fields.pop("user_id")
    return fields
