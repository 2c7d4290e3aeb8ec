"""Looking up an order placed as a guest (docs/api.md §7.4), from the login screen's Guest
tab: the order number, the phone it was placed with and an SMS code for that phone. The
order is shown read-only with the order screen's own parts; a refusal lands next to the
field it concerns and every field keeps what was typed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from kshop_tui.api import errors
from kshop_tui.i18n import t, tn
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.demo_sms import show_demo_sms
from kshop_tui.screens.orders.order_view import (
    info_table,
    items_table,
    money_table,
    timeline_entries,
)
from kshop_tui.shop.flows import login as login_flow
from kshop_tui.shop.flows.orders import LOOKUP_FIELDS, lookup_field_problem, lookup_refusal
from kshop_tui.text import mask_phone
from kshop_tui.widgets.status_badge import StatusBadge
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from kshop_tui.api.models import Order

# Each lookup field (by the backend's name) → its input.
INPUTS = {"order_no": "lookup-order-no", "phone": "lookup-phone", "code": "lookup-code"}
FIELD_OF_INPUT = {input_id: name for name, input_id in INPUTS.items()}


class OrderLookupScreen(ShopScreen):
    CSS_PATH = "lookup.tcss"
    BINDINGS = [
        Binding("ctrl+g", "send_code", "key.send_code", id="lookup.send_code"),
    ]

    def __init__(self, phone: str = "") -> None:
        super().__init__()
        self.phone = phone
        self.order: Order | None = None
        self._resends = login_flow.CodeResends()
        self._sending = False

    def where(self) -> str:
        return t("lookup.title")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="lookup-body"):
            with Vertical(id="lookup-card") as card:
                card.border_title = t("lookup.title")
                yield Static(t("lookup.intro"), id="lookup-intro", markup=False)
                yield from _field("lookup-order-no", "lookup.order_no", _order_no_input())
                yield from _field("lookup-phone", "login.phone", _digits("lookup-phone", 11))
                yield from _field(
                    "lookup-code",
                    "login.code",
                    _digits("lookup-code", 6),
                    Button(t("login.send_code"), id="lookup-send", compact=True),
                )
                with Horizontal(id="lookup-actions"):
                    yield Button(
                        t("lookup.submit"), id="lookup-submit", variant="primary", compact=True
                    )
                    yield Static(id="lookup-general", markup=False)
            with Vertical(id="lookup-order"):
                with Horizontal(id="lookup-heading"):
                    yield Static(id="lookup-order-no-shown")
                    yield StatusBadge(id="lookup-status")
                yield Static(t("lookup.read_only"), id="lookup-read-only", markup=False)
                yield Static(t("orders.section.items"), classes="section-title")
                yield Static(id="lookup-items")
                yield Static(id="lookup-info")
                yield Static(t("orders.section.money"), classes="section-title")
                yield Static(id="lookup-money")
                yield Static(t("orders.section.timeline"), classes="section-title")
                yield Timeline(id="lookup-timeline")

    def on_mount(self) -> None:
        self.query_one("#lookup-order").display = False
        self.query_one("#lookup-phone", Input).value = self.phone
        self.query_one("#lookup-order-no", Input).focus()
        self.set_interval(1.0, self._show_send_button)
        self._show_send_button()

    # --- fields ----------------------------------------------------------------------

    def _value(self, name: str) -> str:
        value = self.query_one(f"#{INPUTS[name]}", Input).value.strip()
        return value.upper() if name == "order_no" else value

    def _check(self, name: str, *, loud: bool) -> bool:
        """Shows the field's problem under it (quietly while typing); True if it has one."""
        problem = lookup_field_problem(name, self._value(name))
        if problem is None:
            self._hint(name, "✓", "-ok")
        elif loud:
            self._hint(name, t(problem), "-error")
        elif not self._value(name):
            self._hint(name, "", "")
        else:
            self._hint(name, t(problem), "")
        return problem is not None

    def _hint(self, name: str, words: str, state: str) -> None:
        hint = self.query_one(f"#{INPUTS[name]}-hint", Static)
        hint.update(Text(words))
        hint.set_class(state == "-error", "-error")
        hint.set_class(state == "-ok", "-ok")

    def _general(self, words: str) -> None:
        self.query_one("#lookup-general", Static).update(Text(words))

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        name = FIELD_OF_INPUT.get(event.input.id or "")
        if name is not None:
            self._check(name, loud=False)
        if name == "phone":
            self._show_send_button()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        """Enter on a good field goes to the next one still to fill; on the last, looks up."""
        name = FIELD_OF_INPUT.get(event.input.id or "")
        if name is None or self._check(name, loud=True):
            return
        to_fill = next((other for other in LOOKUP_FIELDS if self._check(other, loud=False)), None)
        if to_fill is None:
            self.action_look_up()
        else:
            self.query_one(f"#{INPUTS[to_fill]}", Input).focus()

    @on(Button.Pressed, "#lookup-submit")
    def _submit_pressed(self) -> None:
        self.action_look_up()

    @on(Button.Pressed, "#lookup-send")
    def _send_pressed(self) -> None:
        self.action_send_code()

    # --- the code ----------------------------------------------------------------------

    def _show_send_button(self) -> None:
        if self._sending:
            return
        button = self.query_one("#lookup-send", Button)
        wait = self._resends.seconds_left(self._value("phone"), self.shop.clock)
        button.label = t("login.resend_in", seconds=wait) if wait else t("login.send_code")
        button.disabled = wait > 0

    def action_send_code(self) -> None:
        self.send_code()

    @work(exclusive=True, group="lookup-code")
    async def send_code(self) -> None:
        if self._check("phone", loud=True):
            self.query_one("#lookup-phone", Input).focus()
            return
        phone = self._value("phone")
        if self._resends.seconds_left(phone, self.shop.clock):
            return
        button = self.query_one("#lookup-send", Button)
        button.disabled = True
        button.label = t("login.sending")
        self._sending = True
        try:
            sent = await self.shop.run_api(lambda api: api.send_sms_code(phone, "guest"))
        except errors.RateLimited as error:
            self._resends.wait(phone, error.retry_after, self.shop.clock)
            self._hint("code", t("login.resend_wait", seconds=error.retry_after), "-error")
            return
        except errors.ApiError as error:
            self._show_refusal(error, phone)
            return
        finally:
            self._sending = False
            self._show_send_button()
        self._resends.wait(phone, sent.retry_after, self.shop.clock)
        self._show_send_button()
        minutes = max(1, sent.expires_in // 60)
        self._hint("code", tn("login.code_sent", minutes, phone=mask_phone(phone)), "")
        self.query_one("#lookup-code", Input).focus()
        await show_demo_sms(self, phone, "guest")

    # --- looking up --------------------------------------------------------------------

    def action_look_up(self) -> None:
        problems = [name for name in LOOKUP_FIELDS if self._check(name, loud=True)]
        if problems:
            self._general("")
            self.query_one(f"#{INPUTS[problems[0]]}", Input).focus()
            return
        self.look_up()

    @work(exclusive=True, group="lookup")
    async def look_up(self) -> None:
        order_no, phone, code = (self._value(name) for name in LOOKUP_FIELDS)
        button = self.query_one("#lookup-submit", Button)
        button.disabled = True
        button.label = t("lookup.working")
        self._general("")
        try:
            order = await self.shop.run_api(lambda api: api.lookup_order(order_no, phone, code))
        except errors.ApiError as error:
            self._show_refusal(error, phone)
            return
        finally:
            button.disabled = False
            button.label = t("lookup.submit")
        self.app.clear_notifications()  # the demo code's toast has done its job
        self._show_order(order)

    def _show_refusal(self, error: errors.ApiError, phone: str) -> None:
        refusal = lookup_refusal(error, self._value("order_no"), phone)
        for name, words in refusal.fields.items():
            self._hint(name, words, "-error")
        self._general(refusal.general)
        if refusal.fields:
            self.query_one(f"#{INPUTS[next(iter(refusal.fields))]}", Input).focus()

    def _show_order(self, order: Order) -> None:
        self.order = order
        now = self.shop.clock.now()
        self.set_where(f"{t('lookup.title')} › {order.order_no}")
        self.query_one("#lookup-order-no-shown", Static).update(Text(order.order_no, style="bold"))
        self.query_one(StatusBadge).show(order.status, order.after_sale_status)
        self.query_one("#lookup-items", Static).update(items_table(order.items))
        self.query_one("#lookup-info", Static).update(info_table(order, now))
        self.query_one("#lookup-money", Static).update(money_table(order))
        self.query_one(Timeline).entries = tuple(timeline_entries(order.timeline, now))
        box = self.query_one("#lookup-order")
        box.display = True
        body = self.query_one("#lookup-body", VerticalScroll)
        body.focus()  # ↑↓ PgUp PgDn read the order
        self.call_after_refresh(body.scroll_to_widget, box, top=True, animate=False)


def _field(
    input_id: str, label_key: str, field: Input, extra: Button | None = None
) -> ComposeResult:
    """A labelled one-line field, a button beside it maybe, and its hint line under it."""
    with Horizontal(classes="lookup-row"):
        yield Label(t(label_key), classes="lookup-label")
        yield field
        if extra is not None:
            yield extra
    yield Static(id=f"{input_id}-hint", classes="lookup-hint", markup=False)


def _order_no_input() -> Input:
    return TextBox(
        placeholder=t("lookup.order_no_placeholder"),
        id="lookup-order-no",
        restrict=r"[A-Za-z0-9]*",
        max_length=14,
        compact=True,
    )


def _digits(input_id: str, length: int) -> Input:
    placeholder = "login.phone_placeholder" if length == 11 else "login.code_placeholder"
    return TextBox(
        placeholder=t(placeholder), id=input_id, restrict=r"[0-9]*", max_length=length, compact=True
    )
