"""``tc.save`` / ``tc.load``: state dicts in one portable ``.npz`` (zip) file, at exactly the path given.

Arrays are stored under their own keys (``np.load(path)["0.weight"]`` works without this package) next
to a JSON manifest, ``__tinygrad_cnn__.json``, that records the structure (nested dicts with string or
integer keys, lists, numbers, strings, None), so a checkpoint holding a model, an optimizer and an epoch
number round-trips. Nothing is pickled: loading a file never runs code. Writes go to a temporary file in
the same folder, then ``os.replace``: an interrupted save leaves the previous file intact.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load"]

_MANIFEST = "__tinygrad_cnn__"
_FORMAT = 1


def _encode(obj: Any, key: str, arrays: dict[str, np.ndarray]) -> Any:
    """Turn ``obj`` into JSON, moving arrays into ``arrays`` under unique names derived from ``key``."""
    if isinstance(obj, Tensor):
        obj = obj._data
    elif hasattr(obj, "detach") and hasattr(obj, "numpy") and not isinstance(obj, np.ndarray):  # a torch tensor
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            raise TypeError(f"save: {key or 'object'} is an array of dtype {obj.dtype}; only numeric arrays are saved")
        name = key or "array"
        while name in arrays or name == _MANIFEST:
            name += "_"
        arrays[name] = obj
        return {"__array__": name}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(
                    f"save: dictionary keys must be str or int, got {type(k).__name__} in {key or 'object'}"
                )
            child = f"{key}/{k}" if key else str(k)
            items.append([k, _encode(v, child, arrays)])
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [_encode(v, f"{key}/{i}" if key else str(i), arrays) for i, v in enumerate(obj)],
                "tuple": isinstance(obj, tuple)}
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {key or 'top level'}; tc.save stores state dicts "
        "(dicts of arrays/Tensors, numbers, strings, lists)"
    )


def _decode(node: Any, arrays: Any, path: str) -> Any:
    if isinstance(node, dict):
        if "__array__" in node:
            return arrays[node["__array__"]]
        if "__dict__" in node:
            return OrderedDict((k, _decode(v, arrays, path)) for k, v in node["__dict__"])
        if "__list__" in node:
            items = [_decode(v, arrays, path) for v in node["__list__"]]
            return tuple(items) if node.get("tuple") else items
        raise ValueError(f"unknown manifest entry {sorted(node)}")
    return node


def save(obj: Any, f: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, or a dict holding several) to exactly ``f``, atomically."""
    path = os.fspath(f)
    arrays: dict[str, np.ndarray] = {}
    manifest = {"format": _FORMAT, "tree": _encode(obj, "", arrays)}
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            # a file object, not a name: np.savez would append ".npz" to a name
            np.savez(out, **{_MANIFEST: np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)}, **arrays)
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the user's usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(f: str | os.PathLike) -> Any:
    """Read a file written by ``save``; a damaged or foreign file raises a ``RuntimeError`` saying so."""
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path!r}")
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            if _MANIFEST not in z.files:
                raise RuntimeError(
                    f"load: {path!r} is a NumPy archive but not a tinygrad_cnn checkpoint (no {_MANIFEST} entry)"
                )
            manifest = json.loads(z[_MANIFEST].tobytes().decode())
            if manifest.get("format") != _FORMAT:
                raise RuntimeError(f"load: {path!r} has checkpoint format {manifest.get('format')}, expected {_FORMAT}")
            arrays = {name: z[name] for name in z.files if name != _MANIFEST}
        return _decode(manifest["tree"], arrays, path)
    except RuntimeError:
        raise
    except (zipfile.BadZipFile, ValueError, KeyError, EOFError, OSError, UnicodeDecodeError, TypeError) as exc:
        raise RuntimeError(
            f"load: {path!r} is damaged or not a tinygrad_cnn checkpoint ({type(exc).__name__}: {exc})"
        ) from exc
