"""Warm shops (`kshop serve ssh --warm N`, serve/warm.py): shops started before anyone
comes, each taken by the next visitor whose shop would start the same way, who sees the
first screen it drew, at their own size, and whose address and key it learns; other
visitors get a shop of their own; a taken one is replaced once arrivals pause, and none
is left behind when the server stops."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import asyncssh

from fake_backend.clock import Clock
from fake_backend.storage.db import Database
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.serve.ssh import ShopSshServer
from kshop_tui.shop import visitor
from tests.serve.conftest import (
    GUEST_HEADER,
    StartServer,
    Terminal,
    codes_sent_to,
    connect,
    gone,
    open_shop,
    served_options,
    the_child,
    until,
)


def waiting(server: ShopSshServer) -> set[int]:
    """The pids of the warm shops that have drawn their first screen."""
    assert server.warm is not None
    return {shop.child.pid for shop in server.warm._shops if shop.ready}


async def warm_server(start_server: StartServer, **options: Any) -> tuple[ShopSshServer, int, int]:
    """A server with one warm shop, once it is ready: (server, port, its pid)."""
    server, port = await start_server(warm=1, **options)
    await until(lambda: len(waiting(server)) == 1, "a warm shop")
    (warm,) = waiting(server)
    return server, port, warm


async def test_a_visitor_takes_a_warm_shop_and_another_takes_its_place(
    start_server: StartServer,
) -> None:
    server, port, warm = await warm_server(start_server)
    async with await connect(port) as conn:
        shop = await open_shop(conn)
        await shop.wait_for("found")  # the results it showed before the visitor came
        await shop.wait_for(GUEST_HEADER)
        assert the_child(server) == warm
        await until(lambda: len(waiting(server) - {warm}) == 1, "a new warm shop")
        mark = shop.mark()
        await shop.press("/bwb")  # and it is the visitor's from now on
        await shop.wait_for("Relevance", since=mark)


async def test_a_warm_shop_redraws_at_its_visitor_s_size(start_server: StartServer) -> None:
    _, port, _ = await warm_server(start_server)
    async with await connect(port) as conn:
        shop = await open_shop(conn, size=(120, 40))
        await shop.wait_for("Filters")  # the filter panel: only from 100 columns on


async def test_a_visitor_with_a_deep_link_gets_a_shop_of_their_own(
    start_server: StartServer,
) -> None:
    server, port, warm = await warm_server(start_server)
    async with await connect(port) as conn:
        shop = await open_shop(conn, "cart")
        await shop.wait_for("Log in to kshop")
        assert the_child(server) != warm
        assert waiting(server) == {warm}


async def test_a_warm_shop_links_its_visitor_s_key_after_login(
    start_server: StartServer, backend_url: str, backend_db: Database
) -> None:
    server, port, warm = await warm_server(start_server)
    key = asyncssh.generate_private_key("ssh-ed25519")
    async with await connect(port, key) as conn:
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)
        assert the_child(server) == warm
        mark = shop.mark()
        await shop.press("l")
        await shop.wait_for("Log in to kshop", since=mark)
        await shop.press("13800138000")
        mark = shop.mark()
        await shop.press(b"\x07")  # ctrl+g: get a code
        await shop.wait_for("Code sent to", since=mark)
        mark = shop.mark()
        await shop.press(codes_sent_to(backend_db, "13800138000")[-1] + "\r")
        await shop.wait_for("This SSH key is now linked", since=mark)
    api = KshopClient(backend_url)
    try:
        api.token = (await api.login_with_password("13800138000", "demo1234")).token
        linked = await api.ssh_keys()
    finally:
        await api.aclose()
    assert key.get_fingerprint("sha256") in [k.fingerprint for k in linked]
    # The label names the visitor's address, which only the attach pipe told the shop.
    assert any(k.label.startswith("ssh ed25519 from 127.0.0.1, ") for k in linked)


async def test_no_warm_shop_outlives_the_server(start_server: StartServer) -> None:
    server, _ = await start_server(warm=2)
    await until(lambda: len(waiting(server)) == 2, "two warm shops")
    assert server.warm is not None
    shops = list(server.warm._shops)
    await server.close()
    assert all(gone(shop.child.pid) for shop in shops)
    assert not any(shop.workdir.exists() for shop in shops)


async def test_the_shop_hears_who_its_visitor_is_on_its_attach_pipe(
    db_path: Path, clock: Clock, tmp_path: Path
) -> None:
    attach_read, attach_write = os.pipe()
    options = served_options(db_path, clock, tmp_path, {}, attach_fd=attach_read)
    assert options.backend is not None
    client = options.backend.client
    app = KshopApp(options)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert client.visitor is None
        came = visitor.Visitor("203.0.113.9", "SHA256:abc", "ssh ed25519 from 203.0.113.9")
        os.write(attach_write, visitor.encode(came))
        os.close(attach_write)
        for _ in range(100):  # the loop reads the message, then the pipe's end
            if client.visitor is not None:
                break
            await pilot.pause()
        assert client.visitor == "203.0.113.9"
        assert app.options.ssh_fingerprint == "SHA256:abc"
        assert app.options.ssh_key_label == "ssh ed25519 from 203.0.113.9"


def test_the_visitor_message_is_read_back_and_anything_else_is_not() -> None:
    came = visitor.Visitor("203.0.113.9", "SHA256:abc", "ssh ed25519 from 203.0.113.9")
    assert visitor.decode(visitor.encode(came)) == came
    assert visitor.decode(visitor.encode(visitor.Visitor(None, None, None))) is not None
    for garbage in (b"", b"\xff", b"[]", b"null", b'{"address": 7}', b'{"ssh_key_label": []}'):
        assert visitor.decode(garbage) is None


async def test_warm_shops_follow_their_visitors_language(start_server: StartServer) -> None:
    server, port, _ = await warm_server(start_server, language=None)
    for _ in range(2):  # the first may find none in Chinese; the second finds one
        waiting_before = waiting(server)
        async with await connect(port) as conn:
            process = await conn.create_process(
                term_type="xterm-256color",
                term_size=(80, 24),
                encoding=None,
                env={"LANG": "zh_CN.UTF-8"},
            )
            shop = Terminal(process)
            await shop.wait_for("逛逛")
            served_warm = the_child(server) in waiting_before
        await until(lambda: len(waiting(server)) == 1, "a warm shop again")
    assert served_warm
    assert server.warm is not None
    assert [s.language for s in server.warm._shops] == ["zh_CN"]
