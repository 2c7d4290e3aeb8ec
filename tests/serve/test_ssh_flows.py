"""Whole journeys over `kshop serve ssh`, typed key by key into real SSH sessions (each a
real `kshop --served` child on a pty) against the bundled backend in its subprocess:
two people's carts side by side, a purchase to the result screen, a connection lost in
the middle of paying, and the deep links. Every test asserts the backend's rows (cart
lines, orders, payments, the balance in fen), not only what the screen said.

Keys go one step at a time, and after a key that moves the focus the test waits for the
screen to show it before typing on: Textual hands each key to the widget focused when
the key is read, so typing sent together with the focus change would land elsewhere."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from fake_backend.storage.db import Database
from kshop_tui.api.client import KshopClient
from kshop_tui.text import mask_phone, money
from tests.conftest import DEMO_USER_ID
from tests.serve.conftest import (
    DEMO_PHONE_MASKED,
    StartServer,
    Terminal,
    child_pids,
    connect,
    environment_of,
    gone,
    open_shop,
    sms_code,
    the_child,
    until,
)

DEMO_PHONE = "13800138000"
DEMO_PASSWORD = "demo1234"
PAYMENT_PASSWORD = "123456"
NEW_USER_PASSWORD = "Second2026x"
LOGIN_TITLE = "Log in to kshop"
CTRL_S, CTRL_T = b"\x13", b"\x14"


# --- the backend's side ----------------------------------------------------------------


async def register_user(backend_url: str) -> tuple[int, str, str]:
    """A new account on the backend, as the register screen would make it: (user id,
    phone, token). The phone is random so a module's tests never collide."""
    phone = f"139{random.randrange(10**8):08d}"
    api = KshopClient(backend_url)
    try:
        await api.send_sms_code(phone, "register")
        result = await api.register(phone, await sms_code(backend_url, phone), NEW_USER_PASSWORD)
        api.token = result.token
        me = await api.me()
    finally:
        await api.aclose()
    return me.id, phone, result.token


def plain_products(db: Database, count: int) -> list[tuple[int, str]]:
    """(product id, name) of ordinary products (returnable: no engraving, nothing
    perishable or virtual) whose every spec is in stock and at most ¥500, each with a
    name of its own short enough to show whole at 80 columns."""
    rows = db.all(
        "SELECT p.id, p.name FROM products p JOIN skus s ON s.product_id = p.id"
        " WHERE p.returnable = 1 AND length(p.name) <= 14 AND p.name NOT GLOB '*[[【(]*'"
        " AND (SELECT COUNT(*) FROM products twin WHERE twin.name = p.name) = 1"
        " GROUP BY p.id HAVING MIN(s.stock) >= 20 AND MAX(s.price_fen) <= 50000"
        " ORDER BY p.id LIMIT ?",
        (count,),
    )
    assert len(rows) == count
    return [(int(row["id"]), str(row["name"])) for row in rows]


def cart_lines(db: Database, user_id: int) -> list[tuple[int, int]]:
    """(product id, quantity) of each line in the user's cart."""
    rows = db.all(
        "SELECT s.product_id, c.qty FROM cart_items c JOIN skus s ON s.id = c.sku_id"
        " WHERE c.user_id = ? ORDER BY c.id",
        (user_id,),
    )
    return [(int(row["product_id"]), int(row["qty"])) for row in rows]


def balance_fen(db: Database, user_id: int = DEMO_USER_ID) -> int:
    return int(db.scalar("SELECT balance_fen FROM users WHERE id = ?", (user_id,)))


def last_order_id(db: Database) -> int:
    return int(db.scalar("SELECT COALESCE(MAX(id), 0) FROM orders"))


def orders_since(db: Database, order_id: int, user_id: int = DEMO_USER_ID) -> list[Any]:
    """The user's orders placed after `order_id` (the last one before the test began)."""
    return db.all(
        "SELECT * FROM orders WHERE user_id = ? AND id > ? ORDER BY id", (user_id, order_id)
    )


def charges_of(db: Database, order_id: int) -> tuple[int, int]:
    """(succeeded payments, money taken from the balance in fen) for one order."""
    paid = int(
        db.scalar(
            "SELECT COUNT(*) FROM payments WHERE order_id = ? AND status = 'succeeded'",
            (order_id,),
        )
    )
    taken = int(
        db.scalar(
            "SELECT COALESCE(-SUM(amount_fen), 0) FROM wallet_transactions"
            " WHERE order_id = ? AND account = 'balance' AND kind = 'payment'",
            (order_id,),
        )
    )
    return paid, taken


def a_product_to_buy(db: Database) -> tuple[int, str]:
    """(product id, name) of something the demo user's balance easily pays for."""
    ((product_id, name),) = plain_products(db, 1)
    return product_id, name


# --- a person at the keyboard ------------------------------------------------------------


async def log_in_with_password(shop: Terminal, phone: str, password: str) -> None:
    """On the login screen (the phone field has the focus): the password method, then in."""
    mark = shop.mark()
    await shop.press(phone)
    await shop.wait_for(phone, since=mark)
    mark = shop.mark()
    await shop.press(CTRL_T)  # ctrl+t: the password method; the phone carries over and
    await shop.wait_for("Your password", since=mark)  # the empty password field has focus
    mark = shop.mark()
    await shop.press(password)
    await shop.wait_for("•" * len(password), since=mark)
    mark = shop.mark()
    await shop.press("\r")  # enter: log in
    await shop.wait_for(f"Welcome back, {mask_phone(phone)}", since=mark)


async def buy_now_to_the_password(shop: Terminal) -> None:
    """On a product page, logged out: buy now, log in as the demo user, review, place;
    stops at the payment password."""
    mark = shop.mark()
    await shop.press("B")  # buy now
    await shop.wait_for(LOGIN_TITLE, since=mark)
    await log_in_with_password(shop, DEMO_PHONE, DEMO_PASSWORD)
    await shop.wait_for("Step 1/2", since=mark)
    await shop.wait_for("Total ¥", since=mark)  # priced: the order can be reviewed
    mark = shop.mark()
    await shop.press(CTRL_S)  # ctrl+s: review
    await shop.wait_for("Step 2/2", since=mark)
    await shop.wait_for("Place order", since=mark)
    mark = shop.mark()
    await shop.press("\r")  # enter: place the order
    await shop.wait_for("Payment password", since=mark)
    await shop.wait_for("6 digits", since=mark)  # its input has the focus


async def type_payment_password(shop: Terminal) -> None:
    mark = shop.mark()
    await shop.press(PAYMENT_PASSWORD)  # six digits pay at once
    await shop.wait_for("Payment successful", since=mark)


async def wait_for_order_row(shop: Terminal, order_no: str, status: str) -> None:
    """Until the orders list shows the order's row with that status (the tabs above it
    carry the same words, so the row is matched as a whole)."""
    row = re.compile(re.escape(order_no) + r"[^\r\n]*" + re.escape(status))
    await shop.wait_until(lambda: row.search(shop.text()) is not None, f"{order_no}: {status}")


async def pay_from_orders(shop: Terminal, total_fen: int) -> None:
    """On the orders screen with the unpaid order highlighted: pay it with the balance."""
    mark = shop.mark()
    await shop.press("p")  # pay
    await shop.wait_for(f"Pay {money(total_fen)} with", since=mark)  # the order we meant
    mark = shop.mark()
    await shop.press("\r")  # enter: the balance, offered first
    await shop.wait_for("Payment password", since=mark)
    await shop.wait_for("6 digits", since=mark)
    await type_payment_password(shop)


async def open_product_page(
    conn: asyncssh.SSHClientConnection, product_id: int, name: str
) -> Terminal:
    shop = await open_shop(conn, f"product {product_id}")
    await shop.wait_for(name)
    await shop.wait_for("Buy now")  # the page is loaded and its keys work
    return shop


# --- two people at once ----------------------------------------------------------------


async def test_two_sessions_keep_two_carts(
    start_server: StartServer, backend_url: str, backend_db: Database
) -> None:
    server, port = await start_server()
    other_id, other_phone, _ = await register_user(backend_url)
    (mine_id, mine_name), (theirs_id, theirs_name) = plain_products(backend_db, 2)
    assert cart_lines(backend_db, DEMO_USER_ID) == []
    async with await connect(port) as demo_conn, await connect(port) as other_conn:
        demo = await open_product_page(demo_conn, mine_id, mine_name)
        demo_pid = the_child(server)
        other = await open_product_page(other_conn, theirs_id, theirs_name)
        (other_pid,) = child_pids(server) - {demo_pid}

        # The demo user adds one; a guest's add asks for the login, then carries on.
        mark = demo.mark()
        await demo.press("a")  # add to cart
        await demo.wait_for(LOGIN_TITLE, since=mark)
        mark = demo.mark()
        await log_in_with_password(demo, DEMO_PHONE, DEMO_PASSWORD)
        await demo.wait_for("Cart 1", since=mark)

        # The other user, meanwhile logged out in their own session, adds two.
        assert DEMO_PHONE_MASKED not in other.text()
        mark = other.mark()
        await other.press("+")  # quantity 2
        await other.wait_for("2 [+]", since=mark)
        mark = other.mark()
        await other.press("a")  # add to cart
        await other.wait_for(LOGIN_TITLE, since=mark)
        mark = other.mark()
        await log_in_with_password(other, other_phone, NEW_USER_PASSWORD)
        await other.wait_for("Cart 2", since=mark)

        assert cart_lines(backend_db, DEMO_USER_ID) == [(mine_id, 1)]
        assert cart_lines(backend_db, other_id) == [(theirs_id, 2)]

        # Each cart screen shows its own line, under its own header.
        for shop, own, others, count, who in (
            (demo, mine_name, theirs_name, "Cart 1", DEMO_PHONE_MASKED),
            (other, theirs_name, mine_name, "Cart 2", mask_phone(other_phone)),
        ):
            mark = shop.mark()
            await shop.press("c")  # the cart
            await shop.wait_for("selected", since=mark)
            for expected in (own, count, who):
                await shop.wait_for(expected, since=mark)
            assert others not in shop.text(mark)

        # Two children, two data directories, and no login token in either.
        data_dirs = [
            Path(environment_of(server, pid)["KSHOP_DATA_DIR"]) for pid in (demo_pid, other_pid)
        ]
        assert data_dirs[0] != data_dirs[1]
        for data_dir in data_dirs:
            assert data_dir.is_dir()
            assert not [path for path in data_dir.rglob("*") if "token" in path.name]
    await until(lambda: gone(demo_pid) and gone(other_pid), "both children reaped")


# --- buying ----------------------------------------------------------------------------


async def test_a_purchase_over_ssh_is_paid_once(
    start_server: StartServer, backend_db: Database
) -> None:
    _, port = await start_server()
    product_id, name = a_product_to_buy(backend_db)
    before_order, before_balance = last_order_id(backend_db), balance_fen(backend_db)
    async with await connect(port) as conn:
        shop = await open_product_page(conn, product_id, name)
        await buy_now_to_the_password(shop)
        await type_payment_password(shop)
        (order,) = orders_since(backend_db, before_order)
        assert order["order_no"] in shop.text()
    assert order["status"] == "awaiting_shipment" and order["paid_method"] == "balance"
    assert charges_of(backend_db, order["id"]) == (1, order["total_fen"])
    assert balance_fen(backend_db) == before_balance - order["total_fen"]


async def test_disconnect_at_the_password_then_pay_from_orders(
    start_server: StartServer, backend_db: Database
) -> None:
    server, port = await start_server()
    key = asyncssh.generate_private_key("ssh-ed25519")
    product_id, name = a_product_to_buy(backend_db)
    before_order, before_balance = last_order_id(backend_db), balance_fen(backend_db)
    conn = await connect(port, key)
    shop = await open_product_page(conn, product_id, name)
    await buy_now_to_the_password(shop)  # the login links the key
    (order,) = orders_since(backend_db, before_order)
    assert order["status"] == "pending_payment"
    pid = the_child(server)
    conn.abort()  # the line drops: no goodbye
    await until(lambda: gone(pid), "the child reaped")

    async with await connect(port, key) as conn:
        shop = await open_shop(conn, "orders")
        await shop.wait_for(DEMO_PHONE_MASKED)  # the key logged this session in
        await wait_for_order_row(shop, order["order_no"], "To pay")
        assert LOGIN_TITLE not in shop.text()
        (still,) = orders_since(backend_db, before_order)
        assert still["status"] == "pending_payment"
        assert balance_fen(backend_db) == before_balance
        await pay_from_orders(shop, order["total_fen"])
    (paid,) = orders_since(backend_db, before_order)
    assert paid["id"] == order["id"] and paid["status"] == "awaiting_shipment"
    assert charges_of(backend_db, order["id"]) == (1, order["total_fen"])
    assert balance_fen(backend_db) == before_balance - order["total_fen"]


@pytest.mark.parametrize("hang_up", ["with the last digit", "once it says paying"])
async def test_disconnect_right_after_the_last_digit_charges_at_most_once(
    start_server: StartServer, backend_db: Database, hang_up: str
) -> None:
    server, port = await start_server()
    key = asyncssh.generate_private_key("ssh-ed25519")
    product_id, name = a_product_to_buy(backend_db)
    before_order, before_balance = last_order_id(backend_db), balance_fen(backend_db)
    conn = await connect(port, key)
    shop = await open_product_page(conn, product_id, name)
    await buy_now_to_the_password(shop)
    mark = shop.mark()
    await shop.press(PAYMENT_PASSWORD[:-1])
    await shop.wait_for("•" * (len(PAYMENT_PASSWORD) - 1), since=mark)
    pid = the_child(server)
    mark = shop.mark()
    shop.process.stdin.write(PAYMENT_PASSWORD[-1:].encode())  # the last digit ...
    if hang_up == "once it says paying":  # ... the request on its way ...
        # An answer that comes within one frame replaces "Paying…" before it is drawn.
        await shop.wait_until(
            lambda: any(words in shop.text(mark) for words in ("Paying…", "Payment successful")),
            "'Paying…' or its result",
        )
    conn.close()  # ... and the connection ends at once
    await until(lambda: gone(pid), "the child reaped")

    async with await connect(port, key) as conn:
        shop = await open_shop(conn, "orders")
        await shop.wait_for(DEMO_PHONE_MASKED)
        (order,) = orders_since(backend_db, before_order)
        await shop.wait_for(order["order_no"])
        total = order["total_fen"]
        paid, taken = charges_of(backend_db, order["id"])
        assert (paid, taken) in ((0, 0), (1, total))  # paid once or not at all
        assert balance_fen(backend_db) == before_balance - taken
        assert (order["status"] == "awaiting_shipment") == (paid == 1)
        if paid:  # the request got through before the line went
            await wait_for_order_row(shop, order["order_no"], "To ship")
        else:  # the digit or the request was lost with the line: pay it now
            await wait_for_order_row(shop, order["order_no"], "To pay")
            await pay_from_orders(shop, total)
    (order,) = orders_since(backend_db, before_order)
    assert order["status"] == "awaiting_shipment"
    assert charges_of(backend_db, order["id"]) == (1, total)
    assert balance_fen(backend_db) == before_balance - total


# --- deep links ------------------------------------------------------------------------


async def test_deep_link_cart_opens_the_cart(
    start_server: StartServer, backend_url: str, backend_db: Database
) -> None:
    _, port = await start_server()
    user_id, phone, token = await register_user(backend_url)
    ((product_id, name),) = plain_products(backend_db, 1)
    sku_id = int(backend_db.scalar("SELECT MIN(id) FROM skus WHERE product_id = ?", (product_id,)))
    key = asyncssh.generate_private_key("ssh-ed25519")
    api = KshopClient(backend_url)
    api.token = token
    try:
        await api.link_ssh_key(key.get_fingerprint("sha256"), "test key")
        await api.add_to_cart(sku_id, 3)
    finally:
        await api.aclose()
    async with await connect(port, key) as conn:
        shop = await open_shop(conn, "cart")
        await shop.wait_for(mask_phone(phone))
        await shop.wait_for("selected")
        await shop.wait_for(name)
        await shop.wait_for("Cart 3")
        assert LOGIN_TITLE not in shop.text()
    assert cart_lines(backend_db, user_id) == [(product_id, 3)]


async def test_deep_link_search_shows_the_results(
    start_server: StartServer, backend_url: str, backend_db: Database
) -> None:
    _, port = await start_server()
    api = KshopClient(backend_url)
    try:
        found = await api.search_products(q="python")
    finally:
        await api.aclose()
    assert 0 < found.total < int(backend_db.scalar("SELECT COUNT(*) FROM products"))
    async with await connect(port) as conn:
        shop = await open_shop(conn, "search python")
        await shop.wait_for(f"{found.total} found")  # the backend's count for the words
        await shop.wait_for("Python编程")  # what they match
        await shop.wait_for("python")  # the words, in the search box
