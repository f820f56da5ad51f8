"""The base class of every API resource: reads with serializers, writes through the services."""

from __future__ import annotations

from typing import Any, TypeVar

from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from changelog.models import Versioned

from .conditional import ConditionalRequestsMixin
from .parsers import JSONParser

_M = TypeVar("_M", bound=Versioned)


class ServiceViewSet(ConditionalRequestsMixin[_M], viewsets.ModelViewSet[_M]):
    """
    A CRUD resource with conditional requests (ETag, If-None-Match, If-Match,
    Idempotency-Key: api/conditional.py) that reads with serializers and writes with the service
    functions, never with serializer.save(): the services validate against
    the whole database, recompute the scores a write changes and append to
    the change log, whichever door the write comes from.

    Subclasses set `serializer_class` (the representation), `input_serializer_class`
    (the shape of a write: explicit fields, no derived ones) and implement
    create_object, update_object and delete_object by calling a service.
    """

    serializer_class: type[serializers.Serializer]
    input_serializer_class: type[serializers.Serializer]
    # JSON only: form encodings read an empty field as "not sent", so a
    # blank choice would be skipped instead of refused.
    parser_classes = [JSONParser]
    # Fields a write may send but never change (a claim's account): they are
    # accepted when unchanged, so a client can PUT back what it read.
    fixed_fields: tuple[str, ...] = ()
    # The reads a partner makes of the released revisions, and staff with
    # `?view=partner` (api/released.py): the schema documents `view` on them.
    released_actions: tuple[str, ...] = ("list", "retrieve", "claimreview")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in ("create", "update", "partial_update"):
            return self.input_serializer_class
        return self.serializer_class

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(request.data)
        fields.pop("version", None)  # only an update has a version to check
        obj = self.create_object(by=request.user, **fields)
        return Response(self.represent(obj), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        fields = self.validated_input(request.data, partial=kwargs.get("partial", False))
        body_version = fields.pop("version", None)
        fields = self.changed_fields(obj, fields)
        expected = self.expected_version()
        obj = self.update_object(
            obj,
            by=request.user,
            expected_version=expected if expected is not None else body_version,
            **fields,
        )
        return Response(self.represent(obj))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        # Checked again under the row lock, so a stale delete never removes
        # a version its sender has not seen.
        self.delete_object(obj, by=request.user, expected_version=self.expected_version())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def validated_input(self, data: Any, *, partial: bool = False) -> dict[str, Any]:
        serializer = self.input_serializer_class(
            data=data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def changed_fields(self, obj: _M, fields: dict[str, Any]) -> dict[str, Any]:
        for name in self.fixed_fields:
            if name in fields:
                if fields.pop(name) != getattr(obj, name):
                    raise exceptions.ValidationError(
                        {name: ["This field cannot be changed once set."]}
                    )
        return fields

    def represent(self, obj: _M) -> dict[str, Any]:
        # Read back through the scoped queryset: the service may have moved
        # scores and the representation needs its related rows.
        fresh = self.get_queryset().get(pk=obj.pk)
        return self.get_output_serializer(fresh).data

    def get_output_serializer(self, obj: _M) -> serializers.Serializer:
        return self.serializer_class(obj, context=self.get_serializer_context())

    def create_object(self, *, by: Any, **fields: Any) -> _M:
        raise NotImplementedError

    def update_object(self, obj: _M, *, by: Any, expected_version: int | None, **fields: Any) -> _M:
        raise NotImplementedError

    def delete_object(self, obj: _M, *, by: Any, expected_version: int | None) -> None:
        raise NotImplementedError
