"""Shared fixtures: the registry's cases, with default and with other parameter values."""

from __future__ import annotations

import actlab


def param_cases() -> list[tuple[str, dict[str, float]]]:
    """(name, params) for every entry: its defaults, and, if it has parameters, every
    parameter scaled by 1.5 (inside every domain we use; checked by the constructor)."""
    cases: list[tuple[str, dict[str, float]]] = []
    for name in actlab.names():
        act = actlab.get(name)
        cases.append((name, dict(act.params)))
        if act.params:
            cases.append((name, {k: v * 1.5 for k, v in act.params.items()}))
    return cases


def case_id(case: tuple[str, dict[str, float]]) -> str:
    name, params = case
    return name + "".join(f"-{k}={v:g}" for k, v in params.items())
