"""Field types every API input is built from: text a database can store and give back
(valid UTF-8, no NUL), identifiers, and integers that fit the database's columns."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, Field, StringConstraints

# Integer columns are 32-bit on PostgreSQL; a larger value must be a 422, never a 500.
INT32_MAX = 2**31 - 1
IDENTIFIER_PATTERN = r"^[A-Za-z0-9._:-]+$"


def clean_text(value: str) -> str:
    """Refuse what a database or a UTF-8 response cannot hold: NULs and lone surrogates."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid UTF-8 (it holds a lone surrogate)") from None
    return value


ShortText = Annotated[str, StringConstraints(max_length=64), AfterValidator(clean_text)]
Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN)
]
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
# An identifier in a URL path (session, athlete, model version): a bad one is a 422 naming it.
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN)]
