"""Search relevance as Chinese shoppers type (SPEC §7.6): where the product a shopper
meant lands in the results, for 30 queries written the way they are typed in China.

Each query names the product it means by what that product is (its brand and words of its
name, as fake_backend/seed_data.py builds names), never by id, so the table holds on any
catalogue the seeder makes. The demo catalogue has a few listings of most brand + name
pairs (`【包邮】苏泊尔 真空保温杯 礼盒装`, `[限时] 苏泊尔 真空保温杯 礼盒装` …); the rank is
that of the first of them in the relevance order, and "intended found" says how many of
the listings that fit the query found (all of them, when matching has no holes).

It prints a markdown table (query, what kind of query, intended product, its rank,
total results) and a summary: how many at rank 1, in the top 3, in the top 10, and the
mean reciprocal rank (1/rank, 0 when not found). A report, not a test: the exit status
is 0 whatever the ranks; only a query that raises stops it.

    python bench/search_relevance.py                        # the demo catalogue (240)
    python bench/search_relevance.py --db /tmp/big.sqlite3  # a catalogue made before
    python bench/search_relevance.py --products 100000      # a generated one
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.seed import DEMO_PRODUCTS, seed_catalogue
from fake_backend.services import catalogue, search
from fake_backend.storage.db import Database

PAGE = 100  # the service's largest page: ranks are read page after page in relevance order
TOP = (1, 3, 10)


@dataclass(frozen=True)
class Intended:
    """The product a query means: its brand (None: any) and words its name holds."""

    brand: str | None
    name_holds: tuple[str, ...]

    def fits(self, brand: str, name: str) -> bool:
        return (self.brand is None or brand == self.brand) and all(
            word in name for word in self.name_holds
        )

    def describe(self) -> str:
        words = " … ".join(self.name_holds) or "(any of its products)"
        return f"{self.brand} {words}" if self.brand else words


@dataclass(frozen=True)
class Case:
    q: str
    kind: str
    intended: Intended


def _case(q: str, kind: str, brand: str | None, *name_holds: str) -> Case:
    return Case(q, kind, Intended(brand, name_holds))


CASES = [
    # Brand and kind run together, as typed on a phone.
    _case("华为耳机", "brand + kind, unspaced", "华为", "耳机"),
    _case("创意工坊保温杯", "brand + kind, unspaced", "创意工坊", "保温杯"),
    _case("小米手机", "brand + kind, unspaced", "小米", "手机"),
    _case("迪奥口红", "brand + kind, unspaced", "迪奥", "口红"),
    # Words of a name without their spaces.
    _case("保温杯送礼", "unspaced, partial word", None, "保温杯", "送礼佳品"),
    _case("降噪耳机", "unspaced, two words", None, "降噪耳机"),
    _case("大闸蟹礼盒", "unspaced, two words", None, "大闸蟹", "礼盒"),
    _case("机械键盘青轴", "unspaced, two words", None, "机械键盘", "青轴"),
    # A whole title, copied without its spaces.
    _case(
        "创意工坊定制刻字保温杯送礼佳品",
        "whole title, unspaced",
        "创意工坊",
        "定制刻字保温杯",
        "送礼佳品",
    ),
    _case("苏泊尔真空保温杯礼盒装", "whole title, unspaced", "苏泊尔", "真空保温杯", "礼盒装"),
    # Part of a word, or the word people say for it.
    _case("保温", "partial word", None, "保温杯"),
    _case("车厘子", "part of a name", None, "车厘子"),
    _case("跑鞋", "shortened word (跑步鞋)", None, "跑步鞋"),
    # Pinyin, full.
    _case("huawei", "pinyin, brand", "华为"),
    _case("baowenbei", "pinyin, word", None, "保温杯"),
    _case("kouhong", "pinyin, word", None, "口红"),
    _case("santi", "pinyin, book title", None, "三体"),
    _case("xiaomi shouji", "pinyin, brand + kind", "小米", "手机"),
    _case("huaweishouji", "pinyin, brand + kind, unspaced", "华为", "手机"),
    # Pinyin initials.
    _case("bwb", "initials, word", None, "保温杯"),
    _case("mkb", "initials, word", None, "马克杯"),
    _case("xmsj", "initials, brand + kind", "小米", "手机"),
    # Latin and Chinese mixed, lower case as typed.
    _case("huawei耳机", "mixed: pinyin + Chinese", "华为", "耳机"),
    _case("python编程", "mixed, lower case", None, "Python编程"),
    _case("优衣库纯棉t恤", "mixed, brand + kind", "优衣库", "纯棉T恤"),
    _case("5g手机", "mixed, model + kind", None, "5G智能手机"),
    _case("typec扩展坞", "mixed, hyphen left out", None, "Type-C扩展坞"),
    _case("only连衣裙", "mixed, Latin brand", "ONLY", "连衣裙"),
    # The words in another order than the title's.
    _case("耳机华为", "unusual order", "华为", "耳机"),
    _case("余华活着", "unusual order (author first)", None, "活着", "余华"),
]


@dataclass(frozen=True)
class Ranked:
    case: Case
    rank: int | None  # 1-based; None: not among the results
    total: int
    fitting: int  # listings in the catalogue that fit the intended product
    found: int  # of those, how many the query found (anywhere in its results)


def rank_of(ctx: Ctx, case: Case) -> Ranked:
    """Walks the whole relevance order: the first fitting product's rank, and how many
    fitting products the query found at all (a query can rank one first and miss others)."""
    cursor: str | None = None
    seen = found = total = 0
    rank: int | None = None
    while True:
        page = catalogue.search_products(ctx, q=case.q, sort="relevance", cursor=cursor, limit=PAGE)
        total = page["total"]
        for item in page["items"]:
            seen += 1
            if case.intended.fits(item["brand"], item["name"]):
                found += 1
                rank = rank or seen
        cursor = page["next_cursor"]
        if cursor is None:
            return Ranked(case, rank, total, fitting_count(ctx, case.intended), found)


def fitting_count(ctx: Ctx, intended: Intended) -> int:
    """Listings of the intended product in the catalogue (instr: case-sensitive, as `in`)."""
    clauses = ["instr(name, ?) > 0" for _ in intended.name_holds]
    params: list[str] = list(intended.name_holds)
    if intended.brand is not None:
        clauses.append("brand = ?")
        params.append(intended.brand)
    where = " AND ".join(clauses) or "1"
    return int(ctx.db.scalar(f"SELECT COUNT(*) FROM products WHERE {where}", params))


def table(results: list[Ranked]) -> list[str]:
    lines = [
        "| # | query | kind | intended product | rank | results | intended found |",
        "|--:|---|---|---|--:|--:|--:|",
    ]
    for number, result in enumerate(results, 1):
        rank = "absent" if not result.fitting else str(result.rank or "not found")
        lines.append(
            f"| {number} | `{result.case.q}` | {result.case.kind}"
            f" | {result.case.intended.describe()} | {rank} | {result.total}"
            f" | {result.found} of {result.fitting} |"
        )
    return lines


def summary(results: list[Ranked]) -> str:
    counts = [
        sum(1 for result in results if result.rank is not None and result.rank <= top)
        for top in TOP
    ]
    mrr = sum(1 / result.rank for result in results if result.rank) / len(results)
    absent = sum(1 for result in results if not result.fitting)
    tops = ", ".join(
        f"{'at rank 1' if top == 1 else f'in top {top}'}: {count}/{len(results)}"
        for top, count in zip(TOP, counts, strict=True)
    )
    missed = sum(1 for result in results if result.found < result.fitting)
    missing = f"; {absent} intended products not in this catalogue" if absent else ""
    return (
        f"{tops}; mean reciprocal rank {mrr:.3f}; {missed} queries miss some listings"
        f" of their intended product{missing}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="reused; grown to --products")
    parser.add_argument("--products", type=int, default=DEMO_PRODUCTS)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db_path = args.db or Path(scratch) / "relevance.sqlite3"
        ctx = Ctx(db=Database(db_path), clock=Clock())
        seed_catalogue(ctx, seed=args.seed, products=args.products)
        search.ensure_index(ctx)
        count = ctx.db.scalar("SELECT COUNT(*) FROM products")
        started = time.perf_counter()
        results = [rank_of(ctx, case) for case in CASES]
        elapsed = time.perf_counter() - started
        ctx.db.close()
    print(f"catalogue: {count} products in {db_path}; {len(CASES)} queries in {elapsed:.1f} s\n")
    print("\n".join(table(results)))
    print(f"\n{summary(results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
