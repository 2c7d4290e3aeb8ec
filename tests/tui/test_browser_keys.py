"""Served on the web, the browser keeps some keys for itself (ctrl+t a new tab, ctrl+n a
new window, ctrl+w closes the tab): the page never sees them. No binding of the shop may
have one of those as its only key."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator

from textual.binding import Binding
from textual.dom import DOMNode

import kshop_tui
from kshop_tui.app import KshopApp
from tests.tui.test_login import open_login

BROWSER_KEYS = frozenset({"ctrl+t", "ctrl+n", "ctrl+w"})


def _shop_node_classes() -> Iterator[type[DOMNode]]:
    for module in pkgutil.walk_packages(kshop_tui.__path__, "kshop_tui."):
        if module.name.startswith(("kshop_tui.screens", "kshop_tui.widgets", "kshop_tui.app")):
            importlib.import_module(module.name)
    seen: set[type[DOMNode]] = set()
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass not in seen:
                seen.add(subclass)
                pending.append(subclass)
    yield from (cls for cls in seen if cls.__module__.startswith("kshop_tui."))


def _own_bindings(cls: type[DOMNode]) -> Iterator[Binding]:
    for entry in cls.__dict__.get("BINDINGS", []):
        yield entry if isinstance(entry, Binding) else Binding(*entry)


def test_the_walk_finds_the_bindings_that_use_browser_keys() -> None:
    ids = {
        binding.id
        for cls in _shop_node_classes()
        for binding in _own_bindings(cls)
        if BROWSER_KEYS & set(binding.key.split(","))
    }
    assert {"login.method", "support_chat.escalate", "after_sale.next"} <= ids


def test_no_binding_needs_a_key_the_browser_keeps() -> None:
    only_browser_keys = [
        f"{cls.__module__}.{cls.__name__}: {binding.key} ({binding.action})"
        for cls in _shop_node_classes()
        for binding in _own_bindings(cls)
        if set(binding.key.split(",")) <= BROWSER_KEYS
    ]
    assert only_browser_keys == []


async def test_f2_switches_the_login_method(make_app: Callable[..., KshopApp]) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press("f2")  # the password method, as ctrl+t
        assert app.focused is screen.query_one("#pw-phone")
