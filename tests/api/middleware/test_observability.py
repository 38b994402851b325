from __future__ import annotations

import pytest

from homebase.api.middleware.observability import (
    UNMATCHED_ROUTE,
    ObservabilityMiddleware,
    accepted_request_id,
    route_template,
)
from tests.api.middleware.asgi import client, echo, state_of


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (None, None),
        (b"", None),
        (b"abc-123", "abc-123"),
        (b"a" * 64, "a" * 64),
        (b"a" * 65, None),
        (b"-starts-with-dash", None),
        (b"has space", None),
        (b"line\nbreak", None),
    ],
)
def test_accepted_request_id(value: bytes | None, accepted: str | None) -> None:
    assert accepted_request_id(value) == accepted


def test_an_unrouted_request_has_a_bounded_route_label() -> None:
    assert route_template({"type": "http", "path": "/anything/12345"}) == UNMATCHED_ROUTE


async def test_the_request_id_is_kept_in_the_state_and_echoed() -> None:
    async with client(ObservabilityMiddleware(echo)) as http:
        response = await http.get("/", headers={"X-Request-ID": "req-1"})
    assert response.headers["x-request-id"] == "req-1"
    assert state_of(response)["request_id"] == "req-1"
