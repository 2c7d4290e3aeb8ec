"""Adding a bank card (绑定银行卡): the number is checked with Luhn as it is typed, and the
server's refusals land next to the field they concern. Only the last four digits ever
come back; the number typed is kept in the form until the card is added. The number's
rules are in `kshop_tui.shop.flows.wallet`."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t, tn
from kshop_tui.screen_base import FormModal
from kshop_tui.shop.flows.wallet import (
    CARD_MAX_DIGITS,
    CARD_MIN_DIGITS,
    card_digits,
    check_card_number,
)
from kshop_tui.text import clean
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox


def grouped(digits: str) -> str:
    """`6225880137706868` → `6225 8801 3770 6868`, as printed on the card."""
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


class AddCardModal(FormModal):
    """Dismisses with the added `BankCard`, or None."""

    DEFAULT_CLASSES = "bc-modal"
    CSS_PATH = "bank_card.tcss"
    GENERAL_ID = "bc-general"
    FIELD_INPUTS = {"card_number": "bc-number", "holder_name": "bc-holder"}

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="bc-dialog") as dialog:
            dialog.border_title = t("card.title")
            yield Static(t("card.intro"), id="bc-intro", markup=False)
            with Horizontal(classes="bc-field"):
                yield Label(t("card.number"), classes="bc-label")
                yield TextBox(
                    placeholder=t("card.number_placeholder"),
                    id="bc-number",
                    restrict=r"[0-9 ]*",
                    max_length=CARD_MAX_DIGITS + 5,
                    compact=True,
                )
            yield Static(id="bc-number-hint", classes="bc-hint")
            with Horizontal(classes="bc-field"):
                yield Label(t("card.holder"), classes="bc-label")
                yield TextBox(
                    placeholder=t("card.holder_placeholder"),
                    id="bc-holder",
                    max_length=40,
                    compact=True,
                )
            yield Static(id="bc-holder-hint", classes="bc-hint")
            yield Static(id="bc-general")
            with Horizontal(id="bc-actions"):
                yield Button(t("card.submit"), id="bc-submit", variant="primary", compact=True)
                yield Button(t("card.cancel"), id="bc-cancel", compact=True)

    def on_mount(self) -> None:
        user = self.shop.user
        if user is not None and user.real_name_verified and user.real_name_masked:
            self.show_hint("bc-holder", t("card.holder_must_match", name=user.real_name_masked), "")
        self.query_one("#bc-number", Input).focus()

    @on(Button.Pressed, "#bc-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Changed, "#bc-number")
    def _number_typed(self) -> None:
        self._check_number(loud=False)

    @on(Input.Changed, "#bc-holder")
    def _holder_typed(self) -> None:
        if self._holder():
            self.show_hint("bc-holder", "", "")

    @on(Input.Submitted)
    @on(Button.Pressed, "#bc-submit")
    def _submit(self) -> None:
        number_wrong = self._check_number(loud=True)
        holder_missing = not self._holder()
        if holder_missing:
            self.show_hint("bc-holder", t("card.holder_required"), "-error")
        if number_wrong:
            self.query_one("#bc-number", Input).focus()
        elif holder_missing:
            self.query_one("#bc-holder", Input).focus()
        else:
            self.add(card_digits(self.query_one("#bc-number", Input).value), self._holder())

    def _holder(self) -> str:
        return self.query_one("#bc-holder", Input).value.strip()

    def _check_number(self, *, loud: bool) -> bool:
        """Shows what is wrong with the number; True if anything. While typing, a number
        still too short only counts its digits."""
        digits = card_digits(self.query_one("#bc-number", Input).value)
        problem = check_card_number(digits)
        if problem is None:
            self.show_hint("bc-number", "✓ " + grouped(digits), "-ok")
        elif loud:
            self.show_hint("bc-number", t(problem), "-error")
        elif not digits:
            self.show_hint("bc-number", "", "")
        elif problem == "card.length" and len(digits) < CARD_MIN_DIGITS:
            self.show_hint("bc-number", tn("card.progress", len(digits)), "")
        else:
            self.show_hint("bc-number", t(problem), "-error")
        return problem is not None

    @work(exclusive=True, group="add-card")
    async def add(self, digits: str, holder: str) -> None:
        from kshop_tui.api import errors

        button = self.query_one("#bc-submit", Button)
        button.disabled = True
        button.label = t("card.working")
        self.show_general("")
        try:
            card = await self.shop.run_api(
                lambda api: api.add_bank_card(digits, holder), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.Conflict as error:
            # CARD_ALREADY_BOUND: it is about the number.
            self.show_hint("bc-number", clean(error.message), "-error")
            return
        except errors.ApiError as error:
            self.show_failure(error)
            return
        finally:
            button.disabled = False
            button.label = t("card.submit")
        self.notify(t("card.added", bank=card.bank, last4=card.last4), markup=False)
        self.dismiss(card)
