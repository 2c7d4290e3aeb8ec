"""`kshop order import` of a 1 000-row file on the bundled backend, as a user runs it.

Makes a temporary data dir (its own seeded database), logs the demo account in, gives it
money enough (the demo balance pays for about fifty orders), writes `--rows` rows spread
over in-stock physical SKUs (qty 1, real addresses), then runs the import twice with
`--pay balance`: the first run places and pays every row, the second (the rerun) must
place nothing new. Prints each run's wall time, rows per second and the load average.

    python bench/order_import.py                 # 1 000 rows
    python bench/order_import.py --rows 200
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO_PHONE = "13800138000"
DEMO_PASSWORD = "demo1234"
PAYMENT_PASSWORD = "123456"
ROWS_PER_SKU = 25
RICH_FEN = 10**12
ADDRESSES = (
    ("浙江省", "杭州市", "西湖区", "文三路100号"),
    ("北京市", "北京市", "海淀区", "中关村大街27号"),
    ("上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("广东省", "广州市", "天河区", "天河路385号"),
)


def kshop(env: dict[str, str], *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kshop_tui", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kshop-import-bench-") as folder:
        root = Path(folder)
        env = {
            **os.environ,
            "KSHOP_DATA_DIR": str(root / "data"),
            "KSHOP_CONFIG_FILE": str(root / "config.toml"),
            "COLUMNS": "100",
        }
        env.pop("KSHOP_BACKEND_URL", None)
        env.pop("KSHOP_TOKEN", None)
        login = kshop(
            env, "--lang", "en", "login", DEMO_PHONE, "--password-stdin", stdin=DEMO_PASSWORD + "\n"
        )
        if login.returncode != 0:
            raise SystemExit(f"login failed: {login.stderr}")
        database = next((root / "data").glob("*.sqlite3"))
        skus = prepare(database, options.rows)
        path = write_rows(root / "orders.csv", skus, options.rows)
        for label in ("first run", "rerun"):
            load = os.getloadavg()[0]
            started = time.perf_counter()
            result = kshop(
                env, "--lang", "en", "order", "import", str(path), "--pay", "balance",
                "--payment-password-stdin", "--json", stdin=PAYMENT_PASSWORD + "\n",
            )  # fmt: skip
            seconds = time.perf_counter() - started
            statuses = [json.loads(line)["status"] for line in result.stdout.splitlines()]
            orders = count_orders(database)
            print(
                f"{label}: exit {result.returncode}, {len(statuses)} rows "
                f"({statuses.count('paid')} paid) in {seconds:.1f} s = "
                f"{len(statuses) / seconds:.0f} rows/s; orders in the database {orders}; "
                f"load {load:.1f}"
            )


def prepare(database: Path, rows: int) -> list[int]:
    """SKUs of physical goods with stock for their share of the rows; money to pay."""
    with sqlite3.connect(database) as db:
        db.execute("UPDATE users SET balance_fen = ? WHERE phone = ?", (RICH_FEN, DEMO_PHONE))
        found = db.execute(
            "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id "
            "WHERE p.kind = 'physical' AND s.stock >= ? ORDER BY s.id LIMIT ?",
            (ROWS_PER_SKU, rows // ROWS_PER_SKU + 1),
        ).fetchall()
    return [row[0] for row in found]


def write_rows(path: Path, skus: list[int], rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            (
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
        )
        for number in range(rows):
            where = ADDRESSES[number % len(ADDRESSES)]
            writer.writerow(
                (f"B-{number:05d}", skus[number // ROWS_PER_SKU], 1, "张三",
                 f"139{number:08d}", *where, "")
            )  # fmt: skip
    return path


def count_orders(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM orders").fetchone()[0])


if __name__ == "__main__":
    main()
