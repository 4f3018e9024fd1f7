"""One-line docstrings for public names whose definitions carry none, kept in one table.

Like PyTorch's ``_tensor_docs.py``: the short, PyTorch-style descriptions of the many small Tensor
methods and module methods live here instead of in each one-line definition. ``apply()`` runs at
import and fills in only what is missing, so a docstring written at the definition always wins.
``tests/test_reference.py`` fails for a public name (in any ``__all__``, or a public member of a
public class) that has no docstring either way.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

_T = "tinygrad_cnn.tensor.Tensor."
_M = "tinygrad_cnn.nn.module.Module."
_A = "tinygrad_cnn.autograd."
_O = "tinygrad_cnn.optim."
_C = "tinygrad_cnn.checks."

DOCS: dict[str, str] = {
    # Tensor: attributes
    _T + "requires_grad": "Whether autograd records operations on this tensor (only floating-point tensors can).",
    _T + "requires_grad_": "Set ``requires_grad`` in place and return ``self`` (PyTorch's ``Tensor.requires_grad_``).",
    _T + "is_leaf": "True for a tensor no recorded operation produced (a parameter, an input, a constant).",
    _T + "shape": "The dimensions of the tensor, a tuple of ints (PyTorch's ``torch.Size``).",
    _T + "ndim": "The number of dimensions (``len(x.shape)``).",
    _T + "dtype": "The element type (``float32`` by default for floats, ``int64`` for Python ints).",
    _T + "size": "The shape, or the size of dimension ``dim`` when it is given.",
    _T + "dim": "The number of dimensions, as ``ndim``.",
    _T + "numel": "The number of elements.",
    _T + "item": "The value of a one-element tensor as a Python number.",
    _T + "tolist": "The values as (nested) Python lists of numbers.",
    _T + "detach_": "Detach this tensor from the graph in place: it becomes a leaf; returns ``self``.",
    _T + "retains_grad": "True when ``retain_grad()`` asked this non-leaf tensor to keep its ``.grad``.",
    _T + "type": "A copy converted to ``dtype`` (a no-op when it already has it).",
    _T + "float": "A copy as float32 (``self`` when already float32).",
    _T + "double": "A copy as float64 (``self`` when already float64).",
    _T + "long": "A copy as int64.",
    _T + "int": "A copy as int32.",
    _T + "bool": "A copy as bool.",
    _T + "clone": "A copy with its own storage; gradients flow back to the original.",
    # Tensor: arithmetic
    _T + "add": "``self + other``, with broadcasting.",
    _T + "sub": "``self - other``, with broadcasting.",
    _T + "mul": "``self * other`` element-wise, with broadcasting.",
    _T + "div": "``self / other`` element-wise, with broadcasting.",
    _T + "pow": "``self ** exponent`` element-wise (a number or a tensor).",
    _T + "neg": "``-self``.",
    _T + "exp": "e to the power of each element.",
    _T + "log": "The natural logarithm of each element.",
    _T + "sqrt": "The square root of each element.",
    _T + "abs": "The absolute value of each element (gradient 0 at 0, as PyTorch).",
    _T + "sigmoid": "σ(x) = 1 / (1 + e^−x) of each element, computed without overflow.",
    _T + "relu": "max(x, 0) of each element (gradient 0 at 0, as PyTorch).",
    _T + "tanh": "The hyperbolic tangent of each element.",
    _T + "clamp": "Each element limited to [min, max] (either bound may be None).",
    _T + "clip": "Alias of ``clamp``.",
    # Tensor: reductions
    _T + "sum": "The sum over ``dim`` (an int, a tuple, or all dimensions), keeping them with ``keepdim``.",
    _T + "mean": "The mean over ``dim`` (an int, a tuple, or all dimensions), keeping them with ``keepdim``.",
    _T + "min": "The minimum; with ``dim``, a ``(values, indices)`` pair as PyTorch's ``min(dim)``.",
    _T + "argmax": "The index of the largest element (over all elements, or along ``dim``), int64.",
    _T + "argmin": "The index of the smallest element (over all elements, or along ``dim``), int64.",
    _T + "softmax": "exp(x) / Σ exp(x) along ``dim``, computed stably.",
    _T + "log_softmax": "log(softmax(x)) along ``dim``, computed stably.",
    _T + "matmul": "The matrix product ``self @ other`` (NumPy/PyTorch rules for 1-D and batched operands).",
    # Tensor: shapes
    _T + "reshape": "The same elements in a new shape (one dimension may be −1).",
    _T + "view": "The same elements in a new shape, as ``reshape`` (PyTorch's ``view``).",
    _T + "flatten": "Dimensions ``start_dim`` to ``end_dim`` merged into one.",
    _T + "unsqueeze": "A new dimension of size 1 inserted at ``dim``.",
    _T + "squeeze": "Dimensions of size 1 removed (only ``dim`` when it is given).",
    _T + "transpose": "Dimensions ``dim0`` and ``dim1`` swapped.",
    _T + "permute": "The dimensions reordered as ``dims``.",
    _T + "T": "The dimensions in reverse order (the transpose of a matrix).",
    _T + "expand": "The tensor broadcast to a larger ``shape`` (−1 keeps a dimension) without copying.",
    _T + "expand_as": "The tensor broadcast to ``other``'s shape.",
    # autograd
    _A + "Function.op_name": "The op's public name (``conv2d``, ``sigmoid``), shown by make_dot and derivation.",
    _A + "Function.forward": "Compute the output from the inputs; save what backward needs on ``ctx``.",
    _A + "Function.backward": "Return one gradient per input (None where there is none), from the output's gradient.",
    _A + "Node.saved_tensors": "The tensors ``save_for_backward`` stored, as a tuple.",
    _A + "Node.mark_non_differentiable": "Declare outputs (such as indices) that get no gradient.",
    _A + "Node.fn": "The ``Function`` class this node applied.",
    _A + "Node.register_hook": "Call ``hook`` with this node's output gradient during backward.",
    _A + "Node.release": "Free what the node saved for backward (done after a backward without retain_graph).",
    _A + "is_anomaly_enabled": "True inside ``detect_anomaly()``: backward checks every gradient for NaN.",
    # factories and dtypes
    "tinygrad_cnn.tensor.zeros": "A tensor of the given shape filled with 0 (float32 by default).",
    "tinygrad_cnn.tensor.ones": "A tensor of the given shape filled with 1 (float32 by default).",
    "tinygrad_cnn.tensor.full": "A tensor of ``size`` filled with ``fill_value``.",
    "tinygrad_cnn.tensor.zeros_like": "Zeros with the shape (and by default the dtype) of ``input``.",
    "tinygrad_cnn.tensor.ones_like": "Ones with the shape (and by default the dtype) of ``input``.",
    "tinygrad_cnn.tensor.get_default_dtype": "The dtype new floating-point tensors get (float32 unless changed).",
    # functional
    "tinygrad_cnn.functional.sigmoid": "σ(x) = 1 / (1 + e^−x), element-wise.",
    "tinygrad_cnn.functional.relu": "max(x, 0), element-wise.",
    "tinygrad_cnn.functional.tanh": "The hyperbolic tangent, element-wise.",
    "tinygrad_cnn.functional.softmax": "exp(x) / Σ exp(x) along ``dim``, computed stably.",
    "tinygrad_cnn.functional.log_softmax": "log(softmax(x)) along ``dim``, computed stably.",
    # nn
    "tinygrad_cnn.nn.layers.Identity": "Returns its input unchanged (a placeholder layer).",
    "tinygrad_cnn.nn.layers.Tanh": "The hyperbolic tangent, element-wise, as a module.",
    "tinygrad_cnn.nn.layers.LogSoftmax": "log(softmax(x)) along ``dim``, as a module.",
    "tinygrad_cnn.nn.loss.NLLLoss": "The negative log-likelihood of log-probabilities at the target classes.",
    _M + "register_parameter": "Add a parameter (or None) under ``name``.",
    _M + "add_module": "Add a sub-module (or None) under ``name``.",
    _M + "register_module": "Alias of ``add_module``.",
    _M + "forward": "The module's computation; call the module itself (``m(x)``), as in PyTorch, to run it.",
    _M + "parameters": "The parameters of this module and its sub-modules, each once.",
    _M + "buffers": "The buffers (non-trainable state such as running means) of this module and its sub-modules.",
    _M + "named_children": "``(name, module)`` for each direct sub-module.",
    _M + "children": "The direct sub-modules.",
    _M + "modules": "This module and all its sub-modules, each once.",
    _M + "train": "Set training mode (dropout, batch statistics) on this module and its sub-modules; returns it.",
    _M + "eval": "Set evaluation mode (``train(False)``); returns the module.",
    _M + "requires_grad_": "Set ``requires_grad`` on every parameter; returns the module.",
    _M + "zero_grad": "Reset the gradients of every parameter.",
    _M + "float": "Cast every floating-point parameter and buffer to float32; returns the module.",
    _M + "double": "Cast every floating-point parameter and buffer to float64; returns the module.",
    _M + "extra_repr": "The layer's settings shown inside its ``repr`` (PyTorch's hook of the same name).",
    "tinygrad_cnn.nn.layers.Linear.reset_parameters": "Re-draw weight and bias with PyTorch's default initialisation.",
    "tinygrad_cnn.nn.layers.Conv2d.reset_parameters": "Re-draw weight and bias with PyTorch's default initialisation.",
    "tinygrad_cnn.nn.layers.Sequential.append": "Add a module at the end; returns the Sequential.",
    "tinygrad_cnn.nn.init.uniform_": "Fill ``tensor`` in place with values drawn uniformly from [a, b].",
    "tinygrad_cnn.nn.init.normal_": "Fill ``tensor`` in place with values drawn from N(mean, std²).",
    "tinygrad_cnn.nn.init.constant_": "Fill ``tensor`` in place with ``val``.",
    "tinygrad_cnn.nn.init.zeros_": "Fill ``tensor`` in place with 0.",
    "tinygrad_cnn.nn.init.ones_": "Fill ``tensor`` in place with 1.",
    # optim
    _O + "Optimizer.add_param_group": "Add a group of parameters with its own options (lr, ...).",
    _O + "Optimizer.load_state_dict": "Restore the state and options saved by ``state_dict()``.",
    _O + "Optimizer.step": "Update every parameter from its gradient (``closure`` re-evaluates the loss).",
    _O + "lr_scheduler.StepLR.get_last_lr": "The learning rates the last ``step()`` set, one per group.",
    _O + "lr_scheduler.StepLR.step": "Advance one epoch: the learning rates are multiplied by gamma every step_size.",
    _O + "lr_scheduler.StepLR.state_dict": "The scheduler's state, to save with the optimizer's.",
    _O + "lr_scheduler.StepLR.load_state_dict": "Restore a state saved by ``state_dict()``.",
    # checks
    _C + "report.GradcheckReport.passed": "True when every compared element is within tolerance.",
    _C + "report.GradcheckReport.max_abs_error": "The largest absolute difference, analytic vs numerical.",
    _C + "report.GradcheckReport.max_rel_error": "The largest relative difference, analytic vs numerical.",
    _C + "report.GradcheckReport.n_kinks": "How many elements sat on a kink (reported, not failed).",
    _C + "report.GradcheckReport.failures": "The elements outside tolerance, worst first.",
    _C + "report.GradcheckReport.pair": "The report of one (output, input) pair.",
    _C + "report.GradcheckReport.to_dict": "The report as plain data (for JSON).",
    _C + "report.PairReport.to_dict": "The pair's report as plain data (for JSON).",
    _C + "report.ElementError.abs_error": "|analytic − numerical| for this element.",
    _C + "report.ElementError.describe": "One line naming the element and both values.",
    _C + "report.ElementError.to_dict": "The element's comparison as plain data (for JSON).",
    _C + "model.ModelCheckReport.passed": "True when every parameter's check passed.",
    _C + "model.ModelCheckReport.to_dict": "The report as plain data (for JSON).",
    _C + "model.ParameterCheck.to_dict": "The parameter's check as plain data (for JSON).",
    _C + "experiments.EpsilonSweep.table": "The sweep as printable rows: epsilon, errors.",
}


def _resolve(path: str) -> tuple[Any, str, Any] | None:
    """(owner, attribute name, object) for a dotted path, or None when it no longer exists."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        owner: Any = sys.modules.get(".".join(parts[:cut]))  # never import: lazy packages apply() on their own import
        if owner is None:
            continue
        for name in parts[cut:-1]:  # a module's own attributes only: never trigger a lazy import
            owner = vars(owner).get(name) if isinstance(owner, ModuleType) else getattr(owner, name, None)
            if owner is None:
                return None
        attr = parts[-1]
        raw = vars(owner).get(attr) if hasattr(owner, "__dict__") else None  # the property, not its value
        return (owner, attr, raw if raw is not None else getattr(owner, attr, None))
    return None


def apply() -> None:
    """Give each listed object its docstring unless it already has one of its own."""
    for path, doc in DOCS.items():
        found = _resolve(path)
        if found is None or found[2] is None:
            continue
        obj = found[2]
        target = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
        if not (isinstance(target, property) or callable(target)):
            continue  # constants are documented by a ``#:`` comment above their definition
        own = target.__dict__.get("__doc__") if isinstance(target, type) else getattr(target, "__doc__", None)
        if not (own or "").strip():
            try:
                target.__doc__ = doc
            except (AttributeError, TypeError):  # a builtin or slot that cannot take one
                pass
