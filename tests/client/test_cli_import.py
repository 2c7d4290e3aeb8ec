"""`kshop order import FILE.csv` on the bundled backend: good rows placed and paid, bad
rows reported by number and ref in the user's language, a rerun and a resumed run place
nothing twice, `--dry-run` places nothing, the results file, the exit codes, and a
script's access token of scopes order + pay."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from fake_backend.context import Ctx
from fake_backend.seed_data import DEMO_PAYMENT_PASSWORD
from kshop_tui.i18n import translate
from tests.client import test_cli
from tests.client.test_cli import PRICEY_SKU, SKU, Shell, balance_fen, count

backend_app = test_cli.backend_app
backend_ctx = test_cli.backend_ctx
isolated = test_cli.isolated
shell_for = test_cli.shell_for
kshop = test_cli.kshop
shopper = test_cli.shopper

HEADER = (
    "ref",
    "sku_id",
    "qty",
    "name",
    "phone",
    "province",
    "city",
    "district",
    "detail",
    "remark",
)
HANGZHOU = ("浙江省", "杭州市", "西湖区", "文三路100号")
BEIJING = ("北京市", "北京市", "海淀区", "中关村大街27号")
PRICE_FEN = 9490  # SKU's price
PRICEY_FEN = 10490


def good_row(ref: str, sku: int = SKU, qty: int = 1, where: Sequence[str] = HANGZHOU) -> list[str]:
    return [ref, str(sku), str(qty), "张三", "13800138000", *where, f"备注 {ref}"]


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(shell: Shell, path: Path, *extra: str, method: str = "balance") -> test_cli.Result:
    return shell(
        "order", "import", str(path), "--pay", method, "--payment-password-stdin", *extra,
        stdin=DEMO_PAYMENT_PASSWORD + "\n",
    )  # fmt: skip


def json_rows(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def results_file(path: Path) -> list[dict[str, str]]:
    with path.with_name(path.stem + ".results.csv").open(encoding="utf-8-sig") as file:
        return list(csv.DictReader(file))


def orders_with_remark(backend_ctx: Ctx, remark: str) -> int:
    row = backend_ctx.db.execute(
        "SELECT COUNT(*) AS n FROM orders WHERE remark = ?", (remark,)
    ).fetchone()
    return int(row["n"])


def test_good_rows_are_placed_and_paid_with_one_json_object_each(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "orders.csv",
        [good_row("A-1"), good_row("A-2", PRICEY_SKU, 2, BEIJING), good_row("A-3", qty=3)],
    )
    balance = balance_fen(backend_ctx)
    orders = count(backend_ctx, "orders")

    result = run_import(shopper, path, "--json")

    assert result.code == 0, result.err
    rows = json_rows(result.out)
    assert [(row["row"], row["ref"], row["status"]) for row in rows] == [
        (2, "A-1", "paid"),
        (3, "A-2", "paid"),
        (4, "A-3", "paid"),
    ]
    assert all(row["payment_status"] == "succeeded" and row["order_id"] for row in rows)
    assert count(backend_ctx, "orders") == orders + 3
    totals = [int(str(row["total_fen"])) for row in rows]
    assert balance_fen(backend_ctx) == balance - sum(totals)
    placed = backend_ctx.db.execute("SELECT remark FROM orders ORDER BY id DESC LIMIT 3").fetchall()
    assert sorted(row["remark"] for row in placed) == ["备注 A-1", "备注 A-2", "备注 A-3"]

    written = results_file(path)
    assert list(written[0]) == ["ref", "order_id", "status", "total", "error"]
    assert [(line["ref"], line["order_id"], line["status"], line["error"]) for line in written] == [
        (str(row["ref"]), str(row["order_id"]), "paid", "") for row in rows
    ]
    assert [line["total"] for line in written] == [f"{fen / 100:.2f}" for fen in totals]


def test_bad_rows_are_named_by_number_and_ref_and_the_good_ones_still_go(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            good_row("OK-1"),
            ["BAD-PHONE", str(SKU), "1", "李四", "12345", *HANGZHOU, ""],
            [
                "BAD-REGION",
                str(SKU),
                "1",
                "王五",
                "13900139000",
                "浙江省",
                "杭州市",
                "朝阳区",
                "某路1号",
                "",
            ],
            good_row("BAD-SKU", sku=999999),
            good_row("BAD-QTY", qty=0),
            good_row("OK-1"),  # the same ref again
            good_row("TOO-MANY", qty=99),  # 268 in stock, 99 fits, then:
            good_row("NO-STOCK", sku=SKU, qty=99),
            good_row("LAST-STRAW", sku=SKU, qty=99),
        ],
    )
    orders = count(backend_ctx, "orders")

    result = run_import(shopper, path, method="alipay")  # 3 × 99 is more than the balance

    assert result.code == 4
    for number, ref in (
        (3, "BAD-PHONE"),
        (4, "BAD-REGION"),
        (5, "BAD-SKU"),
        (6, "BAD-QTY"),
        (7, "OK-1"),
    ):
        assert f"row {number} (ref {ref}):" in result.err
    err = " ".join(result.err.split())
    assert "phone: 11 digits starting with 13–19" in err
    assert "district not in the region list" in err
    assert "no SKU 999999" in err
    assert "qty “0” is not a whole number from 1 to 99" in err
    assert "the same ref as row 2" in err
    written = results_file(path)
    assert [line["status"] for line in written if line["ref"] == "OK-1"] == ["paid", "invalid"]
    by_ref = {line["ref"]: line for line in written}
    assert by_ref["TOO-MANY"]["status"] == "paid" and by_ref["NO-STOCK"]["status"] == "paid"
    assert by_ref["LAST-STRAW"]["status"] == "refused"
    assert "69 left for this row's 99" in by_ref["LAST-STRAW"]["error"]
    assert by_ref["BAD-PHONE"]["status"] == "invalid" and by_ref["BAD-PHONE"]["order_id"] == ""
    assert count(backend_ctx, "orders") == orders + 3
    assert "3 placed, 1 refused, 5 not valid, 0 not run." in " ".join(result.out.split())
    # The table lists the rows that were not placed; the results file has them all.
    assert "LAST-STRAW" in result.out and "BAD-PHONE" in result.out
    assert "TOO-MANY" not in result.out


def test_reasons_follow_the_language(shopper: Shell, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "zh.csv", [["甲-1", str(SKU), "1", "李四", "12345", *HANGZHOU, ""]])
    result = shopper("--lang", "zh_CN", "order", "import", str(path), "--pay", "alipay", "--json")
    assert result.code == 4
    (row,) = json_rows(result.out)
    phone_words = translate("zh_CN", "valid.phone")
    assert row["status"] == "invalid" and f"手机号: {phone_words}" in str(row["error"])
    human = shopper("--lang", "zh_CN", "order", "import", str(path), "--pay", "alipay")
    assert "第 2 行（ref 甲-1）" in human.err and "无效" in human.out


def test_a_rerun_places_nothing_new_and_charges_nothing_more(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "twice.csv", [good_row("R-1"), good_row("R-2", PRICEY_SKU)])
    first = run_import(shopper, path, "--json")
    assert first.code == 0, first.err
    orders, payments, balance = (
        count(backend_ctx, "orders"),
        count(backend_ctx, "payments"),
        balance_fen(backend_ctx),
    )

    again = run_import(shopper, path, "--json")

    assert again.code == 0, again.err
    assert [row["order_id"] for row in json_rows(again.out)] == [
        row["order_id"] for row in json_rows(first.out)
    ]
    assert [row["status"] for row in json_rows(again.out)] == ["paid", "paid"]
    assert count(backend_ctx, "orders") == orders
    assert count(backend_ctx, "payments") == payments
    assert balance_fen(backend_ctx) == balance

    # The same rows in another file, another order of rows: the same orders.
    moved = write_csv(tmp_path / "moved.csv", [good_row("R-2", PRICEY_SKU), good_row("R-1")])
    assert run_import(shopper, moved).code == 0
    assert count(backend_ctx, "orders") == orders
    # A row whose content changed is another order.
    changed = write_csv(tmp_path / "changed.csv", [good_row("R-1", qty=2)])
    assert run_import(shopper, changed).code == 0
    assert count(backend_ctx, "orders") == orders + 1


def test_a_rerun_with_another_payment_method_places_nothing(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "method.csv", [good_row("M-1")])
    assert run_import(shopper, path).code == 0
    orders = count(backend_ctx, "orders")
    other = run_import(shopper, path, "--json", method="bnpl")
    assert other.code == 4
    (row,) = json_rows(other.out)
    assert row["status"] == "refused" and "another payment method" in str(row["error"])
    assert count(backend_ctx, "orders") == orders


class CutAfter(httpx.AsyncBaseTransport):
    """Lets `placements` orders through, then the backend stops answering; with
    `answer_lost`, the last order let through is placed but its answer never arrives."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, placements: int, *, answer_lost: bool
    ) -> None:
        self.inner = inner
        self.placements = placements
        self.answer_lost = answer_lost
        self.placed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/orders"):
            if self.placed >= self.placements:
                raise httpx.ConnectError("connection refused", request=request)
            self.placed += 1
            response = await self.inner.handle_async_request(request)
            if self.answer_lost and self.placed == self.placements:
                raise httpx.ReadTimeout("no answer", request=request)
            return response
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("answer_lost", [False, True])
def test_an_interrupted_run_resumed_places_each_row_once(
    shell_for: test_cli.Callable[..., Shell],
    backend_app: FastAPI,
    backend_ctx: Ctx,
    tmp_path: Path,
    answer_lost: bool,
) -> None:
    refs = [f"I-{number}" for number in range(1, 7)]
    path = write_csv(tmp_path / "cut.csv", [good_row(ref) for ref in refs])
    cut = CutAfter(httpx.ASGITransport(app=backend_app), 3, answer_lost=answer_lost)
    interrupted = shell_for(cut)
    interrupted.login()
    orders = count(backend_ctx, "orders")

    first = run_import(interrupted, path, "--json")

    assert first.code == 5
    statuses = [row["status"] for row in json_rows(first.out)]
    placed_first = 2 if answer_lost else 3
    assert statuses == ["paid"] * placed_first + ["not_run"] * (6 - placed_first)
    assert "run the import again" in str(json_rows(first.out)[-1]["error"])
    assert count(backend_ctx, "orders") == orders + 3
    assert [line["status"] for line in results_file(path)] == statuses

    resumed = run_import(shell_for(), path, "--json")

    assert resumed.code == 0, resumed.err
    assert [row["status"] for row in json_rows(resumed.out)] == ["paid"] * 6
    assert count(backend_ctx, "orders") == orders + 6
    for ref in refs:
        assert orders_with_remark(backend_ctx, f"备注 {ref}") == 1
    paid = backend_ctx.db.execute(
        "SELECT COUNT(*) AS n FROM payments WHERE status = 'succeeded'"
    ).fetchone()["n"]
    assert paid >= 6
    order_ids = {row["order_id"] for row in json_rows(resumed.out)}
    assert len(order_ids) == 6


def test_dry_run_quotes_every_row_and_places_nothing(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "dry.csv",
        [good_row("D-1"), good_row("D-2", PRICEY_SKU, 2, BEIJING), good_row("D-3", sku=999999)],
    )
    orders, balance = count(backend_ctx, "orders"), balance_fen(backend_ctx)

    result = shopper("order", "import", str(path), "--pay", "balance", "--dry-run", "--json")

    assert result.code == 4  # D-3 cannot be ordered
    rows = json_rows(result.out)
    assert [row["status"] for row in rows] == ["quoted", "quoted", "invalid"]
    assert int(str(rows[0]["total_fen"])) >= PRICE_FEN
    assert int(str(rows[1]["total_fen"])) >= 2 * PRICEY_FEN
    assert all(row["order_id"] is None for row in rows)
    assert count(backend_ctx, "orders") == orders and balance_fen(backend_ctx) == balance

    clean_run = write_csv(tmp_path / "dry_ok.csv", [good_row("D-1")])
    human = shopper("order", "import", str(clean_run), "--pay", "balance", "--dry-run")
    assert human.code == 0
    assert "Dry run, nothing placed: 1 quoted" in " ".join(human.out.split())


def test_dry_run_counts_the_stock_over_the_rows(shopper: Shell, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "stock.csv",
        [good_row("S-1", qty=99), good_row("S-2", qty=99), good_row("S-3", qty=99)],
    )
    result = shopper("order", "import", str(path), "--pay", "balance", "--dry-run", "--json")
    assert result.code == 4
    rows = json_rows(result.out)
    assert [row["status"] for row in rows] == ["quoted", "quoted", "invalid"]
    assert "70 left for this row's 99" in str(rows[2]["error"])


def test_a_file_that_cannot_be_read_exits_2_before_anything_is_sent(
    shopper: Shell, tmp_path: Path
) -> None:
    missing = shopper("order", "import", str(tmp_path / "nowhere.csv"), "--pay", "alipay")
    assert missing.code == 2 and "No such file" in missing.err
    no_columns = write_csv(tmp_path / "cols.csv", [["x", "1"]], header=("ref", "sku_id"))
    lacking = shopper("order", "import", str(no_columns), "--pay", "alipay")
    assert lacking.code == 2 and "qty, name, phone" in lacking.err
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\x00garbage\xff")
    assert shopper("order", "import", str(binary), "--pay", "alipay").code == 2
    sheet = tmp_path / "orders.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    refused = shopper("order", "import", str(sheet), "--pay", "alipay")
    assert refused.code == 2 and "save the sheet as CSV" in refused.err
    before = shopper.transport.requests
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    assert shopper("order", "import", str(empty), "--pay", "alipay").code == 2
    assert shopper.transport.requests == before


def test_extra_columns_are_named_once_and_gbk_files_are_read(
    shopper: Shell, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    header = (*HEADER[:3], "客服", *HEADER[3:], "note")
    lines = [",".join(header), ",".join([*good_row("G-1")[:3], "小王", *good_row("G-1")[3:], "x"])]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    result = run_import(shopper, path, "--json")
    assert result.code == 0, result.err
    assert result.err.count("Ignored columns: 客服, note") == 1
    assert [row["status"] for row in json_rows(result.out)] == ["paid"]


def test_a_whole_address_in_the_street_column_is_read(shopper: Shell, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "pasted.csv",
        [
            [
                "P-1",
                str(SKU),
                "1",
                "张三",
                "13800138000",
                "",
                "",
                "",
                "浙江省杭州市西湖区文三路100号",
                "",
            ]
        ],
    )
    result = run_import(shopper, path, "--json")
    assert result.code == 0, result.err
    order_id = json_rows(result.out)[0]["order_id"]
    shown = shopper("order", "show", str(order_id), "--json").json()
    assert (shown["address"]["province"], shown["address"]["district"]) == ("浙江省", "西湖区")


def test_a_wrong_payment_password_stops_after_the_first_row(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "pw.csv", [good_row("W-1"), good_row("W-2"), good_row("W-3")])
    orders = count(backend_ctx, "orders")
    wrong = shopper(
        "order", "import", str(path), "--pay", "balance", "--payment-password-stdin", "--json",
        stdin="000000\n",
    )  # fmt: skip
    assert wrong.code == 4
    assert [row["status"] for row in json_rows(wrong.out)] == ["unpaid", "not_run", "not_run"]
    assert count(backend_ctx, "orders") == orders + 1

    right = run_import(shopper, path, "--json")
    assert right.code == 0, right.err
    assert [row["status"] for row in json_rows(right.out)] == ["paid"] * 3
    assert count(backend_ctx, "orders") == orders + 3


def test_an_access_token_of_scopes_order_and_pay_imports(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = shopper(
        "token", "create", "--name", "import", "--scope", "order", "--scope", "pay", "--json"
    )
    assert made.code == 0, made.err
    shopper("logout")
    monkeypatch.setenv("KSHOP_TOKEN", str(made.json()["token"]))
    path = write_csv(tmp_path / "token.csv", [good_row("T-1"), good_row("T-2", PRICEY_SKU)])
    orders = count(backend_ctx, "orders")

    result = run_import(shopper, path, "--json")

    assert result.code == 0, result.err
    assert [row["status"] for row in json_rows(result.out)] == ["paid", "paid"]
    assert count(backend_ctx, "orders") == orders + 2


def test_a_coupon_goes_to_the_first_row_it_fits(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path
) -> None:
    coupon = backend_ctx.db.execute(
        "SELECT uc.id AS id FROM user_coupons uc JOIN coupon_templates c ON c.id = uc.template_id"
        " WHERE uc.user_id = 1 AND uc.status = 'usable' AND c.threshold_fen <= ?"
        " AND c.brand IS NULL AND uc.expires_at > ? ORDER BY c.threshold_fen DESC LIMIT 1",
        (2 * PRICEY_FEN, backend_ctx.now()),
    ).fetchone()
    if coupon is None:
        pytest.skip("no usable coupon in the seed")
    path = write_csv(
        tmp_path / "coupon.csv", [good_row("C-1", PRICEY_SKU, 2), good_row("C-2", PRICEY_SKU, 2)]
    )
    result = run_import(shopper, path, "--json", "--coupon", str(coupon["id"]))
    assert result.code == 0, result.err
    first, second = json_rows(result.out)
    assert int(str(first["total_fen"])) < int(str(second["total_fen"]))
