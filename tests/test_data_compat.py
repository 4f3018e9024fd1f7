"""``tc.utils.data`` as PyTorch's ``torch.utils.data``: datasets, samplers, DataLoader arguments and
``default_collate``'s dtypes, compared with PyTorch where it is installed; and the torchvision-style MNIST."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest
from tinygrad_cnn.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)

import tinygrad_cnn as tc
import tinygrad_cnn.data.loader as loader_module
from tinygrad_cnn.data import vision


def test_utils_data_is_the_data_module():
    import tinygrad_cnn.utils.data as d

    assert d is tc.data and tc.utils.data is tc.data
    assert d.DataLoader is DataLoader


class Pairs(Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full((2,), i, dtype=np.float32), i


def _to_np(batch):
    if isinstance(batch, dict):
        return {k: _to_np(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)) and not isinstance(batch, str):
        return type(batch)(_to_np(b) for b in batch) if not hasattr(batch, "_fields") else batch
    if hasattr(batch, "_data"):
        return ("T", str(batch.dtype), batch._data.tolist())
    if hasattr(batch, "numpy"):
        return ("T", str(batch.dtype).replace("torch.", ""), batch.numpy().tolist())
    return batch


@pytest.mark.parametrize("samples", [
    [(1, 2.0, True, "a"), (3, 4.5, False, "b")],
    [{"x": np.zeros(2, dtype=np.float32), "y": 1}, {"x": np.ones(2, dtype=np.float32), "y": 2}],
    [[1, 2], [3, 4]],
    [np.float64(1.5), np.float64(2.5)],
    [np.array([1, 2], dtype=np.uint8), np.array([3, 4], dtype=np.uint8)],
    [(np.zeros((2, 2), dtype=np.float64), np.int64(3))] * 3,
    [{"a": {"b": (1, 2.0)}}] * 2,
])
def test_default_collate_matches_pytorch(samples):
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    assert _to_np(default_collate(samples)) == _to_np(torch_collate(samples))


def test_default_collate_of_tensors_and_namedtuples():
    Point = collections.namedtuple("Point", "x y")
    out = default_collate([Point(tc.ones(2), 1), Point(tc.zeros(2), 2)])
    assert isinstance(out, Point) and out.x.shape == (2, 2) and out.y.dtype == np.int64
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([tc.ones(2), tc.ones(3)])


def test_loader_batches_as_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils import data as tdata

    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    for kwargs in ({}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": 4}):
        ours = list(DataLoader(TensorDataset(tc.tensor(x), tc.tensor(y, dtype=np.int64)), **kwargs))
        theirs = list(tdata.DataLoader(tdata.TensorDataset(torch.tensor(x), torch.tensor(y)), **kwargs))
        assert _to_np(ours) == _to_np(theirs)
        assert len(DataLoader(TensorDataset(x, y), **kwargs)) == len(theirs)
        ours = list(DataLoader(Pairs(), **kwargs))
        theirs = list(tdata.DataLoader(Pairs(), **kwargs))
        assert _to_np(ours) == _to_np(theirs)
    assert _to_np(list(DataLoader(Pairs(3), batch_size=None))) == _to_np(list(tdata.DataLoader(Pairs(3),
                                                                                               batch_size=None)))


def test_loader_argument_checks_as_pytorch():
    pytest.importorskip("torch")
    from torch.utils import data as tdata

    bad = [dict(num_workers=-1), dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2),
           dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
           dict(prefetch_factor=2), dict(persistent_workers=True), dict(timeout=-1), dict(batch_size=0)]
    for kwargs in bad:
        with pytest.raises(ValueError):
            tdata.DataLoader(Pairs(), **kwargs)
        with pytest.raises(ValueError):
            DataLoader(Pairs(), **kwargs)


def test_loader_accepts_pytorch_arguments_and_warns_once_for_workers(monkeypatch):
    monkeypatch.setattr(loader_module, "_warned_workers", False)
    calls = []
    with pytest.warns(RuntimeWarning, match="main process"):
        dl = DataLoader(Pairs(), batch_size=4, shuffle=True, num_workers=2, pin_memory=True, timeout=5,
                        worker_init_fn=calls.append, prefetch_factor=2, persistent_workers=True,
                        generator=tc.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DataLoader(Pairs(), num_workers=4)
    seen = np.concatenate([b[1]._data for b in dl])
    assert sorted(seen.tolist()) == list(range(10)) and calls == [0]
    assert dl.shuffle and len(dl) == 3


def test_shuffle_with_generator_repeats():
    a = [b[1]._data.tolist() for b in DataLoader(Pairs(), 3, shuffle=True, generator=tc.Generator().manual_seed(7))]
    b = [b[1]._data.tolist() for b in DataLoader(Pairs(), 3, shuffle=True, generator=tc.Generator().manual_seed(7))]
    assert a == b and sorted(sum(a, [])) == list(range(10))


def test_samplers():
    ds = Pairs(10)
    assert list(SequentialSampler(ds)) == list(range(10))
    r = list(RandomSampler(ds, generator=tc.Generator().manual_seed(0)))
    assert sorted(r) == list(range(10))
    assert len(list(RandomSampler(ds, replacement=True, num_samples=25))) == 25
    assert len(list(RandomSampler(ds, num_samples=15))) == 15
    assert list(BatchSampler(SequentialSampler(ds), 4, False)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(BatchSampler(SequentialSampler(ds), 4, True)) == 2
    assert sorted(SubsetRandomSampler([1, 5, 7])) == [1, 5, 7]
    w = list(WeightedRandomSampler([0.0, 1.0, 0.0], 6))
    assert w == [1] * 6
    dl = DataLoader(ds, sampler=SubsetRandomSampler([2, 3]), batch_size=5)
    assert sorted(next(iter(dl))[1]._data.tolist()) == [2, 3]
    dl = DataLoader(ds, batch_sampler=[[9, 0], [4]])
    assert [b[1]._data.tolist() for b in dl] == [[9, 0], [4]] and len(dl) == 2
    with pytest.raises(ValueError):
        BatchSampler(SequentialSampler(ds), 0, False)


def test_subset_concat_and_random_split_as_pytorch():
    torch = pytest.importorskip("torch")
    ds = Pairs(10)
    sub = Subset(ds, [3, 1])
    assert len(sub) == 2 and sub[0][1] == 3
    cat = ConcatDataset([ds, Pairs(3)])
    assert len(cat) == 13 and cat[11][1] == 1 and cat[-1][1] == 2
    assert len(ds + Pairs(2)) == 12
    for lengths in ([3, 7], [0.3, 0.7], [0.33, 0.67], [0.5, 0.25, 0.25], [1 / 3] * 3):
        ours = [len(s) for s in random_split(range(10), lengths)]
        theirs = [len(s) for s in torch.utils.data.random_split(range(10), lengths)]
        assert ours == theirs
    parts = random_split(ds, [4, 6], generator=tc.Generator().manual_seed(1))
    again = random_split(ds, [4, 6], generator=tc.Generator().manual_seed(1))
    assert parts[0].indices == again[0].indices
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    with pytest.raises(ValueError):
        random_split(ds, [3, 3])


def test_tensor_dataset_as_pytorch():
    x, y = tc.randn(5, 3), tc.tensor(np.arange(5), dtype=np.int64)
    ds = TensorDataset(x, y)
    xi, yi = ds[2]
    assert xi.shape == (3,) and int(yi) == 2 and len(ds) == 5
    assert ds.tensors[0].shape == (5, 3)
    with pytest.raises(ValueError):
        TensorDataset(x, tc.zeros(4))


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b._data.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    with pytest.raises(ValueError):
        DataLoader(Stream(), shuffle=True)


# ------------------------------------------------------------------ torchvision stand-in


def test_mnist_stand_in_from_the_embedded_sample(tmp_path):
    t = vision.transforms.Compose([vision.transforms.ToTensor(), vision.transforms.Normalize((0.1307,), (0.3081,))])
    train = vision.datasets.MNIST(tmp_path, train=True, download=False, transform=t)
    test = vision.datasets.MNIST(tmp_path, train=False, transform=vision.transforms.ToTensor())
    assert (len(train), len(test), train.source) == (4000, 1000, "sample")
    img, label = train[0]
    assert img.shape == (1, 28, 28) and img.dtype == np.float32 and isinstance(label, int)
    raw = train.data[0]._data.astype(np.float32) / 255
    np.testing.assert_allclose(img._data[0], (raw - 0.1307) / 0.3081, rtol=1e-5, atol=1e-6)
    assert train.data.dtype == np.uint8 and train.targets.dtype == np.int64
    assert np.bincount(test.targets._data).tolist() == [100] * 10
    x, y = next(iter(DataLoader(train, batch_size=64, shuffle=True)))
    assert x.shape == (64, 1, 28, 28) and y.dtype == np.int64
    assert "Number of datapoints: 4000" in repr(train)
    plain = vision.datasets.MNIST(tmp_path, target_transform=lambda k: k + 100)
    assert plain[0][0].dtype == np.uint8 and plain[0][1] >= 100


def test_transforms_match_torchvision_arithmetic():
    torch = pytest.importorskip("torch")
    img = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    ours = vision.transforms.ToTensor()(img)
    theirs = torch.tensor(img).permute(2, 0, 1).float() / 255
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6)
    norm = vision.transforms.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.3))(ours)
    ref = (theirs - torch.tensor([0.5, 0.4, 0.3]).view(3, 1, 1)) / torch.tensor([0.2, 0.25, 0.3]).view(3, 1, 1)
    np.testing.assert_allclose(norm._data, ref.numpy(), rtol=1e-5)
    with pytest.raises(TypeError):
        vision.transforms.ToTensor()(ours)
    with pytest.raises(ValueError):
        vision.transforms.Normalize((0.5,), (0.0,))
    assert vision.transforms.Lambda(lambda v: v * 2)(3) == 6


def test_mnist_stand_in_reads_the_idx_files_when_root_has_them(tmp_path, monkeypatch):
    from tinygrad_cnn.data import MNIST_FILES
    from tinygrad_cnn.data.vision import datasets as vds

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_FILES:
        (raw / name).write_bytes(b"")
    calls = []

    def fake_load(folder, train=True):
        calls.append((folder, train))
        n = 6 if train else 3
        return np.zeros((n, 28, 28), dtype=np.uint8), np.arange(n, dtype=np.uint8)

    monkeypatch.setattr(vds, "load_mnist", fake_load)
    train = vds.MNIST(tmp_path, train=True)
    test = vds.MNIST(str(tmp_path), train=False, download=True)
    assert (train.source, len(train), test.source, len(test)) == ("idx", 6, "idx", 3)
    assert calls == [(raw, True), (raw, False)]
    assert vds.MNIST(tmp_path / "elsewhere").source == "sample"


def test_make_grid_and_save_image(tmp_path):
    from tinygrad_cnn.data.vision import utils as vutils

    imgs = tc.rand(10, 1, 4, 5)
    grid = vutils.make_grid(imgs, nrow=4, padding=2, pad_value=0.25)
    assert grid.shape == (3, 3 * 6 + 2, 4 * 7 + 2)  # rows = ceil(10 / 4), each image plus padding
    np.testing.assert_array_equal(grid._data[:, 2:6, 2:7], np.repeat(imgs._data[0], 3, axis=0))
    np.testing.assert_array_equal(grid._data[1, 8:12, 9:14], imgs._data[5, 0])  # row 1, column 1
    assert grid._data[0, 0, 0] == np.float32(0.25)
    assert vutils.make_grid(imgs[:1]).shape == (3, 4, 5)
    norm = vutils.make_grid(imgs * 4 - 2, normalize=True)
    assert norm._data.min() >= 0 and norm._data.max() <= 1
    path = tmp_path / "grid.png"
    vutils.save_image(imgs, path, nrow=5)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    mpimg = pytest.importorskip("matplotlib.image")
    pixels = mpimg.imread(str(path))
    assert pixels.shape == (2 * 6 + 2, 5 * 7 + 2, 3)
    expected = np.clip(imgs._data[0, 0] * 255 + 0.5, 0, 255).astype(np.uint8) / 255
    np.testing.assert_allclose(pixels[2:6, 2:7, 0], expected, atol=1e-6)


def test_fake_data():
    ds = vision.datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4, transform=vision.transforms.ToTensor())
    img, label = ds[2]
    assert len(ds) == 5 and img.shape == (3, 8, 6) and img.dtype == np.float32 and 0 <= label < 4
    again, _ = ds[2]
    np.testing.assert_array_equal(img._data, again._data)
    assert not np.array_equal(ds[1][0]._data, img._data)
    with pytest.raises(IndexError):
        ds[5]
    x, y = next(iter(DataLoader(ds, batch_size=5)))
    assert x.shape == (5, 3, 8, 6) and y.dtype == np.int64
