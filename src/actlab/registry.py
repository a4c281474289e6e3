"""The registry: the one list of activations that everything else iterates.

Catalogue modules decorate their classes with :func:`register`; the CLI, plots,
documentation tables, torch modules and tests all read :func:`names` / :func:`get`.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from actlab.activation import Activation

F = TypeVar("F", bound=Callable[..., Any])

_BY_NAME: dict[str, type[Activation]] = {}
_ALIASES: dict[str, str] = {}


def register(cls: type[Activation]) -> type[Activation]:
    """Class decorator adding a catalogue entry (its name and aliases must be new)."""
    for key in (cls.name, *cls.aliases):
        if key in _BY_NAME or key in _ALIASES:
            raise ValueError(f"activation name {key!r} is already registered")
    _BY_NAME[cls.name] = cls
    for alias in cls.aliases:
        _ALIASES[alias] = cls.name
    return cls


def names() -> list[str]:
    """Sorted canonical names of every registered activation."""
    _load()
    return sorted(_BY_NAME)


def aliases() -> dict[str, str]:
    """{alias: canonical name}."""
    _load()
    return dict(_ALIASES)


def definition(name: str) -> type[Activation]:
    """The class registered under ``name`` or one of its aliases."""
    _load()
    return _BY_NAME[lookup("activation", name, _BY_NAME, _ALIASES)]


def lookup(kind: str, name: str, canonical: Mapping[str, Any], aliases: Mapping[str, str]) -> str:
    """The canonical key for ``name`` (case, '-' and '_' alike; aliases resolved).

    Unknown names raise a one-line ValueError suggesting the closest known names; the
    activation and initialiser registries both use this.
    """
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a str. Got {type(name).__name__} instead.")
    key = name.strip().lower().replace("-", "_")
    key = aliases.get(key, key)
    if key not in canonical:
        close = difflib.get_close_matches(key, [*canonical, *aliases], n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"Unknown {kind} {name!r}.{hint} Known: {', '.join(sorted(canonical))}.")
    return key


def get(name: str | Activation, **params: Any) -> Activation:
    """The activation ``name`` with the given parameters (defaults for the rest).

    >>> import actlab
    >>> actlab.get("leaky_relu", alpha=0.1)
    actlab.get('leaky_relu', alpha=0.1)
    >>> actlab.get("relu")(-2.0), actlab.get("logistic").name
    (np.float64(0.0), 'sigmoid')
    """
    if isinstance(name, Activation):
        return name.replace(**params) if params else name
    if isinstance(name, str) and _looks_like_formula(name):
        from actlab.custom import define

        return define(name, params=params)
    return definition(name)(**params)


def _looks_like_formula(text: str) -> bool:
    """A formula rather than a name: has operators or calls, or is just 'x'."""
    return text.strip() == "x" or any(c in text for c in "()*/+^ ") or (
        "-" in text.strip().lstrip("-") and "x" in text)


def accepts_names(fn: F) -> F:
    """Let a function of an activation also take a name (or formula) as its first argument."""

    @functools.wraps(fn)
    def wrapper(act: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(get(act), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _load() -> None:
    # Importing the catalogue runs its @register decorators (once).
    import actlab.catalogue  # noqa: F401
