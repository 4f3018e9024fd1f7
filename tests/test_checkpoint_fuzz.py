"""Property tests (issue 15): a checkpoint damaged at random — bytes flipped, cut or inserted, or a piece of its
manifest replaced by any JSON value — either loads exactly as saved (the damage hit bytes nothing reads, such
as a timestamp) or raises a RuntimeError; never any other exception."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tc
from tinygrad_cnn import nn


def _checkpoint() -> object:
    rng = np.random.default_rng(0)
    m = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    opt = tc.optim.Adam(m.parameters())
    m(tc.tensor(rng.standard_normal((2, 4)).astype(np.float32))).sum().backward()
    opt.step()
    return {"epoch": 3, "model": m.state_dict(), "optimizer": opt.state_dict(), "name": "x\x00y",
            (1, 2.5): [None, 1j, float("nan")], "arr": np.arange(6).reshape(2, 3)}


def _saved(obj) -> bytes:
    buf = io.BytesIO()
    tc.save(obj, buf)
    return buf.getvalue()


GOOD = _saved(_checkpoint())
REFERENCE = repr(tc.load(io.BytesIO(GOOD)))


def _load_or_runtime_error(data: bytes) -> object:
    try:
        return tc.load(io.BytesIO(data))
    except RuntimeError:
        return None


damage = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(GOOD) - 1), st.integers(0, 7)),
    st.tuples(st.just("cut"), st.integers(0, len(GOOD) - 1), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, len(GOOD) - 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.integers(0, len(GOOD) - 1), st.integers(1, 8)),
    st.tuples(st.just("set"), st.integers(0, len(GOOD) - 2), st.sampled_from([b"\xff\xff", b"\x00\x00", b"\x7f\xff"])),
)


@settings(max_examples=300, deadline=None)
@given(damage)
def test_damaged_bytes_load_exactly_or_raise_runtime_error(d):
    kind, at, arg = d
    b = bytearray(GOOD)
    if kind == "flip":
        b[at] ^= 1 << arg
    elif kind == "cut":
        del b[at:]
    elif kind == "insert":
        b[at:at] = arg
    elif kind == "delete":
        del b[at : at + arg]
    else:
        b[at : at + 2] = arg
    back = _load_or_runtime_error(bytes(b))
    assert back is None or repr(back) == REFERENCE


def _manifest_paths(node, path=()):
    """Every position in the manifest tree, as a path of keys and indices."""
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _manifest_paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _manifest_paths(v, (*path, i))


with zipfile.ZipFile(io.BytesIO(GOOD)) as _zf:
    MANIFEST = json.loads(_zf.read("manifest.json"))
    ARRAYS = [(name, _zf.read(name)) for name in _zf.namelist() if name != "manifest.json"]
PATHS = list(_manifest_paths(MANIFEST))
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 10**20), st.floats(allow_nan=False, allow_infinity=False),
              st.sampled_from(["dict", "list", "tuple", "tensor", "ndarray", "numpy", "float", "complex", "nan",
                               "codepoints", "requires_grad", "parameter", "0.npy", ""])),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["dict", "odict", "list", "tuple", "tensor", "ndarray", "numpy", "float", "complex",
                         "codepoints", "requires_grad", "parameter", "format", "version", "arrays", "tree"]),
        children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), JSON)
def test_any_manifest_entry_replaced_by_any_json_loads_or_raises_runtime_error(path, value):
    manifest = json.loads(json.dumps(MANIFEST))
    if path:
        parent = manifest
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    else:
        manifest = value
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in ARRAYS:
            zf.writestr(name, data)
    _load_or_runtime_error(buf.getvalue())  # anything but a RuntimeError propagates and fails the test
