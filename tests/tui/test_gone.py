"""`kshop_tui.gone` on a bare Textual app: a worker, timer or callback of a screen (or
widget) that has gone or is leaving hands nothing to widgets; one of a screen that is
merely covered carries on; a missing widget on a live screen is still a bug."""

from __future__ import annotations

import asyncio

import pytest
from textual import work
from textual.app import App, ComposeResult
from textual.command import CommandList, DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import WorkerFailed

from kshop_tui.gone import WorkUntilGone, gone_or_leaving
from kshop_tui.palette import ShopCommandPalette


class Probe(WorkUntilGone, Screen[None]):
    """A screen whose worker waits for `answer`, then draws it."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = asyncio.Event()
        self.drawn: list[str] = []
        self.cleaned_up = False
        self.ticks = 0

    def compose(self) -> ComposeResult:
        yield Static(id="shown")

    @work(group="probe")
    async def fetch(self, selector: str = "#shown") -> None:
        try:
            await self.answer.wait()
            self.query_one(selector, Static).update("answer")
            self.drawn.append("answer")
        finally:
            self.cleaned_up = True

    @work(group="probe")
    async def fetch_then_tidy(self) -> None:
        """Draws in its `finally` too, as the shop's screens re-enable their buttons."""
        try:
            await self.answer.wait()
        finally:
            self.cleaned_up = True
            self.query_one("#shown", Static).update("")

    def tick(self) -> None:
        self.query_one("#shown", Static).update(str(self.ticks))
        self.ticks += 1


class SlowToUnmount(Widget):
    """Holds its container's removal open until `done` is set."""

    def __init__(self, done: asyncio.Event) -> None:
        super().__init__()
        self.done = done

    async def on_unmount(self) -> None:
        await self.done.wait()


class ProbeBox(WorkUntilGone, Vertical):
    """A widget with its own worker (and a child that is slow to go)."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = asyncio.Event()
        self.removal_held = asyncio.Event()
        self.drawn = False

    def compose(self) -> ComposeResult:
        yield Static(id="box-shown")
        yield SlowToUnmount(self.removal_held)

    @work
    async def fetch(self) -> None:
        await self.answer.wait()
        self.query_one("#box-shown", Static).update("answer")
        self.drawn = True


class Dialog(ModalScreen[None]):
    pass


async def test_an_answer_for_a_popped_screen_is_dropped() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)
        probe.fetch()
        await pilot.pause()
        app.pop_screen()  # gone from the stack; Textual takes it apart a little later
        assert gone_or_leaving(probe)
        probe.answer.set()
        await app.workers.wait_for_complete()
        assert probe.drawn == []
        assert probe.cleaned_up  # its `finally` still ran


async def test_a_covered_screen_keeps_working() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)
        probe.fetch()
        await pilot.pause()
        await app.push_screen(Dialog())
        assert not gone_or_leaving(probe)
        probe.answer.set()
        await app.workers.wait_for_complete()
        assert probe.drawn == ["answer"]


async def test_a_missing_widget_on_a_live_screen_is_still_raised() -> None:
    app: App[None] = App()
    with pytest.raises(WorkerFailed) as failed:
        async with app.run_test() as pilot:
            probe = Probe()
            await app.push_screen(probe)
            probe.fetch("#not-there")
            probe.answer.set()
            await pilot.pause()
    assert isinstance(failed.value.error, NoMatches)


async def test_a_lookup_in_clean_up_after_the_widgets_are_gone_is_dropped() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)
        probe.fetch_then_tidy()
        await pilot.pause()
        # Removed while waiting: Textual cancels the worker once the screen's widgets are
        # gone, and its `finally` asks for one of them.
        await app.pop_screen()
        await pilot.pause()
        assert probe.cleaned_up
        assert app.is_running
    # Leaving `run_test` raises whatever failed in the app: nothing did.


async def test_an_answer_for_a_widget_being_removed_is_dropped() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        box = ProbeBox()
        await app.screen.mount(box)
        worker = box.fetch()
        await pilot.pause()
        removed = box.remove()  # from a screen that stays
        assert gone_or_leaving(box)
        box.answer.set()
        await worker.wait()  # it ends while the box is still being taken apart
        assert not box.drawn
        box.removal_held.set()
        await removed


async def test_a_timer_of_a_popped_screen_that_is_kept_does_not_fire() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        probe = Probe()
        app.install_screen(probe, name="probe")  # kept when popped, as a cached screen is
        await app.push_screen("probe")
        probe.set_interval(0.01, probe.tick)
        while probe.ticks < 2:
            await pilot.pause(0.01)
        await app.pop_screen()
        ticks_when_popped = probe.ticks
        await pilot.pause(0.1)  # ten intervals of time: none of them may tick
        assert probe.ticks == ticks_when_popped
        await app.push_screen("probe")
        while probe.ticks == ticks_when_popped:  # back on the stack: it ticks again
            await pilot.pause(0.01)


async def test_the_palettes_search_for_a_closed_palette_is_dropped() -> None:
    """The too-small message closes the palette as it opens; Textual's search worker,
    still gathering, then filled a command list already taken away and ended the app."""
    gate = asyncio.Event()
    gathering = asyncio.Event()

    class SlowCommands(Provider):
        async def discover(self) -> Hits:
            gathering.set()
            await gate.wait()
            yield DiscoveryHit("Slow command", lambda: None)

        async def search(self, query: str) -> Hits:
            await gate.wait()
            yield Hit(1, "Slow command", lambda: None)

    app: App[None] = App()
    async with app.run_test() as pilot:
        palette = ShopCommandPalette(providers=[SlowCommands])
        await app.push_screen(palette)
        await gathering.wait()
        command_list = palette.query_one(CommandList)
        app.pop_screen()  # gone from the stack; Textual takes it apart a little later
        for _ in range(1000):  # its list is taken away first...
            if not command_list.is_attached:
                break
            await asyncio.sleep(0)
        assert not command_list.is_attached
        assert palette.is_attached  # ...the palette itself not yet
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
        assert app._exception is None
