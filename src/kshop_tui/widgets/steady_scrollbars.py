"""Scrollbars repainted only when what they show changes.

Textual's `ScrollView._size_updated` compares the parent's container size with the
view's own (its size less its gutter), which differ whenever the view has a scrollbar:
so every layout of the screen — one a keystroke in a search box — updates and repaints
the scrollbars of every scroll view on it, even when nothing about them changed. These
views remember what their scrollbars were last arranged for and skip the update when a
layout brings the same again."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


class SteadyScrollbars(ScrollView):
    """A ScrollView whose scrollbars are updated only when its size, virtual size or
    gutter change (scrolling moves them by itself)."""

    _scrollbars_arranged_for: tuple[Size, Size, Size] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        arranged_for = (size, self.virtual_size, size - self.styles.gutter.totals)
        if arranged_for == self._scrollbars_arranged_for and self._size == size:
            return False
        self._scrollbars_arranged_for = arranged_for
        return super()._size_updated(size, virtual_size, container_size, layout)
