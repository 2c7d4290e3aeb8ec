"""Requests and answers of linked SSH keys (`/me/ssh-keys`, `/auth/ssh-session`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from fake_backend.schemas.common import StrictModel

# "SHA256:" and 43 base64 characters is 50; a little room so a near miss gets the
# service's precise message rather than "too long".
MAX_FINGERPRINT_LENGTH = 64
MAX_LABEL_LENGTH = 80
MAX_ID = 2**62
FINGERPRINT_DESCRIPTION = "The key's SHA256 fingerprint as OpenSSH prints it, without padding"
FINGERPRINT_EXAMPLE = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"


class SshKey(BaseModel):
    id: int
    fingerprint: str = Field(examples=[FINGERPRINT_EXAMPLE])
    label: str = Field(description="What the user or the SSH gateway called the key")
    created_at: str
    last_used_at: str | None = Field(description="When a session last started with the key")


class SshKeyList(BaseModel):
    items: list[SshKey] = Field(description="Newest first")
    next_cursor: None = None


class SshKeyIn(StrictModel):
    fingerprint: str = Field(
        max_length=MAX_FINGERPRINT_LENGTH,
        description=FINGERPRINT_DESCRIPTION,
        examples=[FINGERPRINT_EXAMPLE],
    )
    label: str = Field(default="", max_length=MAX_LABEL_LENGTH)


class SshSessionIn(StrictModel):
    fingerprint: str = Field(
        max_length=MAX_FINGERPRINT_LENGTH,
        description=FINGERPRINT_DESCRIPTION,
        examples=[FINGERPRINT_EXAMPLE],
    )
