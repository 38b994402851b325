"""The DAV protocol over HTTP, on the database store: discovery, PROPFIND, REPORT, writes."""

from __future__ import annotations

import httpx

from tests.api.app_password_support import basic, bearer, issue
from tests.api.dav.support import (
    CR,
    CS,
    NS,
    C,
    D,
    by_href,
    card,
    multistatus,
    propfind,
    put,
    t,
    todo,
)
from tests.factories import Factory, UserHandle


async def _propfind(
    client: httpx.AsyncClient, user: UserHandle, path: str, body: str, depth: str = "0"
) -> httpx.Response:
    headers = {**user.basic, "Depth": depth, "Content-Type": "application/xml"}
    return await client.request("PROPFIND", path, content=body, headers=headers)


async def test_well_known_answers_in_place_with_the_principal(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    for path in ("/.well-known/carddav", "/.well-known/caldav", "/dav/"):
        anonymous = await client.request("PROPFIND", path, headers={"Depth": "0"})
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == 'Basic realm="homebase", charset="UTF-8"'
        # An access token is for the REST API only: a sync app is given a password.
        headers = {**user.bearer, "Depth": "0"}
        bearer = await client.request("PROPFIND", path, headers=headers)
        assert bearer.status_code == 401
        response = await _propfind(client, user, path, propfind("D:current-user-principal"))
        [resp], _ = multistatus(response)
        assert resp.href == path
        principal = resp.props[t(D, "current-user-principal")].findtext(t(D, "href"))
        assert principal == f"/dav/users/{user.id}/"


async def test_options_names_the_dav_classes_without_credentials(client: httpx.AsyncClient) -> None:
    response = await client.options("/dav/")
    assert response.status_code == 200
    assert response.headers["dav"] == "1, 3, addressbook, calendar-access"
    assert "PROPFIND" in response.headers["allow"]


async def test_home_lists_three_collections_and_hides_other_users(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    home = f"/dav/users/{user.id}/"
    body = propfind("D:resourcetype", "CR:addressbook-home-set", "C:calendar-home-set")
    responses, _ = multistatus(await _propfind(client, user, home, body, "1"))
    found = by_href(responses)
    assert set(found) == {home, home + "contacts/", home + "tasks/", home + "birthdays/"}
    assert found[home].props[t(CR, "addressbook-home-set")].findtext(t(D, "href")) == home
    assert (
        found[home + "contacts/"].props[t(D, "resourcetype")].find(t(CR, "addressbook")) is not None
    )
    assert found[home + "tasks/"].props[t(D, "resourcetype")].find(t(C, "calendar")) is not None
    for path in (f"/dav/users/{other.id}/", f"/dav/users/{other.id}/contacts/", "/dav/users/"):
        response = await _propfind(client, user, path, body, "1")
        assert response.status_code == 404, path
        assert str(other.id) not in response.text or path == "/dav/users/"


async def test_collection_properties(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    body = propfind(
        "CS:getctag",
        "D:sync-token",
        "CR:supported-address-data",
        "D:supported-report-set",
        "D:current-user-privilege-set",
        "D:displayname",
        "D:quota-used-bytes",
    )
    [resp], _ = multistatus(await _propfind(client, user, f"/dav/users/{user.id}/contacts/", body))
    assert resp.props[t(CS, "getctag")].text == resp.props[t(D, "sync-token")].text
    versions = {n.get("version") for n in resp.props[t(CR, "supported-address-data")]}
    assert versions == {"3.0", "4.0"}
    reports = {
        r.tag
        for r in resp.props[t(D, "supported-report-set")].iter()
        if r.tag.endswith(("multiget", "query", "sync-collection"))
    }
    assert reports == {
        t(CR, "addressbook-multiget"),
        t(CR, "addressbook-query"),
        t(D, "sync-collection"),
    }
    assert resp.props[t(D, "current-user-privilege-set")].find(f".//{t(D, 'write')}") is not None
    assert resp.missing == [t(D, "quota-used-bytes")]
    body = propfind("C:supported-calendar-component-set", "D:current-user-privilege-set")
    for kind, component, writable in (("tasks", "VTODO", True), ("birthdays", "VEVENT", False)):
        path = f"/dav/users/{user.id}/{kind}/"
        [resp], _ = multistatus(await _propfind(client, user, path, body))
        comps = resp.props[t(C, "supported-calendar-component-set")]
        assert [c.get("name") for c in comps] == [component]
        write = resp.props[t(D, "current-user-privilege-set")].find(f".//{t(D, 'write')}")
        assert (write is not None) is writable


async def test_put_get_delete_with_etags(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    path = f"/dav/users/{user.id}/contacts/a.vcf"
    headers = {**user.basic, "Content-Type": "text/vcard; charset=utf-8"}
    body = card("a", "Ада Лавлейс", "ada@example.com", "X-APPLE-THING;X=1:kept\r\nitem1.TEL:+1")
    created = await client.put(path, content=body, headers={**headers, "If-None-Match": "*"})
    assert created.status_code == 201
    first = created.headers["etag"]
    again = await client.put(path, content=body, headers={**headers, "If-None-Match": "*"})
    assert again.status_code == 412
    got = await client.get(path, headers={**user.basic, "Accept": "text/xml, text/calendar"})
    assert got.status_code == 200 and got.content == body.encode()
    assert got.headers["etag"] == first and got.headers["content-type"].startswith("text/vcard")
    stale = await client.put(path, content=body + "", headers={**headers, "If-Match": '"nope"'})
    assert stale.status_code == 412
    changed = card("a", "Ada King")
    updated = await client.put(path, content=changed, headers={**headers, "If-Match": first})
    assert updated.status_code == 204 and updated.headers["etag"] != first
    assert (await client.delete(path, headers={**user.basic, "If-Match": first})).status_code == 412
    deleted = await client.delete(path, headers={**user.basic, "If-Match": updated.headers["etag"]})
    assert deleted.status_code == 204
    assert (await client.get(path, headers=user.basic)).status_code == 404


async def test_bodies_that_are_not_cards_or_calendars(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    home = f"/dav/users/{user.id}/"
    cases = [
        ("contacts/x.vcf", "application/json", '{"a": 1}', 415),
        ("contacts/x.vcf", "text/vcard", "hello", 415),
        ("contacts/x.vcf", "text/vcard", "BEGIN:VCARD\r\nFN:x\r\n", 400),
        (
            "contacts/x.vcf",
            "text/vcard",
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n",
            400,
        ),
        ("tasks/x.ics", "text/vcard", card("x", "X"), 415),
        ("tasks/x.ics", "text/calendar", todo("x", "X").replace("VTODO", "VEVENT"), 400),
        ("tasks/x.ics", "text/calendar", todo("x", "X").replace("UID:x\r\n", ""), 400),
        ("birthdays/x.ics", "text/calendar", todo("x", "X"), 403),
    ]
    for name, media, body, status in cases:
        response = await client.put(
            home + name, content=body, headers={**user.basic, "Content-Type": media}
        )
        assert response.status_code == status, (name, body, response.text)
        assert response.headers["content-type"].startswith("application/xml")
    listing = await _propfind(client, user, home + "contacts/", propfind("D:getetag"), "1")
    assert [r.href for r in multistatus(listing)[0]] == [home + "contacts/"]


async def test_uid_conflict_names_the_existing_href(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    home = f"/dav/users/{user.id}/"
    headers = {**user.basic, "Content-Type": "text/vcard"}
    assert (
        await client.put(home + "contacts/one.vcf", content=card("u1", "A"), headers=headers)
    ).status_code == 201
    response = await client.put(home + "contacts/two.vcf", content=card("u1", "A"), headers=headers)
    assert response.status_code == 409
    assert f"<CR:no-uid-conflict><D:href>{home}contacts/one.vcf</D:href>" in response.text


async def test_hostile_xml_is_refused(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    path = f"/dav/users/{user.id}/contacts/"
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&b;</D:displayname>'
        "</D:prop></D:propfind>"
    )
    external = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&x;</D:displayname>'
        "</D:prop></D:propfind>"
    )
    deep = '<D:propfind xmlns:D="DAV:">' + "<D:prop>" * 100 + "</D:prop>" * 100 + "</D:propfind>"
    for body in (bomb, external, deep, "<D:propfind xmlns:D='DAV:'>", "not xml", "<a:b/>"):
        response = await _propfind(client, user, path, body)
        assert response.status_code == 400, body
        assert "passwd" not in response.text and "root:" not in response.text
    infinity = await _propfind(client, user, path, propfind("D:getetag"), "infinity")
    assert infinity.status_code == 403 and "propfind-finite-depth" in infinity.text


async def test_depth_one_lists_members_and_multiget_fetches_them(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    for number in range(3):
        await put(client, user, f"contacts/c{number}.vcf", card(f"c{number}", f"Name {number}"))
    path = f"/dav/users/{user.id}/contacts/"
    responses, _ = multistatus(await _propfind(client, user, path, propfind("D:getetag"), "1"))
    assert [r.href for r in responses] == [path, path + "c0.vcf", path + "c1.vcf", path + "c2.vcf"]
    assert all(t(D, "getetag") in r.props for r in responses[1:])
    body = (
        f"<CR:addressbook-multiget {NS}><D:prop><D:getetag/><CR:address-data/></D:prop>"
        f"<D:href>{path}c1.vcf</D:href><D:href>{path}missing.vcf</D:href>"
        f"<D:href>http://test{path}c2.vcf</D:href></CR:addressbook-multiget>"
    )
    response = await client.request(
        "REPORT", path, content=body, headers={**user.basic, "Depth": "1"}
    )
    responses, _ = multistatus(response)
    assert [(r.href, r.status) for r in responses] == [
        (path + "c1.vcf", None),
        (path + "missing.vcf", 404),
        (path + "c2.vcf", None),
    ]
    data = responses[0].props[t(CR, "address-data")].text
    assert data == card("c1", "Name 1")  # CRLF survives the XML round trip


async def test_addressbook_query_text_match(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    await put(client, user, "contacts/a.vcf", card("a", "Иван Петров", "ivan@example.com"))
    await put(client, user, "contacts/b.vcf", card("b", "Anna Smith", "ANNA@Example.org"))
    path = f"/dav/users/{user.id}/contacts/"

    async def query(filter_xml: str) -> list[str]:
        body = (
            f"<CR:addressbook-query {NS}><D:prop><D:getetag/></D:prop>{filter_xml}"
            "</CR:addressbook-query>"
        )
        response = await client.request(
            "REPORT", path, content=body, headers={**user.basic, "Depth": "1"}
        )
        return [r.href.rsplit("/", 1)[1] for r in multistatus(response)[0]]

    match = '<CR:text-match collation="i;unicode-casemap" match-type="{m}">{v}</CR:text-match>'
    fn = '<CR:filter><CR:prop-filter name="FN">' + match + "</CR:prop-filter></CR:filter>"
    assert await query(fn.format(m="contains", v="ИВАН")) == ["a.vcf"]
    assert await query(fn.format(m="starts-with", v="anna")) == ["b.vcf"]
    email = '<CR:filter><CR:prop-filter name="EMAIL">' + match + "</CR:prop-filter></CR:filter>"
    assert await query(email.format(m="ends-with", v="example.ORG")) == ["b.vcf"]
    assert await query(email.format(m="equals", v="ivan@example.com")) == ["a.vcf"]
    assert await query("") == ["a.vcf", "b.vcf"]
    both = (
        '<CR:filter test="allof"><CR:prop-filter name="FN"><CR:text-match>a</CR:text-match>'
        '</CR:prop-filter><CR:prop-filter name="EMAIL"><CR:text-match>.org</CR:text-match>'
        "</CR:prop-filter></CR:filter>"
    )
    assert await query(both) == ["b.vcf"]
    bad = (
        f'<CR:addressbook-query {NS}><CR:filter><CR:prop-filter name="FN">'
        '<CR:text-match collation="x;nope">a</CR:text-match></CR:prop-filter></CR:filter>'
        "</CR:addressbook-query>"
    )
    response = await client.request("REPORT", path, content=bad, headers=user.basic)
    assert response.status_code == 400


async def test_app_passwords_open_dav_only_with_the_dav_scope(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    synced = (await issue(client, user, ["dav"]))["token"]
    scripted = (await issue(client, user, ["tasks:read", "contacts:read"]))["token"]
    body, path = propfind("D:current-user-principal"), "/dav/"
    for headers, expected in (
        (basic(user.email, synced), 207),
        (bearer(synced), 207),
        (basic(user.email, scripted), 401),
    ):
        answer = await client.request(
            "PROPFIND", path, content=body, headers={**headers, "Depth": "0"}
        )
        assert answer.status_code == expected, answer.text
    # A `dav` app password opens nothing outside /dav/.
    assert (await client.get("/tasks", headers=bearer(synced))).status_code == 403


async def test_a_first_sync_may_name_a_whole_large_collection(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """vdirsyncer's first sync asks for every card in one multiget: 10,000 hrefs (530 KB)
    are served; a body beyond the DAV bound is a 400, never parsed."""
    user = await factory.user()
    await put(client, user, "contacts/c0.vcf", card("c0", "Name 0"))
    path = f"/dav/users/{user.id}/contacts/"
    hrefs = "".join(f"<D:href>{path}seed-29-{n}.vcf</D:href>" for n in range(10_000))
    body = (
        f"<CR:addressbook-multiget {NS}><D:prop><D:getetag/><CR:address-data/></D:prop>"
        f"<D:href>{path}c0.vcf</D:href>{hrefs}</CR:addressbook-multiget>"
    )
    assert len(body) > 500_000
    headers = {**user.basic, "Depth": "1", "Content-Type": "application/xml"}
    response = await client.request("REPORT", path, content=body, headers=headers)
    responses, _ = multistatus(response)
    assert len(responses) == 10_001
    assert responses[0].status is None and t(CR, "address-data") in responses[0].props
    assert {r.status for r in responses[1:]} == {404}
    too_large = body.replace("</CR:addressbook-multiget>", "<!--" + "x" * 4_200_000 + "-->")
    too_large += "</CR:addressbook-multiget>"
    refused = await client.request("REPORT", path, content=too_large, headers=headers)
    assert refused.status_code == 400, refused.text
