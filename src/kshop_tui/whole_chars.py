"""A screen compositor that never cuts a wide character in two.

Textual's compositor divides every screen line at each edge of every widget on it, then
paints each piece from the front-most widget there. An edge that lies under a widget in
front still divides that widget's line, and a Chinese character (two cells) straddling it
becomes two blanks: a Select's dropdown over a dialog's buttons showed `  龙江省` for
黑龙江省. This compositor keeps only the edges that something in front does not cover.
Every piece is still painted by the same widget, since a widget in front covers the whole
of the piece around an edge it hides.

Built on Textual's private `Compositor` (`cuts`, `_cuts`, `visible_widgets`): textual is
pinned exactly, and tests/tui/test_whole_chars.py fails if the pieces change shape.
"""

from __future__ import annotations

from textual._compositor import Compositor


class WholeCharCompositor(Compositor):
    @property
    def cuts(self) -> list[list[int]]:
        """For every line, where a piece of it starts: the edges of the widgets on it that
        no widget in front covers (the edges of the screen always)."""
        if self._cuts is not None:
            return self._cuts
        width, height = self.size
        cuts = [{0, width} for _ in range(height)]
        # Per line, the spans already taken by widgets in front (visible_widgets runs
        # front to back, the order the pieces are painted in).
        covered: list[list[tuple[int, int]]] = [[] for _ in range(height)]
        for region, clip in self.visible_widgets.values():
            x, y, region_width, region_height = region.intersection(clip)
            if not (region_width and region_height):
                continue
            end = x + region_width
            for line in range(y, min(y + region_height, height)):
                spans = covered[line]
                for edge in (x, end):
                    if not any(start < edge < stop for start, stop in spans):
                        cuts[line].add(edge)
                spans.append((x, end))
        self._cuts = [sorted(line_cuts) for line_cuts in cuts]
        return self._cuts
