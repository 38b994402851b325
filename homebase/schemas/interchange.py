"""Bodies of the interchange endpoints: import reports and calendar feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from homebase.schemas.common import Schema


class ImportFailure(BaseModel):
    index: int = Field(description="0-based position of the card or task in the file")
    uid: str | None
    code: str
    message: str


class ImportReportPublic(BaseModel):
    """The outcome of an import; a dry run gives the same report and changes nothing."""

    created: int
    updated: int
    unchanged: int
    failed: list[ImportFailure]


class FeedCreate(Schema):
    kind: Literal["birthdays", "tasks"]


class FeedPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    created_at: datetime


class FeedCreated(FeedPublic):
    url: str = Field(description="The secret feed URL: shown this once, never stored")
