"""QR codes: of an invitation's link on its page, of a meeting's check-in link on its sheet."""

from __future__ import annotations

import io

import segno

# One fixed mask instead of the best of eight: any mask makes a valid code that phones read,
# and choosing the best took two thirds of the time of a 2,000-meeting PDF.
MASK = 2


def _code(text: str) -> segno.QRCode:
    return segno.make(text, error="m", mask=MASK, micro=False)


def svg_data_uri(text: str) -> str:
    """An SVG data URI an <img> shows and a printer prints sharp."""
    return str(_code(text).svg_data_uri(scale=4, border=2))


def png(text: str) -> io.BytesIO:
    """A small PNG; a PDF scales it up without smoothing."""
    image = io.BytesIO()
    _code(text).save(image, kind="png", scale=4, border=2)
    image.seek(0)
    return image
