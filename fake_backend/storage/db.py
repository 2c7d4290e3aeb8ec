"""One SQLite connection for writes behind a lock, and a small pool of read connections.

Measured (docs/pitfalls.md): one writing connection per thread starves some writers (p99 ≈
1 s); one connection behind a lock gives the same throughput with p99 ≈ 55 ms. Every write
runs in `tx()`, a BEGIN IMMEDIATE transaction, so a service call is all or nothing; a `tx()`
inside another is a savepoint, so an idempotent request's effect and its stored answer (and
any nested step whose refusal the caller catches) are all or nothing too.

Reads outside a transaction take a connection of the read pool instead: WAL lets them read
the last commit beside a writer, so a search does not wait for an order to commit, nor an
order for a search. Reads inside `tx()` use the writer's connection and see its writes.

None of this may run on a thread that runs an event loop (the backend's routes are plain
`def`, run by FastAPI in worker threads; the simulator steps in a thread): a query there
would stall every request, and in the bundled mode the TUI's frames. `calls_on_loop`
counts the calls that did, for the test that keeps it at zero.
"""

from __future__ import annotations

import asyncio
import math
import os
import queue
import sqlite3
import stat
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import Any

Params = Sequence[Any] | dict[str, Any]

# The database holds phone numbers, addresses, password hashes, session tokens' hashes
# and uploaded photos: only its owner may read it, its side files, or list its folder.
PRIVATE_FOLDER_MODE = 0o700
# Read connections: two cores run at most two queries at once (SQLite lets go of the GIL
# while it reads); two more keep a thread that holds one between rows from making others
# wait.
READ_POOL_SIZE = 4
# Page cache of each read connection, in KiB (SQLite's default is 2 000 KiB): a search on
# 100 000 products reads the text indexes and products_facets over and over, and kept in
# the cache they are not read from the file again (bench/search_api.py). 8 MiB each: with
# 32 MiB the four readers of the bundled backend grew the local app to 169 MB (the
# scrolling bench's bound is 120 MB). It fills only as pages are read.
READ_CACHE_KIB = 8 * 1024
PRIVATE_FILE_MODE = 0o600
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")


class DatabaseUnusable(Exception):
    """The database file cannot serve: not a database, corrupt, read-only, locked or not
    openable. Found when it is opened, so the backend stops at start rather than answer
    500s; `str()` is one line naming the file, the problem and what to do."""

    def __init__(self, path: str, problem: str, advice: str) -> None:
        super().__init__(f"{path} {problem}: {advice}")
        self.path = path


def _unusable(path: str, error: sqlite3.Error | OSError) -> DatabaseUnusable:
    """What `error`, met while opening the database at `path`, means for its owner."""
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return DatabaseUnusable(
            path,
            f"is not a usable SQLite database ({error})",
            "move it aside to start with a fresh one, or restore it from a backup",
        )
    if name.startswith("SQLITE_READONLY"):
        return DatabaseUnusable(
            path,
            f"is read-only ({error})",
            "make the file and its folder writable for this user, or use another file",
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseUnusable(
            path,
            f"is locked by another program ({error})",
            "stop the other backend that uses it, or use another file",
        )
    if isinstance(error, PermissionError):  # another user's file, or a folder we may not write
        return DatabaseUnusable(
            path,
            f"may not be opened or created by this user ({error.strerror})",
            "run as the user who owns it and its folder, or use another file",
        )
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return DatabaseUnusable(
        path,
        f"cannot be opened ({reason})",
        "check that the path names a file in a folder this user may write",
    )


def private_data_folder(db_path: Path) -> None:
    """Our own data folder, the one `db_path` is in (not a folder the user chose): created
    if missing, group's and others' access taken away (0700). DatabaseUnusable when that
    cannot be done."""
    try:
        _private_folder(db_path.parent)
    except OSError as error:
        raise _unusable(str(db_path), error) from error


def _private_folder(path: Path) -> None:
    """Creates `path` if missing and takes group's and others' access to it away; the
    owner's own bits are left as they are (a folder made read-only stays read-only)."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
    _owner_only(path, PRIVATE_FOLDER_MODE)


def private_database_files(path: Path) -> None:
    """The database file exists, created 0600 if new (SQLite then gives its -wal and -shm
    the same mode); an existing one and its side files lose group's and others' access.
    A missing folder is created private."""
    if not path.parent.exists():
        _private_folder(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE_MODE))
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SIDE_FILE_SUFFIXES)):
        if candidate.exists():
            _owner_only(candidate, PRIVATE_FILE_MODE)


def _owner_only(path: Path, allowed: int) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & ~allowed:
        # Another user's file (or an immutable one) is theirs to guard; whether we can use
        # it is for SQLite to find out when it is opened.
        with suppress(PermissionError):
            path.chmod(mode & allowed)


class WriterQueue:
    """The writer's lock, handed to waiting threads in the order they came (re-entrant for
    the thread that holds it).

    A plain lock lets whichever thread the scheduler wakes first take it, and the thread
    that just let go of it often takes it again at once: under 50 buyers some requests
    waited behind dozens of others' transactions (issue 16's create p99 at 7–8× its
    median). Here the releasing thread hands the lock to the longest waiter."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[tuple[int, threading.Lock]] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._guard:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None:
                self._owner, self._depth = me, 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append((me, turn))
        turn.acquire()  # released by the thread that hands the lock over, ownership set

    def release(self) -> None:
        with self._guard:
            if self._owner != threading.get_ident():
                raise RuntimeError("the writer's lock is released by a thread not holding it")
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                self._owner, turn = self._waiting.popleft()
                self._depth = 1
                turn.release()
            else:
                self._owner = None

    def __enter__(self) -> WriterQueue:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


class Database:
    def __init__(self, path: str | Path) -> None:
        """Opens (creating if needed) and upgrades the database; raises DatabaseUnusable
        when it cannot serve reads and writes."""
        self.path = str(path)
        try:
            private_database_files(Path(path))
            conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=30.0
            )
        except (OSError, sqlite3.Error) as error:
            raise _unusable(self.path, error) from error
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn)
            _check_writable(conn)
        except sqlite3.Error as error:
            conn.close()
            raise _unusable(self.path, error) from error
        conn.row_factory = sqlite3.Row
        with_math_functions(conn)
        self._conn = conn
        self._lock = WriterQueue()
        self._depth = 0
        self._owner: int | None = None  # the thread inside tx()
        self._readers: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._opened_readers: list[sqlite3.Connection] = []
        self._opening = threading.Lock()
        self.calls_on_loop = 0

    def close(self) -> None:
        with self._lock, self._opening:
            for reader in self._opened_readers:
                reader.close()
            self._opened_readers.clear()
            self._conn.close()

    def _open_reader(self) -> sqlite3.Connection:
        reader = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        reader.execute("PRAGMA query_only=ON")
        reader.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
        reader.row_factory = sqlite3.Row
        with_math_functions(reader)
        return reader

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A read pool connection, lent to this thread for one query; the writer's when
        this thread is inside `tx()`, so that it reads its own writes."""
        self._note_loop()
        if self.in_transaction():
            with self._lock:
                yield self._conn
            return
        try:
            reader = self._readers.get_nowait()
        except queue.Empty:
            with self._opening:
                opened = len(self._opened_readers) < READ_POOL_SIZE
                if opened:
                    reader = self._open_reader()
                    self._opened_readers.append(reader)
            if not opened:
                reader = self._readers.get()
        try:
            yield reader
        finally:
            self._readers.put(reader)

    def _note_loop(self) -> None:
        if asyncio._get_running_loop() is not None:
            self.calls_on_loop += 1

    @contextmanager
    def tx(self) -> Iterator[Database]:
        """A write transaction. Inside another it is a savepoint: when it raises, its own
        writes are undone at once (the caller may catch the error and go on); the
        outermost one commits or rolls back everything."""
        self._note_loop()
        with self._lock:
            if self._depth:
                savepoint = f"nested_{self._depth}"
                self._conn.execute(f"SAVEPOINT {savepoint}")
                self._depth += 1
                try:
                    yield self
                except BaseException:
                    self._conn.execute(f"ROLLBACK TO {savepoint}")
                    self._conn.execute(f"RELEASE {savepoint}")
                    raise
                else:
                    self._conn.execute(f"RELEASE {savepoint}")
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            self._owner = threading.get_ident()
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0
                self._owner = None

    def in_transaction(self) -> bool:
        """Whether the calling thread is inside `tx()` (another thread's does not count)."""
        return self._depth > 0 and self._owner == threading.get_ident()

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with self._reading() as conn:
            cursor = conn.execute(sql, params)
            row: sqlite3.Row | None = cursor.fetchone()
            cursor.close()  # ends the read: the next query sees the commits made since
            return row

    def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self._reading() as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        self._note_loop()
        with self._lock:
            return self._conn.execute(sql, params)

    def insert(self, sql: str, params: Params = ()) -> int:
        """Runs an INSERT and answers the new row's id."""
        self._note_loop()
        with self._lock:
            rowid = self._conn.execute(sql, params).lastrowid
            assert rowid is not None
            return rowid

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self._note_loop()
        with self._lock:
            self._conn.executemany(sql, rows)


def has_math_functions(conn: sqlite3.Connection) -> bool:
    return any(row[0] == "ENABLE_MATH_FUNCTIONS" for row in conn.execute("PRAGMA compile_options"))


def with_math_functions(conn: sqlite3.Connection) -> None:
    """The relevance order uses `log10` in SQL; an SQLite built without its math
    functions gets Python's (the same values, a little slower)."""
    if not has_math_functions(conn):
        conn.create_function("log10", 1, math.log10, deterministic=True)


def _check_writable(conn: sqlite3.Connection) -> None:
    """A write that is rolled back. SQLite opens a file it may not write read-only without
    a word, and every write would then fail; BEGIN IMMEDIATE alone does not notice."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE write_probe(x INTEGER)")
    finally:
        conn.execute("ROLLBACK")


def migrate(conn: sqlite3.Connection) -> None:
    """Applies `migrations/NNN_*.sql` above `PRAGMA user_version`, in order."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    folder = resources.files("fake_backend.storage") / "migrations"
    scripts = sorted(
        (int(entry.name.split("_", 1)[0]), entry)
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    for number, entry in scripts:
        if number <= current:
            continue
        conn.executescript(
            f"BEGIN;\n{entry.read_text(encoding='utf-8')}\nPRAGMA user_version = {number};\nCOMMIT;"
        )
