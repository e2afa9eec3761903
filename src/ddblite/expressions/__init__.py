"""DynamoDB's expression language: one tokenizer and parser for all five expression kinds,
plus the legacy (pre-expression) parameters converted to the same compiled forms.

See README.md in this folder for the phases. The API the operations use::

    ctx = ExpressionContext(request.get("ExpressionAttributeNames"),
                            request.get("ExpressionAttributeValues"))
    update = ctx.update(text)                      # UpdateExpression
    cond = ctx.condition(text, "ConditionExpression")   # or "FilterExpression"
    proj = ctx.projection(text)
    pending = ctx.key_condition_expression(text)        # Query: first
    ctx.check_unused()                                   # after all expressions
    key = pending.shape().bind(hash_key, range_key)      # shape, then schema (after the
                                                         # table lookup)
    # (or ctx.key_condition_shape(text) when the other expressions were compiled first)
    evaluate(cond, item)               # -> bool
    new_item, info = apply_update(update, old_item, key=request_key)
    updated_attributes(item, info)     # UPDATED_OLD / UPDATED_NEW
    project(proj, item)
"""

from __future__ import annotations

from ddblite.errors import ValidationException
from ddblite.expressions.attrs import Item
from ddblite.expressions.context import (
    Condition,
    ExpressionContext,
    KeyConditionExpression,
    evaluate,
)
from ddblite.expressions.key_range import KeyCondition, KeyShape, KeyTest
from ddblite.expressions.legacy import (
    check_parameters,
    legacy_attribute_updates,
    legacy_attributes_to_get,
    legacy_expected,
    legacy_filter,
    legacy_key_conditions,
)
from ddblite.expressions.projection import Projection, project_tree
from ddblite.expressions.projection import project as _project
from ddblite.expressions.resolve import ResolvedPath
from ddblite.expressions.update import Update, UpdatedPaths, apply_update

__all__ = [
    "Condition",
    "ExpressionContext",
    "KeyCondition",
    "KeyConditionExpression",
    "KeyShape",
    "KeyTest",
    "Projection",
    "ResolvedPath",
    "Update",
    "UpdatedPaths",
    "apply_update",
    "check_filter_keys",
    "check_key_paths",
    "check_parameters",
    "evaluate",
    "legacy_attribute_updates",
    "legacy_attributes_to_get",
    "legacy_expected",
    "legacy_filter",
    "legacy_key_conditions",
    "nested_paths",
    "project",
    "top_level_names",
    "updated_attributes",
]


def project(proj: Projection, item: Item) -> Item:
    """The attributes of ``item`` that ``proj`` selects (values shared, not copied)."""
    return _project(proj, item)


def updated_attributes(item: Item, info: UpdatedPaths) -> Item:
    """The UPDATED_OLD / UPDATED_NEW view of ``item``: only the paths the update wrote (a
    nested ``SET m.a = :v`` yields ``{"m": {"M": {"a": ...}}}``). Empty when nothing is left,
    e.g. UPDATED_NEW after a REMOVE; DynamoDB then omits Attributes."""
    return project_tree(_tree_of(info), item)


def _tree_of(info: UpdatedPaths) -> dict[str | int, object]:
    from ddblite.expressions.projection import build_tree

    return build_tree(info.paths)


def _paths_of(thing: Condition | Update | Projection | UpdatedPaths) -> tuple[ResolvedPath, ...]:
    return thing.paths


def top_level_names(thing: Condition | Update | Projection | UpdatedPaths) -> set[str]:
    """Top-level attribute names an expression touches: for an update, the attributes it
    writes (to refuse "Cannot update attribute pk. This attribute is part of the key"); for a
    condition or projection, every attribute it reads."""
    return {str(path[0]) for path in _paths_of(thing)}


def nested_paths(thing: Condition | Update | Projection | UpdatedPaths) -> set[str]:
    """Top-level names used with ``.`` or ``[]`` after them (key attributes can't be:
    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not
    allowed: Key: pk")."""
    return {str(path[0]) for path in _paths_of(thing) if len(path) > 1}


FILTER_ON_KEY = (
    "Filter Expression can only contain non-primary key attributes: Primary key attribute: {}"
)
KEY_NOT_SCALAR = (
    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
    "allowed: Key: {}"
)


def check_filter_keys(filter_: Condition, key_names: tuple[str, ...] | list[str]) -> None:
    """A Query's FilterExpression may not use the key attributes (the key condition does)."""
    for path in filter_.paths:
        if path[0] in key_names:
            raise ValidationException(FILTER_ON_KEY.format(path[0]))


def check_key_paths(
    thing: Condition | Update | Projection, key_names: tuple[str, ...] | list[str]
) -> None:
    """Key attributes hold scalars, so no path may look inside one (``pk.a``, ``pk[0]``)."""
    for path in _paths_of(thing):
        if len(path) > 1 and path[0] in key_names:
            raise ValidationException(KEY_NOT_SCALAR.format(path[0]))
