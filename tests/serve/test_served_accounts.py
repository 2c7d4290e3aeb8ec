"""A visitor of `kshop serve ssh` gets into no account they did not create (docs/api.md §7.7),
typed key by key into real SSH sessions against the bundled backend in its subprocess,
as `kshop serve` starts it: someone else's phone yields no code on the visitor's screen,
no login and no linked key; a brand-new phone still shows its code and registers."""

from __future__ import annotations

import re
from pathlib import Path

import asyncssh
import httpx

from fake_backend.clock import Clock
from fake_backend.storage import ssh_keys
from fake_backend.storage.db import Database
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.text import mask_phone
from tests.serve.conftest import (
    GUEST_HEADER,
    StartServer,
    Terminal,
    codes_sent_to,
    connect,
    open_shop,
    served_options,
)
from tests.serve.test_ssh_flows import NEW_USER_PASSWORD, register_user
from tests.tui.helpers import notifications, settle, text_of

CTRL_G, CTRL_T = b"\x07", b"\x14"
LOGIN_TITLE = "Log in to kshop"
DEMO_SMS = re.compile(r"Demo SMS: your code is (\d{6})")
WITHHELD = "the code went to this phone's owner"


def owner_of(db: Database, key: asyncssh.SSHKey) -> int | None:
    row = ssh_keys.by_fingerprint(db, key.get_fingerprint("sha256"))
    return None if row is None else int(row["user_id"])


async def let_a_new_code_go(backend_url: str) -> None:
    """Moves the backend's clock past the one-code-a-minute limit of a phone."""
    async with httpx.AsyncClient(base_url=backend_url) as http:
        response = await http.post("/_dev/clock/advance", json={"seconds": 61})
        response.raise_for_status()


async def to_the_login(shop: Terminal) -> None:
    await shop.wait_for(GUEST_HEADER)
    mark = shop.mark()
    await shop.press("l")  # log in
    await shop.wait_for(LOGIN_TITLE, since=mark)


async def get_a_code(shop: Terminal, phone: str) -> int:
    """Types the phone into the focused field and asks for a code; answers the mark
    from before the request, once the screen says the code was sent."""
    mark = shop.mark()
    await shop.press(phone)
    await shop.wait_for(phone, since=mark)
    mark = shop.mark()
    await shop.press(CTRL_G)  # ctrl+g: get a code (the code field then has the focus)
    await shop.wait_for("Code sent to", since=mark)
    return mark


async def test_someone_else_s_phone_gives_a_visitor_no_code_no_login_no_linked_key(
    start_server: StartServer, backend_url: str, backend_db: Database
) -> None:
    _, port = await start_server()
    owner_id, phone, _ = await register_user(backend_url)
    await let_a_new_code_go(backend_url)
    key = asyncssh.generate_private_key("ssh-ed25519")
    async with await connect(port, key) as conn:
        shop = await open_shop(conn)
        await to_the_login(shop)
        mark = await get_a_code(shop, phone)
        # Whatever the demo help says about the code, it has said it once this shows up.
        await shop.wait_until(
            lambda: WITHHELD in shop.text(mark) or DEMO_SMS.search(shop.text(mark)) is not None,
            "the demo help's word on the code",
        )
        sent = codes_sent_to(backend_db, phone)
        assert len(sent) == 2  # the register code of the account's creation, and this one
        shown = shop.text()
        assert DEMO_SMS.search(shown) is None
        assert not [code for code in sent if code in shown]
        # Guessing is all that is left: refused, still a guest, the key linked to nobody.
        mark = shop.mark()
        await shop.press("123456")
        await shop.wait_for("123456", since=mark)
        mark = shop.mark()
        await shop.press("\r")  # enter: log in
        await shop.wait_for("Wrong phone, code or password", since=mark)
        mark = shop.mark()
        await shop.press("\x1b")  # escape: back out of the login, still a guest
        await shop.wait_for(GUEST_HEADER, since=mark)
        assert "Welcome back" not in shop.text()
    assert owner_of(backend_db, key) is None
    assert not ssh_keys.keys_of(backend_db, owner_id)


async def test_a_visitor_registers_a_new_phone_with_the_code_shown(
    start_server: StartServer, backend_db: Database
) -> None:
    _, port = await start_server()
    phone = "13700137001"
    key = asyncssh.generate_private_key("ssh-ed25519")
    async with await connect(port, key) as conn:
        shop = await open_shop(conn)
        await to_the_login(shop)
        mark = shop.mark()
        await shop.press(CTRL_T)  # ctrl+t: the password method
        await shop.wait_for("Your password", since=mark)
        mark = shop.mark()
        await shop.press(CTRL_T)  # ctrl+t: the register method
        await shop.wait_for("The same password again", since=mark)
        mark = await get_a_code(shop, phone)
        await shop.wait_until(lambda: DEMO_SMS.search(shop.text(mark)) is not None, "the code")
        match = DEMO_SMS.search(shop.text(mark))
        assert match is not None and codes_sent_to(backend_db, phone) == [match.group(1)]
        for typed, shows in (
            (match.group(1), match.group(1)),  # the code, then tab: the password
            ("\t", "8+ letters"),
            (NEW_USER_PASSWORD, "•" * len(NEW_USER_PASSWORD)),
            ("\t", "The same password"),
            (NEW_USER_PASSWORD, "•" * len(NEW_USER_PASSWORD)),
        ):
            mark = shop.mark()
            await shop.press(typed)
            await shop.wait_for(shows, since=mark)
        mark = shop.mark()
        await shop.press("\r")  # enter: register
        await shop.wait_for(f"Account created for {mask_phone(phone)}", since=mark)
        await shop.wait_for("This SSH key is now linked", since=mark)
    user_id = int(backend_db.scalar("SELECT id FROM users WHERE phone = ?", (phone,)))
    assert owner_of(backend_db, key) == user_id


async def test_a_served_session_marks_its_requests_so_any_dev_backend_keeps_codes(
    db_path: Path, clock: Clock, tmp_path: Path
) -> None:
    """Served in front of a backend of another kind (one that shows every code to
    whoever asks, as `kshop-backend` does for a developer), the session's client says it
    serves a visitor, and the backend withholds the existing account's code all the same."""
    client = {"language": lambda: "en", "served": True}
    app = KshopApp(served_options(db_path, clock, tmp_path, client))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(LoginScreen())
        await settle(pilot)
        assert "register a new phone" in text_of(app.screen, "#demo-hint")
        await pilot.press(*"13800138000", "ctrl+g")  # the demo account's phone: get a code
        await settle(pilot)
        shown = notifications(app)
        assert [n for n in shown if "went to this phone's owner" in n]
        assert not [n for n in shown if "Demo SMS" in n]
