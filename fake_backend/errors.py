"""The one error type services raise, and its zh/en messages.

Every failure leaves the service as `ApiError`; the app turns it into docs/api.md §4's envelope
`{"error": {"code", "message", "details"}}` in the request's Accept-Language.
"""

from __future__ import annotations

from typing import Any

# code -> (HTTP status, zh message, en message). Messages are str.format templates fed
# from the error's `params`.
MESSAGES: dict[str, tuple[int, str, str]] = {
    "MALFORMED": (400, "请求格式错误：{reason}", "Malformed request: {reason}"),
    "UNAUTHENTICATED": (401, "请先登录", "Please log in"),
    "TOKEN_EXPIRED": (
        401,
        "登录已过期，请重新登录",
        "Your session has expired; please log in again",
    ),
    "TOKEN_REVOKED": (
        401,
        "此访问令牌已被撤销",
        "This access token was revoked",
    ),
    "ACCESS_TOKEN_EXPIRED": (
        401,
        "此访问令牌已过期，请新建一个",
        "This access token has expired; create a new one",
    ),
    "INVALID_CREDENTIALS": (
        401,
        "手机号、验证码或密码错误，还可尝试 {attempts_left} 次",
        "Wrong phone, code or password; {attempts_left} {attempts} left",
    ),
    "TWO_FACTOR_REQUIRED": (
        401,
        "已开启两步验证，请输入短信验证码",
        "Two-step verification is on: enter the SMS code",
    ),
    "NOT_REGISTERED": (
        401,
        "该手机号未注册，请先注册",
        "This phone number is not registered; register first",
    ),
    "INSUFFICIENT_FUNDS": (
        402,
        "余额不足：需要 {needed}，可用 {available}",
        "Insufficient funds: {needed} needed, {available} available",
    ),
    "BNPL_LIMIT_EXCEEDED": (
        402,
        "先用后付额度不足：可用 {available}",
        "Not enough pay-later credit: {available} available",
    ),
    "FORBIDDEN": (403, "无权执行此操作", "You are not allowed to do this"),
    "DEMO_ACCOUNT_PROTECTED": (
        403,
        "公开演示中不能修改演示账号的密码、支付密码、两步验证或访问令牌",
        "In a public demo the demo account's passwords, two-step verification and access"
        " tokens cannot be changed",
    ),
    "WRONG_PAYMENT_PASSWORD": (
        403,
        "支付密码错误，还可尝试 {attempts_left} 次",
        "Wrong payment password; {attempts_left} {attempts} left",
    ),
    "PAYMENT_PASSWORD_NOT_SET": (
        403,
        "请先设置支付密码",
        "Set a payment password first",
    ),
    "WRONG_PASSWORD": (
        403,
        "当前密码错误，还可尝试 {attempts_left} 次",
        "The current password is wrong; {attempts_left} {attempts} left",
    ),
    "GUEST_NOT_ALLOWED": (
        403,
        "游客不能使用此功能，请注册或登录账号",
        "Guests cannot do this; register or log in to an account",
    ),
    "GATEWAY_FORBIDDEN": (
        403,
        "仅限 SSH 网关调用",
        "Only the SSH gateway may start sessions by key",
    ),
    "SCOPE_REQUIRED": (
        403,
        "访问令牌无权执行此操作：{need_zh}",
        "The access token may not do this: {need_en}",
    ),
    "NOT_FOUND": (404, "未找到{what}", "{what_en} not found"),
    "METHOD_NOT_ALLOWED": (
        405,
        "此接口不支持 {method} 请求",
        "This endpoint does not accept {method}",
    ),
    "INVALID_STATE": (
        409,
        "当前状态（{state}）不允许此操作",
        "Not allowed in the current state ({state})",
    ),
    "OUT_OF_STOCK": (
        409,
        "库存不足：{name} 仅剩 {available} 件",
        "Not enough stock: only {available} left of {name}",
    ),
    "CONFLICT": (409, "{reason_zh}", "{reason_en}"),
    "PHONE_TAKEN": (409, "该手机号已注册", "This phone number is already registered"),
    "ALREADY_VERIFIED": (409, "已完成实名认证", "Real-name verification is already done"),
    "QR_EXPIRED": (409, "二维码已过期，请刷新", "The QR code has expired; get a new one"),
    "ALREADY_CHECKED_IN": (409, "今天已经签到过了", "You have already checked in today"),
    "ALREADY_CLAIMED": (409, "已经领取过该优惠券", "You have already claimed this coupon"),
    "ALREADY_REVIEWED": (409, "该商品已评价", "This item has already been reviewed"),
    "REVIEW_WINDOW_CLOSED": (
        409,
        "已超过评价期限（订单完成后 {days} 天内可评价）",
        "Reviews close {days} days after the order is completed",
    ),
    "REAL_NAME_REQUIRED": (409, "请先完成实名认证", "Complete real-name verification first"),
    "BANK_CARD_REQUIRED": (409, "请先绑定银行卡", "Add a bank card first"),
    "BNPL_NOT_ENABLED": (409, "尚未开通先用后付", "Pay later is not enabled"),
    "CARD_ALREADY_BOUND": (409, "该银行卡已绑定", "This bank card is already added"),
    "SSH_KEY_TAKEN": (
        409,
        "该 SSH 密钥已绑定到另一个账号",
        "This SSH key is already linked to another account",
    ),
    "SSH_KEY_LIMIT": (
        409,
        "最多可绑定 {limit} 个 SSH 密钥，请先移除不用的密钥",
        "At most {limit} SSH keys can be linked; remove one you no longer use first",
    ),
    "SUBSCRIPTION_LIMIT": (
        409,
        "最多可保留 {limit} 个周期购，请先取消不用的",
        "At most {limit} subscriptions can run at once; cancel one you no longer need first",
    ),
    "ACCESS_TOKEN_LIMIT": (
        409,
        "最多可保留 {limit} 个有效的访问令牌，请先撤销不用的令牌",
        "At most {limit} unexpired access tokens are allowed; revoke one you no longer use first",
    ),
    "BANK_CARD_LIMIT": (
        409,
        "最多可绑定 {limit} 张银行卡，请先解绑不用的卡",
        "At most {limit} bank cards can be added; remove one you no longer use first",
    ),
    "AFTER_SALE_RESUBMIT_LIMIT": (
        409,
        "该申请已修改重新提交 {limit} 次，不能再修改，可申请平台介入",
        "This request was already resubmitted {limit} times; appeal to the platform instead",
    ),
    "ORDER_CHANGE_LIMIT": (
        409,
        "订单最多可修改 {limit} 次，如需再改请取消后重新下单",
        "An order can be changed at most {limit} times; cancel it and order again instead",
    ),
    "CARD_REQUIRED_FOR_BNPL": (
        409,
        "已开通先用后付，至少需保留一张银行卡",
        "Pay later is on: keep at least one bank card",
    ),
    "AFTER_SALE_NOT_ALLOWED": (
        409,
        "无法申请{type_zh}：{reason_zh}",
        "Cannot request {type_en}: {reason_en}",
    ),
    # Products of three kinds (docs/api.md §7.1).
    "NOT_A_SERVICE": (
        409,
        "该商品或订单不是预约服务",
        "This product or order is not a booked service",
    ),
    "NOT_VIRTUAL": (409, "该订单不是虚拟商品订单", "This order is not one of virtual goods"),
    "SLOT_FULL": (409, "该时段已约满，请选择其他时段", "This slot is fully booked; choose another"),
    "TOO_LATE_TO_CANCEL": (
        409,
        "服务开始前 24 小时内不能取消（截止 {deadline}）",
        "A service cannot be cancelled within 24 hours of its start (the deadline was {deadline})",
    ),
    "TOO_LATE_TO_RESCHEDULE": (
        409,
        "服务开始前 24 小时内不能改约（截止 {deadline}）",
        "A service cannot be rescheduled within 24 hours of its start (the deadline was"
        " {deadline})",
    ),
    "RESCHEDULE_LIMIT": (409, "预约只能改期一次", "An appointment can be rescheduled only once"),
    "IDEMPOTENCY_IN_FLIGHT": (
        409,
        "相同请求正在处理中，请稍候",
        "The same request is still being processed; try again shortly",
    ),
    "PAYLOAD_TOO_LARGE": (
        413,
        "文件过大（最大 {limit}）",
        "The file is too large (at most {limit})",
    ),
    "NOT_FOR_GUESTS": (
        422,
        "游客下单仅支持支付宝、微信支付或银行卡",
        "Guests pay with Alipay, WeChat Pay or a bank card",
    ),
    "VALIDATION_ERROR": (422, "输入有误：{summary}", "Invalid input: {summary}"),
    "PHOTO_REQUIRED": (
        422,
        "{reason_zh}需上传至少 1 张照片",
        "A request for {reason_en} needs at least one photo",
    ),
    "IDEMPOTENCY_KEY_REUSED": (
        422,
        "Idempotency-Key 已用于另一个不同的请求",
        "This Idempotency-Key was already used for a different request",
    ),
    "COUPON_NOT_APPLICABLE": (422, "优惠券不可用：{reason_zh}", "Coupon not usable: {reason_en}"),
    "RATE_LIMITED": (
        429,
        "操作过于频繁，请 {retry_after} 秒后再试",
        "Too many requests; try again in {retry_after} s",
    ),
    "SMS_CLIENT_LIMIT": (
        429,
        "当前网络请求验证码过于频繁（{window_min} 分钟内最多 {limit} 条），请 {retry_after_min} 分钟后再试",
        "Too many codes requested from this network address (at most {limit} in {window_min} minutes);"
        " try again in {retry_after_min} min",
    ),
    "SMS_PHONE_LIMIT": (
        429,
        "该手机号验证码发送过于频繁（{window_min} 分钟内最多 {limit} 条），请 {retry_after_min} 分钟后再试",
        "Too many codes sent to this number (at most {limit} in {window_min} minutes);"
        " try again in {retry_after_min} min",
    ),
    "QR_LOGIN_LIMIT": (
        429,
        "当前网络发起扫码登录过于频繁（{window_min} 分钟内最多 {limit} 次），请 {retry_after_min} 分钟后再试",
        "Too many QR logins started from this network address (at most {limit} in {window_min}"
        " minutes); try again in {retry_after_min} min",
    ),
    "UPLOAD_QUOTA": (
        429,
        "未使用的图片过多（最多 {max_count} 张、共 {max_size}）：请先在售后申请中使用已上传的图片，"
        "未使用的图片会在上传 {hours} 小时后自动删除",
        "Too many unused photos (at most {max_count}, {max_size} in all): use the ones you"
        " uploaded in an after-sale request; unused photos are deleted {hours} hours after upload",
    ),
    "LOCKED": (
        429,
        "错误次数过多，已锁定，请 {retry_after_min} 分钟后再试",
        "Too many failed attempts; locked for {retry_after_min} more minutes",
    ),
    "INTERNAL": (500, "服务器开小差了，请稍后再试", "Something went wrong on our side; try again"),
}

# What a missing resource is called, for NOT_FOUND's message.
RESOURCE_NAMES: dict[str, tuple[str, str]] = {
    "resource": ("资源", "Resource"),
    "product": ("商品", "Product"),
    "sku": ("商品规格", "SKU"),
    "category": ("类目", "Category"),
    "cart_item": ("购物车商品", "Cart item"),
    "address": ("收货地址", "Address"),
    "order": ("订单", "Order"),
    "order_item": ("订单商品", "Order item"),
    "payment": ("支付单", "Payment"),
    "parcel": ("包裹", "Parcel"),
    "after_sale": ("售后单", "After-sale"),
    "upload": ("图片", "Upload"),
    "bank_card": ("银行卡", "Bank card"),
    "bill": ("账单", "Bill"),
    "coupon": ("优惠券", "Coupon"),
    "thread": ("会话", "Thread"),
    "image": ("图片", "Image"),
    "device_code": ("登录二维码", "Login QR code"),
    "route": ("接口", "Endpoint"),
    "user": ("用户", "User"),
    "oauth_provider": ("登录方式", "Login provider"),
    "ssh_key": ("SSH 密钥", "SSH key"),
    "access_token": ("访问令牌", "Access token"),
    "subscription": ("周期购", "Subscription"),
}

# Field-level validation messages (details.fields values are these codes' texts).
FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必填", "required"),
    "invalid": ("格式不正确", "has the wrong format"),
    "too_long": ("过长", "too long"),
    "too_short": ("过短", "too short"),
    "unknown_field": ("不支持的字段", "unknown field"),
    "bad_phone": ("请输入 11 位大陆手机号", "enter an 11-digit mainland mobile number"),
    "bad_code": ("验证码为 6 位数字", "the code is 6 digits"),
    "weak_password": (
        "密码至少 8 位且包含字母和数字",
        "at least 8 characters with letters and digits",
    ),
    "bad_payment_password": ("支付密码为 6 位数字", "the payment password is 6 digits"),
    "bad_id_number": ("身份证号码无效", "not a valid resident ID number"),
    "bad_name": ("请输入 2–20 个汉字的姓名", "enter a Chinese name of 2–20 characters"),
    "bad_card_number": ("银行卡号无效", "not a valid card number"),
    "holder_mismatch": (
        "持卡人须与实名认证姓名一致",
        "the card holder must be your verified real name",
    ),
    "bad_quantity": ("数量须在 1–{max} 之间", "quantity must be 1–{max}"),
    "bad_amount": ("金额须在 {min}–{max} 之间", "amount must be between {min} and {max}"),
    "bad_tracking_no": ("运单号格式不正确", "tracking number has the wrong shape"),
    "tracking_no_in_use": ("该运单号已被使用", "this tracking number is already in use"),
    "not_for_type": ("不适用于该售后类型", "not available for this after-sale type"),
    "bad_slot": ("不是有效的服务时段", "not a valid service slot"),
    "slot_of_other_product": ("该时段不属于此服务", "this slot belongs to another service"),
    "slot_unavailable": (
        "该时段已开始或不在可预约范围内",
        "this slot has started or cannot be booked yet",
    ),
    "same_slot": ("已是当前预约时段", "this is the slot already booked"),
    "bad_date": ("日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD"),
    "date_out_of_range": ("可预约 {first} 至 {last}", "slots can be booked from {first} to {last}"),
    "mixed_kinds": (
        "实物、虚拟商品和服务需分开下单",
        "physical goods, virtual goods and services are ordered separately",
    ),
    "one_service": ("一个订单只能预约一项服务", "an order books one service"),
    "no_address_for_virtual": ("虚拟商品无需收货地址", "virtual goods need no address"),
    "only_for_services": ("仅预约服务需要此项", "only a service takes this"),
    "bad_tax_id": ("税号为 15/18/20 位字母或数字", "tax ID is 15, 18 or 20 letters or digits"),
    "bad_region": ("请选择有效的省/市/区", "choose a valid province/city/district"),
    "wrong_code": ("验证码错误或已过期", "wrong or expired code"),
    "not_an_image": ("仅支持 PNG 或 JPEG 图片", "only PNG or JPEG images"),
    "not_selectable": ("不可选", "not selectable"),
    "too_many": ("数量过多", "too many"),
    "in_past": ("时间已过", "that time has passed"),
    "same_as_current": ("不能与原密码相同", "must differ from the current one"),
    "cart_empty": ("购物车中没有选中的商品", "nothing is selected in the cart"),
    "duplicate_sku": ("同一规格出现了多次", "the same SKU is listed more than once"),
    "code_or_password": ("请填写验证码或密码（二选一）", "give either the code or the password"),
    "exactly_one_of": ("{fields} 须且只能填写一项", "give exactly one of {fields}"),
    "nothing_to_change": ("请至少修改一项", "give at least one field to change"),
    "coupon_not_found": ("优惠券不存在", "no such coupon"),
    "coupon_used": ("优惠券已使用", "this coupon has already been used"),
    "coupon_expired": ("优惠券已过期", "this coupon has expired"),
    "coupon_below_threshold": (
        "满 {threshold} 可用，还差 {short}",
        "usable over {threshold}; {short} more needed",
    ),
    "coupon_no_eligible_items": ("仅限 {brand} 店铺商品使用", "only for {brand} store goods"),
    "min_over_max": ("最低价不能高于最高价", "the minimum price is above the maximum"),
    # What the request models' own checks mean (app.PYDANTIC_REASONS), and paging.
    "too_small": ("不能小于 {min}", "must be at least {min}"),
    "too_large": ("不能大于 {max}", "must be at most {max}"),
    "too_few": ("至少需要 {min} 项", "needs at least {min} item(s)"),
    "not_one_of": ("须为以下之一：{expected}", "must be one of {expected}"),
    "not_integer": ("须为整数", "must be a whole number"),
    "not_number": ("须为数字", "must be a number"),
    "not_boolean": ("须为 true 或 false", "must be true or false"),
    "not_text": ("须为文本", "must be text"),
    "not_list": ("须为列表", "must be a list"),
    "not_object": ("须为对象", "must be an object"),
    "only_for": ("仅适用于 {what}", "only for {what}"),
    "not_with": ("不能与 {other} 同时使用", "cannot be combined with {other}"),
    "photo_required": ("请上传至少 1 张照片", "add at least one photo"),
    "exchange_other_product": (
        "只能换同一商品的其他规格",
        "the replacement must be a spec of the same product",
    ),
    "exchange_other_price": (
        "只能换同价规格（{price}）",
        "the replacement must be a spec at the same price ({price})",
    ),
    "bad_cursor": (
        "不是此列表给出的分页游标，请从第一页重新加载",
        "not a cursor this list gave; load the first page again",
    ),
    "too_far": ("最多 {days} 天后", "at most {days} days ahead"),
    "bad_fingerprint": (
        "须为 SHA256: 加 43 位 base64 字符",
        "must be SHA256: followed by 43 base64 characters",
    ),
}


class ApiError(Exception):
    """A refusal with a code from MESSAGES; nothing was changed when it is raised."""

    def __init__(
        self,
        code: str,
        *,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        if code not in MESSAGES:
            raise KeyError(f"unknown error code {code}")
        self.code = code
        self.status = MESSAGES[code][0]
        self.details: dict[str, Any] = dict(details or {})
        self.retry_after = retry_after
        if retry_after is not None:
            self.details.setdefault("retry_after", retry_after)
            params.setdefault("retry_after", retry_after)
            params.setdefault("retry_after_min", max(1, -(-retry_after // 60)))
        self.params = params

    def message(self, lang: str) -> str:
        _, zh, en = MESSAGES[self.code]
        template = zh if lang == "zh" else en
        params = dict(self.params)
        if self.code == "NOT_FOUND":
            zh_name, en_name = RESOURCE_NAMES.get(
                params.get("what_key", "resource"), ("资源", "Resource")
            )
            params.setdefault("what", zh_name)
            params.setdefault("what_en", en_name)
        if "attempts_left" in params:  # the English noun agrees: "1 attempt left"
            params.setdefault("attempts", "attempt" if params["attempts_left"] == 1 else "attempts")
        if self.code == "VALIDATION_ERROR":
            fields = self.wire_details(lang).get("fields", {})
            params.setdefault(
                "summary", "; ".join(f"{k} {v['message']}" for k, v in fields.items())
            )
        try:
            return template.format(**params)
        except (KeyError, IndexError):
            return template

    def wire_details(self, lang: str) -> dict[str, Any]:
        """`details` as sent, with field problems localized."""
        details = dict(self.details)
        if "fields" in details:
            details["fields"] = localize_fields(details["fields"], lang)
        return details

    def envelope(self, lang: str) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message(lang),
                "details": self.wire_details(lang),
            }
        }


def not_found(what: str) -> ApiError:
    return ApiError("NOT_FOUND", what_key=what, details={"resource": what})


def invalid_state(state: str) -> ApiError:
    return ApiError("INVALID_STATE", state=state, details={"state": state})


def field_error(field: str, reason: str, **params: Any) -> ApiError:
    """A 422 naming one field; `reason` is a FIELD_MESSAGES key."""
    return FieldErrors().add(field, reason, **params).error()


class FieldErrors:
    """Collects per-field problems so a form gets all of them at once."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, dict[str, Any]]] = {}

    def add(self, field: str, reason: str, **params: Any) -> FieldErrors:
        self.items.setdefault(field, (reason, params))
        return self

    def __bool__(self) -> bool:
        return bool(self.items)

    def error(self) -> ApiError:
        return ApiError("VALIDATION_ERROR", details={"fields": dict(self.items)})

    def raise_if_any(self) -> None:
        if self.items:
            raise self.error()


def localize_fields(
    fields: dict[str, tuple[str, dict[str, Any]] | str], lang: str
) -> dict[str, dict[str, str]]:
    """details.fields on the wire: {field: {"code": reason, "message": localized}}."""
    out: dict[str, dict[str, str]] = {}
    for name, value in fields.items():
        reason, params = (value, {}) if isinstance(value, str) else value
        zh, en = FIELD_MESSAGES.get(reason, (reason, reason))
        template = zh if lang == "zh" else en
        try:
            text = template.format(**params)
        except (KeyError, IndexError):
            text = template
        out[name] = {"code": reason, "message": text}
    return out
