"""Grad mode and anomaly mode: per-thread switches, as context managers and decorators (PyTorch's).

A decorated generator function runs with the mode switched only while its own code runs: the mode
is set on each resume and restored at each ``yield``, so the caller's code between two ``next()``
calls keeps its own mode (PyTorch wraps generators the same way).
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from typing import Any

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
]


class _Mode(threading.local):
    """Per-thread switches, as in PyTorch: a ``no_grad`` in one thread leaves others alone."""

    def __init__(self) -> None:
        self.enabled = True
        self.anomaly = False
        self.inference = False


_mode = _Mode()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return _mode.enabled


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return _mode.inference


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return _mode.anomaly


def _decorate(make_guard: Callable[[], Any], func: Callable) -> Callable:
    """Run ``func`` (a function or a generator function) inside a fresh guard from ``make_guard``."""
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Generator:
            gen = func(*args, **kwargs)
            try:
                with make_guard():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with make_guard():
                            gen.close()
                        raise
                    except BaseException as exc:
                        with make_guard():
                            response = gen.throw(exc)
                    else:
                        with make_guard():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value

        return generator

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with make_guard():
            return func(*args, **kwargs)

    return wrapper


class _GradModeGuard:
    """A context manager that is also a decorator, like ``torch.no_grad``."""

    _value: bool

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # bare ``@no_grad`` without parentheses, as PyTorch allows

    def __init__(self, orig_func: Callable | None = None) -> None:
        pass

    def __enter__(self) -> None:
        self._prev = _mode.enabled
        _mode.enabled = self._value

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._prev

    def __call__(self, func: Callable) -> Callable:
        return _decorate(self.__class__, func)


class no_grad(_GradModeGuard):  # noqa: N801 - PyTorch's name
    """Do not record the graph inside this block (or decorated function)."""

    _value = False


class enable_grad(_GradModeGuard):  # noqa: N801 - PyTorch's name
    """Record the graph inside this block, even within ``no_grad``."""

    _value = True


class set_grad_enabled(_GradModeGuard):  # noqa: N801 - PyTorch's name
    """Switch recording on or off: ``with set_grad_enabled(False): ...``; also applies as a plain call."""

    def __new__(cls, mode: bool) -> Any:
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        self._value = bool(mode)
        self._prev = _mode.enabled
        _mode.enabled = self._value  # PyTorch also applies it when used as a plain call

    def __enter__(self) -> None:
        pass  # already applied in __init__; __exit__ restores the previous mode

    def __call__(self, func: Callable) -> Callable:
        _mode.enabled = self._prev  # used as a decorator: undo the switch __init__ made
        value = self._value
        return _decorate(lambda: set_grad_enabled(value), func)


class inference_mode(_GradModeGuard):  # noqa: N801 - PyTorch's name
    """``no_grad`` under PyTorch's other name: ``with tc.inference_mode(): ...`` or as a decorator.

    ``inference_mode(False)`` records again (as PyTorch's, it switches grad mode on). PyTorch also marks
    the tensors made inside as inference tensors that autograd later refuses; here they are ordinary
    tensors, so code that runs under PyTorch runs here the same.
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # bare ``@inference_mode``
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        self._inference = bool(mode)
        self._value = not self._inference

    def __enter__(self) -> None:
        self._prev = _mode.enabled
        self._prev_inference = _mode.inference
        _mode.enabled = self._value
        _mode.inference = self._inference

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._prev
        _mode.inference = self._prev_inference

    def __call__(self, func: Callable) -> Callable:
        inference = self._inference
        return _decorate(lambda: inference_mode(inference), func)


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Make a NaN or infinity produced by any op, forward or backward, raise at once.

    The error names the op and shows where the offending forward call was made.
    ``check_nan=False`` turns the check off while keeping the creation traces.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = _mode.anomaly
        _mode.anomaly = self.check_nan

    def __exit__(self, *exc: object) -> None:
        _mode.anomaly = self._prev

    def __call__(self, func: Callable) -> Callable:
        check_nan = self.check_nan
        return _decorate(lambda: detect_anomaly(check_nan), func)
