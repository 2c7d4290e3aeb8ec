"""Every file of the packages reaches the wheel: a template or stylesheet that only an
editable install can see works in development and answers 500 once installed."""

from __future__ import annotations

from tests.packaging.tree import PACKAGED, tracked_files


def installed_name(source: str) -> str:
    """Where a source file lands in the wheel (src/ is only the layout's root)."""
    return source.removeprefix("src/")


def test_the_source_listing_sees_the_data_files() -> None:
    names = tracked_files(*PACKAGED)
    assert "src/kshop_tui/serve/templates/app_index.html" in names
    assert "fake_backend/storage/migrations/001_schema.sql" in names


def test_every_file_of_the_packages_is_in_the_wheel(wheel_names: set[str]) -> None:
    missing = [name for name in tracked_files(*PACKAGED) if installed_name(name) not in wheel_names]
    assert missing == [], "not in the wheel (add them to [tool.setuptools.package-data])"
