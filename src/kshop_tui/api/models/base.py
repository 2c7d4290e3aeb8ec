"""What every model stands on. Every string from the backend passes through `text.clean`
here, once, so no screen ever sees a terminal escape sequence."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from kshop_tui.text import clean, clean_multiline

Line = Annotated[str, AfterValidator(clean)]
Paragraph = Annotated[str, AfterValidator(clean_multiline)]


def _clean_mapping(value: dict[str, str]) -> dict[str, str]:
    return {clean(k): clean(v) for k, v in value.items()}


Specs = Annotated[dict[str, str], AfterValidator(_clean_mapping)]


class Model(BaseModel):
    """Unknown fields are ignored so a newer backend does not break an older client."""

    model_config = ConfigDict(extra="ignore", frozen=True)
