"""The footer of every shop screen: Textual's footer drawn by one widget.

Textual's Footer is a container of one FooterKey widget per key, each styled, laid out and
rendered on its own, and all rebuilt whenever the keys change. Served sessions pay for that
on every first frame (issue 16), so this footer draws the same cells in the same colours
as one line of segments, cut where Textual's widgets meet: a screenshot of it is the same,
segment for segment, as one of Textual's footer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any, Literal, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding
from textual.color import Color
from textual.css.styles import StylesBase
from textual.screen import Screen
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget


class FooterKeyInfo(NamedTuple):
    """One key the footer offers, as Textual's FooterKey holds it."""

    key: str
    key_display: str
    description: str
    action: str
    disabled: bool
    tooltip: str


class FooterItem(NamedTuple):
    """One piece of the footer's line, in the order Textual's footer lays them out.

    `key` and `grouped-key` are keys (a grouped key shows no description); `gap` is blank
    footer (a margin or a key group's padding), `width` cells of it: Textual draws each
    with a segment of its own; `label` is a key group's description."""

    kind: Literal["key", "grouped-key", "gap", "label"]
    key: FooterKeyInfo | None = None
    width: int = 0
    text: str = ""


class FooterLine(NamedTuple):
    """What the footer shows: its items from the left and the palette's key on the right."""

    items: tuple[FooterItem, ...]
    palette: FooterKeyInfo | None


class _Piece(NamedTuple):
    """A run of cells of the drawn line: Textual's footer draws each with one segment."""

    text: str
    style: RichStyle
    hit: FooterKeyInfo | None  # the key a click on these cells runs


_NO_KEYS = FooterLine((), None)


class ShopFooter(Widget, can_focus=False):
    """Textual's footer shows no keys until the frame after the screen's first, then
    rebuilds all of them on every change of the active bindings; a screen changes them
    several times as it starts (it resumes, a widget takes focus …). This one takes its
    first keys at once, in time for the screen's first frame, then looks again once per
    burst of changes, and repaints only when the keys shown change."""

    ALLOW_SELECT = False

    # The looks of Textual's FooterKey (its rules and its `-compact` ones, which the
    # palette's key uses), Footer's and FooterLabel's, as component classes of one widget.
    COMPONENT_CLASSES = {
        "shop-footer--item",
        "shop-footer--item-hover",
        "shop-footer--item-disabled",
        "shop-footer--key",
        "shop-footer--description",
        "shop-footer--label",
        "shop-footer--palette-border",
    }

    DEFAULT_CSS = """
    ShopFooter {
        dock: bottom;
        width: 1fr;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .shop-footer--item {
            background: $footer-item-background;
        }
        .shop-footer--item-hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .shop-footer--item-disabled {
            text-style: dim;
        }
        .shop-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .shop-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .shop-footer--label {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .shop-footer--palette-border {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._bindings_ready = False
        self._rebuild_queued = False
        self._line = _NO_KEYS
        self._hover: FooterKeyInfo | None = None
        self._styles_for: dict[tuple[str, ...], RichStyle] = {}
        self._pieces: tuple[int, FooterLine, FooterKeyInfo | None, list[_Piece]] | None = None

    @property
    def line(self) -> FooterLine:
        """The keys shown now."""
        return self._line

    @property
    def hovered(self) -> FooterKeyInfo | None:
        """The key under the mouse pointer, drawn highlighted."""
        return self._hover

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_queued:
            self._rebuild_queued = True
            if self._line is _NO_KEYS:
                # The first keys go into the screen's first frame rather than a frame later.
                self.call_next(self._rebuild)
            else:
                self.call_after_refresh(self._rebuild)

    def _rebuild(self) -> None:
        self._rebuild_queued = False
        # The screen may have gone in the meantime (a login dismissed).
        if not self.is_attached:
            return
        line = self._footer_line()
        if line != self._line:
            self._line = line
            self._set_hover(None)
            self.refresh()

    def _footer_line(self) -> FooterLine:
        """What Textual's Footer.compose would show, in the same order and groups."""
        if not self._bindings_ready:
            return _NO_KEYS
        app = self.app
        active_bindings = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _, binding, enabled, tooltip in active_bindings.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))

        items: list[FooterItem] = []
        for group, runs in groupby(by_action.values(), lambda run: run[0][0].group):
            shown = [run[0] for run in runs]
            if group is not None and len(shown) > 1:
                keys = [
                    FooterKeyInfo(
                        binding.key,
                        app.get_key_display(binding),
                        "",
                        binding.action,
                        not enabled,
                        tooltip or binding.description,
                    )
                    for binding, enabled, tooltip in shown
                ]
                items.extend(_group_items(keys, group.description, compact=group.compact))
            else:
                items.extend(
                    FooterItem(
                        "key",
                        FooterKeyInfo(
                            binding.key,
                            app.get_key_display(binding),
                            binding.description,
                            binding.action,
                            not enabled,
                            tooltip,
                        ),
                    )
                    for binding, enabled, tooltip in shown
                )

        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active_bindings:
            _, binding, enabled, _ = active_bindings[app.COMMAND_PALETTE_BINDING]
            palette = FooterKeyInfo(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                not enabled,
                binding.tooltip or binding.description,
            )
        return FooterLine(tuple(items), palette)

    # Drawing

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles_for.clear()
        self._pieces = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y != 0 or width <= 0:
            return Strip.blank(width, self._blank_style())
        return Strip(
            [Segment(piece.text, piece.style) for piece in self._line_pieces(width)], width
        )

    def _line_pieces(self, width: int) -> list[_Piece]:
        cached = self._pieces
        if cached is not None and cached[:3] == (width, self._line, self._hover):
            return cached[3]
        pieces = self._arrange(width)
        self._pieces = (width, self._line, self._hover, pieces)
        return pieces

    def _arrange(self, width: int) -> list[_Piece]:
        """The line's pieces: the keys from the left, cut where the palette's key begins
        (Textual docks it on the right), blank footer between. The keys hidden under the
        palette's key do not split its segments: Textual clips the keys at its left edge."""
        palette = list(self._palette_pieces()) if self._line.palette is not None else []
        room = max(0, width - sum(cell_len(piece.text) for piece in palette))
        pieces: list[_Piece] = []
        used = 0
        for piece in self._item_pieces():
            if used >= room:
                break
            length = cell_len(piece.text)
            if used + length > room:
                cut = Segment(piece.text, piece.style).split_cells(room - used)[0]
                piece = piece._replace(text=cut.text)
                length = cell_len(cut.text)
            pieces.append(piece)
            used += length
        if used < room:
            pieces.append(_Piece(" " * (room - used), self._blank_style(), None))
        pieces.extend(palette)
        drawn = sum(cell_len(piece.text) for piece in pieces)
        if drawn > width:  # narrower than the palette's key: Textual shows its right end
            pieces = _crop_left(pieces, drawn - width)
        return pieces

    def _item_pieces(self) -> Iterator[_Piece]:
        for item in self._line.items:
            if item.kind == "gap":
                yield _Piece(" " * item.width, self._blank_style(), None)
            elif item.kind == "label":
                yield _Piece(item.text, self._style("shop-footer--label"), None)
            else:
                assert item.key is not None
                key = item.key
                if item.kind == "key" and key.description:
                    # FooterKey's padding: `0 1` round the key, `0 1 0 0` after the words.
                    yield _Piece(f" {key.key_display} ", self._key_style(key, "key"), key)
                    yield _Piece(f"{key.description} ", self._key_style(key, "description"), key)
                else:
                    yield _Piece(key.key_display, self._key_style(key, "key"), key)

    def _palette_pieces(self) -> Iterator[_Piece]:
        """The palette's key as Textual draws it: a `vkey` border on its left, compact
        (no padding round the key, one space before the words) and one space at its end."""
        key = self._line.palette
        assert key is not None
        inner = self._background(key)
        base = self.background_colors[1]
        border = self.get_component_styles("shop-footer--palette-border").color
        yield _Piece("▏", Style(inner, base + border).rich_style, key)
        yield _Piece(key.key_display, self._key_style(key, "key"), key)
        if key.description:
            yield _Piece(f" {key.description}", self._key_style(key, "description"), key)
        yield _Piece(" ", Style(inner).rich_style, key)

    def _item_layers(self, key: FooterKeyInfo) -> tuple[str, ...]:
        """The component classes that stand for the key's FooterKey (with its `:hover`
        and `.-disabled` rules)."""
        layers: tuple[str, ...] = ("shop-footer--item",)
        if key == self._hover:
            layers += ("shop-footer--item-hover",)
        if key.disabled:
            layers += ("shop-footer--item-disabled",)
        return layers

    def _key_style(self, key: FooterKeyInfo, part: Literal["key", "description"]) -> RichStyle:
        return self._style(*self._item_layers(key), f"shop-footer--{part}")

    def _background(self, key: FooterKeyInfo) -> Color:
        """The background of the key's FooterKey: the footer's, under its own."""
        background = self.background_colors[1]
        item = self.get_component_styles(*self._item_layers(key))
        if item.has_rule("background"):
            background += item.background.tint(item.background_tint)
        return background

    def _blank_style(self) -> RichStyle:
        """Blank footer: what Textual draws where no key is (a margin, the end)."""
        return Style(self.background_colors[1]).rich_style

    def _style(self, *names: str) -> RichStyle:
        """The style of text in component `names[-1]` of a FooterKey (or FooterLabel)
        whose own rules are `names[:-1]` merged: as DOMNode.rich_style works it out for a
        component class of that widget (its background over its ancestors', its colour,
        its text style added to theirs)."""
        style = self._styles_for.get(names)
        if style is None:
            *item, part = names
            layers: list[StylesBase] = [node.styles for node in reversed(self.ancestors_with_self)]
            if item:
                layers.append(self.get_component_styles(*item))
            layers.append(self.get_component_styles(part))
            style = self._styles_for[names] = _rich_style(layers)
        return style

    # The mouse

    def _key_at(self, x: int) -> FooterKeyInfo | None:
        at = 0
        for piece in self._line_pieces(self.size.width):
            at += cell_len(piece.text)
            if x < at:
                return piece.hit
        return None

    def _set_hover(self, key: FooterKeyInfo | None) -> None:
        if key == self._hover:
            return
        self._hover = key
        self.tooltip = (key.tooltip or None) if key is not None else None
        self.styles.pointer = "default" if key is None else "pointer"
        self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self._key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        if key.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(key.key)


def _group_items(
    keys: list[FooterKeyInfo], description: str, compact: bool
) -> Iterator[FooterItem]:
    """A binding group as Textual lays it out: its keys in a KeyGroup, then a FooterLabel
    with its description (right margin 1). A compact KeyGroup has padding 1 on its left,
    margin 1 on its right and keys side by side; otherwise each key has margin 1 on either
    side (neighbours' margins collapse into one)."""
    if compact:
        yield FooterItem("gap", width=1)
        yield from (FooterItem("grouped-key", key) for key in keys)
        yield FooterItem("gap", width=1)
    else:
        for key in keys:
            yield FooterItem("gap", width=1)
            yield FooterItem("grouped-key", key)
        yield FooterItem("gap", width=1)
    yield FooterItem("label", text=description)
    yield FooterItem("gap", width=1)


def _rich_style(layers: Iterable[StylesBase]) -> RichStyle:
    """DOMNode.rich_style's sum over a chain of styles (outermost first)."""
    background = Color(0, 0, 0, 0)
    color = Color(255, 255, 255, 0)
    style = RichStyle()
    opacity = 1.0
    for styles in layers:
        has_rule = styles.has_rule
        opacity *= styles.opacity
        if has_rule("background"):
            tinted = styles.background.tint(styles.background_tint)
            text_background = background + tinted
            background += tinted.multiply_alpha(opacity)
        else:
            text_background = background
        if has_rule("color"):
            color = styles.color
        style += styles.text_style
        if has_rule("auto_color") and styles.auto_color:
            color = text_background.get_contrast_text(color.a)
    return style + RichStyle.from_color(
        (background + color).rich_color if (background.a or color.a) else None,
        background.rich_color if background.a else None,
    )


def _crop_left(pieces: list[_Piece], cells: int) -> list[_Piece]:
    """`pieces` without their first `cells` cells."""
    kept: list[_Piece] = []
    for piece in pieces:
        length = cell_len(piece.text)
        if cells >= length:
            cells -= length
            continue
        if cells:
            text = Segment(piece.text, piece.style).split_cells(cells)[1].text
            piece = piece._replace(text=text)
            cells = 0
        kept.append(piece)
    return kept
