"""How commands answer: rich tables for people, the API's JSON (money in fen) for pipes,
and one line on stderr for an error. Backend text is data: it is printed as `Text`,
never parsed as markup."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kshop_tui.i18n import t
from kshop_tui.text import clean, clean_multiline, local_time, money


class Output:
    def __init__(self, *, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        # No file given: rich looks up sys.stdout / sys.stderr on every write.
        self.console = Console(highlight=False, emoji=False, markup=False)
        self.stderr = Console(stderr=True, highlight=False, emoji=False, markup=False)

    def json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def model(self, model: BaseModel) -> None:
        self.json(model.model_dump(mode="json"))

    def line(self, text: str) -> None:
        self.console.print(Text(clean(text)), soft_wrap=True)

    def paragraph(self, text: str) -> None:
        """Several lines of backend text (a description, a remark)."""
        self.console.print(Text(clean_multiline(text)))

    def note(self, text: str) -> None:
        """A remark for the person at the terminal, kept out of stdout's data."""
        self.stderr.print(Text(clean(text)), soft_wrap=True)

    def error(self, message: str) -> None:
        """One line: the backend's words, cleaned of anything a terminal would obey."""
        sys.stderr.write(f"kshop: {clean(message)}\n")

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Label and value a line; each label is a catalogue key (`cli.field.status`)."""
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for name, value in pairs:
            grid.add_row(Text(t(name)), Text(value))
        self.console.print(grid)

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[str]],
        *,
        title: str | None = None,
        right: Sequence[str] = (),
        wrap: Sequence[str] = (),
        caption: str | None = None,
    ) -> None:
        """`headers` and `title` are catalogue keys (`cli.col.name`), shown in the user's
        language. `right` names the columns to right-align (amounts, counts); `wrap` the
        ones whose text may break over lines on a narrow terminal (names, notes), where
        ids, amounts and dates never do."""
        table = Table(
            title=Text(t(title)) if title else None,
            caption=Text(caption) if caption else None,
            box=box.SIMPLE_HEAD,
            title_justify="left",
            caption_justify="left",
        )
        for header in headers:
            table.add_column(
                Text(t(header)),
                justify="right" if header in right else "left",
                no_wrap=header not in wrap,
            )
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        self.console.print(table)


def yuan(fen: int | None) -> str:
    return "" if fen is None else money(fen)


def when(iso: str | None) -> str:
    return local_time(iso)


def specs_text(specs: Mapping[str, str]) -> str:
    return " / ".join(f"{name}: {value}" for name, value in specs.items())
