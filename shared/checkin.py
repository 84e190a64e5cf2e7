"""The short code of a meeting, printed under its QR code for the check-in desk: the same for
everyone who derives it (the printed agenda, the desk's page), so it is stored nowhere.

Eight characters of Crockford's base32 (no I, L, O or U to misread), shown as two groups of
four: 2^40 codes, so that two meetings of one expo share a code with odds of about 1 in 20,000
at 10,000 meetings. It names a meeting; it grants nothing (the desk signs in)."""

from __future__ import annotations

import hashlib

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def check_in_code(expo_id: str, request_id: str) -> str:
    """`K7Q4-M2XB` for a meeting (named by its request) of an expo."""
    digest = int.from_bytes(hashlib.sha256(f"{expo_id}:{request_id}".encode()).digest()[:5])
    letters = "".join(ALPHABET[(digest >> shift) & 31] for shift in range(35, -1, -5))
    return f"{letters[:4]}-{letters[4:]}"
