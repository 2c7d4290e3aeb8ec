"""What the calls of every area stand on: `KshopClient._call`, the one door to httpx, and
the few ways an answer becomes a model."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)
API = "/api/v1"


class ApiCalls(ABC):
    """A group of `KshopClient`'s calls; `KshopClient` supplies `_call`."""

    @abstractmethod
    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        raw: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        """One request; its JSON answer (its bytes with `raw`, None when it has none)."""

    async def _get(self, path: str, model: type[T], **params: Any) -> T:
        return model.model_validate(await self._call("GET", path, params=params))

    async def _send(
        self, method: str, path: str, model: type[T], body: Any = None, key: str | None = None
    ) -> T:
        return model.model_validate(await self._call(method, path, json=body, idempotency_key=key))

    async def _get_items(self, path: str, model: type[T], **params: Any) -> list[T]:
        """The `items` of a list answer that has no cursor (reasons, carriers, cards...)."""
        body = await self._call("GET", path, params=params)
        return [model.model_validate(item) for item in body["items"]]


def lines_or_cart(items: list[tuple[int, int]] | None) -> dict[str, Any]:
    """`items` [(sku_id, qty)] as the API takes them, or the cart's selected lines."""
    if items is None:
        return {"from_cart": True}
    return {"items": [{"sku_id": s, "qty": q} for s, q in items]}
