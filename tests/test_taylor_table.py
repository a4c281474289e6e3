"""The shipped Taylor coefficients (actlab/taylor_table.py) are what mpmath gives now."""

from __future__ import annotations

import actlab
from actlab import taylor
from actlab.taylor_table import COEFFICIENTS


def test_shipped_coefficients_are_complete_and_recomputed_exactly() -> None:
    actlab.names()  # the catalogue makes its patches on import
    patches = taylor.INSTANCES
    assert patches, "no ZeroPatch registered"
    keys = {p.key() for p in patches}
    assert keys == set(COEFFICIENTS), (
        "regenerate with: python -m actlab.taylor > src/actlab/taylor_table.py; "
        f"missing {sorted(keys - set(COEFFICIENTS))}, stale {sorted(set(COEFFICIENTS) - keys)}")
    for p in patches:
        assert COEFFICIENTS[p.key()] == p.compute(), p.key()
        assert p.coefficients == COEFFICIENTS[p.key()]
