"""Applying a ProjectionExpression (and AttributesToGet) to an item.

The requested paths are merged into a tree and the item is copied along it: a map keeps only
the requested keys that exist, a list keeps only the requested indexes that exist, compacted
in ascending index order (``l[2], l[0]`` gives ``[l0, l2]``), and a container left empty is
dropped, so a path that leads nowhere adds nothing. Values at the end of a path are shared with
the item, not copied; treat the result as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ddblite.expressions import ast
from ddblite.expressions.attrs import Item, Value
from ddblite.expressions.resolve import ResolvedPath

# A node of the path tree: each step maps to the subtree below it, or to None where a
# requested path ends.
Tree = dict[str | int, Any]


def build_tree(paths: tuple[ResolvedPath, ...]) -> Tree:
    root: Tree = {}
    for path in paths:
        node = root
        for step in path[:-1]:
            child = node.get(step)
            if child is None:
                child = node[step] = {}
            node = child
        node[path[-1]] = None
    return root


@dataclass(frozen=True, slots=True)
class Projection:
    """A checked ProjectionExpression bound to one request's placeholders."""

    text: str
    tree: ast.ProjectionExpr | None
    paths: tuple[ResolvedPath, ...]
    plan: Tree = field(default_factory=dict)
    flat: tuple[str, ...] | None = None  # set when every path is a top-level name


def make_projection(
    text: str, tree: ast.ProjectionExpr | None, paths: tuple[ResolvedPath, ...]
) -> Projection:
    flat = None
    if all(len(path) == 1 for path in paths):
        flat = tuple(str(path[0]) for path in paths)
    return Projection(text, tree, paths, build_tree(paths), flat)


def project(projection: Projection, item: Item) -> Item:
    """The projection of ``item``."""
    if projection.flat is not None:
        return {name: item[name] for name in projection.flat if name in item}
    return project_tree(projection.plan, item)


def project_tree(plan: Tree, item: Item) -> Item:
    out: Item = {}
    for name, sub in plan.items():
        if not isinstance(name, str):
            continue
        value = item.get(name)
        if value is None:
            continue
        picked = value if sub is None else _pick(value, sub)
        if picked is not None:
            out[name] = picked
    return out


def _pick(value: Value, plan: Tree) -> Value | None:
    if "M" in value:
        members: dict[str, Value] = value["M"]
        kept: dict[str, Value] = {}
        for key, sub in plan.items():
            if isinstance(key, str) and key in members:
                member = members[key]
                picked = member if sub is None else _pick(member, sub)
                if picked is not None:
                    kept[key] = picked
        return {"M": kept} if kept else None
    if "L" in value:
        elements: list[Value] = value["L"]
        chosen: list[Value] = []
        for index in sorted(k for k in plan if isinstance(k, int)):
            if index < len(elements):
                sub = plan[index]
                picked = elements[index] if sub is None else _pick(elements[index], sub)
                if picked is not None:
                    chosen.append(picked)
        return {"L": chosen} if chosen else None
    return None
