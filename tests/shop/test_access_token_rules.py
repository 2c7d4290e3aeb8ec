"""What a new personal access token needs before the account screen sends it."""

from __future__ import annotations

from kshop_tui.shop.flows.account import (
    chosen_scopes,
    token_days_problem,
    token_name_problem,
    token_scopes_problem,
)


def test_what_a_new_token_needs() -> None:
    assert token_name_problem("  ") == "tokens.name_required"
    assert token_name_problem("x" * 41) == "tokens.name_too_long"
    assert token_name_problem("a\x1bb") == "tokens.name_invalid"
    assert token_name_problem(" nightly ") is None
    assert token_days_problem("") == "tokens.days_required"
    assert [token_days_problem(days) for days in ("0", "366", "٣", "1", "365")] == [
        "tokens.days_range",
        "tokens.days_range",
        "tokens.days_range",
        None,
        None,
    ]
    assert token_scopes_problem([]) == "tokens.scopes_required"
    assert chosen_scopes(["pay", "admin", "read", "pay"]) == ["read", "pay"]
