"""Devices, CPU only: ``tc.device`` and the ``tc.cuda`` / ``tc.backends`` / ``tc.accelerator`` queries.

Every tensor lives on the CPU. ``tc.device("cuda")`` can be built (PyTorch allows that on a CPU-only
build too), but putting a tensor or a module there raises, as a CPU-only PyTorch does. The queries
(``tc.cuda.is_available()``, ``tc.backends.mps.is_available()``, ``tc.accelerator.is_available()``)
answer False, so programs written for both take their CPU path.
"""

from __future__ import annotations

import re
import sys
import types
from typing import Any

__all__ = ["device", "as_device", "check_device", "cuda", "backends", "accelerator", "CPU", "set_default_device",
           "get_default_device"]

_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "mtia", "ipu", "hpu", "vulkan", "privateuseone")
_DEVICE_RE = re.compile(r"^([a-z_]+)(?::(\d+))?$")


class device:  # noqa: N801 - PyTorch's name
    """A device name as PyTorch spells it: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:1")``.

    Attributes:
        type: ``"cpu"``, ``"cuda"``, ...
        index: the device number, or None.
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): a device object cannot be given with an index")
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):  # device(0) is cuda:0 in PyTorch
            if index is not None:
                raise TypeError("device(): an ordinal cannot be given with an index")
            type, index = "cuda", type  # noqa: A001
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string, an int or a device, got {builtin_type(type).__name__}")
        m = _DEVICE_RE.match(type)
        if m is None or m.group(1) not in _DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {type}"
            )
        if m.group(2) is not None:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {type}"
                )
            index = int(m.group(2))
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device(): index must be an int, got {builtin_type(index).__name__}")
            if index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type: str = m.group(1)
        self.index: int | None = index

    def __eq__(self, other: object) -> bool:
        """Equal to a device with the same type and index; never to a string (as PyTorch: compare
        ``x.device.type == "cpu"`` or ``str(x.device) == "cpu"``)."""
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self) -> tuple:
        return (device, (self.type, self.index))

    def __enter__(self) -> device:
        """``with tc.device("cpu"):`` (PyTorch's default-device context); other devices raise."""
        as_device(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


builtin_type = type  # ``device.__init__`` shadows ``type`` with PyTorch's argument name

CPU = device("cpu")


def not_available(dev: device) -> Exception:
    """PyTorch's CPU-only errors: AssertionError for CUDA, RuntimeError for other devices."""
    if dev.type == "cuda":
        return AssertionError(
            f"Torch not compiled with CUDA enabled: tinygrad_cnn runs on the CPU only, so device '{dev}' "
            "cannot be used; use 'cpu' (code that checks tc.cuda.is_available() takes its CPU path)"
        )
    return RuntimeError(f"tinygrad_cnn runs on the CPU only: device '{dev}' is not available; use 'cpu'")


def as_device(dev: Any) -> device:
    """``dev`` as a device object that tensors can live on (the CPU); CUDA raises AssertionError and
    other devices RuntimeError, as a CPU-only PyTorch."""
    if dev is None or dev is CPU or (type(dev) is str and dev == "cpu"):
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise not_available(d)
    return d


def check_device(dev: Any) -> None:
    """Raise unless ``dev`` is None or names the CPU (``"cpu"``, ``"cpu:0"``, ``device("cpu")``)."""
    if dev is None or dev is CPU or (type(dev) is str and dev == "cpu"):
        return
    as_device(dev)


def _no_cuda(*args: Any, **kwargs: Any) -> Any:
    raise not_available(device("cuda"))


def _namespace(name: str, doc: str, **attrs: Any) -> types.ModuleType:
    ns = types.ModuleType(name, doc)
    for k, v in attrs.items():
        setattr(ns, k, v)
    sys.modules.setdefault(name, ns)  # so ``import tinygrad_cnn.backends.cudnn as cudnn`` works, as in PyTorch
    return ns


def set_default_device(dev: Any) -> None:
    """Accepts the CPU (or None); other devices raise, as a CPU-only PyTorch does when they are used."""
    check_device(dev)


def get_default_device() -> device:
    """``device(type='cpu')``."""
    return CPU


def _empty_cache() -> None:
    """Nothing to free: no CUDA memory (a no-op, as on a CPU-only PyTorch)."""


def _cuda_is_available() -> bool:
    """False: there is no CUDA here (programs take their CPU path)."""
    return False


def _cuda_device_count() -> int:
    """0: no CUDA devices."""
    return 0


def _manual_seed_all(seed: int) -> None:
    """Nothing to seed: no CUDA devices (``tc.manual_seed`` seeds the CPU generator)."""


def _mps_is_available() -> bool:
    """False: no Apple GPU backend here."""
    return False


def _accelerator_is_available() -> bool:
    """False: no accelerator here."""
    return False


def _current_accelerator(check_available: bool = False) -> None:
    """None: the CPU is the only device."""
    return None


def _accelerator_device_count() -> int:
    """0: no accelerators."""
    return 0


class _CudaTensorType:
    """A ``tc.cuda.<Type>Tensor`` legacy type, as on a CPU-only PyTorch: it exists (``isinstance`` checks and
    ``Tensor = tc.cuda.FloatTensor if cuda else tc.FloatTensor`` work, and no tensor is one), but making one
    raises TypeError."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"type {cls.__module__}.{cls.__name__} not available: tinygrad_cnn runs on the CPU only "
                        f"(use tinygrad_cnn.{cls.__name__})")


def _cuda_tensor_types() -> dict[str, type]:
    names = ("FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "ByteTensor",
             "CharTensor", "BoolTensor")
    return {n: type(n, (_CudaTensorType,), {"__module__": "tinygrad_cnn.cuda",
                                            "__doc__": f"CUDA {n}: not available on the CPU (making one raises)."})
            for n in names}


cuda = _namespace(
    "tinygrad_cnn.cuda",
    "CUDA queries of a CPU-only build: nothing is available.",
    is_available=_cuda_is_available,
    device_count=_cuda_device_count,
    manual_seed=_manual_seed_all,
    manual_seed_all=_manual_seed_all,
    empty_cache=_empty_cache,
    is_initialized=_cuda_is_available,
    current_device=_no_cuda,
    synchronize=_no_cuda,
    get_device_name=_no_cuda,
    **_cuda_tensor_types(),
)

backends = _namespace(
    "tinygrad_cnn.backends",
    "Backend flags as PyTorch's ``torch.backends``: settable, and without effect on the CPU.",
    mps=_namespace("tinygrad_cnn.backends.mps", "Apple GPU backend: not available.",
                   is_available=_mps_is_available, is_built=_mps_is_available),
    cudnn=_namespace("tinygrad_cnn.backends.cudnn", "cuDNN flags: settable, without effect on the CPU.",
                     enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                     is_available=_cuda_is_available),
    cuda=_namespace("tinygrad_cnn.backends.cuda", "CUDA backend: not built.", is_built=_cuda_is_available),
)

accelerator = _namespace(
    "tinygrad_cnn.accelerator",
    "PyTorch's ``torch.accelerator`` queries: there is no accelerator, so the CPU is used.",
    is_available=_accelerator_is_available,
    current_accelerator=_current_accelerator,
    device_count=_accelerator_device_count,
)


def _dtype_or_none(value: Any) -> Any:
    """``value`` as a NumPy dtype, or None when it does not name one."""
    if isinstance(value, (device, bool)) or value is None:
        return None
    from .dtypes import to_dtype  # dtype objects, names, legacy constructors (tc.LongTensor), 'torch.*' strings

    try:
        return to_dtype(value)
    except TypeError:
        return None


def _looks_like_device(value: Any) -> bool:
    if isinstance(value, device) or (isinstance(value, int) and not isinstance(value, bool)):
        return True
    return isinstance(value, str) and _DEVICE_RE.match(value) is not None and value.split(":")[0] in _DEVICE_TYPES


def parse_to(op: str, args: tuple, kwargs: dict) -> tuple[device, Any, bool]:
    """The ``(device, dtype, copy)`` that ``.to(...)`` was asked for, in any of PyTorch's three forms:
    ``to(device=None, dtype=None, non_blocking=False, copy=False)``, ``to(dtype, non_blocking=False,
    copy=False)`` and ``to(tensor, non_blocking=False, copy=False)``; ``memory_format=`` is accepted.

    The device is checked (CPU only); the dtype is a NumPy dtype or None.
    """
    Tensor = sys.modules[__package__ + ".tensor"].Tensor
    copy, dev, dtype, other = False, None, None, None
    if kwargs:
        kwargs = dict(kwargs)
        kwargs.pop("memory_format", None)
        kwargs.pop("non_blocking", None)
        copy = bool(kwargs.pop("copy", False))
        dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        other = kwargs.pop("tensor", None)
        if kwargs:
            raise TypeError(f"{op}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
    elif rest and _looks_like_device(rest[0]):
        dev = rest.pop(0)
        if rest and not isinstance(rest[0], bool):
            dtype = rest.pop(0)
    elif rest and _dtype_or_none(rest[0]) is not None and not isinstance(rest[0], bool):
        dtype = rest.pop(0)
    elif rest and rest[0] is None:
        rest.pop(0)
    elif rest and not isinstance(rest[0], bool):
        raise TypeError(
            f"{op}(): expected a device ('cpu'), a dtype or a tensor as first argument, "
            f"got {builtin_type(rest[0]).__name__}"
        )
    # what is left: non_blocking, copy (positional, as PyTorch's signature)
    if len(rest) > 2:
        raise TypeError(f"{op}(): too many positional arguments ({len(args)} given)")
    if len(rest) == 2:
        copy = bool(rest[1])
    if other is not None:
        dev = CPU if dev is None else dev
        dtype = other.dtype if dtype is None else dtype
    np_dtype = None
    if dtype is not None:
        np_dtype = _dtype_or_none(dtype)
        if np_dtype is None:
            raise TypeError(f"{op}(): expected a dtype, got {dtype!r}")
    return as_device(dev), np_dtype, copy
