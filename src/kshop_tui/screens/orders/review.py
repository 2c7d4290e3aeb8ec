"""Rating and reviewing the items of a completed order, each item once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_bindings
from kshop_tui.screen_base import ShopModal
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox

if TYPE_CHECKING:
    from kshop_tui.api.models import Order

REVIEW_MAX = 500


class RatingPicker(Widget, can_focus=True):
    """One to five stars: ←/→ here, or the digits 1–5 anywhere in the dialog but the text."""

    DEFAULT_CSS = """
    RatingPicker { width: auto; height: 1; padding: 0 1; color: $text-warning; }
    RatingPicker:focus { background: $primary 30%; }
    """
    BINDINGS = [
        Binding("right,plus,equals_sign", "change(1)", "key.more", id="rating.more"),
        Binding("left,minus", "change(-1)", "key.less", id="rating.less"),
    ]

    value: reactive[int] = reactive(5)
    """The stars chosen, 1–5."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localize_bindings(self)

    def render(self) -> Text:
        return Text("★" * self.value + "☆" * (5 - self.value) + f"  {self.value}/5")

    def action_change(self, delta: int) -> None:
        self.value = min(5, max(1, self.value + delta))

    def action_set(self, stars: int) -> None:
        self.value = stars


class ReviewDialog(ShopModal):
    """Rates and reviews one item of a completed order; each item once. Dismisses with
    True once a review is written, None when the user backs out."""

    CSS_PATH = "detail.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "orders.key.send", id="orders.review.send"),
        # The stars from the item list too, where the dialog opens: typed in the review
        # box, a digit is text.
        *[Binding(str(n), f"rate({n})", show=False) for n in range(1, 6)],
    ]

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.order = order

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="review-dialog") as dialog:
            dialog.border_title = t("orders.review.title", order_no=self.order.order_no)
            options = []
            for item in self.order.items:
                label = Text(item.name, overflow="ellipsis", no_wrap=True)
                specs = "/".join(item.specs.values())
                if specs:
                    label.append("  " + specs, style="dim")
                if item.reviewed:
                    label.append("  " + t("orders.item.reviewed"), style="dim")
                options.append(Option(label, id=str(item.id)))
            yield OptionList(*options, id="review-items")
            with Horizontal(classes="dialog-row"):
                yield Static(t("orders.review.rating"), classes="dialog-label")
                yield RatingPicker(id="review-rating")
            with Horizontal(classes="dialog-row"):
                yield Static(t("orders.review.text"), classes="dialog-label")
                yield TextBox(
                    placeholder=t("orders.review.placeholder"),
                    max_length=REVIEW_MAX,
                    id="review-text",
                )
            yield Static(id="review-error", classes="field-error")
            yield Static(Text(t("orders.review.hint")), classes="dialog-hint")
        yield ShopFooter()

    def on_mount(self) -> None:
        items = self.query_one("#review-items", OptionList)
        first_open = next((i for i, item in enumerate(self.order.items) if not item.reviewed), 0)
        items.highlighted = first_open
        items.focus()

    @on(OptionList.OptionSelected, "#review-items")
    def _item_chosen(self) -> None:
        self.query_one(RatingPicker).focus()

    @on(Input.Submitted, "#review-text")
    def _text_submitted(self) -> None:
        self.action_submit()

    def action_rate(self, stars: int) -> None:
        self.query_one(RatingPicker).value = stars

    def action_submit(self) -> None:
        self.submit()

    @work(exclusive=True, group="review-submit")
    async def submit(self) -> None:

        index = self.query_one("#review-items", OptionList).highlighted
        error_line = self.query_one("#review-error", Static)
        if index is None:
            return
        item = self.order.items[index]
        rating = self.query_one(RatingPicker).value
        text = self.query_one("#review-text", Input).value.strip()
        if not text:
            error_line.update(Text(t("orders.review.text_needed")))
            self.query_one("#review-text", Input).focus()
            return
        error_line.update(Text(t("orders.review.sending"), style="dim"))
        order_id = self.order.id
        try:
            await self.shop.run_api(
                lambda api: api.review_order(order_id, rating, text, item_id=item.id),
                needs_login=True,
            )
        except errors.ValidationFailed as error:
            error_line.update(Text(error.fields.get("text") or error.message))
            return
        except errors.ApiError as error:
            error_line.update(Text(error.message))
            return
        self.dismiss(True)
