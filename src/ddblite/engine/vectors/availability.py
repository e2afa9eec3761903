"""Whether vector search can run: numpy is the optional ``vectors`` extra.

Without it every other operation works; a request that needs vectors scored (CreateTable with
VectorIndexes, UpdateTable creating one, SearchVectors) is refused with one message naming
the install command. A ValidationException: the request is one this installation cannot
serve, as the service answers a feature a Region lacks, and nothing is stored.
"""

from __future__ import annotations

import importlib

from ddblite.errors import ValidationException

NEEDS_NUMPY = "Vector search needs numpy, which is not installed: pip install 'ddblite[vectors]'"


def require_numpy() -> None:
    try:
        importlib.import_module("numpy")
    except ImportError:
        raise ValidationException(NEEDS_NUMPY) from None
