"""What one Query or Scan page reads: the operation decides it from the request and hands it to
``Database.query`` / ``Database.scan`` (``engine.reads`` runs it).

One immutable object per request, so the request's reading of its parameters and the engine's
walk over storage meet in one typed place rather than in a long argument list. The plans are
NamedTuples rather than frozen dataclasses, as storage's rows are: a frozen dataclass's
``__init__`` sets each of its eleven fields through ``object.__setattr__``, about 1 us more
per request, a few percent of a one-item Query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ddblite.model.schema import IndexSchema, TableSchema
from ddblite.model.sort_key import SortKeyCondition
from ddblite.model.values import Item, Value

Filter = Callable[[Item], bool]
Project = Callable[[Item], Item]


# The fields after ``table`` mean the same in both plans:
#   secondary_index: the index read; None reads the table itself. (Not ``index``, which
#       would shadow ``tuple.index``.)
#   fetch: an LSI read that needs attributes the index does not hold reads each full item from
#       the table (billed to the table apart from the index).
#   start: the ExclusiveStartKey. limit: items evaluated, counted before the filter.
#   keep: the filter, which evaluated items are returned; project: what each returned item
#       becomes (projection, Select).
#   raw: the page goes straight to the wire, so a plain one (``is_plain``) may carry the
#       stored bodies undecoded (``reads.Page.items_json``).


class QueryPlan(NamedTuple):
    """One partition of the table or index, in sort-key order."""

    table: TableSchema
    partition: Value  # the partition key's value (of the index's key for an index)
    sort: SortKeyCondition | None = None  # None: the whole partition
    forward: bool = True  # ScanIndexForward
    secondary_index: IndexSchema | None = None
    fetch: bool = False
    start: Item | None = None
    limit: int | None = None
    keep: Filter | None = None
    project: Project | None = None
    raw: bool = False


class ScanPlan(NamedTuple):
    """Every partition of the table or index in one segment of the hash space."""

    table: TableSchema
    segment: int = 0
    total_segments: int = 1
    secondary_index: IndexSchema | None = None
    fetch: bool = False
    start: Item | None = None
    limit: int | None = None
    keep: Filter | None = None
    project: Project | None = None
    raw: bool = False


ReadPlan = QueryPlan | ScanPlan


def is_plain(plan: ReadPlan) -> bool:
    """A page the stored bodies can answer as they are: sent raw, nothing to filter, project
    or fetch."""
    return plan.raw and not plan.fetch and plan.keep is None and plan.project is None
