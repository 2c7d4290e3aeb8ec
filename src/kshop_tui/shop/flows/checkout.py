"""Checkout: the draft an order is made from and what it still lacks, and the steps from
the form (1) to the review (2) to a placed order waiting to be paid (3).

Placing is one `Intent`, begun when the user first confirms and kept until the server
gives a definite answer: a double Enter, a timeout or a lost connection all retry with
its key, so the server makes one order. Before the first send the total the user
reviewed must still be the server's. A refused order goes back to the form with every
field as it was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Literal

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.api.intent import Intent
from kshop_tui.api.models import Invoice
from kshop_tui.i18n import t
from kshop_tui.shop.flows.booking import note_problem

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Address, Order, Quote, Slot
    from kshop_tui.shop.flows.payment import MethodOption
    from kshop_tui.shop.session import ShopSession

REMARK_MAX = 200
INVOICE_TITLE_MAX = 100
TAX_ID_LENGTHS = (15, 18, 20)
STOCK_PROBLEMS = ("sold_out", "insufficient_stock")
InvoiceKind = Literal["none", "personal", "company"]
INVOICE_KINDS: tuple[InvoiceKind, ...] = ("none", "personal", "company")


# The id of an address given with the order rather than kept in the book: a guest's
# (docs/api.md §7.4), sent inline and stored on the order only.
INLINE_ADDRESS_ID = 0


def ship_to(address: Address) -> dict[str, Any]:
    """How a quote or an order names where it ships: a book address by its id, an inline
    one by its fields."""
    if address.id == INLINE_ADDRESS_ID:
        from kshop_tui.api.models import PostalAddress

        fields = {name: getattr(address, name) for name in PostalAddress.model_fields}
        return {"address": PostalAddress.model_validate(fields)}
    return {"address_id": address.id}


class Step(IntEnum):
    FORM = 1
    REVIEW = 2
    PLACED = 3


# --- the draft -------------------------------------------------------------------------

Field = Literal[
    "address", "items", "method", "invoice_title", "invoice_tax_id", "slot", "service_note"
]


@dataclass(frozen=True)
class Problem:
    """Something to fix before the order can be placed, and the field it concerns."""

    field: Field
    words: str


@dataclass(frozen=True)
class InvoiceForm:
    """The invoice as typed."""

    kind: InvoiceKind = "none"
    title: str = ""
    tax_id: str = ""

    def invoice(self) -> Invoice | None:
        """What the order asks for, or None for no invoice."""
        if self.kind == "none":
            return None
        title = self.title.strip()
        if self.kind == "company":
            return Invoice(type="company", title=title, tax_id=self.tax_id.strip().upper() or None)
        return Invoice(type="personal", title=title)

    def problem(self) -> Problem | None:
        if self.kind == "none":
            return None
        tax_id = self.tax_id.strip()
        if not self.title.strip():
            return Problem("invoice_title", t("checkout.invoice.need_title"))
        if self.kind == "company" and (
            len(tax_id) not in TAX_ID_LENGTHS or not tax_id.isascii() or not tax_id.isalnum()
        ):
            return Problem("invoice_tax_id", t("checkout.invoice.bad_tax_id"))
        return None


def stock_problems(quote: Quote) -> str:
    """The quote's lines that cannot be bought as asked, one warning a line ("" if none)."""
    return "\n".join("⚠ " + p.message for p in quote.problems if p.code in STOCK_PROBLEMS)


@dataclass(frozen=True)
class CheckoutDraft:
    """Everything an order is made from, as the form holds it now."""

    lines: list[tuple[int, int]] | None
    """[(sku_id, qty)] to buy now, or None for the cart's selected lines."""
    address: Address | None = None
    quote: Quote | None = None
    coupon_id: int | None = None
    method: MethodOption | None = None
    invoice_form: InvoiceForm = field(default_factory=InvoiceForm)
    remark: str = ""
    kind_hint: str = "physical"
    """The kind of goods, as known before the first quote (the product page knows it)."""
    slot: Slot | None = None
    """A service's booked slot."""
    service_note: str = ""
    """A service's 服务需求."""

    @property
    def kind(self) -> str:
        """The kind of goods ordered: the server's quote says, else the hint."""
        return self.quote.kind if self.quote is not None else self.kind_hint

    @property
    def needs_address(self) -> bool:
        """Virtual goods are delivered as codes: no address."""
        return self.kind != "virtual"

    def ship_to(self) -> dict[str, Any]:
        """Where the order goes, as a quote or an order names it (nothing for virtual
        goods, or before an address is chosen)."""
        if self.address is None or not self.needs_address:
            return {}
        return ship_to(self.address)

    def invoice(self) -> Invoice | None:
        return self.invoice_form.invoice()

    def problems(self) -> list[Problem]:
        """What must be fixed before the review, in the form's order."""
        problems: list[Problem] = []
        if self.address is None and self.needs_address:
            problems.append(Problem("address", t("checkout.need_address")))
        if self.kind == "service":
            if self.slot is None:
                problems.append(Problem("slot", t("kinds.need_slot")))
            note = note_problem(self.service_note)
            if note is not None:
                problems.append(Problem("service_note", note))
        if self.quote is None:
            problems.append(Problem("items", t("checkout.need_quote")))
        elif stock := stock_problems(self.quote):
            problems.append(Problem("items", stock))
        if self.method is None or not self.method.available:
            problems.append(Problem("method", t("checkout.need_method")))
        invoice_problem = self.invoice_form.problem()
        if invoice_problem is not None:
            problems.append(invoice_problem)
        return problems


# --- the steps -------------------------------------------------------------------------

PlacementKind = Literal[
    "placed", "price_changed", "stock_gone", "unanswered", "refused", "login_cancelled"
]


@dataclass(frozen=True)
class Placement:
    """How one press of "place" ended."""

    kind: PlacementKind
    order: Order | None = None
    fresh_quote: Quote | None = None
    """The server's quote, when the price was checked before sending."""
    reviewed_fen: int = 0
    """The total the user had reviewed, when the price changed since."""
    error: errors.ApiError | None = None


class Checkout:
    """The steps of one checkout and the intent of placing its order."""

    def __init__(self) -> None:
        self.step = Step.FORM
        self.placing = Intent()
        self.reviewed_total: int | None = None
        self.order: Order | None = None

    def review(self, draft: CheckoutDraft) -> list[Problem]:
        """From the form to the review, unless something must be fixed first."""
        problems = draft.problems()
        if not problems:
            assert draft.quote is not None
            self.reviewed_total = draft.quote.total_fen
            self.step = Step.REVIEW
        return problems

    def back_to_form(self) -> None:
        self.step = Step.FORM

    async def place(self, shop: ShopSession, draft: CheckoutDraft) -> Placement:
        """Places the reviewed draft (or repeats the attempt that got no answer)."""
        method, where = draft.method, draft.ship_to()
        assert method is not None and (where or not draft.needs_address)
        service = draft.kind == "service"
        fresh_quote: Quote | None = None
        if not self.placing.pending:
            try:
                fresh_quote = await shop.run_api(
                    lambda api: api.quote(items=draft.lines, coupon_id=draft.coupon_id, **where),
                    needs_login=True,
                )
            except LoginCancelled:
                return Placement("login_cancelled")
            except errors.BackendUnreachable as error:
                return Placement("unanswered", error=error)
            except errors.ApiError as error:
                self.step = Step.FORM
                return Placement("refused", error=error)
            moved = self._price_moved(fresh_quote)
            if moved is not None:
                return moved

        async def create(api: KshopClient, key: str) -> Order:
            return await api.create_order(
                payment_method=method.method,
                idempotency_key=key,
                items=draft.lines,
                coupon_id=draft.coupon_id,
                **where,
                remark=draft.remark,
                invoice=draft.invoice(),
                slot_id=draft.slot.id if service and draft.slot is not None else None,
                service_note=draft.service_note.strip() if service else None,
            )

        try:
            order = await self.placing.send(
                lambda key: shop.run_api(lambda api: create(api, key), needs_login=True)
            )
        except LoginCancelled:
            return Placement("login_cancelled", fresh_quote=fresh_quote)
        except errors.ApiError as error:
            if self.placing.pending:
                return Placement("unanswered", fresh_quote=fresh_quote, error=error)
            self.step = Step.FORM
            return Placement("refused", fresh_quote=fresh_quote, error=error)
        self.order = order
        self.step = Step.PLACED
        return Placement("placed", order=order, fresh_quote=fresh_quote)

    def _price_moved(self, fresh: Quote) -> Placement | None:
        """The server's quote before the first send: None while it still says what the
        user reviewed."""
        if stock_problems(fresh):
            self.step = Step.FORM
            return Placement("stock_gone", fresh_quote=fresh)
        if fresh.total_fen != self.reviewed_total:
            reviewed = self.reviewed_total or 0
            self.reviewed_total = fresh.total_fen
            return Placement("price_changed", fresh_quote=fresh, reviewed_fen=reviewed)
        return None
