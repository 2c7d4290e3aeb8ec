"""kshop's bundled backend: the whole HTTP contract of docs/api.md §2–§4 on FastAPI + SQLite."""

from __future__ import annotations

from fake_backend.app import create_app

__all__ = ["create_app"]
