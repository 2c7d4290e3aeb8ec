"""kshop: a keyboard-driven terminal storefront."""

from __future__ import annotations

__version__ = "0.1.0"
