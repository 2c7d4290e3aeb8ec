"""Adding a bank card (绑定银行卡): the number is checked with Luhn as it is typed, and the
server's refusals land next to the field they concern. Only the last four digits ever
come back; the number typed is kept in the form until the card is added."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.text import clean

CARD_MIN_DIGITS = 16
CARD_MAX_DIGITS = 19
# The backend's field names → the inputs that hold them.
FIELD_INPUTS = {"card_number": "bc-number", "holder_name": "bc-holder"}


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every bank card number carries in its last digit."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_digits(text: str) -> str:
    return text.replace(" ", "")


def check_card_number(text: str) -> str | None:
    """None when the number can be a card; else the i18n key of what is wrong."""
    digits = card_digits(text)
    if not digits:
        return "card.required"
    if not CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS:
        return "card.length"
    return None if luhn_valid(digits) else "card.luhn"


def grouped(digits: str) -> str:
    """`6225880137706868` → `6225 8801 3770 6868`, as printed on the card."""
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


class AddCardModal(ShopModal):
    """Dismisses with the added `BankCard`, or None."""

    DEFAULT_CLASSES = "bc-modal"
    CSS_PATH = "bank_card.tcss"

    def compose(self) -> ComposeResult:
        yield Footer()
        with Vertical(id="bc-dialog") as dialog:
            dialog.border_title = t("card.title")
            yield Static(t("card.intro"), id="bc-intro", markup=False)
            with Horizontal(classes="bc-field"):
                yield Label(t("card.number"), classes="bc-label")
                yield Input(
                    placeholder=t("card.number_placeholder"),
                    id="bc-number",
                    restrict=r"[0-9 ]*",
                    max_length=CARD_MAX_DIGITS + 5,
                    compact=True,
                )
            yield Static(id="bc-number-hint", classes="bc-hint")
            with Horizontal(classes="bc-field"):
                yield Label(t("card.holder"), classes="bc-label")
                yield Input(
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
            self._hint("bc-holder", t("card.holder_must_match", name=user.real_name_masked), "")
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
            self._hint("bc-holder", "", "")

    @on(Input.Submitted)
    @on(Button.Pressed, "#bc-submit")
    def _submit(self) -> None:
        number_wrong = self._check_number(loud=True)
        holder_missing = not self._holder()
        if holder_missing:
            self._hint("bc-holder", t("card.holder_required"), "-error")
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
            self._hint("bc-number", "✓ " + grouped(digits), "-ok")
        elif loud:
            self._hint("bc-number", t(problem), "-error")
        elif not digits:
            self._hint("bc-number", "", "")
        elif problem == "card.length" and len(digits) < CARD_MIN_DIGITS:
            self._hint("bc-number", t("card.progress", count=len(digits)), "")
        else:
            self._hint("bc-number", t(problem), "-error")
        return problem is not None

    def _hint(self, input_id: str, message: str, state: str) -> None:
        hint = self.query_one(f"#{input_id}-hint", Static)
        hint.update(Text(message))
        hint.set_class(state == "-error", "-error")
        hint.set_class(state == "-ok", "-ok")

    def _general(self, message: str) -> None:
        self.query_one("#bc-general", Static).update(Text(message))

    @work(exclusive=True, group="add-card")
    async def add(self, digits: str, holder: str) -> None:
        from kshop_tui.api import errors
        from kshop_tui.app import LoginCancelled

        button = self.query_one("#bc-submit", Button)
        button.disabled = True
        button.label = t("card.working")
        self._general("")
        try:
            card = await self.shop.run_api(
                lambda api: api.add_bank_card(digits, holder), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.ValidationFailed as error:
            for field_name, message in error.fields.items():
                if field_name in FIELD_INPUTS:
                    self._hint(FIELD_INPUTS[field_name], clean(message), "-error")
                else:
                    self._general(clean(message))
            if not error.fields:
                self._general(clean(error.message))
            return
        except errors.Conflict as error:
            # CARD_ALREADY_BOUND: it is about the number.
            self._hint("bc-number", clean(error.message), "-error")
            return
        except errors.BackendUnreachable:
            self._general(t("backend.unreachable"))
            return
        except errors.ApiError as error:
            self._general(clean(error.message))
            return
        finally:
            button.disabled = False
            button.label = t("card.submit")
        self.notify(t("card.added", bank=card.bank, last4=card.last4), markup=False)
        self.dismiss(card)
