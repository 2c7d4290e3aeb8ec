"""What every full screen shares: the header, the outage banner and the footer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.geometry import Size
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from kshop_tui.api import errors
from kshop_tui.frame_timer import FrameTimer
from kshop_tui.gone import WorkUntilGone, guard_callback
from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_active, localize_bindings
from kshop_tui.navigation import Open
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.session import ShopSession, shop_of
from kshop_tui.text import clean
from kshop_tui.whole_chars import WholeCharCompositor
from kshop_tui.widgets.banner import OutageBanner
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.header import ShopHeader

if TYPE_CHECKING:
    _ScreenBase = Screen[Any]
else:
    # A plain mixin at run time, so Textual's CSS type names stay those of the screen class.
    _ScreenBase = object


class _ShopScreenParts(WorkUntilGone, _ScreenBase):
    """What full screens and dialogs share: binding descriptions in the UI language, a
    compositor that keeps wide characters whole, the app as a KshopApp, and work that
    stops once the screen has left the stack (answers that arrive later are dropped, not
    drawn: see `kshop_tui.gone`). Mixed in before Textual's screen class."""

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        # A dropdown or a toast over other widgets keeps its Chinese characters whole.
        self._compositor = WholeCharCompositor()
        self._frame_timer: FrameTimer | None = None
        self._resumed_before = False

    @property
    def _update_timer(self) -> FrameTimer:  # type: ignore[override]
        """What Textual's screen pauses and resumes to paint (see `kshop_tui.frame_timer`:
        its own timer put a keystroke's results a frame late)."""
        if self._frame_timer is None:
            self._frame_timer = FrameTimer(self._paint_frame, self.app._handle_exception)
        return self._frame_timer

    def _paint_frame(self) -> None:
        if not self.app._exit:
            self._on_timer_update()

    def _screen_resized(self, size: Size) -> None:
        """Textual lays a screen out and paints it whole for every Resize it is sent, the
        size it is laid out for or not: a served session's first screen was sent three (the
        app's first size, the same size again once the app was idle, and the screen's own
        from its first layout), two full layouts and frames for nothing. A layout needed
        for another reason comes with the next frame."""
        if size == self._compositor.size:
            return
        super()._screen_resized(size)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Textual restyles a screen and every widget in it each time the screen becomes
        the current one, its first time too. For the app's first screen that is just
        after each widget was styled as it mounted: a served session's stylings to its
        first results 98 → 59 (cProfile: 30 → 12 ms), for nothing (a class set or the focus
        moved since restyles what it touches by itself). Screens pushed over it are
        restyled as before: theirs is not for nothing (60 of their snapshots differ
        without it). (Textual calls each class's handler in turn: Screen's runs next.)"""
        if not self._resumed_before:
            self._resumed_before = True
            if self.app.screen_stack == [self]:
                event.refresh_styles = False

    def on_unmount(self) -> None:
        if self._frame_timer is not None:
            self._frame_timer.pause()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return localize_active(super().active_bindings)

    def refusal(self, action: str) -> str | None:
        """Why the key of `action` does nothing now, in the user's words, or None when it
        works (or this screen has nothing to say). A screen whose `check_action` hides a
        key says here why; pressing the key shows it (`KshopApp.run_action`)."""
        return None

    @property
    def shop(self) -> ShopSession:
        """The shop session of the App (the backend, the login, `run_api`)."""
        return shop_of(self.app)

    def open(
        self,
        route: str,
        *args: Any,
        callback: Callable[[Any], Any] | None = None,
        replace: bool = False,
        **kwargs: Any,
    ) -> None:
        """Opens a place of the route table (`kshop_tui.routes`). `callback` gets what
        the new screen is dismissed with, unless this screen has gone by then."""
        guarded = None if callback is None else guard_callback(self, callback)
        self.app.post_message(Open(route, *args, callback=guarded, replace=replace, **kwargs))

    async def open_for_result(self, route: str, *args: Any, **kwargs: Any) -> Any:
        """Opens a place of the route table and answers what it was dismissed with."""
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.app.post_message(Open(route, *args, reply=reply, **kwargs))
        return await reply


class ShopScreen(_ShopScreenParts, Screen[Any]):
    """A full screen: subclasses give `compose_body` and `where` (the breadcrumb)."""

    BINDINGS = [
        Binding("escape", "back", "key.back", id="screen.back"),
        Binding("ctrl+r", "app.retry_backend", "key.retry", show=False, id="screen.retry"),
    ]

    def where(self) -> str:
        return ""

    def compose(self) -> ComposeResult:
        yield ShopHeader(self.where())
        yield OutageBanner()
        yield from self.compose_body()
        yield ShopFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        # Runs besides the subclasses' own on_mount (Textual calls each class's handler).
        self.watch(self.app, "backend_down", self._backend_down_changed, init=False)

    def _backend_down_changed(self, was_down: bool, down: bool) -> None:
        if was_down and not down:
            self.reload_after_outage()

    def reload_after_outage(self) -> None:
        """The backend answers again: load what the outage left empty or stale. Screens
        showing server data override this; a form keeps what was typed."""

    def set_where(self, where: str) -> None:
        self.query_one(ShopHeader).where = where

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def leave_if_on_top(self) -> None:
        """After the user backed out of logging in, a screen that needs the login goes
        (unless another is already on top of it)."""
        if self.app.screen is self:
            self.app.pop_screen()


class ShopModal(_ShopScreenParts, ModalScreen[Any]):
    """A dialog with translated bindings; escape dismisses it with None."""

    BINDINGS = [Binding("escape", "dismiss_none", "key.cancel", id="modal.cancel")]

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class FormModal(ShopModal):
    """A dialog of fields, each with its hint line `#<input id>-hint` below it, and one
    general line `#GENERAL_ID` for what concerns no field. A refusal from the server lands
    next to the field it is about, in the server's words."""

    GENERAL_ID: ClassVar[str]
    # The backend's field names → the inputs that hold them.
    FIELD_INPUTS: ClassVar[dict[str, str]] = {}

    def show_hint(self, input_id: str, message: str, state: str) -> None:
        """`state` is "-error", "-ok" or "" (a neutral note)."""
        hint = self.query_one(f"#{input_id}-hint", Static)
        hint.update(Text(message))
        hint.set_class(state == "-error", "-error")
        hint.set_class(state == "-ok", "-ok")

    def show_general(self, message: str) -> None:
        self.query_one(f"#{self.GENERAL_ID}", Static).update(Text(message))

    def show_failure(self, error: errors.ApiError) -> None:
        """Why a request failed: each refused field next to its input (when the dialog shows
        it), everything else on the general line."""
        if isinstance(error, errors.ValidationFailed) and error.fields:
            for field_name, message in error.fields.items():
                input_id = self.FIELD_INPUTS.get(field_name)
                if input_id is not None and self.query(f"#{input_id}"):
                    self.show_hint(input_id, clean(message), "-error")
                else:
                    self.show_general(clean(message))
        else:
            self.show_general(error_words(error, unreachable=t("backend.unreachable")))
