"""The app under test: one factory, wired to the in-process fake backend on the per-test
database (frozen clock, merchant manual). Never the network."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from textual.app import App
from textual.widgets import Input, TextArea

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from kshop_tui.api.backend import IN_PROCESS_URL, Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.config import Settings
from kshop_tui.shop.options import AppOptions

SIZES = [
    pytest.param((80, 24), id="ssh-80x24"),
    pytest.param((120, 40), id="wide-120x40"),
]


@pytest.fixture(autouse=True)
def deterministic_ui(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No blinking cursors or animations; config and data dirs of the test's own."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("KSHOP_CONFIG_FILE", str(tmp_path / "config.toml"))
    monkeypatch.setenv("KSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)
    # Toasts leave after a wall-clock timeout: on a loaded machine one could be gone before
    # a test (or a snapshot) looks at it. In tests they stay until the test ends.
    monkeypatch.setattr(App, "NOTIFICATION_TIMEOUT", 3600)


@pytest.fixture
def backend_app(db_path: Path, clock: Clock):  # type: ignore[no-untyped-def]
    return create_app(db_path, clock, merchant="manual", dev=True, seed=None)


@pytest.fixture
def backend_ctx(backend_app) -> Ctx:  # type: ignore[no-untyped-def]
    context: Ctx = backend_app.state.ctx
    return context


@pytest.fixture
def backend(backend_app) -> Backend:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=backend_app)
    client = KshopClient(IN_PROCESS_URL, transport=transport, language=lambda: "en")
    return Backend(client=client, in_process=True, description="test")


@pytest.fixture
def make_app(backend: Backend, tmp_path: Path) -> Iterator[Callable[..., KshopApp]]:
    """`make_app(lang="en", open_target=None, token=None)` → a KshopApp on the test backend."""

    def make(
        lang: str = "en", open_target: str | None = None, token: str | None = None
    ) -> KshopApp:
        backend.client._language = (lambda: "en") if lang == "en" else (lambda: "zh-CN")
        backend.client.token = token
        options = AppOptions(
            language=lang,
            backend=backend,
            data_dir=tmp_path / "data",
            settings=Settings(),
            persistent_tokens=False,
            open_target=open_target,
        )
        return KshopApp(options)

    yield make


@pytest.fixture
def demo_token(backend_ctx: Ctx) -> str:
    from fake_backend.services import sessions

    token, _ = sessions.issue(backend_ctx, 1)
    return token
