"""Text as people mean it when they say two names are the same."""

from __future__ import annotations

import unicodedata


def folded(text: str) -> str:
    """Without case, accents or repeated spaces: `José  Ramos-Horta` is `jose ramos-horta`."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())
