"""Setting or changing the 6-digit payment password (支付密码): typed twice; once one is
set, changing it needs the current one. Digits are masked and never kept."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import FormModal
from kshop_tui.shop.flows.account import PIN_LENGTH, pin_problem
from kshop_tui.text import clean
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox

# Each field of the change → the input that holds it.
INPUTS = {"current": "pp-current", "new": "pp-new", "repeat": "pp-repeat"}


class PinInput(TextBox):
    """Six digits, masked: only digits can be typed and no more than six."""

    DEFAULT_CSS = """
    PinInput { width: 16; }
    """

    def __init__(self, *, id: str, placeholder: str = "", **kwargs: Any) -> None:
        super().__init__(
            placeholder=placeholder or "••••••",
            id=id,
            password=True,
            restrict=r"[0-9]*",
            max_length=PIN_LENGTH,
            compact=True,
            **kwargs,
        )


class SetPaymentPasswordDialog(FormModal):
    """Sets the payment password, or changes it (`has_one`). Not to be confused with the
    payment area's `PaymentPasswordModal`, which asks for it to pay. Dismisses True once
    the server took the new one."""

    DEFAULT_CLASSES = "pp-modal"
    CSS_PATH = "payment_password.tcss"
    GENERAL_ID = "pp-general"
    FIELD_INPUTS = {"current_payment_password": "pp-current", "payment_password": "pp-new"}

    def __init__(self, *, has_one: bool) -> None:
        super().__init__()
        self.has_one = has_one

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="pp-dialog") as dialog:
            dialog.border_title = t("paypw.change_title" if self.has_one else "paypw.set_title")
            yield Static(t("paypw.intro"), id="pp-intro", markup=False)
            fields = [("pp-new", "paypw.new"), ("pp-repeat", "paypw.repeat")]
            if self.has_one:
                fields.insert(0, ("pp-current", "paypw.current"))
            for input_id, label in fields:
                with Horizontal(classes="pp-field"):
                    yield Label(t(label), classes="pp-label")
                    yield PinInput(id=input_id)
                    yield Static(id=f"{input_id}-hint", classes="pp-hint")
            yield Static(id="pp-general")
            with Horizontal(id="pp-actions"):
                yield Button(t("paypw.submit"), id="pp-submit", variant="primary", compact=True)
                yield Button(t("wallet.cancel"), id="pp-cancel", compact=True)

    def on_mount(self) -> None:
        self.query(PinInput).first().focus()

    @on(Button.Pressed, "#pp-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        input_id = event.input.id or ""
        if len(event.value) == PIN_LENGTH:
            self._check(input_id, loud=False)
            # Six digits typed: on to the next box, as on a phone's keypad.
            if input_id != "pp-repeat":
                self.focus_next()
        else:
            self.show_hint(input_id, "", "")

    @on(Input.Submitted)
    @on(Button.Pressed, "#pp-submit")
    def _submit(self) -> None:
        ids = [pin.id or "" for pin in self.query(PinInput)]
        problems = [input_id for input_id in ids if self._check(input_id, loud=True)]
        if problems:
            self.query_one(f"#{problems[0]}", Input).focus()
            return
        current = self._value("pp-current") if self.has_one else None
        self.save(self._value("pp-new"), current)

    def _value(self, input_id: str) -> str:
        return self.query_one(f"#{input_id}", Input).value

    def _check(self, input_id: str, *, loud: bool) -> bool:
        asked = [name for name in INPUTS if self.has_one or name != "current"]
        values = {name: self._value(INPUTS[name]) for name in asked}
        name = next(name for name in asked if INPUTS[name] == input_id)
        problem = pin_problem(name, values, has_one=self.has_one)
        if problem is None:
            self.show_hint(input_id, "✓", "-ok")
        elif loud or problem in ("paypw.mismatch", "paypw.same"):
            self.show_hint(input_id, t(problem), "-error")
        return problem is not None

    @work(exclusive=True, group="payment-password")
    async def save(self, new_pin: str, current_pin: str | None) -> None:
        from kshop_tui.api import errors

        button = self.query_one("#pp-submit", Button)
        button.disabled = True
        self.show_general("")
        try:
            user = await self.shop.run_api(
                lambda api: api.set_payment_password(new_pin, current_pin), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.Forbidden as error:
            # WRONG_PAYMENT_PASSWORD: about the current one.
            if self.has_one:
                self.show_hint("pp-current", clean(error.message), "-error")
                self.query_one("#pp-current", Input).focus()
            else:
                self.show_general(clean(error.message))
            return
        except errors.ApiError as error:
            self.show_failure(error)
            return
        finally:
            button.disabled = False
        self.shop.user = user
        self.notify(t("paypw.changed" if self.has_one else "paypw.set_done"))
        self.dismiss(True)
