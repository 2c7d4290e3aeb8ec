"""Making a personal access token for scripts: its name, its scopes and how many days it
lives; then the token itself, shown this once, with a button to copy it and a warning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import FormModal
from kshop_tui.shop.flows.account import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_NAME,
    TOKEN_SCOPES,
    chosen_scopes,
    token_days_problem,
    token_name_problem,
    token_scopes_problem,
)
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.row_table import tone
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from kshop_tui.api.models import CreatedAccessToken


class CreateAccessTokenDialog(FormModal):
    """Dismisses the new token once made (None when cancelled before)."""

    DEFAULT_CLASSES = "ac-modal"
    CSS_PATH = "access_token.tcss"
    GENERAL_ID = "tok-general"
    FIELD_INPUTS = {"name": "tok-name", "expires_in_days": "tok-days", "scopes": "tok-scopes"}

    def __init__(self) -> None:
        super().__init__()
        self.created: CreatedAccessToken | None = None

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="tok-dialog") as dialog:
            dialog.border_title = t("tokens.create_title")
            with Vertical(id="tok-form"):
                with Horizontal(classes="ac-field"):
                    yield Label(t("tokens.name"), classes="ac-field-label")
                    yield TextBox(
                        placeholder=t("tokens.name_ph"),
                        id="tok-name",
                        max_length=MAX_TOKEN_NAME,
                        compact=True,
                    )
                yield Static(id="tok-name-hint", classes="ac-hint")
                with Horizontal(id="tok-scopes-row"):
                    yield Label(t("tokens.scopes"), classes="ac-field-label")
                    with Vertical(id="tok-scopes"):
                        for scope in TOKEN_SCOPES:
                            yield Checkbox(
                                t(f"tokens.scope_help.{scope}"),
                                value=scope == "read",
                                id=f"tok-scope-{scope}",
                                compact=True,
                            )
                yield Static(id="tok-scopes-hint", classes="ac-hint")
                with Horizontal(classes="ac-field"):
                    yield Label(t("tokens.days"), classes="ac-field-label")
                    yield TextBox(
                        value=str(DEFAULT_TOKEN_DAYS),
                        id="tok-days",
                        max_length=3,
                        restrict=r"[0-9]*",
                        compact=True,
                    )
                yield Static(id="tok-days-hint", classes="ac-hint")
                yield Static(id="tok-general")
                with Horizontal(classes="ac-dialog-actions"):
                    yield Button(
                        t("tokens.create"), id="tok-submit", variant="primary", compact=True
                    )
                    yield Button(t("wallet.cancel"), id="tok-cancel", compact=True)
            with Vertical(id="tok-result"):
                yield Static(id="tok-warning")
                yield Static(id="tok-token")
                with Horizontal(classes="ac-dialog-actions"):
                    yield Button(t("tokens.copy"), id="tok-copy", variant="primary", compact=True)
                    yield Button(t("tokens.done"), id="tok-done", compact=True)

    def on_mount(self) -> None:
        self.query_one("#tok-result").display = False
        self.show_hint("tok-days", t("tokens.days_hint"), "")
        self.query_one("#tok-name", Input).focus()

    def action_dismiss_none(self) -> None:
        # Once made, leaving by escape still hands the token back: the list must show it.
        self.dismiss(self.created)

    @on(Button.Pressed, "#tok-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id == "tok-name":
            self._check_name(loud=False)
        elif event.input.id == "tok-days":
            self._check_days(loud=False)

    @on(Checkbox.Changed)
    def _ticked(self) -> None:
        self._check_scopes(loud=False)

    @on(Input.Submitted)
    @on(Button.Pressed, "#tok-submit")
    def _submit(self) -> None:
        problems = [
            field
            for field, problem in (
                ("tok-name", self._check_name(loud=True)),
                ("tok-scope-read", self._check_scopes(loud=True)),
                ("tok-days", self._check_days(loud=True)),
            )
            if problem
        ]
        if problems:
            self.query_one(f"#{problems[0]}").focus()
            return
        days = int(self.query_one("#tok-days", Input).value)
        self.create(self.query_one("#tok-name", Input).value.strip(), self._scopes(), days)

    def _scopes(self) -> list[str]:
        return chosen_scopes(
            scope for scope in TOKEN_SCOPES if self.query_one(f"#tok-scope-{scope}", Checkbox).value
        )

    def _check_name(self, *, loud: bool) -> bool:
        name = self.query_one("#tok-name", Input).value
        problem = token_name_problem(name)
        if problem is None:
            self.show_hint("tok-name", "✓", "-ok")
        elif loud or name:
            self.show_hint("tok-name", t(problem), "-error" if loud else "")
        else:
            self.show_hint("tok-name", "", "")
        return problem is not None

    def _check_days(self, *, loud: bool) -> bool:
        problem = token_days_problem(self.query_one("#tok-days", Input).value)
        if problem is None:
            self.show_hint("tok-days", t("tokens.days_hint"), "")
        else:
            self.show_hint("tok-days", t(problem), "-error" if loud else "")
        return problem is not None

    def _check_scopes(self, *, loud: bool) -> bool:
        problem = token_scopes_problem(self._scopes())
        if problem is None:
            self.show_hint("tok-scopes", "", "")
        else:
            self.show_hint("tok-scopes", t(problem), "-error" if loud else "")
        return problem is not None

    @work(exclusive=True, group="create-token")
    async def create(self, name: str, scopes: list[str], days: int) -> None:
        from kshop_tui.api import errors

        button = self.query_one("#tok-submit", Button)
        button.disabled = True
        self.show_general("")
        try:
            created = await self.shop.run_api(
                lambda api: api.create_access_token(name, scopes, days), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.show_failure(error)
            return
        finally:
            button.disabled = False
        self.created = created
        self._show_token(created)

    def _show_token(self, created: CreatedAccessToken) -> None:
        self.query_one("#tok-form").display = False
        self.query_one("#tok-result").display = True
        self.query_one("#tok-dialog").border_title = t("tokens.created_title", name=created.name)
        warning = Text(t("tokens.shown_once"), style=tone(self.app, "warning"))
        self.query_one("#tok-warning", Static).update(warning)
        self.query_one("#tok-token", Static).update(Text(created.token, style="bold"))
        self.query_one("#tok-copy", Button).focus()

    @on(Button.Pressed, "#tok-copy")
    def _copy(self) -> None:
        if self.created is not None:
            self.app.copy_to_clipboard(self.created.token)
            self.notify(t("tokens.copied"))

    @on(Button.Pressed, "#tok-done")
    def _done(self) -> None:
        self.dismiss(self.created)
