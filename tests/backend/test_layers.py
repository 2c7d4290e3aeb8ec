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
