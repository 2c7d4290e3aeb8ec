"""Binding descriptions are catalogue keys (`"key.cart"`); each node translates its own
copy when it is made, so apps in different languages can live in one process."""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from kshop_tui.i18n import t


def localize_bindings(node: DOMNode) -> None:
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(
                binding,
                description=t(binding.description) if binding.description else "",
                tooltip=t(binding.tooltip) if binding.tooltip else "",
            )
            for binding in bindings
        ]
