"""Binding descriptions are catalogue keys (`"key.cart"`); each node translates its own
copy when it is made, so apps in different languages can live in one process. Textual's
own widgets describe a few keys in English; those are translated as they are shown."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import ActiveBinding
from textual.dom import DOMNode

from kshop_tui.i18n import t


def localize_bindings(node: DOMNode) -> None:
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(
                binding,
                description=t(binding.description) if binding.description else "",
                tooltip=t(binding.tooltip) if binding.tooltip else "",
                group=replace(binding.group, description=t(binding.group.description))
                if binding.group is not None
                else None,
            )
            for binding in bindings
        ]


# Textual's descriptions of the keys its widgets and screens bring (shown in the footer or
# the help screen) → catalogue keys.
TEXTUAL_DESCRIPTIONS = {
    "Dismiss menu": "key.close_list",
    "Focus Next": "key.focus_next",
    "Focus Previous": "key.focus_previous",
    "Copy selected text": "key.copy",
}


def describe(description: str) -> str:
    """A binding's description in the UI language, Textual's own included."""
    catalogue_key = TEXTUAL_DESCRIPTIONS.get(description)
    return t(catalogue_key) if catalogue_key else description


def localize_active(bindings: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """A screen's active bindings with Textual's English descriptions translated."""
    return {
        key: active._replace(
            binding=replace(active.binding, description=describe(active.binding.description))
        )
        if active.binding.description in TEXTUAL_DESCRIPTIONS
        else active
        for key, active in bindings.items()
    }
