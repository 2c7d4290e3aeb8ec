"""Serving beyond one machine, shown on loopback: HAProxy (TCP) in front of two
`kshop serve ssh` hosts that share one `kshop-backend`.

Starts the backend (uvicorn, a fresh seeded database), two SSH hosts with the same host
key (visitors must not see the key change with the host they land on) pointed at it,
and HAProxy balancing new connections to the host with the fewest (`leastconn`). Then,
through HAProxy only:

1. a visitor buys a product (buy now, logs in as the demo user, places the order and
   pays it) on whichever host they land on;
2. a second visitor, landing on the other host while the first is still there, logs in
   as the demo user and finds that order on the orders screen: one shop;
3. `--burst` more visitors connect at once, and the sessions each host holds are counted
   (its zygote's children).

Needs HAProxy (`apt-get install haproxy`); not part of the test suite. docs/deploy.md
describes the deployment.

Run: python bench/scale_out.py [--burst 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import asyncssh

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from fake_backend.storage.db import Database  # noqa: E402
from tests.serve.conftest import Terminal, open_shop  # noqa: E402
from tests.serve.test_ssh_flows import (  # noqa: E402
    DEMO_PASSWORD,
    DEMO_PHONE,
    a_product_to_buy,
    buy_now_to_the_password,
    last_order_id,
    log_in_with_password,
    open_product_page,
    orders_since,
    type_payment_password,
)

READY_S = 180.0
HOST_KEY_NAME = "ssh_host_ed25519_key"
HAPROXY_CONFIG = """\
global
    maxconn 2000

defaults
    mode tcp
    timeout connect 5s
    # An SSH session is long and often quiet: the shop's keepalives (30 s) keep it open.
    timeout client 2h
    timeout server 2h

frontend kshop_ssh
    bind 127.0.0.1:{port}
    default_backend kshop_hosts

backend kshop_hosts
    balance leastconn
    server host_a 127.0.0.1:{host_a} check
    server host_b 127.0.0.1:{host_b} check
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {READY_S:.0f} s")


@contextmanager
def running(command: list[str], env: dict[str, str], port: int, what: str) -> Iterator[int]:
    """Runs `command` until the block ends; yields its pid once `port` answers."""
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process, what)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sessions_on(server_pid: int) -> int:
    """How many shops a host runs: the children of its zygote."""
    zygotes = [pid for pid, command in children(server_pid) if "serve.zygote" in command]
    return sum(len(children(zygote)) for zygote in zygotes)


def children(parent: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append((int(entry.name), command))
    return found


async def visitor(port: int) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        "127.0.0.1",
        port,
        username="visitor",
        known_hosts=None,
        agent_path=None,
        public_key_auth=False,
        password="guest",
    )


async def until_sessions(hosts: dict[str, int], total: int) -> dict[str, int]:
    """Waits (bounded) until the hosts hold `total` sessions between them."""
    deadline = time.monotonic() + READY_S
    while True:
        counts = {name: sessions_on(pid) for name, pid in hosts.items()}
        if sum(counts.values()) >= total or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.1)


async def demonstrate(port: int, hosts: dict[str, int], db: Database, burst: int) -> None:
    product_id, name = a_product_to_buy(db)
    before = last_order_id(db)

    first_conn = await visitor(port)
    buyer = await open_product_page(first_conn, product_id, name)
    counts = await until_sessions(hosts, 1)
    (buyer_host,) = [host for host, count in counts.items() if count]
    await buy_now_to_the_password(buyer)
    await type_payment_password(buyer)
    (order,) = orders_since(db, before)
    print(f"1. a visitor on {buyer_host} bought {name!r}: order {order['order_no']}, paid")

    second_conn = await visitor(port)
    reader: Terminal = await open_shop(second_conn, "orders")
    counts = await until_sessions(hosts, 2)
    (reader_host,) = [host for host, count in counts.items() if host != buyer_host and count]
    await reader.wait_for("Log in to kshop")
    await log_in_with_password(reader, DEMO_PHONE, DEMO_PASSWORD)
    await reader.wait_for(order["order_no"])
    print(f"2. a visitor on {reader_host} logged in and sees order {order['order_no']}: one shop")

    started = time.perf_counter()
    crowd = await asyncio.gather(*(visitor(port) for _ in range(burst)))
    shops = await asyncio.gather(*(open_shop(conn) for conn in crowd))
    await asyncio.gather(*(shop.wait_for("Search products") for shop in shops))
    seconds = time.perf_counter() - started
    counts = await until_sessions(hosts, burst + 2)
    spread = ", ".join(f"{host}: {count}" for host, count in counts.items())
    print(
        f"3. {burst} more visitors at once, all on screen in {seconds:.1f} s;"
        f" sessions per host: {spread}"
    )
    for conn in [first_conn, second_conn, *crowd]:
        conn.close()
    await asyncio.gather(*(conn.wait_closed() for conn in [first_conn, second_conn, *crowd]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=10, help="visitors connecting at once")
    args = parser.parse_args()
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        print("scale_out: needs HAProxy (apt-get install haproxy)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kshop-scale-out-") as home, ExitStack() as stack:
        folder = Path(home)
        ports = {name: free_port() for name in ("backend", "host_a", "host_b", "haproxy")}
        config = folder / "config.toml"
        most = args.burst + 10
        # Behind the balancer every visitor comes from its address: per-address limits
        # are the balancer's to keep (docs/deploy.md), so they are raised here.
        config.write_text(
            f"[demo]\nmax_sessions = {most}\nconnections_per_minute = {most * 10}\n"
            f"waiting_per_address = {most}\nmax_waiting = {most}\n"
        )
        env = dict(os.environ, KSHOP_CONFIG_FILE=str(config), LANG="en_US.UTF-8")
        db_path = folder / "shop.sqlite3"
        backend = [
            str(Path(sys.executable).with_name("kshop-backend")), "--port", str(ports["backend"]),
            "--db", str(db_path), "--merchant", "manual",
        ]  # fmt: skip
        stack.enter_context(running(backend, env, ports["backend"], "kshop-backend"))
        backend_url = f"http://127.0.0.1:{ports['backend']}"
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        hosts = {}
        for name in ("host_a", "host_b"):
            data = folder / name
            data.mkdir()
            key_path = data / HOST_KEY_NAME
            key_path.write_bytes(host_key.export_private_key())
            key_path.chmod(0o600)
            command = [
                sys.executable, "-m", "kshop_tui", "serve", "ssh", "--port", str(ports[name]),
                "--backend", backend_url,
            ]  # fmt: skip
            host_env = dict(env, KSHOP_DATA_DIR=str(data))
            hosts[name] = stack.enter_context(running(command, host_env, ports[name], name))
        haproxy_config = folder / "haproxy.cfg"
        haproxy_config.write_text(
            HAPROXY_CONFIG.format(
                port=ports["haproxy"], host_a=ports["host_a"], host_b=ports["host_b"]
            )
        )
        stack.enter_context(
            running([haproxy, "-db", "-f", str(haproxy_config)], env, ports["haproxy"], "haproxy")
        )
        print(
            f"HAProxy on 127.0.0.1:{ports['haproxy']} → host_a :{ports['host_a']}, "
            f"host_b :{ports['host_b']} → one kshop-backend at {backend_url}"
        )
        db = Database(db_path)
        try:
            asyncio.run(demonstrate(ports["haproxy"], hosts, db, args.burst))
        finally:
            db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
