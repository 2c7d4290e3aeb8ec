"""The user, logging in, SSH keys, access tokens, and the spending insights."""

from __future__ import annotations

from kshop_tui.api.models.base import Line, Model


class LinkedLogin(Model):
    provider: Line
    label: Line = ""
    created_at: str | None = None


class User(Model):
    id: int
    phone: str
    phone_masked: str
    nickname: Line
    real_name_verified: bool = False
    real_name_masked: Line | None = None
    id_number_masked: Line | None = None
    two_factor_enabled: bool = False
    has_payment_password: bool = False
    created_at: str | None = None
    linked_logins: list[LinkedLogin] = []
    # A guest session (docs/api.md §7.4): it shops, orders and pays by QR or card only.
    guest: bool = False


class LoginResult(Model):
    token: str
    expires_at: str
    user: User


class Guest(Model):
    """Who a guest session is (docs/api.md §7.4): a phone that ordered without an account."""

    id: int
    guest: bool = True
    phone: str
    phone_masked: str = ""


class GuestLoginResult(Model):
    token: str
    expires_at: str
    user: Guest


class SshKey(Model):
    """A linked SSH key: sessions over SSH with it start logged in."""

    id: int
    fingerprint: Line
    label: Line = ""
    created_at: str
    last_used_at: str | None = None


class AccessToken(Model):
    """A personal access token for scripts, as listed: never the token itself."""

    id: int
    name: Line
    scopes: list[str]
    created_at: str
    expires_at: str
    last_used_at: str | None = None
    expired: bool = False


class CreatedAccessToken(AccessToken):
    """A new access token: `token` is shown this once (the backend keeps only a hash)."""

    token: str


class SmsSent(Model):
    sent: bool = True
    expires_in: int = 300
    retry_after: int = 60


class SmsMessage(Model):
    phone: str
    purpose: str
    code: str
    sent_at: str


class OAuthStart(Model):
    device_code: str
    qr_payload: str
    interval: int = 2
    expires_in: int = 300


class MonthSpend(Model):
    month: str
    total_fen: int
    orders: int


class CategorySpend(Model):
    category_id: int
    name: Line
    total_fen: int


class Insights(Model):
    months: int
    total_spend_fen: int
    spend_by_month: list[MonthSpend]
    """Every month in range, oldest first."""
    spend_by_category: list[CategorySpend]
    orders_by_status: dict[str, int]
