"""Tasks: owner-scoped CRUD with filters, paging and ETags."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["tasks"])
