"""tinygrad_cnn: a small, fast, honest autograd framework for convolutional networks.

``import tinygrad_cnn as tc``; see ``README.md`` and ``docs/`` for a tour.
"""

from tinygrad_cnn import _cli_start  # noqa: F401  (first: Ctrl-C while `tinygrad-cnn` starts; see the module)

from . import autograd, checks, data, functional, nn, optim, viz
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
from .checks import check_model, epsilon_sweep, gradcheck_report, gradgradcheck_report
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
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

from ._docs import apply as _apply_docs  # noqa: E402  (one-line docstrings of small methods, see _docs.py)

_apply_docs()
