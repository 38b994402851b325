"""Deterministic, realistic-looking rows shared by every seed, so all apps hold the same data."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

PASSWORD = "correct horse battery staple"
FIRST_NAMES = [
    "Anna", "Boris", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Irina", "Jonas",
    "Katya", "Leon", "Maria", "Nikolai", "Olga", "Pavel", "Quinn", "Rosa", "Sergei", "Tanya",
    "Umar", "Vera", "Walter", "Xenia", "Yusuf", "Zoe", "Alexei", "Bianca", "Carlos", "Daria",
    "Emil", "Fiona", "Gleb", "Hanna", "Igor", "Julia", "Kirill", "Lena", "Marco", "Nadia",
]  # fmt: skip
LAST_NAMES = [
    "Ivanova", "Smith", "Kowalski", "Petrov", "Garcia", "Schmidt", "Novak", "Rossi", "Kuznetsov",
    "Martin", "Bernard", "Sokolov", "Lopez", "Fischer", "Popov", "Moreau", "Lebedev", "Weber",
    "Rodriguez", "Volkov", "Meyer", "Fedorov", "Dubois", "Morozov", "Silva", "Wagner", "Pavlov",
    "Romano", "Kozlov", "Jensen", "Orlov", "Nielsen", "Baker", "Stepanov", "Costa", "Nikitin",
    "Hansen", "Zaitsev", "Laurent", "Belov", "Bauer", "Egorov", "Ricci", "Vasiliev", "Keller",
    "Frolov", "Larsen", "Gusev", "Moretti", "Titov",
]  # fmt: skip
VERBS = ["Call", "Email", "Review", "Fix", "Plan", "Write", "Buy", "Book", "Pay", "Clean"]
OBJECTS = [
    "the quarterly report", "the dentist", "groceries", "the landlord", "train tickets",
    "the leaking tap", "the team offsite", "insurance renewal", "the garden", "tax forms",
]  # fmt: skip
STATUSES = ["new", "new", "in_progress", "done"]


def user_email(index: int) -> str:
    return f"user{index}@example.com"


def user_name(index: int) -> str:
    return f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[index % len(LAST_NAMES)]}"


def task_fields(rng: random.Random) -> dict[str, Any]:
    """One task's fields: a title, an optional description, a status, an optional due date."""
    title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    description = None
    if rng.random() < 0.7:
        words = [rng.choice(OBJECTS) for _ in range(rng.randint(3, 20))]
        description = ("Remember: " + ", ".join(words) + ".")[:1000]
    due = date(2025, 1, 1) + timedelta(days=rng.randint(0, 730)) if rng.random() < 0.6 else None
    return {
        "title": title,
        "description": description,
        "status": rng.choice(STATUSES),
        "due_date": due,
    }


def tasks_for(user_ids: list[int], per_user: int, seed: int = 42) -> list[dict[str, Any]]:
    """`per_user` tasks for each user, as rows with a `user_id`."""
    rng = random.Random(seed)
    return [{**task_fields(rng), "user_id": uid} for uid in user_ids for _ in range(per_user)]
