"""The app's own plumbing: error envelope, language, unknown routes, body limit, clock."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fake_backend.app import prepare_routes
from tests.backend.conftest import error_code


def test_unknown_route_answers_the_envelope_in_the_requested_language(client: TestClient) -> None:
    zh = client.get("/api/v1/no-such-thing")
    en = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert zh.status_code == en.status_code == 404
    assert error_code(zh) == "NOT_FOUND"
    assert zh.json()["error"]["message"] == "未找到接口"
    assert en.json()["error"]["message"] == "Endpoint not found"


def test_a_method_the_route_lacks_is_405_naming_the_ones_it_has(client: TestClient) -> None:
    zh = client.delete("/api/v1/me")
    en = client.request("TRACE", "/api/v1/me", headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 405
    assert error_code(zh) == error_code(en) == "METHOD_NOT_ALLOWED"
    assert zh.headers["Allow"] == en.headers["Allow"] == "GET"
    assert en.json()["error"]["message"] == "This endpoint does not accept TRACE"


def test_malformed_json_is_400_and_unknown_field_is_422_naming_it(client: TestClient) -> None:
    bad = client.post(
        "/_dev/clock/advance", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 400 and error_code(bad) == "MALFORMED"
    extra = client.post("/_dev/clock/advance", json={"seconds": 5, "colour": "red"})
    assert extra.status_code == 422 and error_code(extra) == "VALIDATION_ERROR"
    assert extra.json()["error"]["details"]["fields"]["colour"]["code"] == "unknown_field"


def test_oversized_body_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/_dev/clock/advance",
        content=b"x" * (6 * 1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413 and error_code(response) == "PAYLOAD_TOO_LARGE"


def test_clock_advance_moves_backend_time(client: TestClient) -> None:
    before = client.get("/_dev/clock").json()["epoch"]
    after = client.post("/_dev/clock/advance", json={"seconds": 3600}).json()["epoch"]
    assert after - before == 3600
    assert client.post("/_dev/clock/advance", json={"seconds": -5}).status_code == 422


def _route_models_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths whose routes FastAPI works out from here on (its lazy step since 0.16x;
    skipped where a FastAPI builds them as routers are included)."""
    import fastapi.routing

    context = getattr(fastapi.routing, "_EffectiveRouteContext", None)
    if context is None:
        pytest.skip("this FastAPI works out its routes as they are included")
    built: list[str] = []
    original = context.from_api_route.__func__

    def counting(cls: type, *, original_route: Any, **kwargs: Any) -> Any:
        built.append(original_route.path)
        return original(cls, original_route=original_route, **kwargs)

    monkeypatch.setattr(context, "from_api_route", classmethod(counting))
    return built


def test_prepared_routes_leave_the_first_request_nothing_to_work_out(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first request to a fresh backend paid ~0.5 s of CPU on the event loop for
    FastAPI to work out every router's routes: `prepare_routes` does it as it starts."""
    built = _route_models_built(monkeypatch)
    prepare_routes(app)
    assert "/products" in built and "/orders" in built  # every router, the last ones too
    built.clear()
    with TestClient(app) as client:
        assert client.get("/api/v1/products").status_code == 200
        assert client.get("/api/v1/orders").status_code == 401
    assert built == []


def test_an_unprepared_backend_works_its_routes_out_on_its_first_request(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _route_models_built(monkeypatch)
    with TestClient(app) as client:
        assert client.get("/api/v1/products").status_code == 200
    assert "/products" in built
