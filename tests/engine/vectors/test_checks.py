from __future__ import annotations

import numpy as np

from ddblite.engine.vectors.checks import FLOAT32_MAX, floats_of


def test_float32_max_is_numpys() -> None:
    assert float(np.finfo(np.float32).max) == FLOAT32_MAX


def test_floats_of_takes_what_a_float32_holds() -> None:
    assert floats_of([{"N": "3.4028234663852886e38"}, {"N": "-1.5"}]) == [FLOAT32_MAX, -1.5]
    assert floats_of([{"N": "3.4028236e38"}]) is None
    assert floats_of([{"N": "1"}, {"S": "1"}]) is None
    assert floats_of([]) == []
