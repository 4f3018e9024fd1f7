"""tinygrad_cnn: a small, fast, honest autograd framework for convolutional networks.

``import tinygrad_cnn as tc``; see ``README.md`` and ``docs/`` for a tour.
"""

from tinygrad_cnn import _cli_start  # noqa: F401, I001  (first: Ctrl-C while `tinygrad-cnn` starts; see the module)
from . import tensor as _tensor  # noqa: F401, I001 - then Tensor: autograd and ops build on it
from . import autograd, functional, nn, optim
from . import grad_tags as _grad_tags  # noqa: F401 - labels gradient graphs for the viewers (a callback)
from .autograd import (
    Function,
    backward,
    detect_anomaly,
    enable_grad,
    grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
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
from .kernels.execution import get_num_threads, set_num_threads
from .nn import functional as _nn_functional  # noqa: F401 - makes tc.nn.functional reachable, as torch.nn.functional
from .rng import manual_seed
from .serialization import load, save
from .size import Size
from .tensor import (
    Tensor,
    cat,
    from_numpy,
    get_default_dtype,
    is_floating_point,
    is_tensor,
    maximum,
    set_default_dtype,
    stack,
    where,
)
from .torch_functions import *  # noqa: F403 - the module-level twins of the Tensor methods
from .torch_functions import __all__ as _torch_functions_all

__version__ = "0.1.0"

# Loaded on first use, so that importing the package stays cheap: the plotting and checking
# machinery, the graph drawing (Graphviz), the data loaders and the process-wide knobs.
_LAZY_MODULES = ("checks", "viz", "runtime", "data", "utils")
_LAZY_NAMES = {
    "gradcheck": "checks",
    "gradgradcheck": "checks",
    "GradcheckError": "checks",
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

__all__ = [
    "Tensor",
    "Size",
    "Function",
    "autograd",
    "functional",
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
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
    "from_numpy",
    "is_tensor",
    "is_floating_point",
    "promote_types",
    "result_type",
    "can_cast",
    "FloatTensor",
    "DoubleTensor",
    "HalfTensor",
    "LongTensor",
    "IntTensor",
    "ShortTensor",
    "ByteTensor",
    "BoolTensor",
    "float32",
    "float64",
    "float16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "complex64",
    "complex128",
    "float",
    "double",
    "half",
    "long",
    "int",
    "short",
    "cfloat",
    "cdouble",
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

# Last, because they shadow the builtins float, int and bool in this module's namespace.
from ._docs import apply as _apply_docs  # noqa: E402  (one-line docstrings of small methods, see _docs.py)
from .dtypes import (  # noqa: E402
    bool,  # noqa: A004
    can_cast,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    float,  # noqa: A004
    float16,
    float32,
    float64,
    half,
    int,  # noqa: A004
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    short,
    uint8,
)
from .legacy import (  # noqa: E402
    BoolTensor,
    ByteTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

_apply_docs()
