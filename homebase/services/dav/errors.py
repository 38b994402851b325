"""DAV refusals: an AppError with, where an RFC names one, the precondition that failed.

The DAV router renders them as an RFC 4918 §16 `<D:error>` body; the message (en, ru, uk)
goes in its `responsedescription`.
"""

from __future__ import annotations

from homebase.core.errors import AppError

_DAV = "{DAV:}"
_CARDDAV = "{urn:ietf:params:xml:ns:carddav}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"


class DavError(AppError):
    condition: str | None = None  # Clark name of the failed precondition
    condition_inner = ""  # XML inside it (the href of a conflicting resource)


class MalformedXml(DavError):
    status_code = 400
    code = "dav_malformed_xml"
    message_key = "dav_malformed_xml"


class BadDavRequest(DavError):
    status_code = 400
    code = "dav_bad_request"
    message_key = "dav_bad_request"


class UnsupportedReport(DavError):
    status_code = 403
    code = "dav_unsupported_report"
    message_key = "dav_unsupported_report"
    condition = _DAV + "supported-report"


class FiniteDepth(DavError):
    status_code = 403
    code = "dav_finite_depth"
    message_key = "dav_finite_depth"
    condition = _DAV + "propfind-finite-depth"


class ReadOnly(DavError):
    status_code = 403
    code = "dav_read_only"
    message_key = "dav_read_only"
    condition = _DAV + "need-privileges"


class MethodNotAllowed(DavError):
    status_code = 405
    code = "method_not_allowed"
    message_key = "method_not_allowed"

    def __init__(self, allow: str) -> None:
        super().__init__(headers={"Allow": allow})


class InvalidSyncToken(DavError):
    status_code = 403
    code = "dav_invalid_sync_token"
    message_key = "dav_invalid_sync_token"
    condition = _DAV + "valid-sync-token"


class UnsupportedContent(DavError):
    """The body is not a card / a calendar at all (another media type)."""

    status_code = 415
    code = "dav_unsupported_media_type"
    message_key = "dav_unsupported_media_type"

    def __init__(self, card: bool) -> None:
        super().__init__()
        self.condition = (
            (_CARDDAV + "supported-address-data") if card else (_CALDAV + "supported-calendar-data")
        )


class InvalidContent(DavError):
    """A card / calendar that cannot be stored: broken, no UID, not a single VTODO, …"""

    status_code = 400
    code = "dav_invalid_content"
    message_key = "dav_invalid_content"

    def __init__(self, card: bool, detail: str = "") -> None:
        super().__init__(detail=detail)
        self.condition = (
            (_CARDDAV + "valid-address-data") if card else (_CALDAV + "valid-calendar-data")
        )


class UidConflict(DavError):
    """RFC 6352 §6.3.2.1 / RFC 4791 §5.3.2.1: that UID lives under another href."""

    status_code = 409
    code = "dav_uid_conflict"
    message_key = "dav_uid_conflict"

    def __init__(self, card: bool, existing_href: str) -> None:
        super().__init__()
        self.condition = (_CARDDAV if card else _CALDAV) + "no-uid-conflict"
        self.condition_inner = existing_href
