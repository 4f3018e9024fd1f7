"""tc.save / tc.load: exact paths, round trips, atomic writes, damaged files, PyTorch interchange."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import nn


def model() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def test_round_trip_at_exact_path(tmp_path):
    m = model()
    path = tmp_path / "weights.pt"  # any name: no ".npz" appended
    tc.save(m.state_dict(), path)
    assert os.listdir(tmp_path) == ["weights.pt"]
    sd = tc.load(str(path))
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(sd[k], v)
        assert sd[k].dtype == v.dtype
    fresh = model()
    fresh.load_state_dict(sd)
    x = tc.randn(5, 4)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), m(x).detach().numpy())


def test_file_is_a_plain_npz(tmp_path):
    m = model()
    tc.save(m.state_dict(), tmp_path / "w.bin")
    with np.load(tmp_path / "w.bin", allow_pickle=False) as z:  # arrays under generated names, in order
        np.testing.assert_array_equal(z["0"], m.state_dict()["0.weight"])
        np.testing.assert_array_equal(z["3"], m.state_dict()["2.bias"])


def test_nested_checkpoint_round_trip(tmp_path):
    lin = nn.Linear(2, 2)
    opt = tc.optim.Adam(lin.parameters(), lr=0.1)
    lin(tc.randn(3, 2)).sum().backward()
    opt.step()
    ckpt = {"epoch": 3, "name": "lenet", "model": lin.state_dict(), "optimizer": opt.state_dict(), "x": None,
            "tensor": tc.tensor([1.0, 2.0]), "f": np.float32(0.5)}
    tc.save(ckpt, tmp_path / "c")
    back = tc.load(tmp_path / "c")
    assert back["epoch"] == 3 and back["name"] == "lenet" and back["x"] is None and back["f"] == 0.5
    np.testing.assert_array_equal(back["tensor"], [1.0, 2.0])
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    opt2 = tc.optim.Adam(nn.Linear(2, 2).parameters())
    opt2.load_state_dict(back["optimizer"])
    assert opt2.state_dict()["state"][0]["step"] == 1


def test_save_refuses_unsupported_objects(tmp_path):
    with pytest.raises(TypeError, match="cannot store"):
        tc.save({"f": object()}, tmp_path / "x")
    with pytest.raises(TypeError, match="keys"):
        tc.save({frozenset(): np.zeros(1)}, tmp_path / "x")
    assert not os.listdir(tmp_path)  # no half-written file, no temporary left
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tc.save({}, tmp_path / "missing" / "x")


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt"
    tc.save({"a": np.arange(3)}, path)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(KeyboardInterrupt):
        tc.save({"a": np.arange(5)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt"]
    np.testing.assert_array_equal(tc.load(path)["a"], np.arange(3))


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "foreign"])
def test_damaged_files_raise_clear_errors(tmp_path, damage):
    path = tmp_path / "ckpt"
    tc.save(model().state_dict(), path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        b = bytearray(raw)
        b[300] ^= 0xFF  # inside the first array's data: the zip CRC catches it
        path.write_bytes(bytes(b))
    elif damage == "garbage":
        path.write_bytes(b"not a checkpoint at all")
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with open(path, "wb") as f:
            np.savez(f, a=np.zeros(2))
    with pytest.raises(RuntimeError, match="damaged|not a tinygrad_cnn checkpoint"):
        tc.load(path)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        tc.load(tmp_path / "nope")


def test_torch_weights_through_a_file(tmp_path):
    torch = pytest.importorskip("torch")
    t = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    tc.save(t.state_dict(), tmp_path / "from_torch")  # torch tensors are converted on save
    m = model()
    m.load_state_dict(tc.load(tmp_path / "from_torch"))
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(m(tc.tensor(x)).detach().numpy(), t(torch.from_numpy(x)).detach().numpy(), atol=1e-6)
    t2 = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    t2.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in tc.load(tmp_path / "from_torch").items()})
    np.testing.assert_allclose(t2(torch.from_numpy(x)).detach().numpy(), m(tc.tensor(x)).detach().numpy(), atol=1e-6)
