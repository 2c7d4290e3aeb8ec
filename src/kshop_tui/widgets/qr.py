"""A QR code drawn in the terminal with half blocks (two modules per character cell).

Used for WeChat/QQ logins and for QR payments. The colours are fixed black on white on
purpose: phone scanners need dark modules on a light background with a light quiet zone
around them, whatever the theme paints behind the widget.
"""

from __future__ import annotations

import segno
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

DARK = "#000000"
LIGHT = "#ffffff"
# What a faded (expired) code looks like: too little contrast to scan, on purpose.
FADED_DARK = "#b0b0b0"
# The standard asks for 4 modules; 2 scan reliably off a screen and save 4 rows at 80×24.
QUIET_ZONE = 2


def qr_matrix(payload: str, quiet_zone: int = QUIET_ZONE) -> list[list[bool]]:
    """The modules of `payload`'s QR code, dark = True, quiet zone included. The smallest
    version that holds it, with the best error correction that still fits that version."""
    code = segno.make(payload, error="l", boost_error=True, micro=False)
    return [[bool(module) for module in row] for row in code.matrix_iter(border=quiet_zone)]


def half_block_lines(matrix: list[list[bool]]) -> list[str]:
    """Two rows of modules per line of text: ▀ top dark, ▄ bottom dark, █ both, space none."""
    glyphs = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    rows = matrix if len(matrix) % 2 == 0 else [*matrix, [False] * len(matrix[0])]
    return [
        "".join(glyphs[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]


class QrCode(Widget):
    """Draws `payload` as a QR code; `faded` greys it out (an expired code)."""

    DEFAULT_CSS = """
    QrCode { width: auto; height: auto; }
    """

    payload: reactive[str] = reactive("", layout=True)
    """The text the code carries; empty draws nothing."""
    faded: reactive[bool] = reactive(False)
    """True when the code no longer works (expired, used)."""

    def __init__(
        self,
        payload: str = "",
        *,
        quiet_zone: int = QUIET_ZONE,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.quiet_zone = quiet_zone
        self._lines: list[str] = []
        self.set_reactive(QrCode.payload, payload)
        self._build(payload)

    def watch_payload(self, payload: str) -> None:
        self._build(payload)

    def _build(self, payload: str) -> None:
        self._lines = half_block_lines(qr_matrix(payload, self.quiet_zone)) if payload else []

    @property
    def lines(self) -> list[str]:
        """The code as text, one string per terminal row (for tests and plain output)."""
        return list(self._lines)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self._lines[0]) if self._lines else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def render_line(self, y: int) -> Strip:
        if y >= len(self._lines):
            return Strip.blank(self.size.width)
        style = Style(color=FADED_DARK if self.faded else DARK, bgcolor=LIGHT)
        line = self._lines[y]
        return Strip([Segment(line, style)], len(line)).crop_extend(0, self.size.width, None)
