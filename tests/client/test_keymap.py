"""`[keys]` is checked against the shop's binding ids and Textual's key names: every
name Textual reports for a key press is taken as written, and nothing else is."""

from __future__ import annotations

import string

import pytest
from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual._xterm_parser import XTermParser
from textual.events import Key
from textual.keys import Keys

from kshop_tui.keymap import BINDING_IDS, normalize_keys
from tests.client.test_binding_descriptions import shop_classes


def test_the_declared_binding_ids_are_those_of_the_code() -> None:
    in_code = {
        binding.id
        for cls in shop_classes()
        for binding in cls.__dict__.get("BINDINGS", [])
        if getattr(binding, "id", None)
    }
    assert sorted(in_code - BINDING_IDS) == [], "add them to kshop_tui/keymap.py"
    assert sorted(BINDING_IDS - in_code) == [], "no binding has them: remove them"


def pressed(sequence: str) -> list[str]:
    """The key names Textual's own parser makes of what a terminal sends."""
    return [event.key for event in XTermParser().feed(sequence) if isinstance(event, Key)]


def test_what_the_terminal_parser_reports_is_accepted_as_written() -> None:
    sequences = [
        *string.printable.strip(),  # every printable ASCII character: "a", "question_mark"…
        "\x1b[1;6A",  # ctrl+shift+up
        "\x1b[15~",  # f5
        "\x1bx",  # alt+x
        "\x1f",  # ctrl+/ as most terminals send it
        "\x1b[47;5u",  # ctrl+/ in the kitty keyboard protocol
        "\x1b[57428u",  # a media key (kitty protocol)
        "\x7f",  # backspace
    ]
    names = [name for sequence in sequences for name in pressed(sequence)]
    assert "ctrl+shift+up" in names and "question_mark" in names and "ctrl+slash" in names
    refused = {name: normalize_keys(name) for name in names if normalize_keys(name) != (name, None)}
    assert refused == {}


def test_every_key_name_textual_declares_is_accepted() -> None:
    declared = [key.value for key in Keys if not key.value.startswith("<")]
    declared += list(FUNCTIONAL_KEYS.values())
    assert [name for name in declared if normalize_keys(name)[1] is not None] == []


@pytest.mark.parametrize(
    ("written", "spelled"),
    [("?", "question_mark"), ("/", "slash"), (" ctrl+k , b", "ctrl+k,b"), ("f1,+", "f1,plus")],
)
def test_lone_characters_become_key_names_as_textual_does(written: str, spelled: str) -> None:
    assert normalize_keys(written) == (spelled, None)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", "config.key_empty"),
        ("a,,b", "config.key_empty"),
        ("cmd+k", "config.key_modifier"),
        ("ctrl+nope", "config.key_name"),
        ("f99", "config.key_name"),
        ("shift+ctrl+up", "config.key_spelling"),
        ("ctrl+ctrl+k", "config.key_spelling"),
        ("ctrl+/", "config.key_spelling"),
        ("ctrl++", "config.key_spelling"),
    ],
)
def test_keys_no_press_produces_are_refused(written: str, message: str) -> None:
    _, bad = normalize_keys(written)
    assert bad is not None and bad.message == message
