"""`actlab compare`: which activation for my data (issue E). So far: the statistics."""

from actlab.compare.statistics import corrected_ttest, holm, leaderboard, recommendation

__all__ = ["corrected_ttest", "holm", "leaderboard", "recommendation"]
