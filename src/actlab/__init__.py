"""actlab: the activation-function laboratory.

>>> import actlab
>>> act = actlab.get("elu", alpha=1.0)
>>> float(act(-1.0)), float(act.grad(-1.0))
(-0.6321205588285577, 0.36787944117144233)
"""

from actlab import init
from actlab.activation import Activation, Param
from actlab.blocks import get_num_threads, set_num_threads
from actlab.custom import define
from actlab.formula import FormulaError
from actlab.meanfield import critical_init
from actlab.properties import gain
from actlab.registry import aliases, definition, get, names

__all__ = ["Activation", "FormulaError", "MLPClassifier", "MLPRegressor", "Param", "aliases",
           "compare", "critical_init", "data", "define", "definition", "gain", "get",
           "get_num_threads", "init", "names", "set_num_threads"]


def __getattr__(name: str) -> object:
    # The estimators import scikit-learn (~0.5 s): load them on first use only.
    if name in ("MLPClassifier", "MLPRegressor"):
        from actlab import estimators

        return getattr(estimators, name)
    if name == "compare":  # the function; its machinery is the package actlab.comparison
        from actlab.comparison import compare

        return compare
    if name == "data":
        import actlab.data

        return actlab.data
    raise AttributeError(f"module 'actlab' has no attribute {name!r}")
__version__ = "0.1.0"
