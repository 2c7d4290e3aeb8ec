"""The kshop API client. Knows nothing of Textual; screens catch `api.errors`."""

from __future__ import annotations
