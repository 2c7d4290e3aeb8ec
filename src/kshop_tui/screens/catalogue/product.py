"""Product detail: pictures, price and promotions, spec pickers bounded by stock, a
quantity stepper, return policy, description, coupons to claim and paged reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import LoadingIndicator, Static

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t, tn
from kshop_tui.screen_base import ShopScreen
from kshop_tui.shop.flows.booking import kind_label, kind_promise
from kshop_tui.text import aside, compact_count, local_time
from kshop_tui.widgets.image import ProductImage
from kshop_tui.widgets.price import PriceLabel
from kshop_tui.widgets.spec_picker import SpecPicker
from kshop_tui.widgets.stepper import QuantityStepper

if TYPE_CHECKING:
    from kshop_tui.api.models import ClaimableCoupon, ProductDetail, Review, Sku

MAX_PER_LINE = 99
TALL_ENOUGH_FOR_BIG_IMAGE = 32


class ProductScreen(ShopScreen):
    CSS_PATH = "product.tcss"
    BINDINGS = [
        # The footer shows these in this order and cuts off the last ones at 80 columns.
        Binding("a", "add_to_cart", "key.add", id="product.add"),
        Binding("B", "buy_now", "key.buy_now", id="product.buy_now"),
        Binding("k", "claim_coupon", "key.claim", id="product.claim"),
        Binding("r", "more_reviews", "key.more_reviews", id="product.reviews"),
        Binding("i", "next_image", "key.next_image", id="product.image"),
        Binding("S", "subscribe", "subs.key.subscribe", id="product.subscribe"),
        Binding("plus,equals_sign", "quantity(1)", "key.more", id="product.more", show=False),
        Binding("minus", "quantity(-1)", "key.less", id="product.less", show=False),
    ]

    def __init__(self, product_id: int) -> None:
        super().__init__()
        self.product_id = product_id
        self.product: ProductDetail | None = None
        self.sku: Sku | None = None
        self.image_index = 0
        self.reviews: list[Review] = []
        self.reviews_cursor: str | None = None
        self.coupons: list[ClaimableCoupon] = []

    def where(self) -> str:
        return t("product.title")

    def compose_body(self) -> ComposeResult:
        yield LoadingIndicator(id="loading")
        with VerticalScroll(id="product-body"):
            with Horizontal(id="top"):
                with Vertical(id="picture"):
                    yield ProductImage(id="image")
                    yield Static(id="image-count", classes="muted")
                with Vertical(id="info"):
                    yield Static(id="name")
                    yield Static(id="meta", classes="muted")
                    with Horizontal(id="price-row"):
                        yield PriceLabel(id="price")
                        yield Static(id="promotions")
                    yield Static(id="returns", classes="muted")
                    yield Static(id="coupons")
            yield SpecPicker([], [], id="specs")
            with Horizontal(id="qty-row"):
                yield Static(t("product.qty"), id="qty-label", classes="muted")
                yield QuantityStepper(id="qty")
                yield Static(id="stock")
            yield Static(t("product.description"), classes="section-title")
            yield Static(id="description")
            yield Static(t("product.reviews"), classes="section-title", id="reviews-title")
            yield Static(id="reviews")
        yield Static(id="error", classes="error-text")

    def on_mount(self) -> None:
        self.query_one("#product-body").display = False
        # A login (from this page's `b` or `k`, or anywhere else) shows this user's coupons.
        self.watch(self.app, "user", self._user_changed, init=False)
        self.load()

    def _user_changed(self) -> None:
        if self.product is not None:
            self.load_coupons()

    def reload_after_outage(self) -> None:
        if self.product is None:
            self.load()

    def on_resize(self) -> None:
        # A short terminal (80×24 over SSH) gets a smaller picture so the specs stay visible.
        self.set_class(self.size.height < TALL_ENOUGH_FOR_BIG_IMAGE, "-short")

    # --- loading -------------------------------------------------------------------

    @work(exclusive=True, group="product")
    async def load(self) -> None:
        from kshop_tui.api import errors

        try:
            product = await self.shop.run_api(lambda api: api.product(self.product_id))
        except errors.ApiError as error:
            self.query_one("#loading").display = False
            self.query_one("#error", Static).update(Text(error.message))
            return
        self.product = product
        await self._show(product)
        self.load_image()
        self.load_reviews()
        self.load_coupons()

    async def _show(self, product: ProductDetail) -> None:
        self.set_where(f"{t('browse.title')} › {product.name}")
        self.query_one("#loading").display = False
        self.query_one("#product-body").display = True
        self.query_one("#name", Static).update(Text(product.name, style="bold"))
        meta = Text(product.brand)
        # The backend keeps a rating even for a product nobody has reviewed yet; stars
        # without reviews would mislead.
        if product.review_count:
            meta.append(f" · ★{product.rating:.1f} ")
            meta.append(
                tn("product.review_count", product.review_count, count=f"{product.review_count:,}")
            )
        else:
            meta.append(" · " + t("product.unrated"))
        meta.append(" · " + t("product.sold", count=compact_count(product.sales)))
        self.query_one("#meta", Static).update(meta)
        promotions = Text()
        for promotion in product.promotions:
            promotions.append(f" {promotion.label} ", style="reverse")
            promotions.append(" ")
        self.query_one("#promotions", Static).update(promotions)
        self.query_one("#returns", Static).update(_returns_line(product))
        self.query_one("#description", Static).update(Text(product.description))
        picker = SpecPicker(product.spec_options, product.skus, id="specs")
        await self.query_one("#specs").remove()
        await self.query_one("#product-body").mount(picker, before=self.query_one("#qty-row"))
        self._choose(picker.sku)
        focus_target = picker.query("SpecRow").first() if product.spec_options else None
        # The page opens at its top, title first. Scrolling the focused row into view
        # measured it against a layout still filling in (coupons, picture, reviews) and
        # now and then left the page one row down, its title hidden.
        (focus_target or self.query_one(QuantityStepper)).focus(scroll_visible=False)

    @work(exclusive=True, group="image")
    async def load_image(self) -> None:
        from kshop_tui.api import errors

        product = self.product
        if product is None or not product.images:
            return
        path = product.images[self.image_index % len(product.images)]
        try:
            png = await self.shop.run_api(lambda api: api.image(path))
        except errors.ApiError:
            return  # a missing picture is not worth an error
        self.query_one(ProductImage).show(png)
        self.query_one("#image-count", Static).update(
            Text(f"{self.image_index % len(product.images) + 1}/{len(product.images)}  i")
        )

    @work(exclusive=True, group="reviews")
    async def load_reviews(self) -> None:
        cursor = self.reviews_cursor
        page = await self.shop.attempt(lambda api: api.reviews(self.product_id, cursor))
        if page is None:
            return
        self.reviews.extend(page.items)
        self.reviews_cursor = page.next_cursor
        self.query_one("#reviews-title", Static).update(
            Text(t("product.reviews_total", count=f"{page.total:,}"), style="bold")
        )
        self.query_one("#reviews", Static).update(self._reviews_text())

    @work(exclusive=True, group="coupons")
    async def load_coupons(self) -> None:
        from kshop_tui.api import errors

        if self.shop.user is None:
            self.query_one("#coupons", Static).update(
                Text(t("product.login_for_coupons"), style="dim")
            )
            return
        try:
            await self._fetch_coupons()
        except errors.ApiError:
            return  # coupons are a bonus; the product is still worth showing
        self._show_coupons()

    async def _fetch_coupons(self) -> None:
        self.coupons = await self.shop.run_api(lambda api: api.claimable_coupons(self.product_id))

    def _show_coupons(self) -> None:
        text = Text()
        unclaimed = [c for c in self.coupons if not c.claimed]
        for coupon in self.coupons[:3]:
            style = "dim" if coupon.claimed else "bold"
            text.append(f"🎫 {coupon.title}", style=style)
            text.append(aside(t("product.claimed")) + "  " if coupon.claimed else "  ")
        if unclaimed:
            text.append(t("product.claim_hint"), style="dim")
        self.query_one("#coupons", Static).update(text)

    def _reviews_text(self) -> Text:
        text = Text()
        if not self.reviews:
            text.append(t("product.no_reviews"), style="dim")
            return text
        for review in self.reviews:
            text.append("★" * review.rating + "☆" * (5 - review.rating), style="yellow")
            text.append(
                f" {review.author} · {local_time(review.created_at, '%Y-%m-%d')}", style="dim"
            )
            if review.specs:
                text.append(" · " + "/".join(review.specs.values()), style="dim")
            text.append("\n  " + review.text + "\n")
        if self.reviews_cursor:
            text.append(t("product.more_reviews_hint"), style="dim italic")
        return text

    # --- choosing ------------------------------------------------------------------

    @on(SpecPicker.Changed)
    def _spec_changed(self, event: SpecPicker.Changed) -> None:
        self._choose(event.sku)

    def _choose(self, sku: Sku | None) -> None:
        self.sku = sku
        product = self.product
        stepper = self.query_one(QuantityStepper)
        stock_label = self.query_one("#stock", Static)
        if sku is None or product is None:
            stock_label.update(Text(t("product.no_such_spec"), style="dim"))
            return
        self.query_one(PriceLabel).show(sku.price_fen, product.original_price_fen)
        stepper.maximum = max(1, min(sku.stock, MAX_PER_LINE))
        if sku.stock > 0:
            stock_label.update(Text(t("product.stock", count=sku.stock), style="dim"))
        else:
            stock_label.update(Text(t("product.sold_out"), style="bold red"))

    def action_quantity(self, delta: int) -> None:
        self.query_one(QuantityStepper).action_change(delta)

    def action_next_image(self) -> None:
        self.image_index += 1
        self.load_image()

    def action_more_reviews(self) -> None:
        if self.reviews_cursor:
            self.load_reviews()

    def action_add_to_cart(self) -> None:
        self.add_to_cart()

    @work(exclusive=True, group="buy-now")
    async def action_buy_now(self) -> None:
        sku = self.sku
        if sku is None or sku.stock <= 0:
            self.notify(t("product.sold_out"), severity="warning")
            return
        qty = self.query_one(QuantityStepper).value
        kind = self.product.kind if self.product is not None else "physical"
        if await self.shop.ensure_login():
            self.open("checkout", [(sku.id, qty)], kind)

    @work(exclusive=True, group="subscribe")
    async def action_subscribe(self) -> None:
        """周期购: logs in first when needed; guests and services cannot subscribe."""
        from kshop_tui.shop.flows.subscriptions import SubscribeTarget

        sku, product = self.sku, self.product
        if sku is None or product is None:
            return
        if product.kind == "service":
            self.notify(t("subs.service"), severity="warning")
            return
        if sku.stock <= 0:
            self.notify(t("product.sold_out"), severity="warning")
            return
        if not await self.shop.ensure_login():
            return
        user = self.shop.user
        if user is not None and user.guest:
            self.notify(t("subs.guest"), severity="warning")
            return
        target = SubscribeTarget(
            sku_id=sku.id,
            product_name=product.name,
            specs="/".join(sku.specs.values()),
            price_fen=sku.price_fen,
            stock=sku.stock,
            qty=self.query_one(QuantityStepper).value,
        )
        made = await self.open_for_result("subscription_form", target)
        if made is not None:
            self.notify(t("subs.made", id=made.id, day=made.next_on or made.starts_on))

    def action_claim_coupon(self) -> None:
        self.claim_coupon()

    @work(exclusive=True, group="add")
    async def add_to_cart(self) -> None:
        from kshop_tui.api import errors
        from kshop_tui.shop.cart_outbox import CartChange

        sku, product = self.sku, self.product
        if sku is None or product is None:
            return
        if product.kind == "service":
            # A service is booked for a slot, which the cart cannot hold: book it now.
            self.notify(t("kinds.service_not_in_cart"), severity="warning")
            return
        if sku.stock <= 0:
            self.notify(t("product.sold_out"), severity="warning")
            return
        qty = self.query_one(QuantityStepper).value
        try:
            cart = await self.shop.change_cart(CartChange("add", sku_id=sku.id, qty=qty))
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        if cart is None:
            return
        specs = "/".join(sku.specs.values())
        self.notify(t("product.added", name=product.name, specs=specs, qty=qty), markup=False)

    @work(exclusive=True, group="claim")
    async def claim_coupon(self) -> None:
        from kshop_tui.api import errors

        if self.shop.user is None:
            # Which coupons are left is the user's to know: log in, then look again.
            if not await self.shop.ensure_login():
                return
            try:
                await self._fetch_coupons()
            except errors.ApiError as error:
                self.shop.show_error(error)
                return
        coupon = next((c for c in self.coupons if not c.claimed), None)
        if coupon is None:
            self.notify(t("product.nothing_to_claim"))
            return
        claimed = await self.shop.attempt(lambda api: api.claim_coupon(coupon.id), needs_login=True)
        if claimed is None:
            return
        self.notify(t("product.coupon_claimed", title=coupon.title), markup=False)
        self.load_coupons()


def _returns_line(product: ProductDetail) -> Text:
    """The return policy; for virtual goods and services, what kind of product it is and
    how buying it works instead (docs/api.md §7.1)."""
    if product.kind in ("virtual", "service"):
        line = Text(f" {kind_label(product.kind)} ", style="reverse bold")
        line.append("  " + kind_promise(product.kind))
        return line
    if product.returnable:
        return Text(t("product.returnable", days=product.return_window_days))
    reason = product.non_returnable_reason or "other"
    return Text(t("product.not_returnable", why=t(f"product.not_returnable.{reason}")))
