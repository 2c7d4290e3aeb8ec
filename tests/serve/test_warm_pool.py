"""WarmShops on its own (serve/warm.py), with the zygote's fork stood in for: it keeps its
count of shops, hands one only to a visitor whose shop would start the same way, starts
new ones after a take (a few together, one at a time while visitors type), replaces one
that ends while waiting, and leaves nothing behind when closed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from kshop_tui.serve import warm
from kshop_tui.serve.warm import WarmShops

ARGUMENTS = ["--served", "--backend", "http://127.0.0.1:9"]


class FakeChild:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ended = False
        self.on_end: Callable[[], None] = lambda: None

    def start(self, on_output: Callable[[bytes], None], on_end: Callable[[], None]) -> None:
        self.on_end = on_end
        on_output(b"first screen")

    async def end(self) -> int:
        self.ended = True
        return 0


class Forks:
    """Stands in for PtyChild.fork: a child that draws its first screen soon after."""

    def __init__(self) -> None:
        self.children: list[FakeChild] = []
        self.drawing = 0
        self.most_drawing = 0

    async def fork(
        self,
        zygote: object,
        arguments: Sequence[str],
        env: Mapping[str, str],
        columns: int,
        rows: int,
        *,
        attach: int,
        started: Callable[[], None],
    ) -> FakeChild:
        child = FakeChild(1000 + len(self.children))
        self.children.append(child)
        self.drawing += 1
        self.most_drawing = max(self.most_drawing, self.drawing)

        def drawn() -> None:
            self.drawing -= 1
            started()

        asyncio.get_running_loop().call_soon(drawn)
        return child


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Forks:
    stand_in = Forks()
    monkeypatch.setattr(warm.PtyChild, "fork", stand_in.fork)
    monkeypatch.setattr(warm, "QUIET_BEFORE_STARTING_S", 0.0)
    monkeypatch.setattr(warm, "BUSY_PAUSE_S", 0.0)
    monkeypatch.setattr(warm, "STARTED_TOGETHER", 3)
    return stand_in


def environment(workdir: Path) -> dict[str, str]:
    return {"TERM": "xterm-256color", "LANG": "en_US.UTF-8", "KSHOP_DATA_DIR": str(workdir)}


async def filled(shops: WarmShops) -> None:
    for _ in range(1000):
        if shops.ready == shops.count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{shops.ready} of {shops.count} warm shops ready")


async def started_shops(count: int, **options: Any) -> WarmShops:
    shops = WarmShops(object(), count, ARGUMENTS, environment, **options)
    shops.start()
    await filled(shops)
    return shops


async def test_it_keeps_its_count_and_hands_one_to_a_visitor_of_its_shape(
    forks: Forks, tmp_path: Path
) -> None:
    shops = await started_shops(3)
    assert len(forks.children) == 3
    assert forks.most_drawing == 3  # started together
    other_term = {**environment(tmp_path), "TERM": "vt100"}
    assert shops.take(ARGUMENTS, other_term) is None
    assert shops.take([*ARGUMENTS, "--open=cart"], environment(tmp_path)) is None
    taken = shops.take(ARGUMENTS, environment(tmp_path))  # its own data dir is no matter
    assert taken is not None and taken.ready and taken.recorded == b"first screen"
    await filled(shops)
    assert len(forks.children) == 4  # one new one in its place
    warm._close_attach(taken)
    await taken.child.end()
    await shops.close()


async def test_while_visitors_type_new_shops_start_one_at_a_time(forks: Forks) -> None:
    shops = await started_shops(3, busy=lambda: True)
    assert forks.most_drawing == 1
    await shops.close()


async def test_a_shop_that_ends_while_waiting_is_replaced(forks: Forks) -> None:
    shops = await started_shops(2)
    crashed = forks.children[0]
    crashed.on_end()
    await filled(shops)
    assert crashed.ended
    assert crashed.pid not in {shop.child.pid for shop in shops._shops}
    assert len(forks.children) == 3
    await shops.close()


async def test_closing_ends_every_waiting_shop_and_removes_its_data_dir(forks: Forks) -> None:
    shops = await started_shops(2)
    waiting = list(shops._shops)
    assert all(shop.workdir.is_dir() for shop in waiting)
    await shops.close()
    assert all(child.ended for child in forks.children)
    assert not any(shop.workdir.exists() for shop in waiting)
