"""`kshop serve web` in a real browser (headless Chromium, when the machine has one):
the terminal has the page's focus once it loads, so the first key reaches the shop
without a click, and the footer's keys are on the first screen."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from kshop_tui.i18n import translate
from tests.serve.test_web import (  # noqa: F401 (fixtures)
    WAIT_S,
    StartWeb,
    backend_url,
    base_url,
    shop_environment,
    start_web,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")


class DevTools:
    """Just enough of the Chrome DevTools Protocol: call a method, answer its result."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.last_id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.last_id += 1
        await self.socket.send_json({"id": self.last_id, "method": method, "params": params})
        while True:
            message = await self.socket.receive_json()
            if message.get("id") == self.last_id:
                result: dict[str, Any] = message.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call("Runtime.evaluate", expression=expression)
        return answer["result"].get("value")

    async def wait_for(self, expression: str) -> Any:
        async with asyncio.timeout(WAIT_S):
            while not (value := await self.evaluate(expression)):
                await asyncio.sleep(0.2)
        return value


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[DevTools]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--window-size=1000,700",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        async with asyncio.timeout(WAIT_S):
            while not port_file.exists() or not port_file.read_text().strip():
                await asyncio.sleep(0.1)
        port = port_file.read_text().split()[0]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json") as listing:
                pages = json.loads(await listing.text())
            page = next(entry for entry in pages if entry["type"] == "page")
            socket = await http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
            yield DevTools(socket)
            await socket.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


# The terminal draws on a canvas, so the page has no text to read: this records what the
# shop sends (as the page's own socket receives it), escape sequences removed.
RECORD_THE_SCREEN = r"""
window.__shown = "";
const PageWebSocket = window.WebSocket;
window.WebSocket = class extends PageWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      if (typeof event.data !== "string") {
        const text = new TextDecoder().decode(event.data);
        window.__shown += text
          .replace(/\x1b\[[0-9;?<>=$]*[ -\/]*[@-~]/g, "")
          .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "")
          .replace(/\x1b[()][0-9A-Za-z]|\x1b[=>78]/g, "");
      }
    });
  }
};
"""


def _shown_includes(*words: str) -> str:
    return " && ".join(f"window.__shown.includes({json.dumps(word)})" for word in words)


async def test_keys_reach_the_shop_without_a_click(
    start_web: StartWeb,  # noqa: F811
    browser: DevTools,
) -> None:
    server = await start_web()
    await browser.call("Page.enable")
    await browser.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_THE_SCREEN)
    await browser.call("Page.navigate", url=base_url(server) + "/")
    await browser.wait_for("document.body.classList.contains('-first-byte')")
    focused = "document.activeElement && document.activeElement.className"
    assert await browser.wait_for(focused) == "xterm-helper-textarea"
    # The footer's keys come with the first screen, before any key or click.
    footer = (translate("en", "key.quit"), translate("en", "key.filters"))
    assert await browser.wait_for(_shown_includes("Search products", *footer))
    # `l` (log in), typed as a person would, with no click on the page first.
    for kind in ("keyDown", "keyUp"):
        await browser.call(
            "Input.dispatchKeyEvent",
            type=kind,
            key="l",
            code="KeyL",
            windowsVirtualKeyCode=76,
            **({"text": "l"} if kind == "keyDown" else {}),
        )
    assert await browser.wait_for(_shown_includes(translate("en", "login.card_title")))
