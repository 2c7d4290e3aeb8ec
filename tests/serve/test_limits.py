"""SessionGate: concurrent sessions and a per-address sliding window, on a fake clock."""

from __future__ import annotations

from kshop_tui.config import DemoLimits
from kshop_tui.serve.limits import SessionGate, WaitingRoom


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def gate(max_sessions: int = 20, per_minute: int = 30) -> tuple[SessionGate, FakeClock]:
    clock = FakeClock()
    limits = DemoLimits(max_sessions=max_sessions, connections_per_minute=per_minute)
    return SessionGate(limits, clock=clock), clock


def test_admits_up_to_max_sessions_then_full() -> None:
    sessions, _ = gate(max_sessions=9)
    answers = [sessions.admit(f"10.0.0.{n}") for n in range(10)]
    assert answers == [None] * 9 + ["full"]
    assert sessions.active == 9


def test_release_frees_a_place() -> None:
    sessions, _ = gate(max_sessions=1)
    assert sessions.admit("10.0.0.1") is None
    assert sessions.admit("10.0.0.2") == "full"
    sessions.release()
    assert sessions.admit("10.0.0.2") is None


def test_release_never_goes_below_zero() -> None:
    sessions, _ = gate(max_sessions=1)
    sessions.release()
    assert sessions.active == 0
    assert sessions.admit("10.0.0.1") is None
    assert sessions.admit("10.0.0.2") == "full"


def test_rate_is_per_address() -> None:
    sessions, _ = gate(per_minute=3)
    assert [sessions.admit("10.0.0.1") for _ in range(4)] == [None, None, None, "rate"]
    assert sessions.admit("10.0.0.2") is None


def test_rate_window_slides() -> None:
    sessions, clock = gate(per_minute=2)
    assert sessions.admit("10.0.0.1") is None  # t = 0
    clock.now += 30
    assert sessions.admit("10.0.0.1") is None  # t = 30
    assert sessions.admit("10.0.0.1") == "rate"
    clock.now += 30.5  # the first connection has left the window, the second has not
    assert sessions.admit("10.0.0.1") is None
    assert sessions.admit("10.0.0.1") == "rate"


def test_refused_for_rate_does_not_extend_the_wait() -> None:
    sessions, clock = gate(per_minute=1)
    assert sessions.admit("10.0.0.1") is None
    for _ in range(50):
        clock.now += 1
        assert sessions.admit("10.0.0.1") == "rate"
    clock.now += 10  # a minute after the one admitted connection
    assert sessions.admit("10.0.0.1") is None


def test_full_refusals_count_against_the_rate() -> None:
    sessions, _ = gate(max_sessions=1, per_minute=2)
    assert sessions.admit("10.0.0.1") is None
    assert sessions.admit("10.0.0.2") == "full"
    assert sessions.admit("10.0.0.2") == "full"
    assert sessions.admit("10.0.0.2") == "rate"


def test_forgets_quiet_addresses() -> None:
    sessions, clock = gate()
    for n in range(100):
        sessions.admit(f"10.0.{n}.1")
        sessions.release()
    clock.now += 61
    sessions.admit("10.1.1.1")
    assert list(sessions._recent) == ["10.1.1.1"]


def test_waiting_room_holds_a_few_per_address_and_a_bounded_number_in_all() -> None:
    room = WaitingRoom(DemoLimits(waiting_per_address=2, max_waiting=5))
    assert [room.enter("10.0.0.1") for _ in range(3)] == [True, True, False]
    assert [room.enter(f"10.0.1.{n}") for n in range(4)] == [True, True, True, False]
    assert room.count("10.0.0.1") == 2 and room.total == 5
    room.leave("10.0.0.1")
    assert room.enter("10.0.0.1") is True  # its place again
    assert room.enter("10.0.2.1") is False  # and the room is full again


def test_waiting_room_forgets_an_address_once_it_has_left() -> None:
    room = WaitingRoom(DemoLimits())
    room.enter("10.0.0.1")
    room.leave("10.0.0.1")
    assert room.count("10.0.0.1") == 0 and room.total == 0
    assert room._waiting == {}
