"""The client's exceptions, one per family of docs/api.md §4 error codes. Screens catch these,
never httpx's."""

from __future__ import annotations

from typing import Any


class LoginCancelled(Exception):
    """The user backed out of logging in when an action needed it.

    Not an `ApiError`: the backend refused nothing. `app.run_api` raises it, and a screen
    that catches it drops the action (or leaves, if it cannot be shown without a user)."""


class ApiError(Exception):
    """A refusal or failure, with the backend's words when it sent some."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int = 0,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details: dict[str, Any] = details or {}


class BadRequest(ApiError):
    """400: the request was malformed (a client bug, shown plainly)."""


class AuthExpired(ApiError):
    """401 UNAUTHENTICATED / TOKEN_EXPIRED: log in again, then carry on."""


class CredentialsRejected(ApiError):
    """401 at login: wrong code or password, two-step code needed, unknown phone."""

    @property
    def attempts_left(self) -> int | None:
        value = self.details.get("attempts_left")
        return value if isinstance(value, int) else None


class InsufficientFunds(ApiError):
    """402: balance or pay-later credit too low."""


class Forbidden(ApiError):
    """403: not allowed, or a wrong payment password."""

    @property
    def attempts_left(self) -> int | None:
        value = self.details.get("attempts_left")
        return value if isinstance(value, int) else None


class NotFound(ApiError):
    """404 (also another user's resource)."""


class Conflict(ApiError):
    """409: invalid state, stock, duplicates, an idempotent request still in flight."""


class PayloadTooLarge(ApiError):
    """413: an upload over the limit."""


class ValidationFailed(ApiError):
    """422: `fields` maps each field name to the backend's message for it."""

    @property
    def fields(self) -> dict[str, str]:
        raw = self.details.get("fields", {})
        out: dict[str, str] = {}
        if isinstance(raw, dict):
            for name, value in raw.items():
                out[str(name)] = (
                    str(value.get("message", "")) if isinstance(value, dict) else str(value)
                )
        return out


class RateLimited(ApiError):
    """429: too many requests or locked out; `retry_after` seconds to wait."""

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx or an answer that is not the error envelope."""


class BackendUnreachable(ApiError):
    """No answer: connection refused, timed out, or cut off."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    402: InsufficientFunds,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationFailed,
}
# An access token revoked or expired is as dead as an expired login: log in again.
AUTH_EXPIRED_CODES = {"UNAUTHENTICATED", "TOKEN_EXPIRED", "TOKEN_REVOKED", "ACCESS_TOKEN_EXPIRED"}


def from_envelope(status: int, body: Any, retry_after_header: str | None) -> ApiError:
    """Maps an error answer to its exception class."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        # A gateway's page or a cut answer, not the backend's words: say it in ours.
        from kshop_tui.i18n import t

        return ServerError(t("faults.server_trouble", status=status), status=status)
    code = str(error.get("code", ""))
    message = str(error.get("message", "")) or f"HTTP {status}"
    details = error.get("details") if isinstance(error.get("details"), dict) else {}
    common: dict[str, Any] = {"code": code, "status": status, "details": details}
    if status == 401:
        kind: type[ApiError] = AuthExpired if code in AUTH_EXPIRED_CODES else CredentialsRejected
        return kind(message, **common)
    if status == 429:
        retry_after = details.get("retry_after") if details else None
        if not isinstance(retry_after, int):
            header = retry_after_header or ""
            retry_after = int(header) if header.isdigit() else 60
        return RateLimited(message, retry_after=retry_after, **common)
    if status >= 500:
        return ServerError(message, **common)
    return _BY_STATUS.get(status, ApiError)(message, **common)
