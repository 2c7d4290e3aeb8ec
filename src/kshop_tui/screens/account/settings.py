"""Account and security (账号与安全): profile with the masked phone and real-name status,
the login password (with a strength meter), the payment password, two-step
verification, linked logins, linked SSH keys, personal access tokens for scripts, and
logging out here or everywhere."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Static, Switch

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.account.access_token import CreateAccessTokenDialog
from kshop_tui.screens.account.change_password import ChangePasswordModal
from kshop_tui.screens.account.payment_password import SetPaymentPasswordDialog
from kshop_tui.screens.confirm import ConfirmDialog
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.account import logged_out_despite, short_fingerprint
from kshop_tui.text import local_time
from kshop_tui.widgets.row_table import RowTable, tone

if TYPE_CHECKING:
    from kshop_tui.api.models import AccessToken, SshKey, User

SSH_COMMAND = "ssh -p 2222 host"


def ssh_key_name(key: SshKey) -> str:
    return key.label or t("account.ssh.unnamed")


class AccountScreen(ShopScreen):
    CSS_PATH = "settings.tcss"
    BINDINGS = [
        Binding("x,delete", "remove_ssh_key", "key.ac_remove_ssh_key", id="account.remove_ssh_key"),
        Binding("v", "verify", "key.wl_verify", id="account.verify"),
        Binding("p", "change_password", "key.wl_password", id="account.password"),
        Binding("m", "payment_password", "key.wl_payment_password", id="account.pay_password"),
        Binding("t", "toggle_two_factor", "key.wl_two_factor", id="account.two_factor"),
        Binding("l", "log_out", "key.wl_log_out", id="account.log_out"),
        Binding("e", "log_out_everywhere", "key.wl_log_out_all", id="account.log_out_all"),
        Binding("n", "new_token", "key.ac_new_token", id="account.new_token"),
        Binding("r", "revoke_token", "key.ac_revoke_token", id="account.revoke_token"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.ssh_keys: list[SshKey] = []
        self.access_tokens: list[AccessToken] = []

    def where(self) -> str:
        return t("account.title")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "verify":
            user = self.shop.user
            return user is None or not user.real_name_verified
        if action == "remove_ssh_key":
            return bool(self.ssh_keys)
        if action == "revoke_token":
            return bool(self.access_tokens)
        return True

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="ac-body"):
            yield Static(t("account.section.profile"), classes="section-title")
            yield from _row("nickname", "account.nickname")
            yield from _row("phone", "account.phone")
            yield from _row(
                "real-name",
                "account.real_name",
                Button(t("account.verify"), id="ac-verify", compact=True),
            )
            yield Static(t("account.section.security"), classes="section-title")
            yield from _row(
                "password",
                "account.password",
                Button(t("account.password.change"), id="ac-password", compact=True),
            )
            yield from _row(
                "pay-password",
                "account.pay_password",
                Button(t("account.pay_password.set"), id="ac-pay-password", compact=True),
            )
            with Horizontal(classes="ac-row"):
                yield Label(t("account.two_factor"), classes="ac-label")
                yield Switch(id="ac-two-factor", animate=False)
                yield Static(id="ac-two-factor-value", classes="ac-value")
            yield Static(t("account.section.linked"), classes="section-title")
            yield Static(id="ac-linked", classes="ac-block")
            yield Static(t("account.section.ssh_keys"), classes="section-title")
            yield RowTable(id="ac-ssh-keys", cursor_type="row", zebra_stripes=False)
            yield Static(id="ac-ssh-status", classes="ac-block")
            yield Static(t("tokens.section"), classes="section-title")
            yield RowTable(id="ac-tokens", cursor_type="row", zebra_stripes=False)
            yield Static(id="ac-tokens-status", classes="ac-block")
            with Horizontal(id="ac-token-actions"):
                yield Button(t("tokens.new"), id="ac-new-token", compact=True)
            yield Static(t("account.section.sessions"), classes="section-title")
            with Horizontal(id="ac-session-actions"):
                yield Button(t("account.log_out"), id="ac-log-out", compact=True)
                yield Button(
                    t("account.log_out_all"), id="ac-log-out-all", variant="error", compact=True
                )
            yield Static(id="ac-status", classes="ac-block")

    def on_mount(self) -> None:
        table = self.query_one("#ac-ssh-keys", RowTable)
        table.add_column(Text(t("account.ssh.col.name")), key="name", width=20)
        table.add_column(Text(t("account.ssh.col.fingerprint")), key="fingerprint", width=16)
        table.add_column(Text(t("account.ssh.col.linked")), key="linked", width=10)
        table.add_column(Text(t("account.ssh.col.last_used")), key="last_used", width=16)
        table.display = False
        self.query_one("#ac-ssh-status").display = False
        tokens = self.query_one("#ac-tokens", RowTable)
        tokens.add_column(Text(t("tokens.col.name")), key="name", width=18)
        tokens.add_column(Text(t("tokens.col.scopes")), key="scopes", width=16)
        tokens.add_column(Text(t("tokens.col.last_used")), key="last_used", width=16)
        tokens.add_column(Text(t("tokens.col.expires")), key="expires", width=12)
        tokens.display = False
        self.watch(self.app, "user", self._show_user)
        self.load()

    @work(exclusive=True, group="account")
    async def load(self) -> None:

        user = await self.shop.attempt(
            lambda api: api.me(),
            needs_login=True,
            on_refusal=lambda error: self._status(error_words(error), error=True),
            on_login_cancelled=self.app.pop_screen,
        )
        if user is None:
            return
        self.shop.user = user
        self.load_ssh_keys()
        self.load_access_tokens()

    @work(exclusive=True, group="ssh-keys")
    async def load_ssh_keys(self) -> None:
        """After the profile, so an expired login is asked for once, not twice."""

        keys = await self.shop.attempt(
            lambda api: api.ssh_keys(),
            needs_login=True,
            on_refusal=lambda error: self._ssh_status(
                Text(error_words(error), style=tone(self.app, "error"))
            ),
        )
        if keys is None:
            return
        self._show_ssh_keys(keys)

    def _show_ssh_keys(self, keys: list[SshKey]) -> None:
        self.ssh_keys = list(keys)
        table = self.query_one("#ac-ssh-keys", RowTable)
        keep = table.cursor_row
        table.clear()
        for key in keys:
            last_used = (
                Text(local_time(key.last_used_at))
                if key.last_used_at
                else Text(t("account.ssh.never"), style="dim")
            )
            table.add_row(
                Text(ssh_key_name(key), no_wrap=True, overflow="ellipsis"),
                Text(short_fingerprint(key.fingerprint)),
                Text(local_time(key.created_at, "%Y-%m-%d")),
                last_used,
                key=str(key.id),
            )
        table.display = bool(keys)
        if keys:
            table.move_cursor(row=min(max(keep, 0), len(keys) - 1))
            self._ssh_status(None)
        else:
            self._ssh_status(Text(t("account.ssh.none", command=SSH_COMMAND), style="dim"))
        self.refresh_bindings()

    @work(exclusive=True, group="access-tokens")
    async def load_access_tokens(self) -> None:
        tokens = await self.shop.attempt(
            lambda api: api.access_tokens(),
            needs_login=True,
            on_refusal=lambda error: self._tokens_status(
                Text(error_words(error), style=tone(self.app, "error"))
            ),
        )
        if tokens is None:
            return
        self._show_access_tokens(tokens)

    def _show_access_tokens(self, tokens: list[AccessToken]) -> None:
        self.access_tokens = list(tokens)
        table = self.query_one("#ac-tokens", RowTable)
        keep = table.cursor_row
        table.clear()
        for token in tokens:
            last_used = (
                Text(local_time(token.last_used_at))
                if token.last_used_at
                else Text(t("tokens.never"), style="dim")
            )
            expires = (
                Text(t("tokens.expired"), style=tone(self.app, "error"))
                if token.expired
                else Text(local_time(token.expires_at, "%Y-%m-%d"))
            )
            table.add_row(
                Text(token.name, no_wrap=True, overflow="ellipsis"),
                Text(" · ".join(t(f"tokens.scope.{scope}") for scope in token.scopes)),
                last_used,
                expires,
                key=str(token.id),
            )
        table.display = bool(tokens)
        if tokens:
            table.move_cursor(row=min(max(keep, 0), len(tokens) - 1))
            self._tokens_status(None)
        else:
            self._tokens_status(Text(t("tokens.none"), style="dim"))
        self.refresh_bindings()

    def _tokens_status(self, message: Text | None) -> None:
        status = self.query_one("#ac-tokens-status", Static)
        status.update(message if message is not None else "")
        status.display = message is not None

    def _ssh_status(self, message: Text | None) -> None:
        status = self.query_one("#ac-ssh-status", Static)
        status.update(message if message is not None else "")
        status.display = message is not None

    def _show_user(self, user: User | None) -> None:
        if user is None:
            return
        self.refresh_bindings()
        self._value("nickname", Text(user.nickname))
        self._value("phone", Text(user.phone_masked))
        if user.real_name_verified:
            verified = Text("✓ " + t("account.real_name.verified"), style=tone(self.app, "success"))
            verified.append(f"  {user.real_name_masked or ''} {user.id_number_masked or ''}")
            self._value("real-name", verified)
        else:
            warning = tone(self.app, "warning")
            self._value("real-name", Text(t("account.real_name.missing"), style=warning))
        self.query_one("#ac-verify").display = not user.real_name_verified
        self._value("password", Text(t("account.password.hint"), style="dim"))
        if user.has_payment_password:
            self._value("pay-password", Text("✓ " + t("account.pay_password.is_set")))
        else:
            self._value(
                "pay-password",
                Text(t("account.pay_password.not_set"), style=tone(self.app, "warning")),
            )
        self.query_one("#ac-pay-password", Button).label = t(
            "account.pay_password.change"
            if user.has_payment_password
            else "account.pay_password.set"
        )
        switch = self.query_one("#ac-two-factor", Switch)
        with self.prevent(Switch.Changed):
            switch.value = user.two_factor_enabled
        self._show_two_factor(user.two_factor_enabled)
        self._show_linked(user)

    def _show_two_factor(self, enabled: bool) -> None:
        words = t("account.two_factor.on" if enabled else "account.two_factor.off")
        self.query_one("#ac-two-factor-value", Static).update(Text(words, style="dim"))

    def _show_linked(self, user: User) -> None:
        # SSH keys are linked by the SSH server, not through this API; they are not listed.
        logins = [link for link in user.linked_logins if link.provider in ("wechat", "qq")]
        text = Text()
        if not logins:
            text.append(t("account.linked.none"), style="dim")
        for index, link in enumerate(logins):
            if index:
                text.append("\n")
            text.append("✓ " + (link.label or link.provider), style="bold")
            if link.created_at:
                when = local_time(link.created_at, "%Y-%m-%d")
                text.append("  " + t("account.linked.since", date=when), style="dim")
        self.query_one("#ac-linked", Static).update(text)

    def _value(self, row: str, text: Text) -> None:
        self.query_one(f"#ac-{row}-value", Static).update(text)

    def _status(self, message: str, *, error: bool = False) -> None:
        style = tone(self.app, "error") if error else "dim"
        self.query_one("#ac-status", Static).update(Text(message, style=style))

    # --- actions -------------------------------------------------------------------

    def action_verify(self) -> None:
        self.open("real_name", callback=self._reload)

    def _reload(self, _result: object) -> None:
        self.load()

    def action_change_password(self) -> None:
        self.app.push_screen(ChangePasswordModal())

    def action_payment_password(self) -> None:
        user = self.shop.user
        has_one = user is not None and user.has_payment_password
        self.app.push_screen(SetPaymentPasswordDialog(has_one=has_one))

    def action_toggle_two_factor(self) -> None:
        switch = self.query_one("#ac-two-factor", Switch)
        switch.toggle()

    @on(Switch.Changed, "#ac-two-factor")
    def _two_factor_switched(self, event: Switch.Changed) -> None:
        if event.value:
            self.set_two_factor(True)
            return

        # Off needs the login password (docs/api.md §7.5), asked for and sent by the prompt.
        async def turn_off(password: str) -> User:
            return await self.shop.run_api(
                lambda api: api.set_two_factor(False, password), needs_login=True
            )

        self.app.push_screen(
            SecretPromptModal(
                t("account.two_factor.off_question"),
                kind="login",
                confirm_label=t("account.two_factor.turn_off"),
                attempt=turn_off,
            ),
            self._turned_off,
        )

    def _turned_off(self, user: User | None) -> None:
        if user is None:
            switch = self.query_one("#ac-two-factor", Switch)
            with self.prevent(Switch.Changed):
                switch.value = True
            return
        self.shop.user = user
        self.notify(t("account.two_factor.now_off"))

    @work(exclusive=True, group="two-factor")
    async def set_two_factor(self, enabled: bool) -> None:
        """Turns two-step verification on (off goes through the password prompt)."""
        from kshop_tui.api import errors

        try:
            user = await self.shop.run_api(
                lambda api: api.set_two_factor(enabled), needs_login=True
            )
        except (LoginCancelled, errors.ApiError) as error:
            switch = self.query_one("#ac-two-factor", Switch)
            with self.prevent(Switch.Changed):
                switch.value = not enabled
            if isinstance(error, errors.ApiError):
                self._status(error_words(error), error=True)
            return
        self.shop.user = user
        self.notify(t("account.two_factor.now_on" if enabled else "account.two_factor.now_off"))

    def action_remove_ssh_key(self) -> None:
        row = self.query_one("#ac-ssh-keys", RowTable).cursor_row
        if not 0 <= row < len(self.ssh_keys):
            return
        key = self.ssh_keys[row]
        question = t(
            "account.ssh.remove_question",
            name=ssh_key_name(key),
            fingerprint=short_fingerprint(key.fingerprint),
        )
        self.app.push_screen(
            ConfirmDialog(question, confirm_label=t("account.ssh.remove"), danger=True),
            partial(self._remove_ssh_key_confirmed, key),
        )

    def _remove_ssh_key_confirmed(self, key: SshKey, confirmed: bool | None) -> None:
        if confirmed:
            self.remove_ssh_key(key)

    @work(group="remove-ssh-key")
    async def remove_ssh_key(self, key: SshKey) -> None:
        from kshop_tui.api import errors

        try:
            await self.shop.run_api(lambda api: api.unlink_ssh_key(key.id), needs_login=True)
        except LoginCancelled:
            return
        except errors.NotFound:
            pass  # already gone (removed from another session): the list catches up below
        except errors.ApiError as error:
            self._ssh_status(Text(error_words(error), style=tone(self.app, "error")))
            return
        else:
            self.notify(t("account.ssh.removed", name=ssh_key_name(key)), markup=False)
        self.load_ssh_keys()

    def action_new_token(self) -> None:
        self.app.push_screen(CreateAccessTokenDialog(), self._token_created)

    def _token_created(self, created: AccessToken | None) -> None:
        if created is not None:
            self.load_access_tokens()

    def action_revoke_token(self) -> None:
        row = self.query_one("#ac-tokens", RowTable).cursor_row
        if not 0 <= row < len(self.access_tokens):
            return
        token = self.access_tokens[row]
        self.app.push_screen(
            ConfirmDialog(
                t("tokens.revoke_question", name=token.name),
                confirm_label=t("tokens.revoke"),
                danger=True,
            ),
            partial(self._revoke_token_confirmed, token),
        )

    def _revoke_token_confirmed(self, token: AccessToken, confirmed: bool | None) -> None:
        if confirmed:
            self.revoke_token(token)

    @work(group="revoke-token")
    async def revoke_token(self, token: AccessToken) -> None:
        from kshop_tui.api import errors

        try:
            await self.shop.run_api(lambda api: api.revoke_access_token(token.id), needs_login=True)
        except LoginCancelled:
            return
        except errors.NotFound:
            pass  # revoked from elsewhere meanwhile: the list catches up below
        except errors.ApiError as error:
            self._tokens_status(Text(error_words(error), style=tone(self.app, "error")))
            return
        else:
            self.notify(t("tokens.revoked", name=token.name), markup=False)
        self.load_access_tokens()

    def action_log_out(self) -> None:
        self.log_out(everywhere=False)

    def action_log_out_everywhere(self) -> None:
        question = ConfirmDialog(
            t("account.log_out_all.question"), confirm_label=t("account.log_out_all"), danger=True
        )
        self.app.push_screen(question, self._log_out_all_confirmed)

    def _log_out_all_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.log_out(everywhere=True)

    @work(exclusive=True, group="log-out")
    async def log_out(self, everywhere: bool) -> None:
        """This device: the token is forgotten whatever the server says. Everywhere: every
        session must be revoked by the server first."""
        from kshop_tui.api import errors

        client = await self.shop.client()
        try:
            await client.logout(everywhere=everywhere)
        except errors.ApiError as error:
            if not logged_out_despite(error, everywhere=everywhere):
                self._status(error_words(error), error=True)
                return
        self.shop.forget_login()
        self.notify(t("account.logged_out_all" if everywhere else "login.logged_out"))
        # Called later, by the app: leaving this screen ends this worker.
        self.app.call_later(self.app.run_action, "app.browse")

    @on(Button.Pressed, "#ac-verify")
    def _verify_pressed(self) -> None:
        self.action_verify()

    @on(Button.Pressed, "#ac-password")
    def _password_pressed(self) -> None:
        self.action_change_password()

    @on(Button.Pressed, "#ac-pay-password")
    def _pay_password_pressed(self) -> None:
        self.action_payment_password()

    @on(Button.Pressed, "#ac-new-token")
    def _new_token_pressed(self) -> None:
        self.action_new_token()

    @on(Button.Pressed, "#ac-log-out")
    def _log_out_pressed(self) -> None:
        self.action_log_out()

    @on(Button.Pressed, "#ac-log-out-all")
    def _log_out_all_pressed(self) -> None:
        self.action_log_out_everywhere()


def _row(name: str, label: str, action: Button | None = None) -> ComposeResult:
    with Horizontal(classes="ac-row"):
        yield Label(t(label), classes="ac-label")
        yield Static(id=f"ac-{name}-value", classes="ac-value")
        if action is not None:
            yield action
