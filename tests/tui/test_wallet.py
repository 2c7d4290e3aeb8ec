"""Pilot tests of the wallet against the in-process backend: an idempotent top-up that
survives a lost answer, bank cards (Luhn, last 4 only, remove), enabling 先用后付 from
nothing, and its bills (repay early, overdue)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from textual.widgets import DataTable, Input

from fake_backend.clock import parse_iso
from fake_backend.context import Ctx
from fake_backend.services import auth, ledger, sessions
from fake_backend.services import wallet as wallet_service
from kshop_rules.identity import id_check_char
from kshop_tui.api.backend import Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.api.intent import new_intent_key
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.real_name import RealNameScreen
from kshop_tui.screens.confirm import ConfirmDialog
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.screens.wallet.bank_card import AddCardModal
from kshop_tui.screens.wallet.bnpl import BnplScreen
from kshop_tui.screens.wallet.top_up import TopUpModal
from kshop_tui.screens.wallet.wallet import WalletScreen
from kshop_tui.shop.flows.wallet import luhn_valid
from tests.backend.test_wallet import insert_order
from tests.tui.helpers import settle, text_of

DEMO_PAYMENT_PASSWORD = "123456"

MakeApp = Callable[..., KshopApp]
DEMO_BALANCE_FEN = 500_000
NEW_PHONE = "13912345678"
NEW_PASSWORD = "newuser2026"
NEW_NAME = "李四"
NEW_ID_FIRST17 = "11010519900307123"
DAY = 86_400


def with_check_digit(first_digits: str) -> str:
    """A Luhn-valid card number: `first_digits` and the check digit that fits."""
    return next(first_digits + d for d in "0123456789" if luhn_valid(first_digits + d))


def new_user(ctx: Ctx) -> tuple[int, str]:
    """Registers a fresh account (no real name, no card) as the app would; its id and token."""
    auth.send_sms_code(ctx, NEW_PHONE, "register")
    code = auth.sms_outbox(ctx, NEW_PHONE)["messages"][-1]["code"]
    answer = auth.register(ctx, NEW_PHONE, code, NEW_PASSWORD, "en")
    return int(answer["user"]["id"]), str(answer["token"])


async def buy_with_bnpl(client: KshopClient, ctx: Ctx, user_id: int = 1) -> int:
    """Places and pays one order with pay later; answers the order id."""
    sku = ctx.db.one(
        "SELECT id FROM skus WHERE stock > 5 AND price_fen < 50000 ORDER BY id LIMIT 1"
    )
    address = ctx.db.one("SELECT id FROM addresses WHERE user_id = ? LIMIT 1", (user_id,))
    assert sku is not None and address is not None
    order = await client.create_order(
        payment_method="bnpl",
        items=[(sku["id"], 1)],
        address_id=address["id"],
        idempotency_key=new_intent_key(),
    )
    payment = await client.pay(
        order.id, "bnpl", DEMO_PAYMENT_PASSWORD, idempotency_key=new_intent_key()
    )
    assert payment.status == "succeeded"
    return order.id


class LoseFirstTopUpAnswer(httpx.AsyncBaseTransport):
    """The first top-up reaches the server and is done there, but its answer is lost on
    the way back (a read timeout): exactly when a client is tempted to charge twice."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.topups_sent = 0
        self.keys: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/wallet/topup"):
            self.topups_sent += 1
            self.keys.append(request.headers["Idempotency-Key"])
            if self.topups_sent == 1:
                await response.aread()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


async def test_top_up_survives_a_lost_answer_without_charging_twice(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    assert backend.client._transport is not None
    flaky = LoseFirstTopUpAnswer(backend.client._transport)
    backend.client._transport = flaky
    backend.client._http = None
    app = make_app(token=demo_token, open_target="wallet")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)
        await pilot.press("t")  # open the top-up dialog
        await settle(pilot)
        assert isinstance(app.screen, TopUpModal)
        await pilot.press(*"123.45")  # ¥123.45
        await pilot.press("enter")  # top up: the payment password is asked for
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, SecretPromptModal)
        await pilot.press(*DEMO_PAYMENT_PASSWORD, "enter")  # confirm: the answer is lost
        await settle(pilot)
        assert app.screen is prompt
        assert "will not be charged twice" in text_of(prompt, "#sp-status")
        await pilot.press(*DEMO_PAYMENT_PASSWORD, "enter")  # again: same intent, same key
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)
    assert flaky.topups_sent == 2 and flaky.keys[0] == flaky.keys[1]
    topups = backend_ctx.db.all(
        "SELECT amount_fen FROM wallet_transactions"
        " WHERE user_id = 1 AND account = 'balance' AND kind = 'topup' AND amount_fen = 12345"
    )
    assert len(topups) == 1
    balance = backend_ctx.db.scalar("SELECT balance_fen FROM users WHERE id = 1")
    assert balance == DEMO_BALANCE_FEN + 12345


async def test_top_up_amount_out_of_range_is_refused_next_to_the_field(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target="wallet")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("t")  # open the top-up dialog
        await settle(pilot)
        await pilot.press(*"50000.01")  # one fen over the maximum
        await pilot.press("enter")  # try to top up
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TopUpModal)
        assert "¥0.01 to ¥50,000.00" in text_of(modal, "#wl-amount-hint")
        assert modal.query_one("#wl-amount", Input).value == "50000.01"
    count = backend_ctx.db.scalar(
        "SELECT COUNT(*) FROM wallet_transactions WHERE user_id = 1 AND kind = 'topup'"
    )
    assert count == 1  # only the seeded one


async def test_history_pages_in_and_filters_by_account(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    with backend_ctx.db.tx():
        for index in range(45):
            backend_ctx.db.execute(
                "INSERT INTO wallet_transactions(user_id, account, kind, amount_fen, note, at)"
                " VALUES (1, ?, 'refund', ?, 'test', ?)",
                ("red_packet" if index % 3 == 0 else "balance", 100 + index, 1_000_000 + index),
            )
    app = make_app(token=demo_token, open_target="wallet")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WalletScreen)
        assert len(screen.transactions) == 30 and screen.history_cursor
        await pilot.press("end")  # the last loaded row: the next page comes in
        await settle(pilot)
        assert len(screen.transactions) == 46 and screen.history_cursor is None
        await pilot.press("f")  # only the balance
        await pilot.press("f")  # only red packets
        await settle(pilot)
        assert screen.history_filter == "red_packet"
        assert {item.account for item in screen.transactions} == {"red_packet"}
        assert len(screen.transactions) == 15


async def test_luhn_invalid_card_is_refused_and_a_valid_one_listed_by_last4_then_removed(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    good_number = with_check_digit("622202123456789")
    bad_number = good_number[:-1] + str((int(good_number[-1]) + 1) % 10)
    app = make_app(token=demo_token, open_target="wallet")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")  # the bank cards tab
        await pilot.press("a")  # add a card
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, AddCardModal)
        await pilot.press(*bad_number)  # a typo in the last digit
        assert "not a valid card number" in text_of(modal, "#bc-number-hint")
        await pilot.press("tab")  # to the holder
        await pilot.press(*"张三")  # the demo user's verified name
        await pilot.press("enter")  # try to add
        await settle(pilot)
        assert app.screen is modal
        assert "not a valid card number" in text_of(modal, "#bc-number-hint")
        assert modal.query_one("#bc-number", Input).value == bad_number
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM bank_cards WHERE user_id = 1") == 1
        modal.query_one("#bc-number", Input).focus()
        await pilot.press("end", "backspace", good_number[-1])  # fix the last digit
        assert "✓" in text_of(modal, "#bc-number-hint")
        await pilot.press("enter")  # add the card
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WalletScreen)
        row = backend_ctx.db.one(
            "SELECT id, last4 FROM bank_cards WHERE user_id = 1 AND removed = 0 ORDER BY id DESC"
        )
        assert row is not None and row["last4"] == good_number[-4:]
        table = screen.query_one("#wl-cards", DataTable)
        cells = [str(cell) for cell in table.get_row(str(row["id"]))]
        assert cells[0] == f"•••• {good_number[-4:]}"
        assert not any(good_number[:12] in cell for cell in cells)
        await pilot.press("end")  # the new card, last in the list
        await pilot.press("d")  # remove it
        await settle(pilot)
        await pilot.press("y")  # yes, remove
        await settle(pilot)
        assert table.row_count == 1
    removed = backend_ctx.db.scalar("SELECT removed FROM bank_cards WHERE id = ?", (row["id"],))
    assert removed == 1


async def test_bnpl_is_blocked_without_real_name_then_enabled_after_the_steps(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    user_id, token = new_user(backend_ctx)
    id_number = NEW_ID_FIRST17 + id_check_char(NEW_ID_FIRST17)
    card_number = with_check_digit("621700987654321")
    app = make_app(token=token, open_target="wallet")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WalletScreen)
        await pilot.press("right_square_bracket", "right_square_bracket")  # the pay-later tab
        status = text_of(screen, "#wl-bnpl-status")
        assert "✗ Real-name verification" in status and "✗ A bound bank card" in status
        await pilot.press("e")  # enable: real name is asked for first
        await settle(pilot)
        assert isinstance(app.screen, RealNameScreen)
        assert "needs real-name verification first" in text_of(screen, "#wl-bnpl-message")
        enabled = backend_ctx.db.scalar("SELECT bnpl_enabled FROM users WHERE id = ?", (user_id,))
        assert enabled == 0
        await pilot.press(*NEW_NAME)  # the name on the ID card
        await pilot.press("tab")  # to the ID number
        await pilot.press(*id_number)  # a valid resident ID
        await pilot.press("enter")  # verify
        await settle(pilot)
        assert isinstance(app.screen, AddCardModal)  # next: a card
        await pilot.press(*card_number)  # a valid card number
        await pilot.press("tab")  # to the holder
        await pilot.press(*NEW_NAME)  # the verified name
        await pilot.press("enter")  # add it; the pay-later agreement comes next
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Pay later agreement" in text_of(app.screen, "#wl-confirm-question")
        await pilot.press("n")  # not now: pay-later stays off
        await settle(pilot)
        assert app.screen is screen
        assert "needs the agreement accepted" in text_of(screen, "#wl-bnpl-message")
        assert backend_ctx.db.scalar("SELECT bnpl_enabled FROM users WHERE id = ?", (user_id,)) == 0
        await pilot.press("e")  # enable again: only the agreement is left
        await settle(pilot)
        await pilot.press("y")  # accept it
        await settle(pilot)
        assert app.screen is screen
        assert "limit is ¥1,500.00" in text_of(screen, "#wl-bnpl-message")
        assert "Limit ¥1,500.00" in text_of(screen, "#wl-bnpl-status")
    user = backend_ctx.db.one("SELECT bnpl_enabled, real_name FROM users WHERE id = ?", (user_id,))
    assert user is not None and user["bnpl_enabled"] == 1 and user["real_name"] == NEW_NAME


async def test_buy_with_bnpl_then_repay_the_bill_early_from_the_balance(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    wallet_service.enable_bnpl(backend_ctx, 1, "en")
    app = make_app(token=demo_token, open_target="wallet")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.shop.backend is not None
        order_id = await buy_with_bnpl(app.shop.backend.client, backend_ctx)
        bill = backend_ctx.db.one(
            "SELECT id, amount_fen FROM bnpl_bills WHERE order_id = ?", (order_id,)
        )
        assert bill is not None
        await pilot.press("right_square_bracket", "right_square_bracket")  # the pay-later tab
        await settle(pilot)
        await pilot.press("l")  # the bills
        await settle(pilot)
        bills_screen = app.screen
        assert isinstance(bills_screen, BnplScreen)
        assert [b.id for b in bills_screen.bills] == [bill["id"]]
        await pilot.press("r")  # repay early
        await settle(pilot)
        assert isinstance(app.screen, SecretPromptModal)
        await pilot.press(*"000000", "enter")  # a wrong payment password
        await settle(pilot)
        assert "4 attempts left" in text_of(app.screen, "#sp-status")
        assert backend_ctx.db.scalar("SELECT repaid_fen FROM bnpl_bills") == 0
        await pilot.press(*DEMO_PAYMENT_PASSWORD, "enter")  # the right one: repaid
        await settle(pilot)
        assert app.screen is bills_screen
        assert bills_screen.bills[0].status == "repaid"
        assert "Everything is repaid" in text_of(bills_screen, "#bn-status")
    balance = backend_ctx.db.scalar("SELECT balance_fen FROM users WHERE id = 1")
    assert balance == DEMO_BALANCE_FEN - bill["amount_fen"]
    repaid = backend_ctx.db.one("SELECT repaid_fen FROM bnpl_bills WHERE id = ?", (bill["id"],))
    assert repaid is not None and repaid["repaid_fen"] == bill["amount_fen"]


async def test_repay_without_enough_balance_says_so_in_words(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    wallet_service.enable_bnpl(backend_ctx, 1, "en")
    backend.client.token = demo_token
    await buy_with_bnpl(backend.client, backend_ctx)
    with backend_ctx.db.tx():
        backend_ctx.db.execute("UPDATE users SET balance_fen = 1 WHERE id = 1")
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.push_screen(BnplScreen())
        await settle(pilot)
        await pilot.press("r")  # repay early
        await settle(pilot)
        await pilot.press(*DEMO_PAYMENT_PASSWORD, "enter")  # confirm with the password
        await settle(pilot)
        assert isinstance(app.screen, SecretPromptModal)
        assert "Insufficient funds" in text_of(app.screen, "#sp-status")
        assert "Top up the balance" in text_of(app.screen, "#sp-status")
    assert backend_ctx.db.scalar("SELECT repaid_fen FROM bnpl_bills") == 0


async def test_a_bill_past_its_due_date_shows_as_overdue(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    wallet_service.enable_bnpl(backend_ctx, 1, "en")
    backend.client.token = demo_token
    order_id = await buy_with_bnpl(backend.client, backend_ctx)
    await backend.client.confirm_receipt(order_id)  # the bill's 30 days start now
    backend_ctx.clock.advance(31 * DAY)
    fresh_token, _ = sessions.issue(backend_ctx, 1)  # the old one has expired by now
    app = make_app(token=fresh_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(BnplScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BnplScreen)
        assert [bill.status for bill in screen.bills] == ["overdue"]
        row = screen.query_one(DataTable).get_row_at(0)
        assert "Overdue" in str(row[-1])
        assert "1 overdue" in text_of(screen, "#bn-status")


async def test_many_bills_load_a_page_at_a_time(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    wallet_service.enable_bnpl(backend_ctx, 1, "en")
    for number in range(23):
        order_id = insert_order(
            backend_ctx,
            1,
            total_fen=1000 + number,
            paid_at=backend_ctx.now(),
            payment_method="bnpl",
        )
        ledger.bnpl_charge(backend_ctx, 1, order_id, 1000 + number)
        backend_ctx.clock.advance(60)
    newest_first = [
        row["id"] for row in backend_ctx.db.all("SELECT id FROM bnpl_bills ORDER BY id DESC")
    ]
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(BnplScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BnplScreen)
        assert [bill.id for bill in screen.bills] == newest_first[:20]
        assert "more below" in text_of(screen, "#bn-status")
        await pilot.press("end")  # to the last row: the next page comes
        await settle(pilot)
        assert [bill.id for bill in screen.bills] == newest_first
        assert "more below" not in text_of(screen, "#bn-status")


async def test_history_shows_the_year_of_last_years_entries(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    """This year's entries read `11-23 10:00`; last year's `2025-11-24` (the clock is frozen
    at 2026-11-24 10:00 China time)."""
    entries = (("last-year", "2025-11-24T02:00:00Z"), ("yesterday", "2026-11-23T02:00:00Z"))
    with backend_ctx.db.tx():
        for note, at in entries:
            backend_ctx.db.execute(
                "INSERT INTO wallet_transactions(user_id, account, kind, amount_fen, note, at)"
                " VALUES (1, 'balance', 'refund', -2000, ?, ?)",
                (note, parse_iso(at)),
            )
    app = make_app(token=demo_token, open_target="wallet")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#wl-history", DataTable)
        shown = [table.get_row_at(index) for index in range(table.row_count)]
        rows = {note: next(row for row in shown if str(row[2]) == note) for note, _ in entries}
        assert str(rows["last-year"][0]) == "2025-11-24"
        assert str(rows["yesterday"][0]) == "11-23 10:00"
        assert str(rows["yesterday"][3]) == "-¥20.00"
