"""Logging in, the account, its SSH keys and access tokens, insights, and the fake
backend's `/_dev` views."""

from __future__ import annotations

from typing import Any

from kshop_tui.api import models
from kshop_tui.api.calls.base import API, ApiCalls


class AccountCalls(ApiCalls):
    """Auth and account calls of `KshopClient`."""

    async def send_sms_code(self, phone: str, purpose: str) -> models.SmsSent:
        return await self._send(
            "POST", f"{API}/auth/sms-codes", models.SmsSent, {"phone": phone, "purpose": purpose}
        )

    async def login_with_code(self, phone: str, code: str) -> models.LoginResult:
        return await self._send(
            "POST", f"{API}/auth/login", models.LoginResult, {"phone": phone, "code": code}
        )

    async def login_with_password(
        self, phone: str, password: str, code: str | None = None
    ) -> models.LoginResult:
        body: dict[str, str] = {"phone": phone, "password": password}
        if code:
            body["code"] = code
        return await self._send("POST", f"{API}/auth/login", models.LoginResult, body)

    async def guest_login(self, phone: str, code: str) -> models.GuestLoginResult:
        """A 24-hour guest session from a `guest` SMS code (docs/api.md §7.4)."""
        return await self._send(
            "POST",
            f"{API}/auth/guest",
            models.GuestLoginResult,
            {"phone": phone, "code": code},
        )

    async def register(self, phone: str, code: str, password: str) -> models.LoginResult:
        return await self._send(
            "POST",
            f"{API}/auth/register",
            models.LoginResult,
            {"phone": phone, "code": code, "password": password},
        )

    async def reset_password(self, phone: str, code: str, new_password: str) -> None:
        await self._call(
            "POST",
            f"{API}/auth/password-reset",
            json={"phone": phone, "code": code, "new_password": new_password},
        )

    async def oauth_start(self, provider: str) -> models.OAuthStart:
        return await self._send("POST", f"{API}/auth/oauth/{provider}/start", models.OAuthStart)

    async def oauth_poll(self, device_code: str) -> models.LoginResult | None:
        """The login once the QR code is approved; None while it is still pending."""
        body = await self._call("POST", f"{API}/auth/oauth/poll", json={"device_code": device_code})
        if isinstance(body, dict) and "token" in body:
            return models.LoginResult.model_validate(body)
        return None

    async def logout(self, everywhere: bool = False) -> None:
        await self._call("POST", f"{API}/auth/logout-all" if everywhere else f"{API}/auth/logout")

    async def me(self) -> models.User:
        return await self._get(f"{API}/me", models.User)

    async def set_two_factor(self, enabled: bool, password: str | None = None) -> models.User:
        """Turning it off needs the login `password` (403 wrong, with attempts left)."""
        body: dict[str, Any] = {"enabled": enabled}
        if password is not None:
            body["password"] = password
        return await self._send("PUT", f"{API}/me/two-factor", models.User, body)

    async def verify_real_name(self, name: str, id_number: str) -> models.User:
        return await self._send(
            "PUT", f"{API}/me/real-name", models.User, {"name": name, "id_number": id_number}
        )

    async def change_password(self, current_password: str, new_password: str) -> models.User:
        """Logs out the user's other sessions; this one stays."""
        return await self._send(
            "PUT",
            f"{API}/me/password",
            models.User,
            {"current_password": current_password, "new_password": new_password},
        )

    async def set_payment_password(
        self, payment_password: str, current_payment_password: str | None = None
    ) -> models.User:
        body = {"payment_password": payment_password}
        if current_payment_password is not None:
            body["current_payment_password"] = current_payment_password
        return await self._send("PUT", f"{API}/me/payment-password", models.User, body)

    async def ssh_keys(self) -> list[models.SshKey]:
        """The linked SSH keys, newest first."""
        return await self._get_items(f"{API}/me/ssh-keys", models.SshKey)

    async def link_ssh_key(self, fingerprint: str, label: str) -> models.SshKey:
        """Links a key (`SHA256:` + 43 base64 characters); one already linked to this
        account is answered unchanged, one linked to another account is a Conflict."""
        return await self._send(
            "POST",
            f"{API}/me/ssh-keys",
            models.SshKey,
            {"fingerprint": fingerprint, "label": label},
        )

    async def unlink_ssh_key(self, key_id: int) -> None:
        await self._call("DELETE", f"{API}/me/ssh-keys/{key_id}")

    async def access_tokens(self) -> list[models.AccessToken]:
        """The personal access tokens not revoked, newest first (never the tokens)."""
        return await self._get_items(f"{API}/me/tokens", models.AccessToken)

    async def create_access_token(
        self, name: str, scopes: list[str], expires_in_days: int
    ) -> models.CreatedAccessToken:
        """A new token for scripts; its `token` is in this answer only."""
        return await self._send(
            "POST",
            f"{API}/me/tokens",
            models.CreatedAccessToken,
            {"name": name, "scopes": scopes, "expires_in_days": expires_in_days},
        )

    async def revoke_access_token(self, token_id: int) -> None:
        """Refused by the backend from its next use on."""
        await self._call("DELETE", f"{API}/me/tokens/{token_id}")

    async def ssh_session(self, fingerprint: str, gateway_secret: str) -> models.LoginResult:
        """For the SSH gateway: a login for the account the key is linked to. Forbidden
        when the secret is wrong or the backend has none; NotFound for an unlinked key."""
        body = await self._call(
            "POST",
            f"{API}/auth/ssh-session",
            json={"fingerprint": fingerprint},
            extra_headers={"X-Kshop-Gateway-Secret": gateway_secret},
        )
        return models.LoginResult.model_validate(body)

    async def insights(self, months: int = 12) -> models.Insights:
        """Spend per month and per top-level category, orders per status (1–24 months)."""
        return await self._get(f"{API}/me/insights", models.Insights, months=months)

    async def dev_sms_codes(self, phone: str) -> list[models.SmsMessage]:
        """The fake backend's SMS outbox (only where `/_dev` is mounted)."""
        body = await self._call("GET", "/_dev/sms-outbox", params={"phone": phone})
        return [models.SmsMessage.model_validate(m) for m in body.get("messages", [])]

    async def dev_merchant(self) -> str:
        """The fake backend's merchant mode, `auto` or `manual` (only where `/_dev` is
        mounted): whether its simulator pays QR codes and approves QR logins by itself."""
        body = await self._call("GET", "/_dev/simulator")
        return str(body["merchant"])

    async def dev_clock(self) -> float:
        """The fake backend's clock in epoch seconds (only where `/_dev` is mounted)."""
        body = await self._call("GET", "/_dev/clock")
        return float(body["epoch"])
