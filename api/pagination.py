"""
Page-number pagination, strict about its parameters. DRF loads this module
from its settings, so it imports nothing of DRF's views.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def positive_int_param(request: Request, name: str, *, maximum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
        bound = f" between 1 and {maximum}" if maximum else ""
        raise exceptions.ValidationError({name: [f"Must be a whole number{bound}."]})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise exceptions.ValidationError(
            {name: [f"Must be a whole number between 1 and {maximum}."]}
        )
    return value


class Pagination(PageNumberPagination):
    """
    Page-number pagination with `count`, `next`, `previous`, `results`.

    A page size outside 1–100 is refused with a 400 naming `page_size`
    rather than silently clamped: a partner asking for 500 rows and
    receiving 100 would think it had everything.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_description = "A page number within the paginated result set (1, 2, …)."
    page_size_query_description = "Results per page, 1 to 100 (default 20)."

    def get_page_size(self, request: Request) -> int:
        size = positive_int_param(request, self.page_size_query_param, maximum=self.max_page_size)
        return size or self.page_size

    def get_page_number(self, request: Request, paginator: Any) -> int:
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return paginator.num_pages
        return positive_int_param(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        page, page_size = super().get_schema_operation_parameters(view)
        page["schema"] = {"type": "integer", "minimum": 1}
        page_size["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return [page, page_size]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response_schema = super().get_paginated_response_schema(schema)
        response_schema["required"] = ["count", "next", "previous", "results"]
        return response_schema
