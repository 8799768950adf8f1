"""A fast path for loading many rows with one marshmallow schema (bulk imports).

``FastLoader(schema)`` reads the schema's own fields, validators and hooks once and then checks
a row with plain Python. It answers the loaded data only for a row it is certain of, loaded
exactly as ``schema.load`` would load it; for any other row (a bad or unusual value, an unknown
key, a problem found by a schema validator) it answers ``None`` and the caller loads that row
with the schema itself, which gives the errors. So every message comes from the schema, and an
answer never differs from the schema's: ``tests/consents/test_fastload.py`` checks that against
``schema.load`` with generated rows.

What it knows: ``String`` (with ``Length``, ``OneOf``, ``Regexp`` or any other validator, which
is simply called), ``Boolean`` given a real boolean, ``List`` of those, and any other field
through the field's own ``deserialize`` (memoised per value for immutable results such as
date-times); ``required``, ``allow_none`` and ``load_default``; ``pre_load``,
``validates_schema`` and ``post_load`` hooks on single rows. A schema using anything else
(``data_key``, ``attribute``, per-field hooks, ``@validates``, ``pass_original``,
``unknown`` other than RAISE, ``many``, ``partial``) is refused when the loader is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate

Check = Callable[[Any], bool]
"""True when the raw value certainly loads to itself (no conversion)."""

_MEMO_LIMIT = 50_000
_IMMUTABLE = (datetime, date, int, float, str, bool)


class Unsupported(TypeError):
    """The schema uses something the fast path does not reproduce."""


def _validator_check(validator: Any) -> Check:
    if isinstance(validator, validate.OneOf):
        try:
            choices = frozenset(validator.choices)
        except TypeError:  # unhashable choices: ask the validator
            choices = None
        if choices is not None:
            return lambda value: value in choices
    if isinstance(validator, validate.Length) and validator.equal is None:
        low = validator.min if validator.min is not None else 0
        high = validator.max if validator.max is not None else float("inf")
        return lambda value: low <= len(value) <= high
    if isinstance(validator, validate.Regexp):
        pattern: re.Pattern[Any] = validator.regex
        return lambda value: pattern.match(value) is not None

    def call(value: Any) -> bool:
        try:
            validator(value)
        except ValidationError:
            return False
        return True

    return call


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)

    return lambda value: all(check(value) for check in checks)


def _plain_check(field: fields.Field[Any]) -> Check | None:
    """A check for fields whose valid values load to themselves; None for other fields."""
    validators = [_validator_check(v) for v in field.validators]
    if type(field) is fields.String:
        return _all([lambda value: type(value) is str, *validators])
    if type(field) is fields.Boolean:
        return _all([lambda value: type(value) is bool, *validators])
    return None


class _Field:
    """How to load one field: a check for values that load to themselves, or the field."""

    def __init__(self, name: str, field: fields.Field[Any]) -> None:
        if field.data_key is not None or field.attribute is not None:
            raise Unsupported(f"{name}: data_key and attribute are not supported")
        if getattr(field, "pre_load", None) or getattr(field, "post_load", None):
            raise Unsupported(f"{name}: per-field hooks are not supported")
        self.name = name
        self.field = field
        self.required = field.required
        self.allow_none = field.allow_none
        self.default = field.load_default
        self.check = _plain_check(field)
        self.list_check: Check | None = None
        if type(field) is fields.List:
            inner = _plain_check(field.inner)
            if inner is not None:
                outer = _all([_validator_check(v) for v in field.validators] or [lambda _: True])
                self.list_check = lambda value: (
                    type(value) is list and all(map(inner, value)) and outer(value)
                )
        self.memo: dict[Any, Any] = {}

    def load(self, raw: Any) -> Any:
        """The loaded value, ``missing`` to leave it out, or raise ``_NotSure``."""
        if raw is missing:
            if self.required:
                raise _NotSure
            default = self.default
            return default() if callable(default) else default
        if raw is None:
            if self.allow_none:
                return None
            raise _NotSure
        if self.check is not None:
            if self.check(raw):
                return raw
            raise _NotSure
        if self.list_check is not None:
            if self.list_check(raw):
                return list(raw)
            raise _NotSure
        key = (type(raw), raw)  # True == 1 == 1.0: the type keeps them apart
        memo: dict[Any, Any] | None = self.memo
        try:
            if key in self.memo:
                return self.memo[key]
        except TypeError:  # unhashable raw value: no memo
            memo = None
        try:
            value = self.field.deserialize(raw, self.name, None)
        except ValidationError:
            raise _NotSure from None
        if memo is not None and isinstance(value, _IMMUTABLE):
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = value
        return value


class _NotSure(Exception):
    pass


def _hook_names(schema: Schema, tag: str) -> list[str]:
    names = []
    for name, pass_collection, options in schema._hooks[tag]:
        if pass_collection or options.get("pass_original"):
            raise Unsupported(f"{name}: collection and pass_original hooks are not supported")
        names.append(name)
    return names


class FastLoader:
    """``loader(row)``: the row loaded exactly as ``schema.load(row)`` would, or None."""

    def __init__(self, schema: Schema) -> None:
        if schema.many or schema.partial or schema.unknown != RAISE:
            raise Unsupported("many, partial and unknown other than RAISE are not supported")
        if schema._hooks["validates"]:
            raise Unsupported("@validates field validators are not supported")
        self.schema = schema
        self.fields = [_Field(name, field) for name, field in schema.load_fields.items()]
        self.plan = [(f.name, f.check, f.list_check, f) for f in self.fields]
        self.known = frozenset(f.name for f in self.fields)
        self.pre_load = [getattr(schema, n) for n in _hook_names(schema, "pre_load")]
        self.validators = [getattr(schema, n) for n in _hook_names(schema, "validates_schema")]
        self.post_load = [getattr(schema, n) for n in _hook_names(schema, "post_load")]

    def __call__(self, row: Any) -> dict[str, Any] | None:
        options = {"many": False, "partial": None, "unknown": RAISE}
        try:
            for hook in self.pre_load:
                row = hook(row, **options)
            if not isinstance(row, Mapping) or not self.known.issuperset(row):
                return None
            data: dict[str, Any] = {}
            for name, check, list_check, field in self.plan:
                raw = row.get(name, missing)
                # The common case inline: a present value that loads to itself.
                if check is not None and raw is not missing and raw is not None:
                    if not check(raw):
                        return None
                    data[name] = raw
                    continue
                if list_check is not None and type(raw) is list:
                    if not list_check(raw):
                        return None
                    data[name] = list(raw)
                    continue
                value = field.load(raw)
                if value is not missing:
                    data[name] = value
            for validator in self.validators:
                validator(data, **options)
            for hook in self.post_load:
                data = hook(data, **options)
        except (_NotSure, ValidationError):
            return None
        return data
