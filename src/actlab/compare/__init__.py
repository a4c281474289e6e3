"""`actlab compare`: which activation for my data (issue E).

So far: the statistics (statistics.py) and the resumable results store (store.py); the
stacked-model runner, CLI and report are still to come.
"""

from actlab.compare.statistics import corrected_ttest, holm, leaderboard, recommendation
from actlab.compare.store import FoldKey, Store, StoreError, config_hash, fingerprint

__all__ = ["FoldKey", "Store", "StoreError", "config_hash", "corrected_ttest", "fingerprint", "holm",
           "leaderboard", "recommendation"]
