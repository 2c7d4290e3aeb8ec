"""The backend's layers (docs/backend.md): SQL lives in storage/, never in services/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import fake_backend.services

SERVICES = Path(fake_backend.services.__file__).parent
SQL = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(TABLE|INDEX)|PRAGMA)\b",
    re.IGNORECASE | re.DOTALL,
)
DB_CALLS = {"execute", "executemany", "executescript", "one", "all", "scalar", "insert"}


def service_modules() -> list[Path]:
    modules = sorted(SERVICES.glob("*.py"))
    assert len(modules) > 10, SERVICES
    return modules


def docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring constants (prose may name a query)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def sql_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = docstrings(tree)
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
        elif isinstance(node, ast.JoinedStr):  # f"SELECT {column} FROM ..."
            text = "".join(
                part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
            )
        else:
            continue
        if SQL.search(text):
            found.setdefault(node.lineno, f"{path.name}:{node.lineno}: {text[:60]!r}")
    return list(found.values())


def database_calls(path: Path) -> list[str]:
    """Calls such as `ctx.db.execute(...)` / `db.one(...)`: SQL handed to the database."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if owner_name == "db" and node.func.attr in DB_CALLS:
            found.append(f"{path.name}:{node.lineno}: db.{node.func.attr}(...)")
    return found


def test_no_service_holds_sql() -> None:
    problems = [hit for path in service_modules() for hit in sql_literals(path)]
    assert not problems, "SQL belongs in fake_backend/storage/:\n" + "\n".join(problems)


def test_no_service_runs_sql_on_the_database() -> None:
    problems = [hit for path in service_modules() for hit in database_calls(path)]
    assert not problems, "queries belong in fake_backend/storage/:\n" + "\n".join(problems)


def test_the_scan_sees_sql(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docs may say UPDATE skus SET stock."""\n'
        "def f(ctx):\n"
        '    ctx.db.execute("UPDATE users SET x = 1 WHERE id = ?", (1,))\n'
        '    return ctx.db.one(f"SELECT {1} FROM users")\n',
        encoding="utf-8",
    )
    assert len(sql_literals(sample)) == 2
    assert len(database_calls(sample)) == 2


# ---- the services' imports form a DAG -----------------------------------------------------


def service_imports(path: Path, names: set[str]) -> list[tuple[str, int, bool]]:
    """(service imported, line, at module top) for every import in the module, however deep
    (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: `from . import x`, `from .x import y`
                module = "fake_backend.services" + ("." + module if module else "")
            if module == "fake_backend.services":
                targets = [alias.name for alias in node.names]
            elif module.startswith("fake_backend.services."):
                targets = [module.split(".")[2]]
        elif isinstance(node, ast.Import):
            targets = [
                alias.name.split(".")[2]
                for alias in node.names
                if alias.name.startswith("fake_backend.services.")
            ]
        found += [(name, node.lineno, id(node) in top) for name in targets if name in names]
    return found


def import_graph() -> dict[str, set[str]]:
    names = {path.stem for path in service_modules()}
    return {
        path.stem: {name for name, _, _ in service_imports(path, names)}
        for path in service_modules()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path that ends where it starts, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            cycle = visit(target, [*path, node])
            if cycle is not None:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle is not None:
            return cycle
    return None


def test_the_services_import_each_other_without_a_cycle() -> None:
    graph = import_graph()
    assert graph["order_creation"] and graph["payments"], graph  # the scan sees imports
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle among services: " + " -> ".join(cycle or [])


def test_services_import_each_other_at_module_top() -> None:
    names = {path.stem for path in service_modules()}
    problems = [
        f"{path.name}:{line}: imports {name} inside a function"
        for path in service_modules()
        for name, line, at_top in service_imports(path, names)
        if not at_top
    ]
    assert not problems, "\n".join(problems)


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]


def test_the_import_scan_sees_every_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from fake_backend.services import orders, rules\n"
        "import fake_backend.services.ledger\n"
        "from fake_backend.services.paging import cut\n"
        "from fake_backend.storage import orders as store\n"
        "def f():\n"
        "    from . import payments\n"
        "    from .logistics import ship\n",
        encoding="utf-8",
    )
    names = {"orders", "rules", "ledger", "paging", "payments", "logistics"}
    assert sorted(service_imports(sample, names)) == [
        ("ledger", 2, True),
        ("logistics", 7, False),
        ("orders", 1, True),
        ("paging", 3, True),
        ("payments", 6, False),
        ("rules", 1, True),
    ]
