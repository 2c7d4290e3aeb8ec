"""Browse filters: category tree, brand, price range in yuan, in-stock only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from kshop_tui.i18n import t
from kshop_tui.shop.flows.search import Filters
from kshop_tui.text import parse_yuan
from kshop_tui.widgets.steady_scrollbars import SteadyScrollbars
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from kshop_tui.api.models import Brand, Category

ALL = "__all__"


class BrandList(OptionList, SteadyScrollbars):
    """The brands: an OptionList whose scrollbar is not repainted by every layout of the
    screen (each keystroke in the search box brings one)."""


class FilterPanel(VerticalScroll):
    DEFAULT_CSS = """
    FilterPanel {
        width: 30;
        height: 1fr;
        border: round $primary 50%;
        border-title-color: $text-accent;
        padding: 0 1;
        background: $surface;
    }
    FilterPanel:focus-within { border: round $primary; }
    FilterPanel Tree { height: auto; max-height: 12; background: $surface; padding: 0; }
    FilterPanel OptionList {
        height: auto; max-height: 8; border: none; padding: 0; background: $surface;
    }
    FilterPanel .filter-label { color: $text-muted; margin-top: 1; height: 1; }
    FilterPanel #price-row { height: 3; }
    FilterPanel #price-row Input { width: 1fr; }
    FilterPanel #price-row Static { width: 1; content-align: center middle; height: 3; }
    FilterPanel #price-error { height: auto; color: $error; }
    FilterPanel Checkbox { background: $surface; border: none; padding: 0; margin-top: 1; }
    """

    @dataclass
    class Changed(Message):
        panel: FilterPanel
        filters: Filters

        @property
        def control(self) -> FilterPanel:
            return self.panel

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.filters = Filters()
        self._category_names: dict[int, str] = {}
        self.border_title = t("filters.title")

    def compose(self) -> ComposeResult:
        yield Label(t("filters.category"), classes="filter-label")
        tree: Tree[int | None] = Tree(t("filters.all_categories"), data=None, id="categories")
        tree.show_root = True
        tree.guide_depth = 2
        yield tree
        yield Label(t("filters.brand"), classes="filter-label")
        yield BrandList(Option(t("filters.all_brands"), id=ALL), id="brands")
        yield Label(t("filters.price"), classes="filter-label")
        with Horizontal(id="price-row"):
            yield TextBox(
                placeholder=t("filters.min"),
                id="price-min",
                restrict=r"[0-9.]*",
                max_length=10,
                compact=True,
            )
            yield Static("–")
            yield TextBox(
                placeholder=t("filters.max"),
                id="price-max",
                restrict=r"[0-9.]*",
                max_length=10,
                compact=True,
            )
        yield Static("", id="price-error")
        yield Checkbox(t("filters.in_stock"), id="in-stock")

    def show_categories(self, categories: list[Category]) -> None:
        tree = self.query_one("#categories", Tree)
        tree.clear()

        def add(node: TreeNode[int | None], items: list[Category]) -> None:
            for category in items:
                label = Text(f"{category.name} ")
                label.append(f"{category.product_count}", style="dim")
                if category.children:
                    add(node.add(label, data=category.id), category.children)
                else:
                    node.add_leaf(label, data=category.id)

        add(tree.root, categories)
        tree.root.expand()
        self._category_names = _names(categories)

    def show_brands(self, brands: list[Brand]) -> None:
        options = self.query_one("#brands", OptionList)
        options.clear_options()
        options.add_option(Option(t("filters.all_brands"), id=ALL))
        for brand in brands:
            label = Text(f"{brand.name} ")
            label.append(str(brand.product_count), style="dim")
            options.add_option(Option(label, id=brand.name))
        if self.filters.brand and self.filters.brand not in {b.name for b in brands}:
            self._update(brand=None)

    @on(Tree.NodeSelected, "#categories")
    def _category_chosen(self, event: Tree.NodeSelected[int | None]) -> None:
        category_id = event.node.data
        name = self._category_names.get(category_id, "") if category_id else ""
        self._update(category_id=category_id, category_name=name, brand=None)

    @on(OptionList.OptionSelected, "#brands")
    def _brand_chosen(self, event: OptionList.OptionSelected) -> None:
        brand = None if event.option.id == ALL else event.option.id
        self._update(brand=brand)

    @on(Checkbox.Changed, "#in-stock")
    def _stock_toggled(self, event: Checkbox.Changed) -> None:
        self._update(in_stock=event.value)

    @on(Input.Changed, "#price-min, #price-max")
    def _price_typed(self) -> None:
        low_text = self.query_one("#price-min", Input).value
        high_text = self.query_one("#price-max", Input).value
        low = parse_yuan(low_text) if low_text else None
        high = parse_yuan(high_text) if high_text else None
        error = self.query_one("#price-error", Static)
        if (low_text and low is None) or (high_text and high is None):
            error.update(t("filters.price_invalid"))
            return
        if low is not None and high is not None and low > high:
            error.update(t("filters.price_order"))
            return
        error.update("")
        self._update(price_min_fen=low, price_max_fen=high)

    def _update(self, **changes: object) -> None:
        updated = replace(self.filters, **changes)  # type: ignore[arg-type]
        if updated != self.filters:
            self.filters = updated
            self.post_message(self.Changed(self, updated))


def _names(categories: list[Category]) -> dict[int, str]:
    names: dict[int, str] = {}
    for category in categories:
        names[category.id] = category.name
        names.update(_names(category.children))
    return names
