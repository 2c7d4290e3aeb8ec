"""Real-name verification (实名认证): a Chinese name and an 18-character resident ID whose
check digit is checked as it is typed. Needed for pay-later and bank cards.

Offered right after registering (skippable) and from account settings; dismisses True
once verified, False when the user skips or goes back. Right after registering it says
so on the card itself: at 80×24 a toast would cover the fields and the Verify button.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kshop_tui import validation
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.text import clean
from kshop_tui.widgets.text_box import TextBox

# The backend's field names → the inputs that hold them.
FIELD_INPUTS = {"name": "rn-name", "id_number": "rn-id"}


class RealNameScreen(ShopScreen):
    CSS_PATH = "real_name.tcss"
    BINDINGS = [
        # After registering, the login screen below waits for this one to be dismissed:
        # jumping elsewhere would pop both and strand whatever asked for the login.
        Binding("slash,b,c", "stay", show=False, id="real_name.stay"),
    ]

    def __init__(self, *, offer_skip: bool = False, welcome: str = "") -> None:
        super().__init__()
        self.offer_skip = offer_skip
        self.welcome = welcome
        """What the card says first (the account just created), or nothing."""
        if offer_skip:
            bindings = self._bindings.key_to_bindings
            bindings["escape"] = [replace(b, description=t("key.skip")) for b in bindings["escape"]]

    def where(self) -> str:
        return t("real_name.title")

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="rn-body"), Vertical(id="rn-card") as card:
            card.border_title = t("real_name.title")
            welcome = Static(self.welcome, id="rn-welcome", markup=False)
            welcome.display = bool(self.welcome)
            yield welcome
            yield Static(t("real_name.intro"), id="rn-intro", markup=False)
            with Horizontal(classes="field-row"):
                yield Label(t("real_name.name"), classes="field-label")
                yield TextBox(
                    placeholder=t("real_name.name_placeholder"),
                    id="rn-name",
                    max_length=20,
                    compact=True,
                )
            yield Static(id="rn-name-hint", classes="hint", markup=False)
            with Horizontal(classes="field-row"):
                yield Label(t("real_name.id_number"), classes="field-label")
                yield TextBox(
                    placeholder=t("real_name.id_placeholder"),
                    id="rn-id",
                    restrict=r"[0-9xX]*",
                    max_length=18,
                    compact=True,
                )
            yield Static(id="rn-id-hint", classes="hint", markup=False)
            yield Static(id="rn-general", markup=False)
            with Horizontal(id="rn-actions"):
                yield Button(t("real_name.submit"), id="rn-submit", variant="primary", compact=True)
                yield Button(
                    t("real_name.skip" if self.offer_skip else "real_name.back"),
                    id="rn-skip",
                    compact=True,
                )

    def on_mount(self) -> None:
        user = self.shop.user
        if user is not None and user.real_name_verified:
            self._show_verified(user.real_name_masked or "", user.id_number_masked or "")
        else:
            self.query_one("#rn-name", Input).focus()

    def _show_verified(self, name: str, id_number: str) -> None:
        self._show_general(t("real_name.already", name=name, id_number=id_number), error=False)
        for widget in self.query("Input, #rn-submit"):
            widget.disabled = True
        self.query_one("#rn-skip", Button).focus()

    # --- actions -------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(False)

    def action_stay(self) -> None:
        """Swallows the navigation keys: escape is the way out."""

    @on(Button.Pressed, "#rn-skip")
    def _skip(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#rn-submit")
    @on(Input.Submitted)
    def _submit(self) -> None:
        problems = [name for name in FIELD_INPUTS.values() if self._check(name, loud=True)]
        if problems:
            self.query_one(f"#{problems[0]}", Input).focus()
            return
        self.verify(self._value("rn-name"), self._value("rn-id").upper())

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._check(event.input.id or "", loud=False)

    # --- checks --------------------------------------------------------------------

    def _value(self, input_id: str) -> str:
        return self.query_one(f"#{input_id}", Input).value.strip()

    def _check(self, input_id: str, *, loud: bool) -> bool:
        """Shows what is wrong under the field (quietly while typing); True if anything.
        A half-typed ID says how many characters are still missing, not that it is wrong."""
        value = self._value(input_id)
        if input_id == "rn-name":
            problem = validation.check_chinese_name(value)
        else:
            problem = validation.check_id_number(value)
        if problem is None:
            self._show_hint(input_id, "✓", "-ok")
        elif loud:
            self._show_hint(input_id, t(problem), "-error")
        elif not value:
            self._show_hint(input_id, "", "")
        elif problem == "valid.id_length" and len(value) < 18:
            self._show_hint(input_id, t("real_name.id_progress", count=len(value)), "")
        else:
            self._show_hint(input_id, t(problem), "-error" if input_id == "rn-id" else "")
        return problem is not None

    def _show_hint(self, input_id: str, message: str, state: str) -> None:
        hint = self.query_one(f"#{input_id}-hint", Static)
        hint.update(Text(message))
        hint.set_class(state == "-error", "-error")
        hint.set_class(state == "-ok", "-ok")

    def _show_general(self, message: str, *, error: bool = True) -> None:
        line = self.query_one("#rn-general", Static)
        line.update(Text(message))
        line.set_class(error, "-error")

    # --- the request ---------------------------------------------------------------

    @work(exclusive=True, group="real-name")
    async def verify(self, name: str, id_number: str) -> None:
        from kshop_tui.api import errors

        button = self.query_one("#rn-submit", Button)
        button.disabled = True
        button.label = t("real_name.working")
        self._show_general("")
        try:
            user = await self.shop.run_api(
                lambda api: api.verify_real_name(name, id_number), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.ValidationFailed as error:
            for field_name, message in error.fields.items():
                if field_name in FIELD_INPUTS:
                    self._show_hint(FIELD_INPUTS[field_name], clean(message), "-error")
                else:
                    self._show_general(clean(message))
            return
        except errors.BackendUnreachable:
            self._show_general(t("backend.unreachable"))
            return
        except errors.ApiError as error:
            self._show_general(clean(error.message))
            return
        finally:
            button.disabled = False
            button.label = t("real_name.submit")
        self.shop.user = user
        self.notify(t("real_name.done", name=user.real_name_masked or ""), markup=False)
        self.dismiss(True)
