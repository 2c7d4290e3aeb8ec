"""A backend reached by URL that mounts the fake backend's simulator (as `kshop serve`
shares it) gets the same demo help as the in-process one: the SMS code shown, QR codes
paid by themselves. A backend without it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_backend.app import create_app
from fake_backend.clock import Clock
from kshop_tui.api.backend import open_backend
from tests.faults.harness import serve_in_thread


@pytest.mark.parametrize("dev", [True, False])
async def test_a_url_backend_is_simulated_only_where_dev_is_mounted(
    db_path: Path, clock: Clock, tmp_path: Path, dev: bool
) -> None:
    app = create_app(db_path, clock, merchant="manual", dev=dev, seed=None)
    with serve_in_thread(app) as port:
        backend = await open_backend(
            url=f"http://127.0.0.1:{port}", demo=False, data_dir=tmp_path, language="en"
        )
        try:
            assert not backend.in_process
            assert backend.simulated is dev
        finally:
            await backend.close()


@pytest.mark.parametrize("merchant", ["auto", "manual"])
async def test_a_url_backend_tells_whether_its_simulator_pays_by_itself(
    db_path: Path, clock: Clock, tmp_path: Path, merchant: str
) -> None:
    """`/_dev/simulator` names the merchant mode, so the QR screens word their demo hint."""
    app = create_app(db_path, clock, merchant=merchant, dev=True, seed=None)  # type: ignore[arg-type]
    with serve_in_thread(app) as port:
        backend = await open_backend(
            url=f"http://127.0.0.1:{port}", demo=False, data_dir=tmp_path, language="en"
        )
        try:
            assert backend.simulated
            assert backend.merchant == merchant
            assert backend.simulator_pays is (merchant == "auto")
        finally:
            await backend.close()


@pytest.mark.parametrize("merchant", ["auto", "manual"])
async def test_the_bundled_backend_knows_its_own_merchant_mode(
    tmp_path: Path, merchant: str
) -> None:
    backend = await open_backend(
        url=None, demo=True, data_dir=tmp_path, language="en", merchant=merchant
    )
    try:
        assert backend.in_process and backend.merchant == merchant
        assert backend.simulator_pays is (merchant == "auto")
    finally:
        await backend.close()
