"""calendar-query and sync-collection over HTTP, on the database store."""

from __future__ import annotations

import httpx

from tests.api.dav.support import CR, NS, C, D, card, multistatus, put, t, todo
from tests.factories import Factory, UserHandle


async def _report(
    client: httpx.AsyncClient, user: UserHandle, path: str, body: str, depth: str = "1"
) -> httpx.Response:
    return await client.request(
        "REPORT", path, content=body, headers={**user.basic, "Depth": depth}
    )


def _names(response: httpx.Response) -> list[str]:
    return [r.href.rsplit("/", 1)[1] for r in multistatus(response)[0]]


async def test_calendar_query_by_due_range_and_uid(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await put(client, user, "tasks/a.ics", todo("a", "March", "20240315"))
    await put(client, user, "tasks/b.ics", todo("b", "Berlin evening", "20240401T230000Z"))
    zoned = todo("c", "Zoned", extra="DUE;TZID=Europe/Berlin:20240402T003000")
    await put(client, user, "tasks/c.ics", zoned)
    await put(client, user, "tasks/d.ics", todo("d", "No due date"))
    path = f"/dav/users/{user.id}/tasks/"

    def query(inner: str) -> str:
        return (
            f"<C:calendar-query {NS}><D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter>"
            f'<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO">{inner}'
            "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
        )

    everything = await _report(client, user, path, query(""))
    assert _names(everything) == ["a.ics", "b.ics", "c.ics", "d.ics"]
    data = multistatus(everything)[0][0].props[t(C, "calendar-data")].text
    assert data == todo("a", "March", "20240315")
    march = '<C:time-range start="20240301T000000Z" end="20240401T000000Z"/>'
    # RFC 4791 §9.9: a VTODO with no date at all overlaps every range.
    assert _names(await _report(client, user, path, query(march))) == ["a.ics", "d.ics"]
    april = (
        '<C:prop-filter name="DUE">'
        '<C:time-range start="20240401T220000Z" end="20240402T000000Z"/></C:prop-filter>'
    )
    # c is due 00:30 Berlin (CEST) = 22:30 UTC on 1 April
    assert _names(await _report(client, user, path, query(april))) == ["b.ics", "c.ics"]
    by_uid = (
        '<C:prop-filter name="UID"><C:text-match collation="i;octet" match-type="equals">'
        "c</C:text-match></C:prop-filter>"
    )
    assert _names(await _report(client, user, path, query(by_uid))) == ["c.ics"]
    undefined = '<C:prop-filter name="DUE"><C:is-not-defined/></C:prop-filter>'
    assert _names(await _report(client, user, path, query(undefined))) == ["d.ics"]
    bad = query('<C:time-range start="yesterday"/>')
    assert (await _report(client, user, path, bad)).status_code == 400
    contacts = f"/dav/users/{user.id}/contacts/"
    assert (await _report(client, user, contacts, query(""))).status_code == 403


def _sync(token: str = "", props: str = "<D:getetag/>") -> str:
    return (
        f"<D:sync-collection {NS}><D:sync-token>{token}</D:sync-token>"
        f"<D:sync-level>1</D:sync-level><D:prop>{props}</D:prop></D:sync-collection>"
    )


async def test_sync_collection_reports_changes_and_tombstones(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await put(client, user, "tasks/a.ics", todo("a", "A"))
    await put(client, user, "tasks/b.ics", todo("b", "B"))
    path = f"/dav/users/{user.id}/tasks/"
    for depth in ("0", "1"):
        first = await _report(client, user, path, _sync(), depth)
        responses, token = multistatus(first)
        assert [r.href for r in responses] == [path + "a.ics", path + "b.ics"]
        assert token
    assert token is not None
    unchanged = multistatus(await _report(client, user, path, _sync(token)))
    assert unchanged == ([], token)
    headers = {**user.basic, "Content-Type": "text/calendar"}
    await client.put(path + "b.ics", content=todo("b", "B2"), headers=headers)
    await client.delete(path + "a.ics", headers=user.basic)
    responses, newer = multistatus(
        await _report(client, user, path, _sync(token, "<C:calendar-data/>"))
    )
    assert [(r.href, r.status) for r in responses] == [
        (path + "b.ics", None),
        (path + "a.ics", 404),
    ]
    assert responses[0].props[t(C, "calendar-data")].text == todo("b", "B2")
    assert newer != token
    # A token from the future (no change has that number yet), a foreign one, and garbage.
    future = "urn:x-homebase:sync:" + "9" * 18
    for bad in (future, "http://elsewhere/sync/1", "garbage"):
        refused = await _report(client, user, path, _sync(bad))
        assert refused.status_code == 403
        assert "<D:valid-sync-token/>" in refused.text


async def test_reports_refused_where_they_do_not_apply(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    for path in ("/dav/", f"/dav/users/{user.id}/"):
        response = await _report(client, user, path, _sync())
        assert response.status_code == 403
        assert "supported-report" in response.text
    unknown = f"<D:expand-property {NS}/>"
    response = await _report(client, user, f"/dav/users/{user.id}/tasks/", unknown)
    assert response.status_code == 403
    assert (await _report(client, user, f"/dav/users/{user.id}/tasks/", "")).status_code == 400
    assert t(D, "x")  # namespace helper stays in use


async def test_birthdays_follow_the_contacts_and_rest_writes_reach_the_sync(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    card_with_birthday = card("ada", "Ada Lovelace", extra="BDAY:1815-12-10")
    await put(client, user, "contacts/ada.vcf", card_with_birthday)
    path = f"/dav/users/{user.id}/birthdays/"
    first = await _report(client, user, path, _sync(props="<C:calendar-data/>"))
    [event], token = multistatus(first)
    assert event.href == path + "ada.vcf.ics"
    text = event.props[t(C, "calendar-data")].text or ""
    assert "DTSTART;VALUE=DATE:18151210" in text and "RRULE:FREQ=YEARLY" in text
    # A REST edit of the contact is a change in the next sync of its birthday event.
    [contact] = (await client.get("/contacts", headers=user.basic)).json()
    tag = (await client.get(f"/contacts/{contact['id']}", headers=user.basic)).headers["etag"]
    edited = await client.patch(
        f"/contacts/{contact['id']}",
        json={"birthday": None},
        headers={**user.basic, "If-Match": tag},
    )
    assert edited.status_code == 200, edited.text
    assert token is not None
    responses, _ = multistatus(await _report(client, user, path, _sync(token)))
    assert [(r.href, r.status) for r in responses] == [(path + "ada.vcf.ics", 404)]


async def test_an_import_is_in_the_next_sync(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    await put(client, user, "contacts/a.vcf", card("a", "Anna Smith"))
    path = f"/dav/users/{user.id}/contacts/"
    _, token = multistatus(await _report(client, user, path, _sync()))
    assert token is not None
    # The import writes in bulk, past the flush hook: one card new, one changed.
    body = card("a", "Anna Jones") + card("b", "Boris Ivanov")
    headers = {**user.basic, "Content-Type": "text/vcard"}
    imported = await client.post("/contacts/import", content=body.encode(), headers=headers)
    assert imported.json() == {"created": 1, "updated": 1, "unchanged": 0, "failed": []}
    responses, newer = multistatus(
        await _report(client, user, path, _sync(token, "<CR:address-data/>"))
    )
    data = {r.href: r.props[t(CR, "address-data")].text for r in responses}
    assert data == {
        path + "a.vcf": card("a", "Anna Jones"),
        path + "b.vcf": card("b", "Boris Ivanov"),
    }
    assert newer != token
