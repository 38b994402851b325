"""Who may use /dav (SPEC §9): the one place that decides it."""

from __future__ import annotations

from homebase.services.accounts import Principal


def may_use_dav(principal: Principal) -> bool:
    """HTTP Basic with the account's password, or an app password holding the `dav` scope. DAV
    clients never hold a Bearer access token, and one copied into a sync app's settings must
    not reach the whole account."""
    if principal.app_password is not None:
        return "dav" in principal.app_password.scopes
    return principal.method == "password"
