"""CardDAV (RFC 6352) and CalDAV (RFC 4791) over the user's contacts and tasks (SPEC §9).

The protocol works on a `Store` (store.py): what a collection holds and how it changes. The
HTTP router (api/routes/dav.py) authenticates, picks the store and renders a `DavResponse`.
"""
