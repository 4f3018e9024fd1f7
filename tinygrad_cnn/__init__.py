"""tinygrad_cnn: a small, fast, honest autograd framework for convolutional networks.

``import tinygrad_cnn as tc``; see ``README.md`` and ``docs/`` for a tour.
"""

from . import autograd, checks, data, functional, nn, optim, utils, viz
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
from .device import accelerator, backends, cuda, device, get_default_device, set_default_device
from .factories import (  # PyTorch's signatures (device=, generator=, ...) over the core constructors
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .generator import Generator
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .nn import functional as _nn_functional  # noqa: F401 - makes tc.nn.functional reachable, as torch.nn.functional
from .rng import manual_seed
from .serialization import load, save
from .tensor import (
    Tensor,
    cat,
    get_default_dtype,
    maximum,
    set_default_dtype,
    stack,
    where,
)
from .torch_functions import *  # noqa: F403 - the module-level twins of the Tensor methods
from .torch_functions import __all__ as _torch_functions_all

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
    "device",
    "cuda",
    "backends",
    "accelerator",
    "Generator",
    "utils",
    "set_default_device",
    "get_default_device",
    "as_tensor",
    "empty",
    "empty_like",
    "eye",
    "full_like",
    "linspace",
    "logspace",
    "rand_like",
    "randint",
    "randint_like",
    "randn_like",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
]
__all__ += [n for n in _torch_functions_all if n not in __all__]
