"""Who may use /dav (SPEC §9): the one place that decides it."""

from __future__ import annotations

from homebase.services.accounts import Principal


def may_use_dav(principal: Principal) -> bool:
    """HTTP Basic with the account's password. DAV clients never hold a Bearer token, and an
    access token leaking into a sync app's settings must not reach the whole account.
    An app password holding the `dav` scope is to be accepted here as well."""
    return principal.method == "password"
