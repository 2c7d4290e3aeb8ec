"""Which backend the client talks to: the bundled one in this process (default), a
fresh seeded demo copy (`--demo`), or any server that speaks the API (`--backend URL`)."""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from kshop_tui.api.client import KshopClient

if TYPE_CHECKING:
    from fastapi import FastAPI

IN_PROCESS_URL = "http://127.0.0.1"


class BackendUnusable(Exception):
    """The bundled backend's database cannot be used (corrupt, read-only, another user's):
    nothing to retry. `str()` is one line naming the file and what to do."""


@dataclass
class Backend:
    """An open backend: its client, and what must be closed when the app ends."""

    client: KshopClient
    in_process: bool
    description: str
    remote_simulator: bool = False
    """Reached by URL, and the server mounts the fake backend's `/_dev` simulator (the
    bundled backend shared by `kshop serve`, or `kshop-backend` in its default mode)."""
    merchant: str = "auto"
    """The simulator's merchant mode where there is one: `auto` pays QR codes and approves
    QR logins by itself, `manual` leaves that to `/_dev` (`--merchant manual`)."""
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    @property
    def simulated(self) -> bool:
        """The fake backend's simulator is there: its SMS outbox stands in for the phone,
        and it pays QR codes and approves QR logins by itself (so the UI says so)."""
        return self.in_process or self.remote_simulator

    @property
    def simulator_pays(self) -> bool:
        """The simulator pays QR codes and approves QR logins by itself in a few seconds."""
        return self.simulated and self.merchant == "auto"

    async def close(self) -> None:
        await self.client.aclose()
        await self._stack.aclose()


async def open_backend(
    *,
    url: str | None,
    demo: bool,
    data_dir: Path,
    language: object,
    merchant: str = "auto",
    served: bool = False,
    visitor: str | None = None,
) -> Backend:
    """`language` is a callable answering the Accept-Language to send; `served`: a
    session of `kshop serve`, `visitor` its visitor's address (see `KshopClient`)."""
    lang = language if callable(language) else (lambda: "zh-CN")
    if url:
        client = KshopClient(url.rstrip("/"), language=lang, served=served, visitor=visitor)
        remote_merchant = await _simulator_merchant(client)
        return Backend(
            client=client,
            in_process=False,
            description=url,
            remote_simulator=remote_merchant is not None,
            merchant=remote_merchant or "manual",
        )
    stack = AsyncExitStack()
    if demo:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kshop-demo-")))
        db_path = folder / "demo.sqlite3"
    else:
        db_path = data_dir / "shop.sqlite3"
    # Building the app imports FastAPI and may seed the database: not on the UI thread.
    app = await asyncio.to_thread(_build_app, db_path, merchant)
    await stack.enter_async_context(app.router.lifespan_context(app))
    transport = httpx.ASGITransport(app=app)
    client = KshopClient(IN_PROCESS_URL, transport=transport, language=lang, served=served)
    description = "demo (temporary)" if demo else str(db_path)
    return Backend(
        client=client,
        in_process=True,
        description=description,
        merchant=app.state.ctx.merchant,
        _stack=stack,
    )


async def _simulator_merchant(client: KshopClient) -> str | None:
    """The remote simulator's merchant mode, None where there is no simulator."""
    from kshop_tui.api import errors

    try:
        return await client.dev_merchant()
    except errors.ApiError:
        return None  # a real backend, one started with --no-dev, or none answering


def _build_app(db_path: Path, merchant: str) -> FastAPI:
    from fake_backend.app import create_app
    from fake_backend.storage.db import DatabaseUnusable, private_data_folder

    try:
        # Our data folder (or the demo's temporary one): the shop's database lives there.
        private_data_folder(db_path)
        return create_app(db_path, merchant="auto" if merchant == "auto" else "manual")
    except DatabaseUnusable as error:
        raise BackendUnusable(str(error)) from error
