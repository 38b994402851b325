"""Column sizes shared by several tables; the schemas bound their fields by the same numbers."""

from __future__ import annotations

NAME_MAX = 100
# The longest address SMTP can deliver to (RFC 5321, path of 256 octets less the brackets).
EMAIL_MAX = 254
PHONE_MAX = 32
USERNAME_MAX = 32
