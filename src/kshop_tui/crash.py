"""What a crash leaves behind: the traceback in a file under the user log dir, and a
short apology on the screen. Never the traceback on the screen: served over SSH or the
web that screen is a stranger's, and a traceback shows the server's paths (Textual's
own, with its locals, could show what was typed too)."""

from __future__ import annotations

import datetime
import os
import platform
import traceback
from pathlib import Path

from kshop_tui import __version__
from kshop_tui.config import log_dir
from kshop_tui.i18n import t


class CrashLog:
    """One file per crashed process, made at the first crash; later errors of the same
    process (a crash while closing) are added to it."""

    def __init__(self) -> None:
        self.path: Path | None = None

    def write(self, error: BaseException) -> Path | None:
        """Appends the traceback (no locals: they may hold passwords being typed);
        answers the file, or None when it could not be written."""
        from textual.worker import WorkerFailed

        report = "".join(traceback.format_exception(error))
        if isinstance(error, WorkerFailed):  # it wraps the worker's error, traceback and all
            report += "".join(traceback.format_exception(error.error))
        try:
            if self.path is None:
                folder = log_dir()
                folder.mkdir(parents=True, exist_ok=True)
                stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
                self.path = folder / f"crash-{stamp}-{os.getpid()}.log"
                header = (
                    f"kshop {__version__}, Python {platform.python_version()}, "
                    f"{datetime.datetime.now().astimezone().isoformat(timespec='seconds')}\n"
                )
                report = header + report
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(report)
        except OSError:
            return None
        return self.path


def apology(*, served: bool, log: Path | None) -> str:
    """The last words on the screen. Served, no path: the visitor has no use for one and
    the server's folders are not theirs to see."""
    if served:
        return t("crash.apology_served")
    if log is None:
        return t("crash.apology")
    return t("crash.apology_logged", path=str(log))
