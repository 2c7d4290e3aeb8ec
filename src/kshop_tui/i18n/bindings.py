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
    # Every other description of the keys of Textual 8's widgets, screens and command
    # palette (tests/tui/test_textual_words.py reads them from Textual and checks that
    # none is left out), and the command palette's own key in the footer.
    "palette": "textual.palette",
    "Open the command palette": "textual.open_the_command_palette",
    "Bottom": "textual.bottom",
    "Copy": "textual.copy",
    "Cursor Down": "textual.cursor_down.tree",
    "Cursor Up": "textual.cursor_up.tree",
    "Cursor down": "textual.cursor_down",
    "Cursor down select": "textual.cursor_down_select",
    "Cursor left": "textual.cursor_left",
    "Cursor left select": "textual.cursor_left_select",
    "Cursor left word select": "textual.cursor_left_word_select",
    "Cursor line end": "textual.cursor_line_end",
    "Cursor line end select": "textual.cursor_line_end_select",
    "Cursor line start": "textual.cursor_line_start",
    "Cursor line start select": "textual.cursor_line_start_select",
    "Cursor page down": "textual.cursor_page_down",
    "Cursor page up": "textual.cursor_page_up",
    "Cursor right": "textual.cursor_right",
    "Cursor right select": "textual.cursor_right_select",
    "Cursor right word select": "textual.cursor_right_word_select",
    "Cursor to next ancestor": "textual.cursor_to_next_ancestor",
    "Cursor to next sibling": "textual.cursor_to_next_sibling",
    "Cursor to parent": "textual.cursor_to_parent",
    "Cursor to previous sibling": "textual.cursor_to_previous_sibling",
    "Cursor up": "textual.cursor_up",
    "Cursor up select": "textual.cursor_up_select",
    "Cursor word left": "textual.cursor_word_left",
    "Cursor word right": "textual.cursor_word_right",
    "Cut": "textual.cut",
    "Cut selected text": "textual.cut_selected_text",
    "Delete all to the left": "textual.delete_all_to_the_left",
    "Delete all to the right": "textual.delete_all_to_the_right",
    "Delete character left": "textual.delete_character_left",
    "Delete character right": "textual.delete_character_right",
    "Delete left to start of word": "textual.delete_left_to_start_of_word",
    "Delete line": "textual.delete_line",
    "Delete right to start of word": "textual.delete_right_to_start_of_word",
    "Delete to line end": "textual.delete_to_line_end",
    "Delete to line start": "textual.delete_to_line_start",
    "Down": "textual.down",
    "End": "textual.end",
    "Exit the command palette": "textual.exit_the_command_palette",
    "Expand or collapse all": "textual.expand_or_collapse_all",
    "First": "textual.first",
    "Go to bottom": "textual.go_to_bottom",
    "Go to end": "textual.go_to_end",
    "Go to start": "textual.go_to_start",
    "Go to top": "textual.go_to_top",
    "Home": "textual.home",
    "Last": "textual.last",
    "Move cursor left": "textual.move_cursor_left",
    "Move cursor left a word": "textual.move_cursor_left_a_word",
    "Move cursor left a word and select": "textual.move_cursor_left_a_word_and_select",
    "Move cursor left and select": "textual.move_cursor_left_and_select",
    "Move cursor right a word": "textual.move_cursor_right_a_word",
    "Move cursor right a word and select": "textual.move_cursor_right_a_word_and_select",
    "Move cursor right and select": "textual.move_cursor_right_and_select",
    "Move cursor right or accept the completion suggestion": "textual.move_cursor_right_or_accept_the_completion_suggestion",
    "Next command": "textual.next_command",
    "Next option": "textual.next_option",
    "Open link": "textual.open_link",
    "Next page": "textual.next_page",
    "Next tab": "textual.next_tab",
    "Page Down": "textual.page_down",
    "Page Left": "textual.page_left",
    "Page Right": "textual.page_right",
    "Page Up": "textual.page_up",
    "Page down": "textual.page_down.table",
    "Page up": "textual.page_up.table",
    "Paste": "textual.paste",
    "Paste text from the clipboard": "textual.paste_text_from_the_clipboard",
    "Press button": "textual.press_button",
    "Previous command": "textual.previous_command",
    "Previous option": "textual.previous_option",
    "Previous page": "textual.previous_page",
    "Previous tab": "textual.previous_tab",
    "Quit": "textual.quit",
    "Redo": "textual.redo",
    "Scroll Down": "textual.scroll_down",
    "Scroll End": "textual.scroll_end",
    "Scroll Home": "textual.scroll_home",
    "Scroll Left": "textual.scroll_left",
    "Scroll Right": "textual.scroll_right",
    "Scroll Up": "textual.scroll_up",
    "Select": "textual.select",
    "Select all": "textual.select_all",
    "Select line": "textual.select_line",
    "Select line end": "textual.select_line_end",
    "Select line start": "textual.select_line_start",
    "Show menu": "textual.show_menu",
    "Submit": "textual.submit",
    "Toggle": "textual.toggle",
    "Toggle option": "textual.toggle_option",
    "Top": "textual.top",
    "Undo": "textual.undo",
    "Up": "textual.up",
}


def describe(description: str) -> str:
    """A binding's description in the UI language, Textual's own included."""
    catalogue_key = TEXTUAL_DESCRIPTIONS.get(description)
    return t(catalogue_key) if catalogue_key else description


def localize_active(bindings: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """A screen's active bindings with Textual's English descriptions (and tooltips)
    translated."""
    return {
        key: active._replace(
            binding=replace(
                active.binding,
                description=describe(active.binding.description),
                tooltip=describe(active.binding.tooltip),
            )
        )
        if active.binding.description in TEXTUAL_DESCRIPTIONS
        or active.binding.tooltip in TEXTUAL_DESCRIPTIONS
        else active
        for key, active in bindings.items()
    }
