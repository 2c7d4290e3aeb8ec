"""A product picture drawn with half blocks: each cell shows two pixels (▀ with the top
pixel as foreground and the bottom one as background), so it works in any colour
terminal, including over SSH."""

from __future__ import annotations

import io

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget


def half_block_lines(png: bytes, width: int, height: int) -> list[Strip]:
    """`png` scaled into `width`×`height` cells (2 pixels a cell, vertically)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").resize((width, height * 2))
    lines = []
    for row in range(height):
        segments = []
        for column in range(width):
            top = image.getpixel((column, row * 2))
            bottom = image.getpixel((column, row * 2 + 1))
            assert isinstance(top, tuple) and isinstance(bottom, tuple)
            style = Style(color=_hex(top), bgcolor=_hex(bottom))
            segments.append(Segment("▀", style))
        lines.append(Strip(Segment.simplify(segments), width))
    return lines


def _hex(pixel: tuple[int, ...]) -> str:
    return f"#{pixel[0]:02x}{pixel[1]:02x}{pixel[2]:02x}"


class ProductImage(Widget):
    DEFAULT_CSS = """
    ProductImage { width: 24; height: 12; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._png: bytes | None = None
        self._lines: list[Strip] = []

    def show(self, png: bytes | None) -> None:
        self._png = png
        self._lines = []
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        if self._png is None or width == 0 or height == 0:
            return Strip.blank(width, self.rich_style)
        if len(self._lines) != height or (self._lines and self._lines[0].cell_length != width):
            self._lines = half_block_lines(self._png, width, height)
        return self._lines[y] if y < len(self._lines) else Strip.blank(width)
