"""Password policy (NIST SP 800-63B §5.1.1, ASVS V6.2): length and blocklists, no composition.

8 to 128 characters counted as code points; every character counts (argon2 truncates
nothing); no "one digit, one symbol" rules. Refused: the 30,000 most common passwords of the
list zxcvbn ships, and passwords containing the user's email local part, username or name as a
whole word (not next to another letter: "alice1990" and "my-alice" contain "alice", "annual"
does not contain "ann").
"""

from __future__ import annotations

import re
from functools import cache

from homebase.core.app_passwords import looks_like_app_password
from homebase.core.errors import FieldError

PASSWORD_MIN = 8
PASSWORD_MAX = 128
PERSONAL_MIN = 3  # shorter names ("Al") occur by chance in too many good passwords


@cache
def common_passwords() -> frozenset[str]:
    """The common-password list (lower case). Loaded on first use: it is a large module."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


_SEPARATORS = re.compile(r"[\s._+-]+")


def _personal_terms(email: str | None, username: str | None, name: str | None) -> set[str]:
    """The identifiers, each also cut at separators and with its separators removed."""
    terms: set[str] = set()
    for value in (username or "", (email or "").partition("@")[0], name or ""):
        parts = [part for part in _SEPARATORS.split(value) if part]
        terms.update((value, "".join(parts), *parts))
    return {term.casefold() for term in terms if len(term) >= PERSONAL_MIN}


def _contains_word(text: str, term: str) -> bool:
    """`term` occurs in `text` with no letter right before or after it."""
    letter = r"[^\W\d_]"
    return re.search(rf"(?<!{letter}){re.escape(term)}(?!{letter})", text) is not None


def password_problem(
    password: str,
    *,
    email: str | None = None,
    username: str | None = None,
    name: str | None = None,
) -> tuple[str, dict[str, int]] | None:
    """Why `password` is refused, as a field error key and its parameters; None if it is fine."""
    if len(password) < PASSWORD_MIN:
        return "password_too_short", {"min": PASSWORD_MIN}
    if len(password) > PASSWORD_MAX:
        return "password_too_long", {"max": PASSWORD_MAX}
    if looks_like_app_password(password):
        # HTTP Basic reads such a password as an app password and never tries it as one.
        return "password_like_app_password", {}
    folded = password.casefold()
    if folded in common_passwords():
        return "password_too_common", {}
    if any(_contains_word(folded, term) for term in _personal_terms(email, username, name)):
        return "password_contains_personal", {}
    return None


def check_password(
    password: str,
    field: str,
    *,
    email: str | None = None,
    username: str | None = None,
    name: str | None = None,
) -> None:
    """Raise a 422 FieldError on `field` explaining why the password is refused."""
    problem = password_problem(password, email=email, username=username, name=name)
    if problem is not None:
        key, params = problem
        raise FieldError(field, key, **params)
