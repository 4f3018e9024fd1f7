"""tc.save / tc.load hardened (issues 13 item 5 and 15): types kept, keys that cannot collide, killed saves
cleaned up, and every crafted file a fast, clear RuntimeError that allocates no more than the file holds."""

from __future__ import annotations

import io
import json
import math
import os
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
import warnings
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import nn
from tinygrad_cnn.serialization import MAX_DEPTH

ROOT = Path(__file__).resolve().parents[1]


def round_trip(obj, tmp_path=None):
    if tmp_path is None:
        buf = io.BytesIO()
        tc.save(obj, buf)
        buf.seek(0)
        return tc.load(buf)
    tc.save(obj, tmp_path / "ckpt")
    return tc.load(tmp_path / "ckpt")


# ---------------------------------------------------------------------- keys


def test_keys_that_would_collide_as_member_names_keep_their_data(tmp_path):
    a, b, c, d = np.arange(3.0), np.arange(4.0), np.ones(2), np.zeros(5)
    back = round_trip({"w.npy": a, "w": b, "x": {"y": c}, "x/y": d, "0": a, 0: b, "manifest.json": c}, tmp_path)
    np.testing.assert_array_equal(back["w.npy"], a)
    np.testing.assert_array_equal(back["w"], b)
    np.testing.assert_array_equal(back["x"]["y"], c)
    np.testing.assert_array_equal(back["x/y"], d)
    np.testing.assert_array_equal(back["0"], a)
    np.testing.assert_array_equal(back[0], b)
    np.testing.assert_array_equal(back["manifest.json"], c)


ODD_KEYS = ["", "\x00", "a\x00b", "/", "../../etc/passwd", "..", ".", "a/b/", "\\", "ünïcødé ✓ 𝔘", "\ud800",
            "\ud800\udc00", "a\udfff\ud800b",
            "x" * 100_000, "__tinygrad_cnn__", "__dict__", "tensor", "\n\r\t", "'\"", "NaN"]


@pytest.mark.parametrize("key", ODD_KEYS, ids=range(len(ODD_KEYS)))
def test_any_string_key_round_trips(tmp_path, key):
    back = round_trip({key: np.arange(2), "nested": {key: key}}, tmp_path)
    assert list(back) == [key, "nested"] and back["nested"] == {key: key}
    np.testing.assert_array_equal(back[key], [0, 1])
    assert os.listdir(tmp_path) == ["ckpt"]


def test_other_key_types_round_trip():
    keys = [0, -7, 2**80, 1.5, -2.5e-300, float("inf"), True, None, 2 + 3j, (1, "a", (None, 2.5)), ()]
    back = round_trip({k: i for i, k in enumerate(keys)})
    assert list(back) == keys and list(back.values()) == list(range(len(keys)))
    assert [type(k) for k in back] == [type(k) for k in keys]


@pytest.mark.parametrize("key", [frozenset(), object(), b"bytes", (1, b"x"), np.int64(3)])
def test_keys_that_cannot_round_trip_are_refused_before_writing(tmp_path, key):
    with pytest.raises(TypeError, match="keys"):
        tc.save({"ok": 1, key: 2}, tmp_path / "ckpt")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------- values and their types


def test_values_keep_their_exact_types():
    obj = OrderedDict([
        ("int", 3), ("big", -(2**100)), ("float", 0.1), ("nan", float("nan")), ("inf", float("-inf")),
        ("bool", False), ("complex", 1 - 2.5j), ("str", "s"), ("none", None), ("list", [1, [2, (3,)]]),
        ("tuple", (1.0, "a")), ("empty", ({}, [], ())), ("dict", {"b": 1, "a": 2}),
        ("np_f32", np.float32(1.25)), ("np_i8", np.int8(-3)), ("np_bool", np.bool_(True)), ("np_c", np.complex64(1j)),
    ])
    back = round_trip(obj)
    assert type(back) is OrderedDict and list(back) == list(obj)
    for k, v in obj.items():
        if k != "nan":
            assert back[k] == v and type(back[k]) is type(v), k
    assert math.isnan(back["nan"])
    assert type(back["dict"]) is dict and list(back["dict"]) == ["b", "a"]
    assert type(back["list"][1][1]) is tuple and back["np_f32"].dtype == np.float32


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int8", "uint8", "int32", "int64", "bool",
                                   "complex64", "complex128", ">f4", "<U3", "S2"])
def test_arrays_keep_dtype_shape_order_and_values(dtype):
    rng = np.random.default_rng(0)
    arrays = [np.asarray(rng.standard_normal(s) * 100) for s in [(), (0,), (3,), (2, 0, 4), (3, 4, 5)]]
    arrays = [a.astype(dtype) for a in arrays]
    arrays += [np.asfortranarray(arrays[-1]), arrays[-1][:, ::2]]
    back = round_trip(arrays)
    for a, b in zip(arrays, back):
        assert type(b) is np.ndarray and b.dtype == a.dtype and b.shape == a.shape
        np.testing.assert_array_equal(a, b)
    assert back[-2].flags.f_contiguous


def test_tensors_keep_dtype_and_requires_grad_and_parameters_stay_parameters():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2  # a non-leaf: comes back as a leaf that requires grad, as torch.load gives
    p = nn.Parameter(tc.randn(2, 3))
    frozen = nn.Parameter(tc.randn(2), requires_grad=False)
    ints = tc.Tensor(np.arange(4, dtype=np.int64))
    doubles = tc.tensor(np.ones(3), dtype=np.float64)
    back = round_trip({"x": x, "y": y, "p": p, "frozen": frozen, "ints": ints, "doubles": doubles})
    for k, orig in [("x", x), ("y", y), ("p", p), ("frozen", frozen), ("ints", ints), ("doubles", doubles)]:
        t = back[k]
        assert type(t) is type(orig) and t.dtype == orig.dtype and t.requires_grad == orig.requires_grad, k
        assert t.is_leaf
        np.testing.assert_array_equal(t.numpy() if not t.requires_grad else t.detach().numpy(), orig._data)
    assert type(back["y"]) is tc.Tensor


def test_requires_grad_matches_torch():
    torch = pytest.importorskip("torch")
    x = torch.ones(2, requires_grad=True)
    buf = io.BytesIO()
    torch.save({"x": x, "y": x * 2, "p": torch.nn.Parameter(torch.ones(1))}, buf)
    buf.seek(0)
    theirs = torch.load(buf)
    ours = round_trip({"x": tc.ones(2, requires_grad=True), "y": tc.ones(2, requires_grad=True) * 2,
                       "p": nn.Parameter(tc.ones(1))})
    for k in "xyp":
        assert ours[k].requires_grad == theirs[k].requires_grad and ours[k].is_leaf == theirs[k].is_leaf
    assert isinstance(ours["p"], nn.Parameter) and isinstance(theirs["p"], torch.nn.Parameter)


def test_a_training_checkpoint_round_trips_and_resumes(tmp_path):
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = tc.optim.Adam(m.parameters(), lr=0.01)
    m(tc.randn(5, 3)).sum().backward()
    opt.step()
    tc.save({"epoch": 3, "model_state_dict": m.state_dict(), "optimizer_state_dict": opt.state_dict(),
             "loss": 0.25}, tmp_path / "ckpt.pt")
    ckpt = tc.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    assert ckpt["epoch"] == 3 and ckpt["loss"] == 0.25
    m2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    m2.load_state_dict(ckpt["model_state_dict"])
    opt2 = tc.optim.Adam(m2.parameters(), lr=0.5)
    opt2.load_state_dict(ckpt["optimizer_state_dict"])
    assert opt2.state_dict()["param_groups"][0]["lr"] == 0.01
    sd, sd2 = opt.state_dict()["state"], opt2.state_dict()["state"]
    assert list(sd) == list(sd2) and all(isinstance(k, int) for k in sd2)
    x = tc.randn(2, 3)
    np.testing.assert_array_equal(m(x).detach().numpy(), m2(x).detach().numpy())


def test_an_object_saved_twice_loads_as_one_object_as_torch_does():
    w = nn.Parameter(tc.randn(2, 2))
    arr = np.arange(3)
    back = round_trip({"enc.weight": w, "dec.weight": w, "copy": w.detach(), "a": arr, "again": [arr]})
    assert back["enc.weight"] is back["dec.weight"] and isinstance(back["enc.weight"], nn.Parameter)
    assert back["copy"] is not back["enc.weight"] and not back["copy"].requires_grad
    assert back["a"] is back["again"][0]
    buf = io.BytesIO()
    tc.save({"a": w, "b": w}, buf)
    with zipfile.ZipFile(buf) as zf:
        assert sorted(zf.namelist()) == ["0.npy", "manifest.json"]  # stored once


def test_a_pytorch_checkpoint_is_named_as_such(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")
    with pytest.raises(RuntimeError, match="PyTorch checkpoint .* never loads"):
        tc.load(tmp_path / "torch.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="not a zip archive"):
        tc.load(tmp_path / "old.pt")


def test_values_that_cannot_be_stored_are_refused_before_writing(tmp_path):
    from collections import namedtuple

    loop: list = []
    loop.append(loop)
    deep: list = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    for bad, kind, words in [({"f": object()}, TypeError, "cannot store"), ({"s": {1, 2}}, TypeError, "set"),
                             (nn.Linear(2, 2), TypeError, r"Linear at the top level \(save its state_dict"),
                             ([np.array([object()])], TypeError, "dtype object"),
                             ({"nt": namedtuple("P", "a")(1)}, TypeError, "named tuple"),
                             (loop, ValueError, "deeper"), (deep, ValueError, "deeper"),
                             ({"b": b"bytes"}, TypeError, "bytes")]:
        with pytest.raises(kind, match=words):
            tc.save(bad, tmp_path / "ckpt")
        assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------- files, paths and arguments


def test_file_objects_and_path_types(tmp_path):
    with open(tmp_path / "f", "wb") as fh:
        tc.save({"a": 1}, fh)
    with open(tmp_path / "f", "rb") as fh:
        assert tc.load(fh) == {"a": 1}
    tc.save([1], str(tmp_path / "s"))
    tc.save([2], os.fsencode(tmp_path / "b"))
    assert tc.load(str(tmp_path / "s")) == [1] and tc.load(tmp_path / "b") == [2]

    class Stream(io.RawIOBase):  # readable, not seekable
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self.inner.readinto(b)

    assert tc.load(io.BufferedReader(Stream((tmp_path / "s").read_bytes()))) == [1]

    class Sink(io.RawIOBase):  # writable, not seekable (a pipe): zipfile streams with data descriptors
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.data += bytes(b)
            return len(b)

    sink = Sink()
    tc.save({"a": np.arange(3.0), "t": tc.tensor([1.0], requires_grad=True)}, sink)
    back = tc.load(io.BytesIO(bytes(sink.data)))
    np.testing.assert_array_equal(back["a"], [0, 1, 2])
    assert back["t"].requires_grad
    with open(tmp_path / "s", encoding="latin-1") as text, pytest.raises(TypeError, match="binary"):
        tc.load(text)
    with pytest.raises(TypeError, match="path or"):
        tc.save({}, 3)
    with open(tmp_path / "text", "w") as text, pytest.raises(TypeError, match="binary"):
        tc.save({}, text)
    (tmp_path / "dir").mkdir()
    with pytest.raises(IsADirectoryError):
        tc.save({}, tmp_path / "dir")


def test_save_goes_through_a_symlink_and_keeps_usual_permissions(tmp_path):
    target = tmp_path / "real"
    tc.save({"v": 1}, target)
    (tmp_path / "link").symlink_to(target)
    tc.save({"v": 2}, tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and tc.load(target) == {"v": 2}
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_map_location_and_weights_only(tmp_path):
    tc.save({"t": tc.tensor([1.0])}, tmp_path / "c")
    for ml in [None, "cpu", "cpu:0", {"cuda:0": "cpu"}, lambda storage, loc: storage]:
        for wo in [None, True, False]:
            assert tc.load(tmp_path / "c", map_location=ml, weights_only=wo)["t"].tolist() == [1.0]
    seen = []
    tc.load(tmp_path / "c", map_location=lambda t, loc: seen.append(loc) or t)
    assert seen == ["cpu"]
    for ml in ["cuda", "cuda:1", {"cpu": "cuda:0"}, "mps"]:
        with pytest.raises(RuntimeError, match="CPU only"):
            tc.load(tmp_path / "c", map_location=ml)
    with pytest.raises(TypeError, match="map_location"):
        tc.load(tmp_path / "c", map_location=lambda t, loc: 3)


def test_map_location_takes_torch_devices(tmp_path):
    torch = pytest.importorskip("torch")
    tc.save({"t": tc.tensor([1.0])}, tmp_path / "c")
    assert tc.load(tmp_path / "c", map_location=torch.device("cpu"))["t"].tolist() == [1.0]
    with pytest.raises(RuntimeError, match="CPU only"):
        tc.load(tmp_path / "c", map_location=torch.device("cuda"))


def test_mmap_maps_copy_on_write(tmp_path):
    arr = np.arange(1000.0)
    tc.save({"a": arr, "t": tc.tensor([1.0, 2.0]), "e": np.zeros(0)}, tmp_path / "c")
    back = tc.load(tmp_path / "c", mmap=True)
    np.testing.assert_array_equal(back["a"], arr)
    back["a"][0] = 99.0  # copy-on-write: the file keeps its bytes
    assert tc.load(tmp_path / "c")["a"][0] == 0.0
    with pytest.raises(ValueError, match="path"):
        tc.load(io.BytesIO((tmp_path / "c").read_bytes()), mmap=True)


def legacy_file(path, tree, arrays):
    """A file as the first version of tc.save wrote it (the CLI's checkpoint.npz until now)."""
    manifest = np.frombuffer(json.dumps({"format": 1, "tree": tree}).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, __tinygrad_cnn__=manifest, **arrays)


def test_first_format_still_loads(tmp_path):
    w, b = np.ones((2, 3), np.float32), np.zeros(2, np.float32)
    tree = {"__dict__": [["model", "seed"], ["epoch", 2], ["state_dict", {"__dict__": [
        ["0.weight", {"__array__": "state_dict/0.weight"}], ["0.bias", {"__array__": "state_dict/0.bias"}]]}],
        ["betas", {"__list__": [0.9, 0.999], "tuple": True}], [0, None]]}
    legacy_file(tmp_path / "checkpoint.npz", tree, {"state_dict/0.weight": w, "state_dict/0.bias": b})
    back = tc.load(tmp_path / "checkpoint.npz")
    assert back["model"] == "seed" and back["epoch"] == 2 and back["betas"] == (0.9, 0.999) and back[0] is None
    np.testing.assert_array_equal(back["state_dict"]["0.weight"], w)
    nn.Sequential(nn.Linear(3, 2)).load_state_dict(back["state_dict"])
    legacy_file(tmp_path / "bad", {"__array__": "missing"}, {})
    with pytest.raises(RuntimeError, match="missing"):
        tc.load(tmp_path / "bad")


# ---------------------------------------------------------------------- killed and failed saves


KILLED_SAVE = textwrap.dedent("""
    import sys, time
    import numpy as np
    import tinygrad_cnn as tc

    real = np.lib.format.write_array
    def stall(*args, **kwargs):
        real(*args, **kwargs)
        print("writing", flush=True)
        time.sleep(60)
    np.lib.format.write_array = stall
    tc.save({"w": np.ones(1 << 16)}, sys.argv[1])
""")


def start_stalled_save(path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(path)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline().strip() == "writing"
    return proc


def temporaries(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(".tmp-"))


def test_next_save_clears_temporaries_of_saves_killed_by_sigkill(tmp_path):
    path = tmp_path / "ckpt"
    tc.save({"epoch": 1}, path)
    for _ in range(2):
        proc = start_stalled_save(path)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    # what SIGKILL leaves: one temporary (the second save cleared the first one's, its process being dead)
    assert len(temporaries(tmp_path)) == 1
    assert tc.load(path) == {"epoch": 1}  # the earlier file is intact
    other = tmp_path / "other"
    tc.save({}, other)  # a save to another path leaves it alone
    assert len(temporaries(tmp_path)) == 1
    tc.save({"epoch": 2}, path)
    assert temporaries(tmp_path) == [] and tc.load(path) == {"epoch": 2}


def test_a_live_concurrent_save_keeps_its_temporary(tmp_path):
    path = tmp_path / "ckpt"
    proc = start_stalled_save(path)
    try:
        tc.save({"mine": 1}, path)
        assert len(temporaries(tmp_path)) == 1  # still being written by a live process
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    tc.save({"mine": 2}, path)
    assert temporaries(tmp_path) == []


def test_failure_mid_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt"
    tc.save({"a": np.arange(3)}, path)
    calls = {"n": 0}
    real = np.lib.format.write_array

    def fail_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", fail_on_second)
    with pytest.raises(OSError, match="No space"):
        tc.save({"a": np.arange(5), "b": np.arange(2)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt"]
    np.testing.assert_array_equal(tc.load(path)["a"], np.arange(3))


# ---------------------------------------------------------------------- hostile files


def npy_header(shape, descr="<f8", fortran=False, version=1) -> bytes:
    text = f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {shape!r}, }}"
    text += " " * ((64 - (len(text) + 11) % 64) % 64) + "\n"
    size = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + size + text.encode("latin-1")


def zip_of(members, compress=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", compression=compress) as zf:
        warnings.simplefilter("ignore")  # "Duplicate name": wanted here
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def one_array(tree, npy: bytes) -> bytes:
    return zip_of([("manifest.json", manifest(tree, 1)), ("0.npy", npy)])


def legacy(text: bytes) -> bytes:
    return zip_of([("__tinygrad_cnn__.npy", npy_header((len(text),), "|u1") + text)])


def manifest(tree, arrays=0, **extra) -> bytes:
    return json.dumps({"format": "tinygrad_cnn checkpoint", "version": 2, "arrays": arrays, "tree": tree,
                       **extra}).encode()


def good_file() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        tc.save({"w": np.arange(64.0), "b": np.ones(3, np.float32)}, Path(folder) / "good")
        return (Path(folder) / "good").read_bytes()


def bomb() -> bytes:
    """A deflated .npy member of ~100 KB that inflates to 100 MB."""
    return zip_of([("manifest.json", manifest({"ndarray": 0}, 1)),
                   ("0.npy", npy_header((100 * 2**20,), "|u1") + bytes(100 * 2**20))], zipfile.ZIP_DEFLATED)


def overlapping() -> bytes:
    """Two directory entries pointing at the same member data (a classic zip bomb's trick)."""
    data = npy_header((8,)) + bytes(64)
    raw = bytearray(zip_of([("manifest.json", manifest({"list": [{"ndarray": 0}, {"ndarray": 1}]}, 2)),
                            ("0.npy", data), ("1.npy", data)]))
    cd = raw.rindex(b"PK\x01\x02")  # the last central-directory entry (1.npy): point it at 0.npy's data
    first = raw.index(b"PK\x03\x04", 1)
    raw[cd + 42 : cd + 46] = struct.pack("<I", first)
    raw[cd + 46 + 5 - 5 : cd + 46 + 5] = b"0.npy"
    return bytes(raw)


def flip(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0xFF
    return bytes(b)


def deep_json(n: int) -> bytes:
    return b'{"format": "tinygrad_cnn checkpoint", "version": 2, "arrays": 0, "tree": ' + b'{"list": [' * n + \
        b"1" + b"]}" * n + b"}"


HOSTILE = {
    "manifest_is_list": zip_of([("manifest.json", b"[1, 2]")]),
    "manifest_is_string": zip_of([("manifest.json", b'"x"')]),
    "manifest_is_null": zip_of([("manifest.json", b"null")]),
    "manifest_not_json": zip_of([("manifest.json", b"{nope")]),
    "manifest_bad_utf8": zip_of([("manifest.json", b'{"a": "\xff"}')]),
    "manifest_nan_constant": zip_of([("manifest.json", b'{"format": NaN}')]),
    "manifest_huge_int": zip_of([("manifest.json", b'{"format": ' + b"9" * 5000 + b"}")]),
    "wrong_format": zip_of([("manifest.json", json.dumps({"format": "x", "version": 2}).encode())]),
    "wrong_version": zip_of([("manifest.json", manifest(1).replace(b'"version": 2', b'"version": 3'))]),
    "arrays_negative": zip_of([("manifest.json", manifest(1, -1))]),
    "arrays_string": zip_of([("manifest.json", manifest(1, "3"))]),
    "arrays_huge": zip_of([("manifest.json", manifest(1, 10**15))]),
    "no_tree": zip_of([("manifest.json", b'{"format": "tinygrad_cnn checkpoint", "version": 2, "arrays": 0}')]),
    "tree_bare_list": zip_of([("manifest.json", manifest([1, 2]))]),
    "tree_unknown_tag": zip_of([("manifest.json", manifest({"pickle": "os.system"}))]),
    "dict_not_list": zip_of([("manifest.json", manifest({"dict": 5}))]),
    "dict_item_not_pair": zip_of([("manifest.json", manifest({"dict": [[1, 2, 3]]}))]),
    "dict_item_not_list": zip_of([("manifest.json", manifest({"dict": ["ab"]}))]),
    "dict_key_unhashable": zip_of([("manifest.json", manifest({"dict": [[{"list": []}, 1]]}))]),
    "dict_duplicate_key": zip_of([("manifest.json", manifest({"dict": [["a", 1], ["a", 2]]}))]),
    "tuple_key_not_list": zip_of([("manifest.json", manifest({"dict": [[{"tuple": 3}, 1]]}))]),
    "list_not_list": zip_of([("manifest.json", manifest({"list": {"a": 1}}))]),
    "codepoints_too_big": zip_of([("manifest.json", manifest({"codepoints": [0x110000]}))]),
    "codepoints_not_ints": zip_of([("manifest.json", manifest({"codepoints": ["a"]}))]),
    "bad_float_tag": zip_of([("manifest.json", manifest({"float": "1e308*10"}))]),
    "bad_complex": zip_of([("manifest.json", manifest({"complex": [1]}))]),
    "complex_of_strings": zip_of([("manifest.json", manifest({"complex": ["a", "b"]}))]),
    "array_index_string": one_array({"ndarray": "0"}, npy_header((1,)) + bytes(8)),
    "array_index_out_of_range": one_array({"ndarray": 5}, npy_header((1,)) + bytes(8)),
    "array_index_bool": one_array({"ndarray": True}, npy_header((1,)) + bytes(8)),
    "tensor_flag_not_bool": one_array({"tensor": 0, "requires_grad": "yes"}, npy_header((1,)) + bytes(8)),
    "int_tensor_requires_grad": one_array({"tensor": 0, "requires_grad": True}, npy_header((1,), "<i8") + bytes(8)),
    "tensor_index_reused_with_other_flags": one_array(
        {"list": [{"tensor": 0}, {"tensor": 0, "requires_grad": True}]}, npy_header((1,)) + bytes(8)),
    "string_tensor": one_array({"tensor": 0}, npy_header((1,), "<U1") + bytes(4)),
    "numpy_scalar_not_0d": one_array({"numpy": 0}, npy_header((2,)) + bytes(16)),
    "missing_member": zip_of([("manifest.json", manifest({"ndarray": 0}, 1))]),
    "extra_member": zip_of([("manifest.json", manifest(1)), ("evil.npy", npy_header((1,)) + bytes(8))]),
    "no_manifest": zip_of([("0.npy", npy_header((1,)) + bytes(8))]),
    "duplicate_member": zip_of([("manifest.json", manifest(1)), ("manifest.json", manifest(2))]),
    "nested_5000": zip_of([("manifest.json", deep_json(5000))]),
    "nested_past_limit": zip_of([("manifest.json", deep_json(MAX_DEPTH + 10))]),
    "dict_key_nested_5000": zip_of([("manifest.json", manifest({"dict": [[{"tuple": []}, 1]]}).replace(
        b'{"tuple": []}', b'{"tuple": [' * 5000 + b"]}" * 5000))]),
    "npy_huge_shape": one_array({"ndarray": 0}, npy_header((10**6, 10**6)) + bytes(64)),
    "npy_huge_shape_v2": one_array({"ndarray": 0}, npy_header((2**62,), version=2) + bytes(64)),
    "npy_shape_overflows": one_array({"ndarray": 0}, npy_header((2**40, 2**40, 2**40)) + bytes(64)),
    "npy_negative_shape": one_array({"ndarray": 0}, npy_header((-1,), "|u1")[:-1]),
    "npy_short_data": one_array({"ndarray": 0}, npy_header((10,)) + bytes(79)),
    "npy_long_data": one_array({"ndarray": 0}, npy_header((10,)) + bytes(81)),
    "npy_object_dtype": one_array({"ndarray": 0}, npy_header((1,), "|O") + b"\x80\x04N."),
    "npy_structured": one_array({"ndarray": 0}, npy_header((1,), [("a", "<f8")]) + bytes(8)),
    "npy_void": one_array({"ndarray": 0}, npy_header((1,), "|V8") + bytes(8)),
    "npy_bad_magic": one_array({"ndarray": 0}, b"NOTNUMPY" + bytes(64)),
    "npy_bad_version": one_array({"ndarray": 0}, b"\x93NUMPY\x09\x00" + bytes(64)),
    "npy_header_code": one_array({"ndarray": 0},
                                 npy_header((1,)).replace(b"'shape': (1,)", b"'shape': __import__('os')")),
    "npy_header_tokenize_error": one_array({"ndarray": 0},  # NumPy raises tokenize.TokenError
                                           npy_header((2, 3)).replace(b"(2, 3)", b"(2, 3 ") + bytes(48)),
    "npy_header_truncated": one_array({"ndarray": 0}, npy_header((1,))[:20]),
    "npy_header_huge_len": one_array({"ndarray": 0}, b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + bytes(16)),
    "compressed_bomb": bomb,  # built when used
    "overlapping_members": overlapping(),
    "truncated_half": good_file()[: len(good_file()) // 2],
    "truncated_end": good_file()[:-1],
    "crc_flip_in_array": flip(good_file(), good_file().index(b"\x93NUMPY", 200) + 200),
    "crc_flip_in_manifest": flip(good_file(), good_file().index(b"tinygrad_cnn")),
    "local_header_flip": flip(good_file(), good_file().index(b"PK\x03\x04", 10)),
    "central_dir_offset_flip": flip(good_file(), good_file().rindex(b"PK\x01\x02") + 44),
    "size_field_flip": flip(good_file(), good_file().rindex(b"PK\x01\x02") + 23),
    "empty": b"",
    "garbage": b"not a checkpoint at all" * 10,
    "pickle": b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94.",
    "foreign_npz": zip_of([("a.npy", npy_header((1,)) + bytes(8))]),
    "legacy_manifest_wrong_dtype": zip_of([("__tinygrad_cnn__.npy", npy_header((2,)) + bytes(16))]),
    "legacy_manifest_list": zip_of([("__tinygrad_cnn__.npy", npy_header((6,), "|u1") + b"[1, 2]")]),
    "legacy_nested_5000": legacy(b'{"format": 1, "tree": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    "legacy_deep_tree": legacy(b'{"format": 1, "tree": ' + b'{"__list__": [' * 200 + b"1" + b"]}" * 200 + b"}"),
    "legacy_array_is_manifest": legacy(b'{"format": 1, "tree": {"__array__": "__tinygrad_cnn__"}}'),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_give_a_clear_runtime_error_fast_and_small(tmp_path, name):
    data = HOSTILE[name]() if callable(HOSTILE[name]) else HOSTILE[name]
    path = tmp_path / "ckpt"
    path.write_bytes(data)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(RuntimeError, match="damaged or not a tinygrad_cnn checkpoint") as info:
            tc.load(path)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "'" + str(path) + "'" in str(info.value)
    assert elapsed < 1.0, elapsed
    assert peak < 4 * len(data) + 2**20, (peak, len(data))  # never much beyond what the file holds


def test_the_bomb_and_the_huge_header_are_refused_for_the_right_reason(tmp_path):
    for name, words in [("compressed_bomb", "compressed"), ("npy_huge_shape", r"\(1000000, 1000000\)"),
                        ("overlapping_members", "overlap"), ("nested_5000", "nests"),
                        ("crc_flip_in_array", "CRC"), ("manifest_is_list", "list"), ("npy_object_dtype", "object"),
                        ("extra_member", "members"), ("npy_header_code", "header")]:
        (tmp_path / name).write_bytes(HOSTILE[name]() if callable(HOSTILE[name]) else HOSTILE[name])
        with pytest.raises(RuntimeError, match=words):
            tc.load(tmp_path / name)


def test_loading_needs_about_the_file_size_in_memory(tmp_path):
    arrays = {f"w{i}": np.random.default_rng(i).standard_normal(1 << 19) for i in range(4)}  # 16 MiB
    tc.save(arrays, tmp_path / "big")
    size = (tmp_path / "big").stat().st_size
    tracemalloc.start()
    try:
        back = tc.load(tmp_path / "big")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.1 * size, (peak, size)
    for k, v in arrays.items():
        np.testing.assert_array_equal(back[k], v)


def test_a_directory_of_many_empty_members_is_refused_in_bounded_time_and_memory(tmp_path):
    """The zip directory is parsed by ``zipfile``, whose entries cost ~9x their bytes: the one place where a
    crafted file makes the reader allocate more than the file's size (bounded: 46 bytes of file per entry)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.json", manifest(1))
        for i in range(10_000):
            zf.writestr(str(i), b"")
    (tmp_path / "many").write_bytes(buf.getvalue())
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(RuntimeError, match="members do not match"):
            tc.load(tmp_path / "many")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 10.0
    assert peak < 16 * len(buf.getvalue())
