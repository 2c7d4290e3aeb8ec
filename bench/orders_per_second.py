"""Orders per second on a real server, and proof that stock stays exact under load.

Seeds a fresh temporary database, gives one SKU `--stock` units (default: more than can
sell), creates N buyers with money, starts `python -m fake_backend` (uvicorn, merchant
manual) on a free loopback port, then N concurrent buyers loop "create order (balance) +
pay" for the given seconds. The same stack's trivial endpoint (GET /api/v1/categories: no
login, no write; the backend has no health endpoint) is then hit by as many concurrent
clients for at most 5 s, for its req/s and latency and the ratio. Each buyer (and each
trivial client) has its own connection, as people on their own devices do: one httpx pool
shared by 50 connections spent 6–8 ms of the bench's CPU per request scanning itself, and
the bench, not the backend, set the pace. The server's CPU per order and per trivial
request (from /proc, both phases) is printed beside the rates: on a shared machine it is
the steadier figure. Afterwards the database
is checked: stock never below zero, units ordered = stock consumed, products.stock = sum
of SKUs. With a small `--stock` the buyers race for the last units and the check proves
that no more than `stock` units sold (stock ends at 0, consumed = in orders).

    python bench/orders_per_second.py                      # 50 buyers, 10 s
    python bench/orders_per_second.py --buyers 100 --seconds 30
    python bench/orders_per_second.py --stock 200          # sell out: the race for the last units
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.seed import ensure_seeded
from fake_backend.services import sessions
from fake_backend.services.rules import hash_secret
from fake_backend.storage.db import Database

SKU_ID = 1
LARGE_STOCK = 10_000_000
TRIVIAL_SECONDS = 5.0
BALANCE_FEN = 10**12
PAYMENT_PASSWORD = "123456"
# The cheap GET measured for the ratio; the second when the first is not served.
TRIVIAL_PATHS = ("/api/v1/categories", "/_dev/clock")
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0


@dataclass
class Buyer:
    address_id: int
    headers: dict[str, str]


@dataclass
class Tally:
    create_ms: list[float] = field(default_factory=list)
    pay_ms: list[float] = field(default_factory=list)
    completed: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    # Requests that got no answer (the connection failed): counted, the buyer goes on.
    connection_errors: Counter[str] = field(default_factory=Counter)


def prepare(db_path: Path, buyers: int, stock: int) -> list[Buyer]:
    """Seeds the database, sets the SKU's stock and writes the buyers straight into it."""
    ctx = Ctx(db=Database(db_path), clock=Clock(), merchant="manual")
    ensure_seeded(ctx, history=False)  # no demo orders: every unit ordered is the run's
    payment_hash = hash_secret(PAYMENT_PASSWORD)
    created = []
    with ctx.db.tx():
        ctx.db.execute("UPDATE skus SET stock = ? WHERE id = ?", (stock, SKU_ID))
        _sync_product_stock(ctx)
    for index in range(buyers):
        phone = f"1360000{index:04d}"
        with ctx.db.tx():
            user_id = ctx.db.insert(
                "INSERT INTO users(phone, nickname, payment_password_hash, balance_fen,"
                " created_at) VALUES (?,?,?,?,?)",
                (phone, f"压测买家{index}", payment_hash, BALANCE_FEN, ctx.now()),
            )
            address_id = ctx.db.insert(
                "INSERT INTO addresses(user_id, name, phone, province, city, district, detail,"
                " is_default, created_at) VALUES (?,?,?,?,?,?,?,1,?)",
                (user_id, "王五", phone, "浙江省", "杭州市", "西湖区", "文三路1号", ctx.now()),
            )
        token, _ = sessions.issue(ctx, user_id)
        created.append(Buyer(address_id, {"Authorization": f"Bearer {token}"}))
    ctx.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ctx.db.close()
    return created


def _sync_product_stock(ctx: Ctx) -> None:
    ctx.db.execute(
        "UPDATE products SET stock = (SELECT SUM(stock) FROM skus WHERE product_id = products.id)"
        " WHERE id = (SELECT product_id FROM skus WHERE id = ?)",
        (SKU_ID,),
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(db_path: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "fake_backend",
        "--db",
        str(db_path),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--merchant",
        "manual",
    ]
    server = subprocess.Popen(command)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1.0)
            return server
        except httpx.TransportError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the backend did not start")


def cpu_seconds(pid: int) -> float:
    """The user + system CPU the process `pid` has used so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat_file:
            fields = stat_file.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def buyer_loop(http: httpx.AsyncClient, buyer: Buyer, until: float, tally: Tally) -> None:
    order_body = {
        "items": [{"sku_id": SKU_ID, "qty": 1}],
        "address_id": buyer.address_id,
        "payment_method": "balance",
    }
    pay_body = {"method": "balance", "payment_password": PAYMENT_PASSWORD}
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            created = await http.post(
                "/api/v1/orders",
                json=order_body,
                headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
            )
        except httpx.TransportError as error:
            tally.connection_errors[f"create {type(error).__name__}"] += 1
            continue
        tally.create_ms.append((time.perf_counter() - started) * 1000)
        if created.status_code != 201:
            tally.refusals[f"create {created.status_code}"] += 1
            continue
        started = time.perf_counter()
        try:
            paid = await http.post(
                f"/api/v1/orders/{created.json()['id']}/pay",
                json=pay_body,
                headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
            )
        except httpx.TransportError as error:
            tally.connection_errors[f"pay {type(error).__name__}"] += 1
            continue
        tally.pay_ms.append((time.perf_counter() - started) * 1000)
        if paid.status_code < 300 and paid.json().get("status") == "succeeded":
            tally.completed += 1
        else:
            tally.refusals[f"pay {paid.status_code}"] += 1


@dataclass
class Trivial:
    path: str
    rate: float = 0.0
    requests: int = 0
    latency_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)


async def trivial_loop(http: httpx.AsyncClient, until: float, trivial: Trivial) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        response = await http.get(trivial.path)
        trivial.latency_ms.append((time.perf_counter() - started) * 1000)
        trivial.statuses[response.status_code] += 1


@dataclass
class Cpu:
    """CPU seconds of the server and of this bench during each phase."""

    server_orders: float = 0.0
    server_trivial: float = 0.0
    bench_orders: float = 0.0
    bench_trivial: float = 0.0


async def measure(
    base_url: str, buyers: list[Buyer], seconds: float, server_pid: int
) -> tuple[Tally, float, Trivial, Cpu]:
    """The tally, the seconds the order phase really took, the trivial GET's figures and
    the CPU each phase cost."""
    cpu = Cpu()
    clients = [httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT) for _ in buyers]
    try:
        tally = Tally()
        server_before, bench_before = cpu_seconds(server_pid), time.process_time()
        started = time.monotonic()
        await asyncio.gather(
            *(
                buyer_loop(http, buyer, started + seconds, tally)
                for http, buyer in zip(clients, buyers, strict=True)
            )
        )
        elapsed = time.monotonic() - started
        cpu.server_orders = cpu_seconds(server_pid) - server_before
        cpu.bench_orders = time.process_time() - bench_before
        path = TRIVIAL_PATHS[-1]
        for candidate in TRIVIAL_PATHS:
            if (await clients[0].get(candidate)).status_code == 200:
                path = candidate
                break
        trivial = Trivial(path)
        server_before, bench_before = cpu_seconds(server_pid), time.process_time()
        trivial_started = time.monotonic()
        trivial_until = trivial_started + min(seconds, TRIVIAL_SECONDS)
        await asyncio.gather(*(trivial_loop(http, trivial_until, trivial) for http in clients))
        trivial.requests = sum(trivial.statuses.values())
        trivial.rate = trivial.requests / (time.monotonic() - trivial_started)
        cpu.server_trivial = cpu_seconds(server_pid) - server_before
        cpu.bench_trivial = time.process_time() - bench_before
        if set(trivial.statuses) != {200}:
            print(f"warning: {path} answered {dict(trivial.statuses)}", file=sys.stderr)
    finally:
        for http in clients:
            await http.aclose()
    return tally, elapsed, trivial, cpu


def oversell_check(db_path: Path, stock: int) -> tuple[bool, int, int, int]:
    """(all good, final stock, units consumed, units in orders) read from the database."""
    db = Database(db_path)
    try:
        final_stock = int(db.scalar("SELECT stock FROM skus WHERE id = ?", (SKU_ID,)))
        ordered = int(
            db.scalar(
                "SELECT COALESCE(SUM(i.qty), 0) FROM order_items i JOIN orders o ON o.id ="
                " i.order_id WHERE i.sku_id = ? AND o.status != 'cancelled'",
                (SKU_ID,),
            )
        )
        product_in_step = db.scalar(
            "SELECT p.stock = (SELECT SUM(stock) FROM skus WHERE product_id = p.id)"
            " FROM products p JOIN skus s ON s.product_id = p.id WHERE s.id = ?",
            (SKU_ID,),
        )
        negative = db.scalar("SELECT COUNT(*) FROM skus WHERE stock < 0")
    finally:
        db.close()
    consumed = stock - final_stock
    good = final_stock >= 0 and consumed == ordered and bool(product_in_step) and negative == 0
    return good, final_stock, consumed, ordered


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile; 0 when there are no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, int(share * len(ordered) + 0.999999))
    return ordered[min(rank, len(ordered)) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=50, help="concurrent buyers (default 50)")
    parser.add_argument("--seconds", type=float, default=10.0, help="order phase (default 10)")
    parser.add_argument(
        "--stock", type=int, default=LARGE_STOCK, help="units of the SKU (default: plenty)"
    )
    args = parser.parse_args(argv)
    if args.buyers < 1 or args.seconds <= 0 or args.stock < 0:
        parser.error("--buyers must be ≥ 1, --seconds > 0 and --stock ≥ 0")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kshop-bench-") as folder:
        db_path = Path(folder) / "bench.sqlite3"
        buyers = prepare(db_path, args.buyers, args.stock)
        port = free_port()
        server = start_server(db_path, port)
        try:
            tally, elapsed, trivial, cpu = asyncio.run(
                measure(f"http://127.0.0.1:{port}", buyers, args.seconds, server.pid)
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        good, final_stock, consumed, ordered = oversell_check(db_path, args.stock)
    rate = tally.completed / elapsed
    share = rate / trivial.rate if trivial.rate else 0.0
    create_p50 = percentile(tally.create_ms, 0.50)
    spread = percentile(tally.create_ms, 0.99) / create_p50 if create_p50 else 0.0
    rows = [
        ("buyers", f"{args.buyers}"),
        ("seconds", f"{elapsed:.1f}"),
        ("orders completed (created + paid)", f"{tally.completed}"),
        ("orders/s", f"{rate:.1f}"),
        ("create p50 / p99 (ms)", _pair(tally.create_ms)),
        ("pay p50 / p99 (ms)", _pair(tally.pay_ms)),
        (f"GET {trivial.path} req/s", f"{trivial.rate:.0f}"),
        (f"GET {trivial.path} p50 / p99 (ms)", _pair(trivial.latency_ms)),
        ("server CPU per order (create + pay), ms", _per(cpu.server_orders, tally.completed)),
        (f"server CPU per GET {trivial.path}, ms", _per(cpu.server_trivial, trivial.requests)),
        (
            "bench CPU per order / per GET, ms",
            f"{_per(cpu.bench_orders, tally.completed)} / "
            f"{_per(cpu.bench_trivial, trivial.requests)}",
        ),
        ("orders/s ÷ trivial req/s (goal ≥ 0.25)", f"{share:.3f}" if trivial.rate else "n/a"),
        ("create p99 ÷ p50 (goal ≤ 4)", f"{spread:.1f}"),
        ("refusals", ", ".join(f"{k}: {v}" for k, v in tally.refusals.items()) or "none"),
        (
            "connection errors (goal none)",
            ", ".join(f"{k}: {v}" for k, v in tally.connection_errors.items()) or "none",
        ),
        (
            "oversell check",
            f"{'OK' if good else 'FAILED'} (stock {args.stock} before, {final_stock} after;"
            f" consumed {consumed}, in orders {ordered})",
        ),
        ("load average before / after", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"| {'-' * width} | ----- |")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    return 0 if good else 1


def _per(seconds: float, count: int) -> str:
    return f"{seconds * 1000 / count:.2f}" if count else "n/a"


def _pair(samples: list[float]) -> str:
    return f"{percentile(samples, 0.50):.1f} / {percentile(samples, 0.99):.1f}"


if __name__ == "__main__":
    raise SystemExit(main())
