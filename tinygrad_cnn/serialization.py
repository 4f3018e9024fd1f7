"""``tc.save`` / ``tc.load``: checkpoints as PyTorch programs write them, in a file that never runs code on load.

What can be saved: nested ``dict`` / ``OrderedDict`` (keys: str, int, bool, float, complex, None, and
tuples of those), ``list``, ``tuple``, Tensors (dtype and ``requires_grad`` kept; a ``Parameter``
stays a ``Parameter``), NumPy arrays and scalars, Python numbers, strings and None; so a module's or an
optimizer's ``state_dict`` and ``{"epoch": 3, "model_state_dict": ..., "optimizer_state_dict": ...}``
round-trip with their types.

The file is a zip archive of stored (uncompressed) members: ``manifest.json`` holds the structure, and
each array is a ``.npy`` member with a generated name (``0.npy``, ``1.npy``, ...), so no key can
collide with another or with a file name, and any string key round-trips. ``np.load(path)`` opens it
too. Nothing is pickled; loading checks every size the file declares before it allocates (see
``checkpoint_files``). Files written by the first version of this module (``__tinygrad_cnn__`` member,
arrays named after their keys, as the command line's ``checkpoint.npz`` was) still load.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from .checkpoint_files import CheckpointError, MemberReader, atomic_write, open_for_reading, write_members
from .size import Size
from .tensor import Tensor

__all__ = ["save", "load"]

_FORMAT = "tinygrad_cnn checkpoint"
_VERSION = 2
_MANIFEST = "manifest.json"
_LEGACY_MANIFEST = "__tinygrad_cnn__.npy"
_SURROGATE = re.compile("[\ud800-\udfff]")
#: how deeply containers may nest (real checkpoints nest a handful of levels; this also catches cycles)
MAX_DEPTH = 100


# --------------------------------------------------------------------------- encoding (save)


class _Encoder:
    """Python objects → a JSON tree, moving arrays into a list (their member number goes in the tree)."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.seen: dict[tuple[str, int], Any] = {}  # an object met twice is stored once and loads as one object

    def array(self, arr: np.ndarray, where: str) -> int:
        if arr.dtype.hasobject or arr.dtype.fields is not None or arr.dtype.kind not in "biufcSU":
            raise TypeError(f"save: {where} is an array of dtype {arr.dtype}; only numbers and strings are saved")
        self.arrays.append(arr)
        return len(self.arrays) - 1

    def shared(self, kind: str, obj: Any, make: Any) -> Any:
        """The node of ``obj``, made once per object (a tied weight saved under two keys is one array)."""
        key = (kind, id(obj))
        if key not in self.seen:
            self.seen[key] = make()
        return self.seen[key]

    def value(self, obj: Any, where: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"save: the object nests deeper than {MAX_DEPTH} levels at {where} (or contains itself)")
        if isinstance(obj, Tensor):
            return self.shared("tensor", obj, lambda: self.tensor(obj, where))
        if _is_torch_tensor(obj):
            return self.shared("torch", obj, lambda: {"tensor": self.array(obj.detach().cpu().numpy(), where),
                                                      "requires_grad": bool(obj.requires_grad)})
        if isinstance(obj, np.ndarray):
            return self.shared("ndarray", obj, lambda: {"ndarray": self.array(obj, where)})
        if isinstance(obj, np.generic):
            return {"numpy": self.array(np.asarray(obj), where)}
        if isinstance(obj, (dict, list, tuple)):
            if isinstance(obj, tuple) and type(obj) not in (tuple, Size):  # a Size is stored as a tuple
                raise TypeError(
                    f"save: cannot store a {type(obj).__name__} (a named tuple) at {where}; use a tuple or a dict"
                )
            if isinstance(obj, dict):
                kind = "odict" if isinstance(obj, OrderedDict) else "dict"
                return {kind: [[self.key(k, where, depth + 1), self.value(v, f"{where}[{k!r}]", depth + 1)]
                               for k, v in obj.items()]}
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {kind: [self.value(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]}
        return self.scalar(obj, where)

    def tensor(self, t: Tensor, where: str) -> dict:
        from .nn.module import Parameter  # nn imports this package's top level

        node = {"tensor": self.array(t._data, where), "requires_grad": t.requires_grad}
        if isinstance(t, Parameter):
            node["parameter"] = True
        return node

    def scalar(self, obj: Any, where: str) -> Any:
        if isinstance(obj, str) and _SURROGATE.search(obj):
            return {"codepoints": [ord(c) for c in obj]}  # JSON would merge a surrogate pair into one character
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)  # an int subclass (an IntEnum) is stored as its value
        if isinstance(obj, float):
            return _float(float(obj))
        if isinstance(obj, complex):
            return {"complex": [_float(obj.real), _float(obj.imag)]}
        hint = " (save its state_dict() instead)" if hasattr(obj, "state_dict") else ""
        raise TypeError(
            f"save: cannot store a {type(obj).__name__} at {where}{hint}; tc.save stores dicts, lists and tuples "
            "of Tensors, NumPy arrays, numbers, strings and None"
        )

    def key(self, k: Any, where: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"save: a key nests deeper than {MAX_DEPTH} levels at {where}")
        if type(k) is tuple:
            return {"tuple": [self.key(x, where, depth + 1) for x in k]}
        if k is None or isinstance(k, (bool, int, float, complex, str)):
            return self.scalar(k, where)
        raise TypeError(
            f"save: dictionary keys must be str, int, float, bool, complex, None or tuples of these; got a "
            f"{type(k).__name__} key in {where}"
        )


def _float(x: float) -> Any:
    """A float as JSON: finite ones as numbers, the rest tagged (strict JSON has no NaN or infinity)."""
    return x if math.isfinite(x) else {"float": repr(x)}


def _is_torch_tensor(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "torch" and hasattr(obj, "detach") and hasattr(obj, "numpy")


def save(obj: Any, f: str | os.PathLike | IO[bytes], pickle_module: Any = None, pickle_protocol: int = 2) -> None:
    """Write ``obj`` (a state dict, or a checkpoint dict holding several) to ``f``, as ``torch.save`` does.

    ``f`` is a path (the file appears at exactly that path, atomically: written to a temporary file,
    fsynced, then renamed, so an interrupted save leaves the earlier file intact) or a binary file
    object (written from its current position). Anything that cannot be stored raises ``TypeError``
    before the file is touched. ``pickle_module`` and ``pickle_protocol`` are accepted for PyTorch
    code and have no effect: nothing is pickled.
    """
    encoder = _Encoder()
    tree = encoder.value(obj, "the top level", 0)
    manifest = json.dumps({"format": _FORMAT, "version": _VERSION, "arrays": len(encoder.arrays), "tree": tree},
                          allow_nan=False).encode("ascii")  # ensure_ascii: any str, lone surrogates included

    def write(fh: IO[bytes]) -> None:
        write_members(fh, manifest, encoder.arrays)

    if isinstance(f, (str, bytes, os.PathLike)):
        atomic_write(os.fsdecode(os.fspath(f)), write)
    elif hasattr(f, "write") and not isinstance(f, io.TextIOBase):
        write(f)
    else:
        raise TypeError(f"save: expected a path or a file object opened in binary mode, got {type(f).__name__}")


# --------------------------------------------------------------------------- decoding (load)


class _Decoder:
    """The JSON tree → Python objects, reading each array member the first time the tree names it."""

    def __init__(self, reader: MemberReader, n_arrays: int, map_location: Any, mmap_path: str | None) -> None:
        self.reader, self.n_arrays, self.map_location, self.mmap_path = reader, n_arrays, map_location, mmap_path
        self.cache: dict[int, np.ndarray] = {}
        self.tensors: dict[int, tuple[Tensor, bool, bool]] = {}  # array index -> (tensor, requires_grad, parameter)

    def bad(self, what: str) -> CheckpointError:
        return self.reader.error(f"the manifest {what}")

    def array(self, index: Any) -> np.ndarray:
        if type(index) is not int or not 0 <= index < self.n_arrays:
            raise self.bad(f"names array {index!r}, not one of its {self.n_arrays} arrays")
        if index not in self.cache:
            self.cache[index] = self.reader.read_array(f"{index}.npy", self.mmap_path)
        return self.cache[index]

    def value(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.bad(f"nests deeper than {MAX_DEPTH} levels")
        if not isinstance(node, dict):
            return self.scalar(node)
        if len(node) == 1 and ("dict" in node or "odict" in node):
            items = node.get("dict", node.get("odict"))
            if not isinstance(items, list):
                raise self.bad(f"has a dict entry that is not a list but a {type(items).__name__}")
            out: dict[Any, Any] = {} if "dict" in node else OrderedDict()
            for item in items:
                if not isinstance(item, list) or len(item) != 2:
                    raise self.bad("has a dict item that is not a [key, value] pair")
                k = self.key(item[0], depth + 1)
                if k in out:
                    raise self.bad(f"repeats the key {k!r}")
                out[k] = self.value(item[1], depth + 1)
            return out
        if len(node) == 1 and ("list" in node or "tuple" in node):
            items = node.get("list", node.get("tuple"))
            if not isinstance(items, list):
                raise self.bad(f"has a list entry that is not a list but a {type(items).__name__}")
            values = [self.value(v, depth + 1) for v in items]
            return values if "list" in node else tuple(values)
        if set(node) == {"ndarray"}:
            return self.array(node["ndarray"])
        if set(node) == {"numpy"}:
            arr = self.array(node["numpy"])
            if arr.ndim != 0:
                raise self.bad(f"has a NumPy scalar of shape {arr.shape}")
            return arr[()]
        if "tensor" in node and set(node) <= {"tensor", "requires_grad", "parameter"}:
            return self.tensor(node)
        return self.scalar(node)

    def tensor(self, node: dict) -> Tensor:
        arr = self.array(node["tensor"])
        requires_grad, parameter = node.get("requires_grad", False), node.get("parameter", False)
        if type(requires_grad) is not bool or type(parameter) is not bool:
            raise self.bad("has a tensor whose requires_grad/parameter flag is not true/false")
        if node["tensor"] in self.tensors:  # the same tensor saved twice: the same object, as torch.load gives
            t, rg, par = self.tensors[node["tensor"]]
            if (rg, par) != (requires_grad, parameter):
                raise self.bad(f"names array {node['tensor']} for two different tensors")
            return t
        if arr.dtype.kind not in "biufc":
            raise self.bad(f"has a tensor of dtype {arr.dtype}")
        if requires_grad and arr.dtype.kind not in "fc":
            raise self.bad(f"has a tensor of dtype {arr.dtype} that requires grad")
        if parameter:
            from .nn.module import Parameter

            t: Tensor = Parameter(Tensor._make(arr, None, False), requires_grad=requires_grad)
        else:
            t = Tensor._make(arr, None, False)
            t.requires_grad = requires_grad
        if callable(self.map_location):
            t = self.map_location(t, "cpu")
            if not isinstance(t, Tensor):
                raise TypeError(f"load: map_location returned a {type(t).__name__}, expected a Tensor")
        self.tensors[node["tensor"]] = (t, requires_grad, parameter)
        return t

    def scalar(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and set(node) == {"float"}:
            if node["float"] not in ("nan", "inf", "-inf"):
                raise self.bad(f"has a bad float {node['float']!r}")
            return float(node["float"])
        if isinstance(node, dict) and set(node) == {"codepoints"}:
            points = node["codepoints"]
            if not isinstance(points, list) or not all(type(p) is int and 0 <= p <= 0x10FFFF for p in points):
                raise self.bad("has a string whose code points are not all in 0..0x10FFFF")
            return "".join(map(chr, points))
        if isinstance(node, dict) and set(node) == {"complex"}:
            parts = node["complex"]
            if not isinstance(parts, list) or len(parts) != 2:
                raise self.bad("has a complex number that is not a [real, imag] pair")
            re_, im = (self.scalar(p) for p in parts)
            if type(re_) is not float or type(im) is not float:
                raise self.bad("has a complex number whose parts are not floats")
            return complex(re_, im)
        raise self.bad(f"has an entry it cannot read: {_clip(node)}")

    def key(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.bad(f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict) and set(node) == {"tuple"}:
            if not isinstance(node["tuple"], list):
                raise self.bad("has a tuple key that is not a list")
            return tuple(self.key(x, depth + 1) for x in node["tuple"])
        return self.scalar(node)


def _clip(node: Any) -> str:
    text = json.dumps(node)
    return text if len(text) <= 80 else text[:77] + "..."


def _decode_legacy(reader: MemberReader) -> Any:
    """Version 1 files: arrays under their key names, dicts as OrderedDicts, arrays returned as arrays."""
    raw = reader.read_array(_LEGACY_MANIFEST)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise reader.error("its version-1 manifest is not a byte string")
    manifest = _parse_json(reader, raw.tobytes())
    if manifest.get("format") != 1 or "tree" not in manifest:
        raise reader.error(f"it has checkpoint format {manifest.get('format')!r}, expected 1 or 2")

    def value(node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise reader.error(f"the manifest nests deeper than {MAX_DEPTH} levels")
        if not isinstance(node, dict):
            if node is None or isinstance(node, (bool, int, float, str)):
                return node
            raise reader.error(f"the manifest has an entry it cannot read: {_clip(node)}")
        if "__array__" in node:
            name = node["__array__"]
            if not isinstance(name, str) or f"{name}.npy" not in reader.members or name + ".npy" == _LEGACY_MANIFEST:
                raise reader.error(f"the manifest names a missing array {name!r}")
            return reader.read_array(f"{name}.npy")
        if isinstance(node.get("__dict__"), list):
            out: OrderedDict[Any, Any] = OrderedDict()
            for item in node["__dict__"]:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))):
                    raise reader.error("the manifest has a bad dict item")
                out[item[0]] = value(item[1], depth + 1)
            return out
        if isinstance(node.get("__list__"), list):
            items = [value(v, depth + 1) for v in node["__list__"]]
            return tuple(items) if node.get("tuple") else items
        raise reader.error(f"the manifest has an entry it cannot read: {_clip(node)}")

    return value(manifest["tree"], 0)


def _parse_json(reader: MemberReader, raw: bytes) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise reader.error("its manifest nests too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise reader.error(f"its manifest is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise reader.error(f"its manifest is a {type(manifest).__name__}, expected a JSON object")
    return manifest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_map_location(map_location: Any) -> None:
    """Everything lives on the CPU: accept what maps there, refuse a GPU with PyTorch's RuntimeError."""
    if map_location is None or callable(map_location):
        return
    targets = list(map_location.values()) if isinstance(map_location, dict) else [map_location]
    for target in targets:
        name = str(target)
        if name != "cpu" and not name.startswith("cpu:"):
            raise RuntimeError(
                f"load: map_location={map_location!r} asks for the device {name!r}, but tinygrad_cnn runs on the "
                "CPU only; pass map_location='cpu' or leave it out"
            )


def load(
    f: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
) -> Any:
    """Read a checkpoint written by ``save`` (or by this library's first format), as ``torch.load`` does.

    Tensors come back as Tensors (dtype and ``requires_grad`` kept), arrays as arrays, dicts, lists and
    tuples as themselves. ``map_location`` may be None, ``"cpu"``, a CPU device, a dict mapping to the
    CPU, or a callable ``(tensor, "cpu") -> tensor``; a GPU raises ``RuntimeError``. ``weights_only``
    and ``pickle_module`` are accepted for PyTorch code: loading never runs code, whatever they say.
    ``mmap=True`` (a path only) maps the arrays from the file copy-on-write instead of reading them,
    without the CRC check that reading does. A damaged or hostile file raises ``RuntimeError``.
    """
    _check_map_location(map_location)
    if mmap and not isinstance(f, (str, bytes, os.PathLike)):
        raise ValueError("load: mmap=True needs a path, not a file object")
    fh, name, close = open_for_reading(f)
    try:
        reader = MemberReader(fh, name)
        if _LEGACY_MANIFEST in reader.members and _MANIFEST not in reader.members:
            return _decode_legacy(reader)
        if _MANIFEST not in reader.members:
            if any(name.endswith("/data.pkl") or name == "data.pkl" for name in reader.members):
                raise reader.error(
                    "it is a PyTorch checkpoint (a pickle, which tinygrad_cnn never loads because unpickling runs "
                    "code); convert it once where PyTorch is installed: tc.save(torch.load(path), new_path)"
                )
            raise reader.error(f"it has no {_MANIFEST} member (a zip or .npz file from elsewhere?)")
        manifest = _parse_json(reader, reader.read_bytes(_MANIFEST))
        if manifest.get("format") != _FORMAT or manifest.get("version") != _VERSION:
            raise reader.error(
                f"it declares format {manifest.get('format')!r} version {manifest.get('version')!r}, "
                f"expected {_FORMAT!r} version {_VERSION}"
            )
        n = manifest.get("arrays")
        if type(n) is not int or n < 0 or "tree" not in manifest:
            raise reader.error("its manifest lacks the array count or the tree")
        expected = {_MANIFEST} | {f"{i}.npy" for i in range(n)} if n <= len(reader.members) else None
        if expected != set(reader.members):
            raise reader.error(f"its members do not match the {n} arrays its manifest declares")
        mmap_path = os.fsdecode(os.fspath(f)) if mmap else None
        return _Decoder(reader, n, map_location, mmap_path).value(manifest["tree"], 0)
    finally:
        if close:
            fh.close()
