"""The baseline for the start-up benchmark: a bare Textual app with a header, a 20-row
table and a footer."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Product", "Brand", "Price")
        for index in range(20):
            table.add_row(f"baseline-row-{index}", "brand", f"¥{index}.00")


if __name__ == "__main__":
    BareApp().run()
