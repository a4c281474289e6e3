r"""First-order optimisers with explicit state, updating parameters in place.

An optimiser is a frozen set of hyperparameters; its state lives in an
:class:`OptState` made by ``opt.init(params)``. ``opt.update(params, grads, state)``
writes the step :math:`\Delta` of every parameter into ``state.step`` (kept for
diagnostics: ||Delta W|| / ||W||) and adds it to the parameter. Every update works in
arrays allocated by ``init``. With :math:`g` the gradient, :math:`\eta` the learning rate
and :math:`t` the step count (from 1):

* SGD: :math:`v \leftarrow \mu v - \eta g`, :math:`\Delta = v` (heavy ball) or
  :math:`\Delta = \mu v - \eta g` (Nesterov); :math:`\mu = 0` is plain SGD.
* Adagrad: :math:`G \leftarrow G + g^2`, :math:`\Delta = -\eta g / (\sqrt G + \epsilon)`.
* RMSprop: :math:`s \leftarrow \rho s + (1 - \rho) g^2`,
  :math:`\Delta = -\eta g / (\sqrt s + \epsilon)`.
* Adam: :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`,
  :math:`v \leftarrow \beta_2 v + (1 - \beta_2) g^2`,
  :math:`\Delta = -\eta_t m / (\sqrt v + \epsilon)` with
  :math:`\eta_t = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)`.

SGD and Adam are scikit-learn's ``SGDOptimizer`` (constant rate) and ``AdamOptimizer``
step for step; the defaults are scikit-learn's.

>>> import numpy as np
>>> w, g = np.array([1.0]), np.array([0.5])
>>> opt = SGD(learning_rate=0.1)
>>> opt.update([w], [g], opt.init([w]))
>>> w
array([0.95])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from actlab.activation import Param


@dataclass
class OptState:
    """What an optimiser remembers: the step count, its moment arrays, the last step."""

    t: int
    step: list[np.ndarray]
    slots: dict[str, list[np.ndarray]] = field(default_factory=dict)


def _state(params: Sequence[np.ndarray], *slots: str) -> OptState:
    return OptState(0, [np.zeros_like(p) for p in params],
                    {s: [np.zeros_like(p) for p in params] for s in slots})


def check_interval(owner: str, name: str, value: float, lo: float, hi: float = math.inf,
                   lo_open: bool = True, hi_open: bool = True) -> None:
    """Raise the house ValueError (parameter, value, allowed range) unless ``value`` is a
    finite number in the interval; the rule of activation parameters (:class:`Param`)."""
    Param(name, 0.0, lo, hi, lo_open, hi_open).validate(owner, value)


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent, with (Nesterov) momentum when ``momentum > 0``."""

    learning_rate: float = 1e-3
    momentum: float = 0.0
    nesterov: bool = False

    def __post_init__(self) -> None:
        check_interval("SGD", "learning_rate", self.learning_rate, 0.0)
        check_interval("SGD", "momentum", self.momentum, 0.0, 1.0, lo_open=False, hi_open=False)

    def init(self, params: Sequence[np.ndarray]) -> OptState:
        return _state(params, "velocity", "scratch") if self.momentum else _state(params)

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray],
               state: OptState) -> None:
        state.t += 1
        for k, (p, g, step) in enumerate(zip(params, grads, state.step, strict=True)):
            np.multiply(g, -self.learning_rate, out=step)
            if self.momentum:
                v, tmp = state.slots["velocity"][k], state.slots["scratch"][k]
                v *= self.momentum
                v += step
                if self.nesterov:  # look ahead: mu v_new - lr g
                    np.multiply(v, self.momentum, out=tmp)
                    step += tmp
                else:
                    step[...] = v
            p += step


@dataclass(frozen=True)
class Adagrad:
    """Per-coordinate rates shrinking with the accumulated squared gradient."""

    learning_rate: float = 1e-2
    epsilon: float = 1e-8

    def __post_init__(self) -> None:
        check_interval("Adagrad", "learning_rate", self.learning_rate, 0.0)
        check_interval("Adagrad", "epsilon", self.epsilon, 0.0)

    def init(self, params: Sequence[np.ndarray]) -> OptState:
        return _state(params, "sum_sq")

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray],
               state: OptState) -> None:
        state.t += 1
        for p, g, step, acc in zip(params, grads, state.step, state.slots["sum_sq"], strict=True):
            np.square(g, out=step)  # the step array doubles as scratch until the end
            acc += step
            _scaled_step(p, g, acc, step, self.learning_rate, self.epsilon)


@dataclass(frozen=True)
class RMSprop:
    """Adagrad with a decaying average (``rho``) of squared gradients instead of a sum."""

    learning_rate: float = 1e-3
    rho: float = 0.9
    epsilon: float = 1e-8

    def __post_init__(self) -> None:
        check_interval("RMSprop", "learning_rate", self.learning_rate, 0.0)
        check_interval("RMSprop", "rho", self.rho, 0.0, 1.0, lo_open=False)
        check_interval("RMSprop", "epsilon", self.epsilon, 0.0)

    def init(self, params: Sequence[np.ndarray]) -> OptState:
        return _state(params, "mean_sq")

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray],
               state: OptState) -> None:
        state.t += 1
        for p, g, step, s in zip(params, grads, state.step, state.slots["mean_sq"], strict=True):
            np.square(g, out=step)
            step *= 1.0 - self.rho
            s *= self.rho
            s += step
            _scaled_step(p, g, s, step, self.learning_rate, self.epsilon)


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba 2015), in scikit-learn's form: bias correction folded into the rate."""

    learning_rate: float = 1e-3
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8

    def __post_init__(self) -> None:
        check_interval("Adam", "learning_rate", self.learning_rate, 0.0)
        check_interval("Adam", "beta_1", self.beta_1, 0.0, 1.0, lo_open=False)
        check_interval("Adam", "beta_2", self.beta_2, 0.0, 1.0, lo_open=False)
        check_interval("Adam", "epsilon", self.epsilon, 0.0)

    def init(self, params: Sequence[np.ndarray]) -> OptState:
        return _state(params, "m", "v")

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray],
               state: OptState) -> None:
        state.t += 1
        b1, b2 = self.beta_1, self.beta_2
        rate = self.learning_rate * math.sqrt(1.0 - b2**state.t) / (1.0 - b1**state.t)
        for p, g, step, m, v in zip(params, grads, state.step, state.slots["m"],
                                    state.slots["v"], strict=True):
            m *= b1
            np.multiply(g, 1.0 - b1, out=step)
            m += step
            v *= b2
            np.square(g, out=step)
            step *= 1.0 - b2
            v += step
            _scaled_step(p, m, v, step, rate, self.epsilon)


def _scaled_step(p: np.ndarray, num: np.ndarray, sq: np.ndarray, step: np.ndarray,
                 rate: float, epsilon: float) -> None:
    """p -= rate * num / (sqrt(sq) + epsilon), in place; ``step`` ends holding the step."""
    np.sqrt(sq, out=step)
    step += epsilon
    np.divide(num, step, out=step)
    step *= -rate
    p += step


Optimizer = SGD | Adagrad | RMSprop | Adam

#: name -> class, for the estimators' ``optimizer`` parameter
OPTIMIZERS: dict[str, type] = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam}
