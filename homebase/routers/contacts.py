"""Contacts: owner-scoped address book with search and upcoming birthdays."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["contacts"])
