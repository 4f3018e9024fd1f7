"""tinygrad_cnn: a small, fast, honest autograd framework for convolutional networks.

``import tinygrad_cnn as tc``; see ``README.md`` and ``docs/`` for a tour.
"""

from . import autograd, functional, nn, optim
from .autograd import (
    Function,
    backward,
    detect_anomaly,
    enable_grad,
    grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .kernels.execution import get_num_threads, set_num_threads
from .rng import manual_seed
from .serialization import load, save
from .tensor import (
    Tensor,
    arange,
    cat,
    full,
    get_default_dtype,
    maximum,
    ones,
    ones_like,
    rand,
    randn,
    set_default_dtype,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"

# Loaded on first use, so that importing the package stays cheap: the plotting and checking
# machinery, the graph drawing (Graphviz), the data loaders and the process-wide knobs.
_LAZY_MODULES = ("checks", "viz", "runtime", "data")
_LAZY_NAMES = {
    "check_model": "checks",
    "epsilon_sweep": "checks",
    "gradcheck_report": "checks",
    "gradgradcheck_report": "checks",
}


def __getattr__(name: str) -> object:
    """``tc.viz``, ``tc.checks``, ``tc.gradcheck_report``, ...: imported when first asked for."""
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The package's names, the lazily loaded ones included."""
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_NAMES))

float32 = "float32"
float64 = "float64"
int64 = "int64"

__all__ = [
    "Tensor",
    "Function",
    "autograd",
    "functional",
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "manual_seed",
    "set_num_threads",
    "get_num_threads",
    "runtime",
    "tensor",
    "zeros",
    "ones",
    "full",
    "zeros_like",
    "ones_like",
    "rand",
    "randn",
    "arange",
    "cat",
    "stack",
    "where",
    "maximum",
    "set_default_dtype",
    "get_default_dtype",
    "nn",
    "optim",
    "data",
    "save",
    "load",
    "viz",
    "checks",
    "gradcheck_report",
    "gradgradcheck_report",
    "check_model",
    "epsilon_sweep",
]
