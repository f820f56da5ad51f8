"""
JSON that splices representations rendered earlier, and JSON-LD.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request


class RenderedItems(list):
    """
    A list of JSON texts (bytes), each the rendering of one item by
    JSONRenderer, kept in the cache: the response writes them as they are
    instead of encoding the same objects again.
    """


class RenderedJSON(bytes):
    """
    One representation rendered earlier (a released object's JSON, stored
    as this renderer writes it): the response is these bytes as they are.
    """


class SplicingJSONRenderer(JSONRenderer):
    """
    DRF's JSON renderer, which also writes a top-level `results` that is
    RenderedItems (a page of cached or stored representations) without
    re-encoding it, and a RenderedJSON as it is. Its bytes are what
    rendering the decoded items would give: the items were rendered by this
    same class (or by publishing.representation.render(), which writes the
    same bytes), and the envelope still is.
    """

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        indented = self.get_indent(accepted_media_type or "", renderer_context or {}) is not None
        if isinstance(data, RenderedJSON):
            if indented:
                return super().render(json.loads(data), accepted_media_type, renderer_context)
            return bytes(data)
        items = data.get("results") if isinstance(data, dict) else None
        if not isinstance(items, RenderedItems):
            return super().render(data, accepted_media_type, renderer_context)
        envelope = {name: value for name, value in data.items() if name != "results"}
        if indented:
            # Indented (the browsable API): decode, so the page reads as one.
            envelope["results"] = [json.loads(item) for item in items]
            return super().render(envelope, accepted_media_type, renderer_context)
        head = super().render(envelope, accepted_media_type, renderer_context)
        separator = b"," if envelope else b""
        return head[:-1] + separator + b'"results":[' + b",".join(items) + b"]}"

    @classmethod
    def render_item(cls, item: Any) -> bytes:
        return cls().render(item)


class JSONLDRenderer(JSONRenderer):
    """
    JSON-LD that a partner can paste as it comes into a
    <script type="application/ld+json"> (docs/api.md says to): `<`, `>` and
    `&` are written as JSON escapes, so no text a claim carries can close
    the element or open a comment in it. DRF already escapes U+2028 and
    U+2029. The JSON value is the same; only its bytes differ.
    """

    media_type = "application/ld+json"
    format = "jsonld"

    # JSON has none of these characters outside strings, so each one found
    # in the text is inside a string, where its escape means the same.
    HTML_ESCAPES = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"))

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        body = super().render(data, accepted_media_type, renderer_context)
        for character, escape in self.HTML_ESCAPES:
            body = body.replace(character, escape)
        return body


class FirstRendererNegotiation(BaseContentNegotiation):
    """
    For endpoints with one representation (JSON-LD): answer with it whatever
    the Accept header says, since a client asking for application/json can
    read it as well.
    """

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = list(renderers)[0]
        return renderer, renderer.media_type
