"""An API error in the user's words: the backend's text cleaned, an outage in ours."""

from __future__ import annotations

from kshop_tui.api import errors
from kshop_tui.shop.error_words import error_words


def test_a_refusal_reads_as_the_backends_words() -> None:
    assert error_words(errors.Conflict("库存不足")) == "库存不足"


def test_control_characters_in_the_backends_words_are_stripped() -> None:
    hostile = errors.Forbidden("\x1b]0;pwned\x07密码\x1b[2J错误\x9b1m\u202e")
    assert error_words(hostile) == "密码错误"
    assert error_words(hostile, unreachable="down") == "密码错误"


def test_an_outage_reads_as_the_words_the_caller_chose() -> None:
    outage = errors.BackendUnreachable("connection refused")
    assert error_words(outage, unreachable="The server is not answering.") == (
        "The server is not answering."
    )


def test_an_outage_without_chosen_words_keeps_the_clients_description_cleaned() -> None:
    assert error_words(errors.BackendUnreachable("timed\x07 out\nagain")) == "timed out again"


def test_an_error_that_is_not_the_apis_reads_as_itself() -> None:
    assert error_words(ValueError("bad value"), unreachable="down") == "bad value"
