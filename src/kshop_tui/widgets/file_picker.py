"""Picking a file from disk with the keyboard: a directory tree that shows only folders
and files of one kind (PNG/JPEG photos by default, with their sizes), and a path box for
typing a path directly.

`read_photo` checks a chosen file the way the backend will (image type by content, at
most 5 MB) before a byte is uploaded, so a wrong file costs no round trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static
from textual.widgets._directory_tree import DirEntry
from textual.widgets.tree import TreeNode

from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_bindings
from kshop_tui.widgets.text_box import TextBox

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"


@dataclass(frozen=True)
class FileKind:
    """What a picker offers: the file names it shows, the largest size it lets through,
    its title and the words for a file too big (`{name}`, `{size}`, `{limit}`)."""

    suffixes: tuple[str, ...]
    max_bytes: int
    title_key: str
    too_big_key: str


PHOTOS = FileKind(PHOTO_SUFFIXES, MAX_PHOTO_BYTES, "picker.title", "picker.too_big")


@dataclass(frozen=True)
class Photo:
    """A file that passed the checks, read and ready to upload."""

    path: Path
    data: bytes
    content_type: str

    @property
    def name(self) -> str:
        return self.path.name


class PhotoRefused(Exception):
    """A file that cannot be a photo of an after-sale; the message is in the user's words."""


def human_size(size: int) -> str:
    """`512 B`, `412 KB`, `1.2 MB`."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def read_photo(path: Path) -> Photo:
    """The file at `path` if it is a PNG or JPEG of at most 5 MB; else `PhotoRefused`.
    Blocking (it reads the file): call it in a thread."""
    if path.suffix.lower() not in PHOTO_SUFFIXES:
        raise PhotoRefused(t("picker.not_image", name=path.name))
    try:
        info = path.stat()
    except FileNotFoundError:
        raise PhotoRefused(t("picker.missing", path=str(path))) from None
    except OSError:
        raise PhotoRefused(t("picker.unreadable", name=path.name)) from None
    if not path.is_file():
        raise PhotoRefused(t("picker.not_a_file", name=path.name))
    if info.st_size > MAX_PHOTO_BYTES:
        raise PhotoRefused(
            t(
                "picker.too_big",
                name=path.name,
                size=human_size(info.st_size),
                limit=human_size(MAX_PHOTO_BYTES),
            )
        )
    try:
        data = path.read_bytes()
    except OSError:
        raise PhotoRefused(t("picker.unreadable", name=path.name)) from None
    # The name may lie; the first bytes do not.
    if data.startswith(PNG_SIGNATURE):
        return Photo(path, data, "image/png")
    if data.startswith(JPEG_SIGNATURE):
        return Photo(path, data, "image/jpeg")
    raise PhotoRefused(t("picker.not_image", name=path.name))


class PhotoTree(DirectoryTree):
    """Folders and the files of one kind only (photos unless told; no hidden ones), each
    file with its size."""

    ICON_NODE_EXPANDED = "▾ "
    ICON_NODE = "▸ "
    ICON_FILE = "  "

    def __init__(
        self, path: str | Path, *, suffixes: tuple[str, ...] = PHOTO_SUFFIXES, id: str | None = None
    ) -> None:
        self.suffixes = suffixes
        super().__init__(path, id=id)

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (self._safe_is_dir(path) or path.suffix.lower() in self.suffixes)
        ]

    def render_label(self, node: TreeNode[DirEntry], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        if node.data is not None and not node.allow_expand:
            size = _size_of(node.data.path)
            if size is not None:
                label.append(f"  {human_size(size)}", style="dim")
        return label


def _size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


class FilePickerModal(ModalScreen[Path | None]):
    """Answers the chosen file's path, or None (escape). The caller checks it (a photo
    with `read_photo`)."""

    DEFAULT_CSS = """
    FilePickerModal {
        align: center middle;
    }
    #picker-dialog {
        width: 76;
        max-width: 100%;
        height: 90%;
        max-height: 30;
        border: round $primary;
        border-title-color: $text-primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    #picker-path {
        margin-bottom: 1;
    }
    #picker-tree {
        height: 1fr;
    }
    #picker-status {
        height: auto;
        min-height: 1;
        color: $text-muted;
    }
    #picker-status.-error {
        color: $text-error;
    }
    #picker-keys {
        height: 1;
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("escape", "dismiss_none", "key.cancel", id="picker.cancel"),
        Binding("ctrl+u", "parent", "picker.key.parent", id="picker.parent"),
    ]

    def __init__(self, start: Path, kind: FileKind = PHOTOS) -> None:
        super().__init__()
        localize_bindings(self)
        self.start = start
        self.kind = kind

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog") as dialog:
            dialog.border_title = t(self.kind.title_key)
            yield TextBox(
                str(self.start),
                id="picker-path",
                placeholder=t("picker.path_placeholder"),
                compact=True,
            )
            yield PhotoTree(self.start, suffixes=self.kind.suffixes, id="picker-tree")
            yield Static(id="picker-status", markup=False)
            yield Static(t("picker.keys"), id="picker-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(PhotoTree).focus()

    def _status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#picker-status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")

    def _show_folder(self, folder: Path) -> None:
        self.query_one(PhotoTree).path = folder
        self.query_one("#picker-path", Input).value = str(folder)
        self._status("")

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def action_parent(self) -> None:
        tree = self.query_one(PhotoTree)
        current = Path(tree.path)
        if current.parent != current:
            self._show_folder(current.parent)

    @on(DirectoryTree.FileSelected)
    def _file_chosen(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(event.path)

    @on(PhotoTree.NodeHighlighted)
    def _highlighted(self, event: PhotoTree.NodeHighlighted[DirEntry]) -> None:
        entry = event.node.data
        if entry is None or event.node.allow_expand:
            self._status("")
            return
        size = _size_of(entry.path)
        if size is None:
            self._status(t("picker.unreadable", name=entry.path.name), error=True)
        elif size > self.kind.max_bytes:
            self._status(
                t(
                    self.kind.too_big_key,
                    name=entry.path.name,
                    size=human_size(size),
                    limit=human_size(self.kind.max_bytes),
                ),
                error=True,
            )
        else:
            self._status(t("picker.highlighted", name=entry.path.name, size=human_size(size)))

    @on(Input.Submitted, "#picker-path")
    def _path_typed(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if not typed:
            return
        path = Path(typed).expanduser()
        try:
            is_dir = path.is_dir()
            exists = path.exists()
        except OSError:
            self._status(t("picker.unreadable", name=typed), error=True)
            return
        if is_dir:
            self._show_folder(path)
            self.query_one(PhotoTree).focus()
        elif exists:
            self.dismiss(path)
        else:
            self._status(t("picker.missing", path=typed), error=True)
