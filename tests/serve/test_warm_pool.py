"""WarmShops on its own (serve/warm.py), with the zygote's fork stood in for: it keeps its
count of shops, hands one only to a visitor whose shop would start the same way and speak
their language, follows the visitors' languages, starts new ones after a take (a few
together, one at a time while visitors type), replaces one that ends or waits too long,
and leaves nothing behind when closed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from kshop_tui.serve import warm
from kshop_tui.serve.ssh_session import shop_language, speaking
from kshop_tui.serve.warm import WarmShops
from tests.serve.conftest import until

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
        self.languages: list[str] = []
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
        self.languages.append(env["LANG"])
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


LOCALES = {"en": "en_US.UTF-8", "zh_CN": "zh_CN.UTF-8"}


def environment(workdir: Path, language: str = "en") -> dict[str, str]:
    return {"TERM": "xterm-256color", "LANG": LOCALES[language], "KSHOP_DATA_DIR": str(workdir)}


async def filled(shops: WarmShops) -> None:
    # Dropping a shop removes its data dir in a thread: polled, not counted in loop turns.
    await until(lambda: shops.ready == shops.count, f"all {shops.count} warm shops ready")


async def started_shops(count: int, **options: Any) -> WarmShops:
    shops = WarmShops(object(), count, ARGUMENTS, environment, "en", **options)
    shops.start()
    await filled(shops)
    return shops


async def test_it_keeps_its_count_and_hands_one_to_a_visitor_of_its_shape(
    forks: Forks, tmp_path: Path
) -> None:
    shops = await started_shops(3)
    assert len(forks.children) == 3
    assert forks.most_drawing == 3  # started together
    for other_colours in ({"TERM": "vt100"}, {"COLORTERM": "truecolor"}, {"TERM": "dumb"}):
        assert shops.take(ARGUMENTS, {**environment(tmp_path), **other_colours}, "en") is None
    assert shops.take([*ARGUMENTS, "--open=cart"], environment(tmp_path), "en") is None
    assert shops.take(ARGUMENTS, environment(tmp_path), None) is None  # no language said
    # Its own data dir and locale are no matter (the language is), nor its terminal's name
    # (its colours are).
    visitor = {**environment(tmp_path), "LANG": "en_GB.UTF-8", "TERM": "tmux-256color"}
    taken = shops.take(ARGUMENTS, visitor, "en")
    assert taken is not None and taken.ready and taken.recorded == b"first screen"
    await filled(shops)
    assert len(forks.children) == 4  # one new one in its place
    warm._close_attach(taken)
    await taken.child.end()
    await shops.close()


async def test_the_warm_shops_follow_the_visitors_languages(forks: Forks, tmp_path: Path) -> None:
    shops = await started_shops(2)
    assert forks.languages == ["en_US.UTF-8", "en_US.UTF-8"]
    chinese = environment(tmp_path, "zh_CN")
    # None in Chinese: the visitor's shop starts cold, and the oldest English one makes way.
    assert shops.take(ARGUMENTS, chinese, "zh_CN") is None
    await filled(shops)
    assert forks.children[0].ended
    assert sorted(shop.language for shop in shops._shops) == ["en", "zh_CN"]
    assert forks.languages[-1] == "zh_CN.UTF-8"
    taken = shops.take(ARGUMENTS, chinese, "zh_CN")
    assert taken is not None and taken.language == "zh_CN"
    await filled(shops)  # its place taken by another Chinese one
    assert sorted(shop.language for shop in shops._shops) == ["en", "zh_CN"]
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


async def test_shops_that_waited_too_long_are_replaced(
    forks: Forks, monkeypatch: pytest.MonkeyPatch
) -> None:
    shops = await started_shops(4)
    first = list(forks.children)
    monkeypatch.setattr(warm, "WARM_MAX_AGE_S", -1.0)  # every shop is old now
    shops._wanted.set()
    await until(lambda: all(child.ended for child in first), "the old shops ended")
    monkeypatch.setattr(warm, "WARM_MAX_AGE_S", 3600.0)
    await filled(shops)
    assert all(child.ended for child in first)
    assert not {child.pid for child in first} & {shop.child.pid for shop in shops._shops}
    await shops.close()


def test_the_server_raises_its_descriptor_limit_to_what_it_may_hold() -> None:
    script = (
        "import resource\n"
        "from kshop_tui.serve.ssh import enough_descriptors\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "wanted = 1000 if hard == resource.RLIM_INFINITY else min(1000, hard)\n"
        "assert enough_descriptors(1000) == wanted\n"
        "assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == wanted\n"
        "assert enough_descriptors(300) == wanted  # never lowered\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_a_shop_s_language_is_said_by_its_arguments_or_its_locale_or_not_at_all() -> None:
    assert shop_language(["--served", "--lang", "en"], {"LANG": "zh_CN.UTF-8"}) == "en"
    assert shop_language(["--served"], {"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert shop_language(["--served"], {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert shop_language(["--served"], {"LC_MESSAGES": "zh_TW.UTF-8"}) == "zh_CN"
    # Left to the process's own locale: no warm shop can promise it.
    assert shop_language(["--served"], {"LANG": "C.UTF-8"}) is None
    assert shop_language(["--served"], {}) is None
    env = {"PATH": "/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "LC_CTYPE": "C.UTF-8"}
    assert speaking(env, "zh_CN") == {"PATH": "/bin", "LANG": "zh_CN.UTF-8"}
    assert shop_language(["--served"], speaking(env, "en")) == "en"
