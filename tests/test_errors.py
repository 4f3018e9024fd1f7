"""Bad input gives a clear ValueError/TypeError/RuntimeError naming expected and received shapes,
never a bare NumPy error from deep inside (CONTRACT.md, "Errors")."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F  # noqa: N812 - the contract's spelling
from tinygrad_cnn import Tensor

NUMPY_PHRASES = ("operands could not be broadcast", "mismatch in its core dimension", "cannot reshape array")


def t(*shape, requires_grad=False) -> Tensor:
    return tc.tensor(np.ones(shape), requires_grad=requires_grad)


CASES = [
    # (what, call, exception type, fragments the message must contain)
    ("matmul inner dims", lambda: t(2, 3) @ t(4, 5), ValueError, ["(2, 3)", "(4, 5)", "3 vs 4"]),
    ("matmul vector", lambda: t(3) @ t(4, 2), ValueError, ["(3,)", "(4, 2)"]),
    ("matmul batch", lambda: t(2, 2, 3) @ t(3, 3, 1), ValueError, ["(2,)", "(3,)"]),
    ("matmul 0-d", lambda: t() @ t(2), ValueError, ["()", "(2,)"]),
    ("add broadcast", lambda: t(2, 3) + t(2), ValueError, ["(2, 3)", "(2,)", "broadcast"]),
    ("mul broadcast", lambda: t(4, 1, 3) * t(2, 2), ValueError, ["(4, 1, 3)", "(2, 2)"]),
    ("pow broadcast", lambda: t(3) ** t(2), ValueError, ["(3,)", "(2,)"]),
    ("radd broadcast", lambda: np.ones(2) + t(3), ValueError, ["(2,)", "(3,)"]),
    ("compare broadcast", lambda: t(3) < t(2), ValueError, ["(3,)", "(2,)"]),
    ("where broadcast", lambda: tc.where(np.ones(3, bool), t(2), t(2)), ValueError, ["(2,)", "(3,)"]),
    ("reshape", lambda: t(2, 3).reshape(5), ValueError, ["(2, 3)", "(5,)", "6 elements"]),
    ("view -1", lambda: t(2, 3).view(-1, 4), ValueError, ["(2, 3)", "(-1, 4)"]),
    ("flatten order", lambda: t(2, 3, 4).flatten(2, 1), ValueError, ["(2, 3, 4)"]),
    ("expand", lambda: t(2, 3).expand(3, 3), ValueError, ["(2, 3)", "(3, 3)"]),
    ("sum_to_size", lambda: t(2, 3).sum_to_size(4), ValueError, ["(2, 3)", "(4,)"]),
    ("permute", lambda: t(2, 3).permute(1, 1), ValueError, ["(1, 1)", "(2, 3)"]),
    ("cat", lambda: tc.cat([t(2, 3), t(2, 4)]), ValueError, ["(2, 3)", "(2, 4)"]),
    ("stack", lambda: tc.stack([t(2), t(3)]), ValueError, ["(2,)", "(3,)"]),
    ("pad", lambda: F.pad(t(2), (1, 1, 1, 1)), ValueError, ["(1, 1, 1, 1)", "(2,)"]),
    ("linear", lambda: F.linear(t(4, 3), t(5, 2)), ValueError, ["(5, 2)", "(4, 3)"]),
    ("mse target", lambda: F.mse_loss(t(3, 1), t(3)), ValueError, ["(3,)", "(3, 1)"]),
    ("bce target", lambda: F.binary_cross_entropy(t(2) * 0.5, t(3)), ValueError, ["(2,)", "(3,)"]),
    ("ce target", lambda: F.cross_entropy(t(4, 3), np.zeros(3, int)), ValueError, ["(4, 3)", "(4,)", "(3,)"]),
    ("ce weight", lambda: F.cross_entropy(t(4, 3), np.zeros(4, int), weight=t(2)), ValueError, ["(3,)", "(2,)"]),
    ("backward non-scalar", lambda: (t(2, 2, requires_grad=True) * 2).backward(), RuntimeError, ["(2, 2)", "gradient"]),
    ("backward seed", lambda: (t(2, requires_grad=True) * 2).backward(np.ones(3)), RuntimeError, ["(3,)", "(2,)"]),
    ("grad non-scalar", lambda: tc.grad(t(3, requires_grad=True) * 2, []), RuntimeError, ["(3,)"]),
    ("int requires_grad", lambda: tc.tensor([1, 2], dtype=np.int64, requires_grad=True),
     RuntimeError, ["floating point"]),
    ("item", lambda: t(2).item(), ValueError, ["(2,)"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_clear_error(case):
    _, call, exc_type, fragments = case
    with pytest.raises(exc_type) as info:
        call()
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} missing from: {msg}"
    assert not any(p in msg for p in NUMPY_PHRASES), msg


def test_errors_are_raised_before_any_graph_is_recorded():
    x = t(2, 3, requires_grad=True)
    with pytest.raises(ValueError):
        x @ t(2, 3)
    (x * 1.0).sum().backward()  # the failed call left nothing behind
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
