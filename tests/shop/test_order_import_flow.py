"""The import's file reading, row keys and results file (`shop.flows.order_import`),
without a backend: what makes a rerun safe and a file readable."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kshop_tui.i18n import set_language
from kshop_tui.shop.flows.order_import import (
    COLUMNS,
    ImportFileError,
    RowResult,
    parse_import_text,
    read_import_file,
    write_results,
)

HEADER = ",".join((*COLUMNS, "remark"))
ROW = "A-1,1384,1,张三,13800138000,浙江省,杭州市,西湖区,文三路100号,早上送"


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def test_a_rows_key_depends_on_its_content_not_on_where_it_stands() -> None:
    first = parse_import_text(Path("a.csv"), f"{HEADER}\n{ROW}\n").rows[0]
    # Columns in another order, extra columns, a blank line and another position.
    moved_header = "note," + ",".join(reversed((*COLUMNS, "remark")))
    moved_row = "x," + ",".join(reversed(ROW.split(",")))
    again = parse_import_text(Path("b.csv"), f"{moved_header}\n\n{ROW}x\n{moved_row}\n").rows[1]
    assert again.number == 3 and first.number == 2
    assert again.key == first.key and again.pay_key == first.key + "-pay"
    assert len(first.key) <= 100 and first.key.startswith("import-")
    changed = parse_import_text(Path("c.csv"), f"{HEADER}\n{ROW.replace(',1,', ',2,', 1)}\n")
    assert changed.rows[0].key != first.key


def test_the_header_is_read_loosely_and_extra_columns_are_named() -> None:
    text = "\ufeff Ref ,SKU_ID,qty,name,phone,province,city,district,detail,客服,\n" + ROW + ",x\n"
    source = parse_import_text(Path("a.csv"), text)
    assert source.extra_columns == ("客服", "?")
    assert source.rows[0].cells["remark"] == ""  # no remark column
    assert source.rows[0].cells["ref"] == "A-1"


def test_cells_lose_terminal_controls() -> None:
    coloured = ROW.replace("张三", "张\x1b[31m三")
    source = parse_import_text(Path("a.csv"), f"{HEADER}\n{coloured}\n")
    assert source.rows[0].cells["name"] == "张三"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("orders.xlsx", b"PK\x03\x04", "not a .csv file"),
        ("empty.csv", b"\n \n", "has no rows"),
        ("cols.csv", b"ref,sku_id\nx,1\n", r"lacks the column\(s\) qty"),
        ("bad.csv", b"\x81\xff\xfe" * 3, "neither UTF-8 nor GBK"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=words):
        read_import_file(path)


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="No such file"):
        read_import_file(tmp_path / "nowhere.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(ImportFileError, match="not a file"):
        read_import_file(tmp_path / "folder.csv")


def test_gbk_is_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(f"{HEADER}\r\n{ROW}\r\n".encode("gb18030"))
    assert read_import_file(path).rows[0].cells["name"] == "张三"


def test_the_results_file_in_file_order_and_safe_in_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "orders.results.csv"
    write_results(
        path,
        [
            RowResult(3, '=HYPERLINK("x")', "refused", error="-1 left"),
            RowResult(2, "A-1", "paid", order_id=7, order_no="KS1", total_fen=10090),
        ],
    )
    with path.open(encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    assert rows == [
        ["ref", "order_id", "status", "total", "error"],
        ["A-1", "7", "paid", "100.90", ""],
        ['\'=HYPERLINK("x")', "", "refused", "", "'-1 left"],
    ]
    assert not (tmp_path / "orders.results.csv.part").exists()
