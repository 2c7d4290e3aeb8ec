"""Changing the login password: the current one, a new one (with its strength) and the
new one again."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import FormModal
from kshop_tui.shop.flows.account import password_change_problem
from kshop_tui.text import clean
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.strength import StrengthMeter
from kshop_tui.widgets.text_box import TextBox

# Each field of the change → the input that holds it.
INPUTS = {"current": "cpw-current", "new": "cpw-new", "confirm": "cpw-confirm"}


class ChangePasswordModal(FormModal):
    """Dismisses True once changed; the server logs out the user's other sessions."""

    DEFAULT_CLASSES = "ac-modal"
    CSS_PATH = "change_password.tcss"
    GENERAL_ID = "cpw-general"
    FIELD_INPUTS = {"current_password": "cpw-current", "new_password": "cpw-new"}

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="cpw-dialog") as dialog:
            dialog.border_title = t("account.password.title")
            rows = (
                ("cpw-current", "account.password.current", "account.password.current_ph"),
                ("cpw-new", "account.password.new", "account.password.new_ph"),
                ("cpw-confirm", "account.password.confirm", "account.password.confirm_ph"),
            )
            for input_id, label, placeholder in rows:
                with Horizontal(classes="ac-field"):
                    yield Label(t(label), classes="ac-field-label")
                    yield TextBox(
                        placeholder=t(placeholder),
                        id=input_id,
                        password=True,
                        max_length=64,
                        compact=True,
                    )
                    if input_id == "cpw-new":
                        yield StrengthMeter(id="cpw-strength")
                yield Static(id=f"{input_id}-hint", classes="ac-hint")
            yield Static(id="cpw-general")
            with Horizontal(classes="ac-dialog-actions"):
                yield Button(
                    t("account.password.submit"), id="cpw-submit", variant="primary", compact=True
                )
                yield Button(t("wallet.cancel"), id="cpw-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cpw-current", Input).focus()

    @on(Button.Pressed, "#cpw-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        input_id = event.input.id or ""
        if input_id == "cpw-new":
            self.query_one(StrengthMeter).show(event.value)
            if self._value("cpw-confirm"):
                self._check("cpw-confirm", loud=False)
        self._check(input_id, loud=False)

    @on(Input.Submitted)
    @on(Button.Pressed, "#cpw-submit")
    def _submit(self) -> None:
        problems = [input_id for input_id in INPUTS.values() if self._check(input_id, loud=True)]
        if problems:
            self.query_one(f"#{problems[0]}", Input).focus()
            return
        self.change(self._value("cpw-current"), self._value("cpw-new"))

    def _value(self, input_id: str) -> str:
        return self.query_one(f"#{input_id}", Input).value

    def _check(self, input_id: str, *, loud: bool) -> bool:
        """Shows the field's problem (quietly while typing); True if it has one."""
        name = next(name for name, field_id in INPUTS.items() if field_id == input_id)
        values = {name: self._value(field_id) for name, field_id in INPUTS.items()}
        problem = password_change_problem(name, values)
        if problem is None:
            self.show_hint(input_id, "" if input_id == "cpw-current" else "✓", "-ok")
        elif loud:
            self.show_hint(input_id, t(problem), "-error")
        elif not self._value(input_id):
            self.show_hint(input_id, "", "")
        else:
            self.show_hint(input_id, t(problem), "")
        return problem is not None

    @work(exclusive=True, group="change-password")
    async def change(self, current: str, new: str) -> None:
        from kshop_tui.api import errors

        button = self.query_one("#cpw-submit", Button)
        button.disabled = True
        self.show_general("")
        try:
            user = await self.shop.run_api(
                lambda api: api.change_password(current, new), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.Forbidden as error:
            # WRONG_PASSWORD: the current one.
            self.show_hint("cpw-current", clean(error.message), "-error")
            self.query_one("#cpw-current", Input).focus()
            return
        except errors.ApiError as error:
            self.show_failure(error)
            return
        finally:
            button.disabled = False
        self.shop.user = user
        self.notify(t("account.password.done"))
        self.dismiss(True)
