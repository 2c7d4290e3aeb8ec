"""Random keys from a logged-in user, while the merchant ships and answers: the app must
neither raise nor exit. Three fixed seeds, a bounded number of keys each (single presses,
bursts with no pause between keys, pastes of odd text), so a failure names its seed.

Screens come and go under workers that are still waiting for the backend; this is where
an answer for a screen that has gone used to be drawn on widgets that were no longer
there (`NoMatches`)."""

from __future__ import annotations

import random
import string
from collections import deque
from collections.abc import Callable

import pytest
from textual import events

from fake_backend import simulator
from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.screens.after_sales import detail as after_sale_detail
from kshop_tui.screens.orders import detail as order_detail
from kshop_tui.screens.orders import order_list as orders
from tests.tui.helpers import settle
from tests.tui.test_orders import one_of_each

MakeApp = Callable[..., KshopApp]

KEY_EVENTS = 300
"""Key presses per seed, each key of a burst counted (a paste counts as one)."""
MERCHANT_EVERY = 25
"""Key events between two rounds of the merchant simulator."""

# The app's own keys (global, screens', dialogs', lists') and what a user types into fields.
# Left out on purpose: ctrl+q (quit), ctrl+p (its command palette can run Quit) and ctrl+o
# (the after-sale photo picker browses the real disk, outside the test's folders).
NAVIGATION = [
    "b", "c", "o", "w", "slash", "question_mark", "escape", "enter", "tab", "shift+tab",
    "up", "down", "left", "right", "pageup", "pagedown", "home", "end",
]  # fmt: skip
ACTIONS = [
    "x", "p", "r", "t", "a", "plus", "minus", "d", "y", "n", "i", "v", "s", "e", "k", "l",
    "f", "m", "u", "B", "G", "space", "backspace", "delete", "left_square_bracket",
    "right_square_bracket", "ctrl+s", "ctrl+n", "ctrl+t", "f5",
]  # fmt: skip
TYPED = [*string.ascii_lowercase, *string.digits]
# Into a screen (or a row's detail) and out again before its answers are in.
OPENERS = ["o", "c", "w", "enter", "slash", "question_mark"]
LEAVERS = ["b", "escape"]
# What those keys type, for the bursts that bypass the pilot (letters and digits type
# themselves; the other keys type nothing).
CHARACTERS = {
    "slash": "/", "question_mark": "?", "plus": "+", "minus": "-", "space": " ",
    "left_square_bracket": "[", "right_square_bracket": "]",
}  # fmt: skip
PASTES = [
    "连衣裙 夏季 新款",
    "[@click=app.quit]quit[/]",
    "[bold red]not markup[/",
    "13800138000",
    "123456",
    "\x1b[31m escape \x07",
    "😀 emoji ✓ ¥99.00",
    "a" * 300,
    "line one\nline two\tthree",
    "",
]


def _one_key(rng: random.Random) -> str:
    pool = rng.choices([NAVIGATION, ACTIONS, TYPED], weights=[5, 3, 2])[0]
    return rng.choice(pool)


def _any_keys(rng: random.Random) -> list[str]:
    return [_one_key(rng) for _ in range(rng.randint(3, 12))]


def _hops(rng: random.Random) -> list[str]:
    hops = rng.randint(1, 3)
    return [rng.choice(keys) for _ in range(hops) for keys in (OPENERS, LEAVERS)]


@pytest.fixture
def fast_refreshes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Screens that follow the merchant re-ask often, so answers are in flight as the keys
    leave those screens (the intervals are read when a screen mounts)."""
    monkeypatch.setattr(order_detail, "REFRESH_SECONDS", 0.2)
    monkeypatch.setattr(orders, "REFRESH_SECONDS", 0.2)
    monkeypatch.setattr(after_sale_detail, "RELOAD_SECONDS", 0.2)


@pytest.mark.usefixtures("fast_refreshes")
@pytest.mark.parametrize(
    ("seed", "size"),
    [
        pytest.param(1, (80, 24), id="seed1-80x24"),
        pytest.param(2, (120, 40), id="seed2-120x40"),
        pytest.param(3, (100, 30), id="seed3-100x30"),
    ],
)
async def test_random_keys_never_crash_the_app(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, seed: int, size: tuple[int, int]
) -> None:
    one_of_each(backend_ctx)  # orders in every state, some for the merchant to move
    rng = random.Random(seed)
    app = make_app(token=demo_token)
    recent: deque[str] = deque(maxlen=40)
    try:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            assert app.user is not None  # logged in as the demo user
            sent = 0
            next_merchant = MERCHANT_EVERY
            while sent < KEY_EVENTS and app.is_running:
                if sent >= next_merchant:
                    next_merchant += MERCHANT_EVERY
                    # Time passes on the backend: it ships, pays QR codes, answers chats.
                    backend_ctx.clock.advance(rng.uniform(2, 12))
                    simulator.step(backend_ctx)
                    recent.append("<merchant>")
                roll = rng.random()
                if roll < 0.08:
                    text = rng.choice(PASTES)
                    recent.append(f"<paste {text[:20]!r}>")
                    app.post_message(events.Paste(text))
                    await pilot.pause()
                    sent += 1
                elif roll < 0.35:
                    # A burst: every key queued before the app handles the first one. About
                    # half of them go into screens and out again before the answers are in.
                    burst = _hops(rng) if roll < 0.18 else _any_keys(rng)
                    recent.append(f"<burst {' '.join(burst)}>")
                    driver = app._driver
                    assert driver is not None
                    for key in burst:
                        character = key if len(key) == 1 else CHARACTERS.get(key)
                        driver.send_message(events.Key(key, character))
                    await pilot.pause()
                    sent += len(burst)
                else:
                    key = _one_key(rng)
                    recent.append(key)
                    await pilot.press(key)
                    sent += 1
            assert app.is_running, f"the app exited after {sent} keys"
            # Answers still on their way land (or are dropped) before the app shuts down.
            # Not `settle`: a worker may be waiting for a dialog that is still open.
            for _ in range(3):
                await pilot.pause()
    except BaseException as error:
        error.add_note(f"seed {seed}; the last keys: {' '.join(recent)}")
        raise
    assert app.return_code in (None, 0)
