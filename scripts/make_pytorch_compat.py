"""Write docs/pytorch-compat.md from the package itself: what is supported, and what to use instead.

Run ``python3 scripts/make_pytorch_compat.py`` after adding or removing a public name;
``tests/test_pytorch_compat_doc.py`` regenerates the page and fails when the file differs.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinygrad_cnn as tc  # noqa: E402
import tinygrad_cnn.functional as F  # noqa: E402
from tinygrad_cnn import data, nn, optim  # noqa: E402
from tinygrad_cnn.data import vision  # noqa: E402
from tinygrad_cnn.nn import init  # noqa: E402
from tinygrad_cnn.optim import lr_scheduler  # noqa: E402

PAGE = ROOT / "docs" / "pytorch-compat.md"

#: where each PyTorch namespace lives here
NAMESPACES = {
    "torch.nn.functional": F,
    "torch.nn.init": init,
    "torch.nn": nn,
    "torch.optim.lr_scheduler": lr_scheduler,
    "torch.optim": optim,
    "torch.utils.data": data,
    "torchvision.datasets": vision.datasets,
    "torchvision.transforms": vision.transforms,
    "torchvision.utils": vision.utils,
    "torch.Tensor": tc.Tensor,
    "torch": tc,
}

#: common PyTorch names and what to use where they are missing here; a name that exists is left out
#: of the page's "not supported" table automatically, so this list can stay ahead of the code.
INSTEAD: dict[str, str] = {
    "torch.float": "`np.float32` (NumPy dtypes name every dtype: `dtype=np.float32`)",
    "torch.double": "`np.float64`",
    "torch.long": "`np.int64`",
    "torch.bool": "`bool` / `np.bool_`",
    "torch.from_numpy": "`tc.as_tensor(array)` (shares memory when the dtype matches)",
    "torch.FloatTensor": "`tc.tensor(data, dtype=np.float32)`",
    "torch.LongTensor": "`tc.tensor(data, dtype=np.int64)`",
    "torch.Size": "`x.shape` / `x.size()` (a plain tuple)",
    "torch.inference_mode": "`tc.no_grad()`",
    "torch.compile": "nothing: the model runs eagerly; drop the call",
    "torch.jit": "nothing: there is no tracing or scripting; keep the Python module",
    "torch.autocast": "train in float32 (no mixed precision)",
    "torch.fft": "`np.fft` on `x.detach().numpy()` (no gradient)",
    "torch.linalg": "`tc.norm`, `tc.matmul`; other decompositions: `np.linalg` without gradient",
    "torch.distributed": "one process: no distributed training",
    "torch.sparse": "dense tensors",
    "torch.nn.Dropout": "leave it out, or `x * (tc.rand_like(x) >= p).float() / (1 - p)` in training",
    "torch.nn.Dropout2d": "leave it out (evaluation behaviour)",
    "torch.nn.BatchNorm1d": "normalise explicitly: `(x - x.mean(0)) / (x.var(0, unbiased=False) + eps).sqrt()`",
    "torch.nn.BatchNorm2d": "normalise explicitly over `(0, 2, 3)` with `mean`/`var(keepdim=True)`",
    "torch.nn.LayerNorm": "`(x - x.mean(-1, keepdim=True)) / (x.var(-1, keepdim=True, unbiased=False) + eps).sqrt()`",
    "torch.nn.GroupNorm": "reshape to groups and normalise with `mean`/`var`",
    "torch.nn.AdaptiveAvgPool2d": "`x.mean((2, 3), keepdim=True)` for an output of 1×1",
    "torch.nn.AdaptiveMaxPool2d": "`x.amax((2, 3), keepdim=True)` for an output of 1×1",
    "torch.nn.ConvTranspose2d": "`F.conv_transpose2d` with your own weight Parameter",
    "torch.nn.Upsample": "nearest-neighbour by indexing: `x[:, :, rows][:, :, :, cols]` with int64 index tensors",
    "torch.nn.LeakyReLU": "`tc.where(x > 0, x, slope * x)`",
    "torch.nn.ELU": "`tc.where(x > 0, x, alpha * (x.exp() - 1))`",
    "torch.nn.GELU": "`0.5 * x * (1 + tc.tanh(0.79788456 * (x + 0.044715 * x ** 3)))` (the tanh form)",
    "torch.nn.SiLU": "`x * tc.sigmoid(x)`",
    "torch.nn.Softplus": "`tc.log1p(tc.exp(x))`",
    "torch.nn.ModuleList": "`nn.Sequential`, or assign each module to an attribute",
    "torch.nn.ModuleDict": "assign each module to an attribute",
    "torch.nn.Embedding": "an `nn.Parameter` table indexed by the ids: `weight[ids]`",
    "torch.nn.LSTM": "not supported (a framework for CNNs)",
    "torch.nn.GRU": "not supported (a framework for CNNs)",
    "torch.nn.RNN": "not supported (a framework for CNNs)",
    "torch.nn.MultiheadAttention": "`tc.softmax(q @ k.transpose(-2, -1) / d ** 0.5, -1) @ v`",
    "torch.nn.Transformer": "not supported (a framework for CNNs)",
    "torch.nn.DataParallel": "the model itself (one process, CPU)",
    "torch.nn.L1Loss": "`(input - target).abs().mean()`",
    "torch.nn.SmoothL1Loss": "write it with `tc.where` on `(input - target).abs()`",
    "torch.nn.BCEWithLogitsLoss": "`nn.BCELoss()` on `tc.sigmoid(logits)`",
    "torch.nn.KLDivLoss": "`(target * (target.log() - input)).sum() / n`",
    "torch.nn.utils": "clip by hand: `total = tc.stack([p.grad.norm() for p in ps]).norm()`",
    "torch.nn.functional.dropout": "leave it out (evaluation behaviour)",
    "torch.nn.functional.batch_norm": "normalise with `mean`/`var` as above",
    "torch.nn.functional.interpolate": "index tensors for nearest-neighbour resizing",
    "torch.nn.functional.one_hot": "`tc.eye(num_classes, dtype=np.int64)[labels]`",
    "torch.nn.functional.leaky_relu": "`tc.where(x > 0, x, slope * x)`",
    "torch.nn.functional.gelu": "the tanh form above",
    "torch.nn.functional.adaptive_avg_pool2d": "`x.mean((2, 3), keepdim=True)` for 1×1",
    "torch.nn.functional.l1_loss": "`(input - target).abs().mean()`",
    "torch.nn.functional.binary_cross_entropy_with_logits": "`F.binary_cross_entropy(tc.sigmoid(x), y)`",
    "torch.optim.Adadelta": "`optim.SGD` or `optim.Adam`",
    "torch.optim.AdamW": "`optim.Adam` with the decay applied by hand: `p.data -= lr * wd * p.data`",
    "torch.optim.RMSprop": "`optim.Adam`",
    "torch.optim.Adagrad": "`optim.Adam`",
    "torch.optim.lr_scheduler.CosineAnnealingLR": "set `opt.param_groups[0]['lr']` each epoch",
    "torch.optim.lr_scheduler.ReduceLROnPlateau": "set `opt.param_groups[0]['lr']` when the loss stalls",
    "torch.optim.lr_scheduler.MultiStepLR": "set `opt.param_groups[0]['lr']` at the milestones",
    "torch.optim.lr_scheduler.ExponentialLR": "`StepLR(opt, step_size=1, gamma=gamma)`",
    "torch.Tensor.add_": "`x = x + y`",
    "torch.Tensor.zero_": "`x.grad = None`, or `opt.zero_grad()`",
    "torch.Tensor.copy_": "`x.data = y` (outside the graph)",
    "torch.Tensor.repeat_interleave": "`x.unsqueeze(d + 1).expand(...).flatten(d, d + 1)`",
    "torch.Tensor.half": "float32 (no float16 arithmetic)",
    "torch.Tensor.to_sparse": "dense tensors",
    "torch.Tensor.pin_memory": "nothing (CPU only)",
    "torchvision.datasets.CIFAR10": "load the arrays yourself and wrap them in `TensorDataset`",
    "torchvision.datasets.FashionMNIST": "load its IDX files with `tinygrad_cnn.data.read_idx`",
    "torchvision.transforms.Resize": "resize the arrays beforehand (e.g. with `scipy.ndimage.zoom`)",
    "torchvision.transforms.RandomCrop": "crop NumPy arrays in a custom `Dataset.__getitem__`",
    "torchvision.transforms.RandomHorizontalFlip": "`img[..., ::-1]` in a custom `Dataset.__getitem__`",
}

OPERATORS = {
    "__add__": "+", "__sub__": "-", "__mul__": "*", "__truediv__": "/", "__pow__": "**", "__matmul__": "@",
    "__neg__": "unary -", "__abs__": "abs()", "__eq__": "==", "__ne__": "!=", "__lt__": "<", "__le__": "<=",
    "__gt__": ">", "__ge__": ">=", "__getitem__": "x[idx]", "__setitem__": "x[idx] = v", "__len__": "len()",
    "__iter__": "iteration", "__bool__": "bool()", "__float__": "float()", "__int__": "int()",
    "__iadd__": "+=", "__isub__": "-=", "__imul__": "*=", "__itruediv__": "/=",
}


def resolve(name: str) -> Any:
    """The object a PyTorch name maps to here, or None."""
    for prefix, target in NAMESPACES.items():
        if name == prefix:
            return target
        if name.startswith(prefix + "."):
            obj = target
            for part in name[len(prefix) + 1:].split("."):
                obj = getattr(obj, part, None)
                if obj is None:
                    return None
            return obj
    return None


def summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    if isinstance(obj, property):
        doc = inspect.getdoc(obj.fget) or ""
    line = doc.strip().split("\n\n")[0].replace("\n", " ").strip()
    return line.replace("|", "\\|") if line else "as PyTorch's"


def table(rows: list[tuple[str, str]], head: tuple[str, str]) -> list[str]:
    out = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    out += [f"| `{a}` | {b} |" for a, b in rows]
    return out + [""]


def public(names: Any, ns: Any, want: Any = None) -> list[tuple[str, str]]:
    rows = []
    for n in sorted(set(names), key=lambda s: (s.lower(), s)):
        if n.startswith("_"):
            continue
        obj = getattr(ns, n, None)
        if obj is None or inspect.ismodule(obj) or (want is not None and not want(obj)):
            continue
        rows.append((n, summary(obj)))
    return rows


def tensor_rows() -> list[tuple[str, str]]:
    rows = []
    for n in sorted(dir(tc.Tensor), key=lambda s: (s.lower(), s)):
        if n.startswith("_"):
            continue
        rows.append((("x." + n), summary(inspect.getattr_static(tc.Tensor, n))))
    return rows


def render() -> str:
    """The page's text."""
    lines = [
        "# PyTorch compatibility",
        "",
        "<!-- Generated by scripts/make_pytorch_compat.py from the package itself; do not edit by hand. -->",
        "",
        "tinygrad_cnn uses PyTorch's names, argument names, defaults, dtypes and errors wherever PyTorch has",
        "the feature, so a PyTorch program ports by changing its imports (`torch` → `tinygrad_cnn`,",
        "`torchvision` → `tinygrad_cnn.data.vision`):",
        "",
        "| PyTorch | tinygrad_cnn |",
        "|---|---|",
        "| `import torch` | `import tinygrad_cnn as torch` (or `as tc`) |",
        "| `import torch.nn as nn` / `from torch import nn` | `import tinygrad_cnn.nn as nn` |",
        "| `import torch.nn.functional as F` | `import tinygrad_cnn.nn.functional as F` (the same module as "
        "`tinygrad_cnn.functional`) |",
        "| `import torch.optim as optim` | `import tinygrad_cnn.optim as optim` |",
        "| `from torch.optim.lr_scheduler import StepLR` | `from tinygrad_cnn.optim.lr_scheduler import StepLR` |",
        "| `from torch.utils.data import DataLoader` | `from tinygrad_cnn.utils.data import DataLoader` |",
        "| `from torchvision import datasets, transforms` "
        "| `from tinygrad_cnn.data.vision import datasets, transforms` |",
        "| `from torchvision.utils import save_image` | `from tinygrad_cnn.data.vision.utils import save_image` |",
        "",
        "Everything runs on the CPU. `tc.device(\"cpu\")`, `device=` on every factory, `x.to(...)`,",
        "`module.to(...)` and `.cpu()` work; `.cuda()` and other devices raise (an `AssertionError` for CUDA, as",
        "a CPU-only PyTorch build). `tc.cuda.is_available()`, `tc.backends.mps.is_available()` and",
        "`tc.accelerator.is_available()` are False, so programs written for both take their CPU path.",
        "`datasets.MNIST(root, train=..., download=...)` reads the full MNIST files when `root` holds them and",
        "otherwise the 5,000-image sample embedded in the package (4,000 training, 1,000 test images), offline.",
        "`DataLoader(num_workers>0)` loads in the main process (one warning).",
        "Dtypes are NumPy's (`np.float32`, `np.int64`).",
        "",
        "## Tensor methods and properties",
        "",
        "Operators: " + ", ".join(f"`{sym}`" for op, sym in OPERATORS.items() if hasattr(tc.Tensor, op)) + ".",
        "",
        *table(tensor_rows(), ("name", "what it does")),
        "## Functions and classes in `tinygrad_cnn` (`torch.*`)",
        "",
        *table(public(tc.__all__, tc), ("name", "what it does")),
        "Devices: `tc.device`, "
        + ", ".join(f"`tc.cuda.{n}`" for n in sorted(vars(tc.cuda)) if not n.startswith("_"))
        + ", `tc.backends.mps.is_available`, `tc.backends.cudnn.benchmark`/`deterministic` (settable), "
        + ", ".join(f"`tc.accelerator.{n}`" for n in sorted(vars(tc.accelerator)) if not n.startswith("_"))
        + ".",
        "",
        "## `tinygrad_cnn.functional` (`torch.nn.functional`)",
        "",
        *table(public(getattr(F, "__all__", dir(F)), F, callable), ("name", "what it does")),
        "## `tinygrad_cnn.nn` (`torch.nn`)",
        "",
        *table(public(nn.__all__, nn), ("name", "what it does")),
        "`nn.init` (`torch.nn.init`): " + ", ".join(f"`{n}`" for n, _ in public(init.__all__, init, callable)) + ".",
        "",
        "## `tinygrad_cnn.optim` (`torch.optim`)",
        "",
        *table(public(getattr(optim, "__all__", dir(optim)), optim, inspect.isclass)
               + [("lr_scheduler." + n, s) for n, s in public(dir(lr_scheduler), lr_scheduler, inspect.isclass)
                  if getattr(lr_scheduler, n).__module__ == lr_scheduler.__name__],
               ("name", "what it does")),
        "## `tinygrad_cnn.utils.data` (`torch.utils.data`)",
        "",
        *table(public(data.__all__, data), ("name", "what it does")),
        "## `tinygrad_cnn.data.vision` (`torchvision`)",
        "",
        *table([("datasets." + n, s) for n, s in public(vision.datasets.__all__, vision.datasets)]
               + [("transforms." + n, s) for n, s in public(vision.transforms.__all__, vision.transforms)]
               + [("utils." + n, s) for n, s in public(vision.utils.__all__, vision.utils)],
               ("name", "what it does")),
        "## Common PyTorch names that are not here, and what to use instead",
        "",
        *table([(name, hint) for name, hint in sorted(INSTEAD.items()) if resolve(name) is None],
               ("PyTorch", "use instead")),
    ]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
