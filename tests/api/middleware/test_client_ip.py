from __future__ import annotations

from homebase.api.middleware.client_ip import ClientIPMiddleware
from tests.api.middleware.asgi import client, echo, state_of


async def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    async with client(ClientIPMiddleware(echo)) as http:
        response = await http.get("/", headers={"X-Forwarded-For": "198.51.100.1"})
    assert state_of(response)["client_ip"] == "203.0.113.9"


async def test_a_trusted_proxy_passes_on_the_forwarded_address() -> None:
    app = ClientIPMiddleware(echo, trusted_proxies=["10.0.0.0/8"])
    async with client(app, peer=("10.1.2.3", 4000)) as http:
        response = await http.get("/", headers={"X-Forwarded-For": "198.51.100.1"})
    assert state_of(response)["client_ip"] == "198.51.100.1"


async def test_an_untrusted_peer_cannot_forge_the_address() -> None:
    app = ClientIPMiddleware(echo, trusted_proxies=["10.0.0.0/8"])
    async with client(app) as http:
        response = await http.get("/", headers={"X-Forwarded-For": "198.51.100.1"})
    assert state_of(response)["client_ip"] == "203.0.113.9"
