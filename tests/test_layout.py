"""The layout keeps maths apart from machinery: the kernels import nothing of Tensor or autograd, the
ops never meet a thread, and one geometry module holds the size formulas (checked against PyTorch)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from tinygrad_cnn.kernels.geometry import ConvGeometry, crop_hw, out_size, pad_hw, pair, transposed_size, unpad_hw

PACKAGE = Path(__file__).resolve().parents[1] / "tinygrad_cnn"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, relative ones as written (``.geometry``, ``..tensor``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_kernels_import_only_numpy_scipy_the_standard_library_and_each_other():
    allowed_third_party = {"numpy", "scipy"}
    for path in sorted((PACKAGE / "kernels").glob("*.py")):
        for name in _imports(path):
            if name.startswith(".."):
                pytest.fail(f"kernels/{path.name} imports {name}: the kernels know nothing of the package above them")
            if name.startswith("."):
                continue
            top = name.split(".")[0]
            assert top in allowed_third_party or top in __import__("sys").stdlib_module_names, (path.name, name)


@pytest.mark.parametrize("module", ["conv.py", "pool.py"])
def test_the_conv_and_pool_ops_never_meet_a_thread(module):
    source = (PACKAGE / "ops" / module).read_text(encoding="utf-8")
    for word in ("thread", "concurrent", "run_parallel", "execution"):
        assert word not in source.lower(), f"ops/{module} mentions {word!r}"
    assert "from .conv import" not in (PACKAGE / "ops" / "pool.py").read_text(encoding="utf-8")


# ---------------------------------------------------------------------- geometry


def test_pair_accepts_ints_and_pairs_and_names_what_is_wrong():
    assert pair(2, "stride", "op", 1) == (2, 2) and pair((1, 3), "stride", "op", 1) == (1, 3)
    assert pair([np.int64(0), 2], "padding", "op", 0) == (0, 2)
    with pytest.raises(TypeError, match="op: stride must be an int or a pair of ints, got True"):
        pair(True, "stride", "op", 1)
    with pytest.raises(TypeError, match=r"got \(1, 2, 3\)"):
        pair((1, 2, 3), "stride", "op", 1)
    with pytest.raises(ValueError, match=r"op: stride must be at least 1, got \(1, 0\)"):
        pair((1, 0), "stride", "op", 1)


CASES = [((9, 7), (3, 2), ConvGeometry((2, 1), (1, 0), (1, 2), 1)),
         ((5, 5), (1, 1), ConvGeometry()),
         ((12, 10), (5, 3), ConvGeometry((3, 2), (2, 1), (2, 1), 1)),
         ((8, 8), (2, 2), ConvGeometry((2, 2), (0, 0), (1, 1), 1))]


@pytest.mark.parametrize("in_hw, kernel, geometry", CASES)
def test_output_sizes_match_torch_and_output_padding_inverts_them(in_hw, kernel, geometry):
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, 1, *in_hw)
    w = torch.zeros(1, 1, *kernel)
    kw = {"stride": geometry.stride, "padding": geometry.padding, "dilation": geometry.dilation}
    out_hw = geometry.out_hw(in_hw, kernel)
    assert out_hw == tuple(torch.nn.functional.conv2d(x, w, **kw).shape[2:])
    op = geometry.output_padding(in_hw, out_hw, kernel)
    assert all(0 <= op[a] < max(geometry.stride[a], geometry.dilation[a]) for a in range(2))
    back = torch.nn.functional.conv_transpose2d(torch.zeros(1, 1, *out_hw), w, output_padding=op, **kw)
    assert geometry.transposed_hw(out_hw, kernel, op) == tuple(back.shape[2:]) == in_hw


def test_size_formulas_agree_with_each_other():
    for size in range(1, 12):
        for k in range(1, 4):
            for s in (1, 2, 3):
                for p in (0, 1):
                    for d in (1, 2):
                        n = out_size(size, k, s, p, d)
                        if n >= 1:
                            assert transposed_size(n, k, s, p, d) <= size < transposed_size(n, k, s, p, d) + s


def test_pad_unpad_and_crop():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    xp = pad_hw(x, (1, 2), value=-1.0)
    assert xp.shape == (2, 3, 6, 9) and xp[0, 0, 0, 0] == -1 and (xp[:, :, 1:5, 2:7] == x).all()
    buf = np.full(xp.shape, 7.0, np.float32)
    assert (pad_hw(x, (1, 2), value=-1.0, out=buf) == xp).all()  # a reused buffer: every border cell rewritten
    assert pad_hw(x, (0, 0)) is x
    assert (unpad_hw(xp, (1, 2), (4, 5)) == x).all() and unpad_hw(x, (0, 0), (4, 5)) is x
    assert crop_hw(x, (3, 2)).shape == (2, 3, 3, 2) and crop_hw(x, (4, 5)) is x


@pytest.mark.parametrize("in_hw, kernel, stride, padding, dilation", [
    ((8, 8), (2, 2), (2, 2), (0, 0), (1, 1)),
    ((9, 7), (3, 2), (2, 1), (1, 1), (1, 2)),
    ((5, 6), (3, 3), (1, 3), (1, 0), (2, 1)),
])
def test_pool_output_sizes_match_torch(in_hw, kernel, stride, padding, dilation):
    torch = pytest.importorskip("torch")
    from tinygrad_cnn.kernels.geometry import PoolGeometry

    geometry = PoolGeometry(kernel, stride, padding, dilation)
    y = torch.nn.functional.max_pool2d(torch.zeros(1, 1, *in_hw), kernel, stride, padding, dilation)
    assert geometry.out_hw(in_hw) == tuple(y.shape[2:])
