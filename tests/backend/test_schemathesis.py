"""Schema-driven fuzzing: schemathesis walks every operation of `/openapi.json`.

The schema is loaded from the ASGI app in-process (no network, nothing downloaded), on a
freshly seeded database for this module, frozen clock, merchant manual. Every request is sent
as the demo user, with a new token per request so that a fuzzed logout cannot log the rest of
the walk out. `/_dev` is not in the document (and is excluded here too), so it is never called.
Required headers the document declares, `Idempotency-Key` among them, are generated.

Each answer must be no server error and agree with the document: a documented status code,
the documented content type and headers, a body matching the schema; a method the document
does not list for a path must be answered 405. Generation covers the schema's own examples,
its boundaries (coverage phase: edges, missing required parts, wrong methods) and random
valid and invalid inputs (fuzzing phase).

Bounded for CI: MAX_EXAMPLES random examples per operation, deterministic (derandomize, a
fixed seed), no example database, no shrinking, no deadline: about 20 s on one core.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    missing_required_header,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.services import sessions
from tests.conftest import DEMO_USER_ID, FROZEN_START

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    missing_required_header,
    unsupported_method,
]
# The same keys as a `schemathesis.toml`; kept here so the test carries its whole setup.
CONFIG: dict[str, Any] = {
    "seed": 20261124,
    "generation": {
        "mode": "all",  # valid and invalid inputs
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "no-shrink": True,
        "database": "none",
    },
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        # The document declares no links between operations: nothing to chain.
        "stateful": {"enabled": False},
    },
}


@pytest.fixture(scope="module")
def fuzz_app(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    path = tmp_path_factory.mktemp("schemathesis") / "backend.sqlite3"
    shutil.copyfile(seeded_template, path)
    return create_app(path, Clock(FROZEN_START, frozen=True), merchant="manual", seed=None)


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=r"^/_dev(/|$)")


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # Wall-clock based: a busy CI machine must not turn into a failure.
    suppress_health_check=[HealthCheck.too_slow],
)
@schema.parametrize()
def test_every_operation_answers_as_its_schema_says(
    case: schemathesis.Case[Any], fuzz_app: FastAPI
) -> None:
    ctx: Ctx = fuzz_app.state.ctx
    token, _ = sessions.issue(ctx, DEMO_USER_ID)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
