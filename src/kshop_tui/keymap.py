"""What `[keys]` in config.toml may say: the binding ids the shop declares, and key names
as Textual reports key presses, so that a binding rebound to a key that never arrives
(or an id that binds nothing) is named instead of silently doing nothing.

Textual checks no keymap: an entry only ever matches a key press whose name is spelled
exactly as Textual spells it, so the names are checked here against Textual's own tables.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual.keys import KEY_TO_UNICODE_NAME, REPLACED_KEYS, Keys, _character_to_key

# Every `id=` of a Binding in the shop's screens and widgets (tests/client/test_keymap.py
# keeps this in step with the code). A list rather than a scan of the classes at start-up:
# importing every screen to read its bindings costs ~0.4 s. Written one screen's ids a
# line (a list literal would take 134 lines).
_BINDING_IDS_TEXT = """
    account.log_out account.log_out_all account.password account.pay_password
    account.remove_ssh_key account.two_factor account.verify
    account.new_token account.revoke_token
    address_book.default address_book.delete address_book.edit address_book.new
    address_form.save
    after_sale.add_photo after_sale.next after_sale.remove_photo after_sale.submit
    after_sale_detail.appeal after_sale_detail.cancel after_sale_detail.confirm_replacement
    after_sale_detail.modify after_sale_detail.pickup after_sale_detail.refresh
    after_sale_detail.ship after_sale_detail.track after_sale_detail.track_replacement
    after_sales.open after_sales.refresh
    app.browse app.cart app.focus_next app.focus_previous app.help app.orders app.quit
    app.search app.wallet
    bnpl.reload bnpl.repay
    browse.clear_history browse.filters browse.login browse.sort
    cart.checkout cart.less cart.more cart.open cart.remove cart.select cart.select_all
    checkout.address checkout.choose checkout.coupon checkout.pay checkout.place
    checkout.review checkout.slot
    checkout.method_1 checkout.method_2 checkout.method_3 checkout.method_4 checkout.method_5
    checkout.method_6 checkout.method_7 checkout.method_8 checkout.method_9
    codes.close codes.copy codes.reveal
    confirm.no confirm.yes
    coupons.check_in coupons.claim coupons.next_tab coupons.prev
    insights.fewer insights.more insights.reload
    items.add items.less items.more items.remove items.save
    list.add list.open
    login.look_up_order login.method login.qr login.send_code login.stay
    lookup.send_code
    logistics.copy logistics.reload
    modal.cancel
    orders.after_sale orders.buy_again orders.buy_again_elsewhere orders.cancel
    orders.change_address
    orders.change_items orders.confirm_receipt orders.export orders.insights orders.next_tab
    orders.open orders.pay orders.prev_tab orders.review orders.review.send orders.subscriptions
    orders.support orders.support.send orders.track orders.track_any orders.reschedule
    orders.view_codes orders.import order_import.open order_import.start order_import.stop
    parcel.track_copy
    pay_result.another pay_result.browse pay_result.detail
    picker.cancel picker.parent
    product.add product.buy_now product.claim product.image product.less product.more
    product.reviews product.subscribe
    qr.qq qr.refresh qr.wechat
    qr_pay.retry
    rating.less rating.more
    real_name.stay
    screen.back screen.retry
    slot_picker.days slot_picker.slots
    spec.next spec.prev
    subscriptions.cancel subscriptions.edit subscriptions.open subscriptions.pause
    subscriptions.reload subscriptions.resume subscriptions.skip_next
    stepper.less stepper.more
    support.new support.open support.refresh
    support_chat.escalate support_chat.older
    support_new.send
    wallet.account wallet.add_card wallet.bills wallet.coupons wallet.enable_bnpl
    wallet.filter wallet.next_tab wallet.prev wallet.remove_card wallet.top_up wallet.verify
"""
BINDING_IDS = frozenset(_BINDING_IDS_TEXT.split())

# In the order Textual writes them in a key's name ("ctrl+shift+up", "alt+ctrl+x").
MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
_TEXTUAL_KEYS = frozenset(key.value for key in Keys)
# The names of keys that are not characters: Keys' values without their modifiers, and
# those of the kitty keyboard protocol (media keys, f25…), leaving out Textual's internal
# "<any>"-style pseudo keys.
_SPECIAL_KEYS = frozenset(
    name
    for name in [key.value.rpartition("+")[2] for key in Keys] + list(FUNCTIONAL_KEYS.values())
    if not name.startswith("<")
)


@dataclass(frozen=True)
class BadKey:
    """Why a key in the keymap can never be pressed: a catalogue key and its parameters."""

    message: str
    params: dict[str, str]


def normalize_keys(keys: str) -> tuple[str, BadKey | None]:
    """A comma-separated key list as Textual's keymap spells it ("?" → "question_mark"),
    or the first key in it that no key press produces."""
    names = []
    for key in keys.split(","):
        name, problem = _normalize_key(key.strip())
        if problem:
            return keys, problem
        names.append(name)
    return ",".join(names), None


def _normalize_key(key: str) -> tuple[str, BadKey | None]:
    if not key:
        return key, BadKey("config.key_empty", {})
    if len(key) == 1:
        # Textual's own rule for a keymap: a lone character stands for its key name.
        return _character_to_key(key), None
    if key in _TEXTUAL_KEYS:  # as Textual writes them, odd ones included ("ctrl+@")
        return key, None
    if key.endswith("+"):  # "ctrl++": the plus key is called "plus"
        spelled = key[:-1] + "plus"
        return key, BadKey("config.key_spelling", {"key": key, "spelled": spelled})
    *modifiers, name = key.split("+")
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            return key, BadKey(
                "config.key_modifier",
                {"key": key, "modifier": modifier, "modifiers": ", ".join(MODIFIERS)},
            )
    if not _is_key_name(name):
        return key, BadKey("config.key_name", {"key": key, "name": name})
    # A key press reports each modifier once, in MODIFIERS' order, and a character by its
    # name ("ctrl+slash"): any other spelling never matches.
    spelled = "+".join(
        [*sorted(set(modifiers)), _character_to_key(name) if len(name) == 1 else name]
    )
    if spelled != key:
        return key, BadKey("config.key_spelling", {"key": key, "spelled": spelled})
    return key, None


def _is_key_name(name: str) -> bool:
    if len(name) == 1 or name in _SPECIAL_KEYS:
        return True
    # A character's key name is its Unicode name, in lower case with underscores, some
    # shortened ("slash" for SOLIDUS): the rule of textual.keys.key_to_character.
    original = REPLACED_KEYS.get(name, name)
    try:
        unicodedata.lookup(KEY_TO_UNICODE_NAME.get(original, original.replace("_", " ").upper()))
    except KeyError:
        return False
    return True
