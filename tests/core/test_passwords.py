"""The password policy: length in code points, common passwords, personal data."""

from __future__ import annotations

import pytest

from homebase.core.errors import FieldError
from homebase.core.passwords import check_password, common_passwords, password_problem


def test_the_common_list_is_large() -> None:
    passwords = common_passwords()
    assert len(passwords) >= 10_000
    assert sum(1 for password in passwords if len(password) >= 8) >= 10_000


@pytest.mark.parametrize(
    "password", ["password", "Password1", "QWERTYUIOP", "iloveyou", "12345678"]
)
def test_common_passwords_are_refused_whatever_the_case(password: str) -> None:
    assert password_problem(password) == ("password_too_common", {})


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "пароль-для-теста",
        "x" * 128,
        "aaaaaaaa!",  # no composition rules: nothing demands digits or symbols
        "12 апреля 1961",
    ],
)
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password, email="ada@example.com", username="ada", name="Ada") is None


def test_length_is_counted_in_code_points() -> None:
    assert password_problem("пароль12") is None  # 8 characters, 16 bytes in UTF-8
    assert password_problem("😀" * 8) is None
    assert password_problem("ab😀defg")[0] == "password_too_short"  # type: ignore[index]
    assert password_problem("я" * 128) is None
    assert password_problem("я" * 129) == ("password_too_long", {"max": 128})
    assert password_problem("short") == ("password_too_short", {"min": 8})


@pytest.mark.parametrize(
    ("password", "personal"),
    [
        ("my-Lovelace-pass", {"name": "Ada Lovelace"}),
        ("99ADA.LOVELACE99", {"name": "ada.lovelace"}),
        ("grace_hopper!!", {"username": "grace_hopper"}),
        ("zz-alan.turing-zz", {"email": "Alan.Turing@example.com"}),
        ("hello-bob-world", {"username": "bob"}),
    ],
)
def test_personal_data_is_refused(password: str, personal: dict[str, str]) -> None:
    assert password_problem(password, **personal) == ("password_contains_personal", {})


def test_short_names_are_not_held_against_the_password() -> None:
    assert password_problem("all good things", name="Al", username="al") is None


def test_check_password_names_the_field() -> None:
    with pytest.raises(FieldError) as caught:
        check_password("password1", "new_password")
    assert caught.value.field == "new_password"
    assert caught.value.field_key == "password_too_common"


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("totally banned annual boat trip", False),  # "ann" only inside other words
        ("ann sails the boat", True),
        ("boat-trip-with-ann", True),
        ("ann1990 boat trip", True),  # digits are not letters: still her name
        ("Annabel's boat trip", False),
    ],
)
def test_names_are_matched_as_whole_words(password: str, refused: bool) -> None:
    problem = password_problem(password, name="Ann", email="ann@example.org")
    assert (problem == ("password_contains_personal", {})) is refused
