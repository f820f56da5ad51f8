"""The API's one body parser: JSON, where any body that does not parse is a 400."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """
    DRF's JSON parser, which lets a RecursionError through: a 2 KB body of a
    thousand nested arrays was a 500. Nothing the API takes is nested more
    than a few levels, so such a body is a parse error like any other.
    """

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
