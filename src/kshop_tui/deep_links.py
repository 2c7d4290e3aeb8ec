"""Deep links: the places `kshop --open TARGET` and `ssh host -t TARGET` can open. Parsed
in one place, without Textual, so the SSH server knows a place before a shop starts."""

from __future__ import annotations

from dataclasses import dataclass

# Places that take nothing after their name.
PLAIN_PLACES = frozenset(
    {
        "cart",
        "orders",
        "subscriptions",
        "wallet",
        "coupons",
        "account",
        "track",
        "insights",
        "browse",
        "home",
    }
)
# Places that take a number (an id) after their name.
NUMBERED_PLACES = frozenset({"product", "order"})


@dataclass(frozen=True)
class DeepLink:
    place: str
    argument: str = ""
    """The words to search for, or the id of a product or order; empty for the rest."""

    def __str__(self) -> str:
        return f"{self.place} {self.argument}" if self.argument else self.place


def parse(target: str) -> DeepLink | None:
    """`"search  red shoes"` → DeepLink("search", "red shoes"); None for no known place.
    An empty target, and `home`, are the browse screen."""
    place, _, rest = target.strip().partition(" ")
    argument = " ".join(rest.split())
    if place in ("", "home"):
        return DeepLink("browse")
    if place in PLAIN_PLACES:  # words after a plain place's name change nothing
        return DeepLink(place)
    if place == "search" and argument:
        return DeepLink(place, argument)
    if place in NUMBERED_PLACES and argument.isdigit():
        return DeepLink(place, argument)
    return None
