"""Every key shown in the footer or the help screen is in the user's language: a class
whose bindings name catalogue keys must translate its copy when it is made."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.dom import DOMNode

import kshop_tui
from kshop_tui.i18n import en


def shop_classes() -> list[type[DOMNode]]:
    found: dict[str, type[DOMNode]] = {}
    for module_info in pkgutil.walk_packages(kshop_tui.__path__, "kshop_tui."):
        # __main__ starts the app when imported.
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def translates_its_bindings(cls: type[DOMNode]) -> bool:
    return any(
        "localize_bindings" in inspect.getsource(klass.__dict__["__init__"])
        for klass in cls.__mro__
        if "__init__" in klass.__dict__ and klass.__module__.startswith("kshop_tui")
    )


def test_the_scan_sees_the_screens_and_widgets() -> None:
    names = {cls.__name__ for cls in shop_classes()}
    assert {"CheckoutScreen", "ProductList", "ChoiceRow", "KshopApp"} <= names


def test_every_class_with_catalogue_key_bindings_translates_them() -> None:
    untranslated = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in shop_classes()
        if any(
            getattr(binding, "description", "") in en.MESSAGES
            for binding in cls.__dict__.get("BINDINGS", [])
        )
        and not translates_its_bindings(cls)
    ]
    assert untranslated == []
