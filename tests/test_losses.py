"""Losses with every reduction: NumPy/SciPy references, gradcheck + gradgradcheck, PyTorch parity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor

REDUCTIONS = ["mean", "sum", "none"]


def leaf(arr: np.ndarray) -> Tensor:
    return tc.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


def reduce_np(loss: np.ndarray, reduction: str) -> np.ndarray:
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](loss)


# ---------------------------------------------------------------------- mse_loss


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction, rng):
    a, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x, tt = leaf(a), leaf(t)
    out = F.mse_loss(x, tt, reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), reduce_np((a - t) ** 2, reduction), rtol=1e-12)
    assert tc.gradcheck(lambda p, q: F.mse_loss(p, q, reduction=reduction), (x, tt))
    assert tc.gradgradcheck(lambda p, q: F.mse_loss(p, q, reduction=reduction), (x, tt))


def test_mse_loss_accepts_arrays_and_rejects_mismatched_shapes():
    x = leaf(np.zeros((2, 1)))
    np.testing.assert_allclose(F.mse_loss(x, np.ones((2, 1))).item(), 1.0)
    with pytest.raises(ValueError, match=r"\(2,\).*\(2, 1\)"):
        F.mse_loss(x, np.ones(2))  # broadcasting to (2, 2) would silently change the loss
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(x, np.ones((2, 1)), reduction="avg")


# ---------------------------------------------------------------------- binary_cross_entropy


def bce_np(x, t, w=None):
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log(1 - x), -100))
    return loss if w is None else loss * w


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted, rng):
    p, t = rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))
    w = rng.uniform(0.5, 2.0, (4,)) if weighted else None
    x, tt = leaf(p), leaf(t)
    wt = tc.tensor(w) if weighted else None
    out = F.binary_cross_entropy(x, tt, weight=wt, reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), reduce_np(bce_np(p, t, w), reduction), rtol=1e-12)
    f = lambda a, b: F.binary_cross_entropy(a, b, weight=wt, reduction=reduction)  # noqa: E731
    assert tc.gradcheck(f, (x, tt))
    assert tc.gradgradcheck(f, (x, tt))


def test_binary_cross_entropy_at_zero_and_one_is_finite_like_pytorch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    x = leaf(p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy(x, t, reduction="sum")
        loss.backward()
    assert loss.item() == pytest.approx(200.0 + np.log(2.0))  # each wrong certainty costs 100
    g = x.grad.numpy()
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [0.0, 0.0, -1e12, 1e12, -2.0])  # (x − t) / max(x(1 − x), 1e-12)


def test_binary_cross_entropy_rejects_values_outside_0_1():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(Tensor([1.5, 0.5]), [1.0, 0.0])


# ---------------------------------------------------------------------- nll_loss / cross_entropy


def ce_np(logits, target, weight=None, ignore_index=-100, reduction="mean"):
    """Reference: log-softmax over dim 1, pick the target class, weight, ignore, reduce (PyTorch's rules)."""
    logp = special.log_softmax(logits, axis=1)
    return nll_np(logp, target, weight, ignore_index, reduction)


def nll_np(logp, target, weight=None, ignore_index=-100, reduction="mean"):
    c = logp.shape[1]
    w = np.ones(c) if weight is None else weight
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    picked = np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    wt = w[safe] * valid
    loss = -picked * wt
    if reduction == "mean":
        return loss.sum() / wt.sum()
    return loss.sum() if reduction == "sum" else loss


CE_CASES = [
    dict(),
    dict(weight=True),
    dict(ignore_index=1),
    dict(weight=True, ignore_index=2),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES, ids=str)
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 2), (2, 3, 2, 2)], ids=str)
def test_cross_entropy_and_nll_with_integer_targets(reduction, case, shape, rng):
    logits = rng.standard_normal(shape)
    n, c = shape[0], shape[1]
    target = rng.integers(0, c, (n,) + shape[2:])
    target.reshape(-1)[:2] = [0, 1]  # the ignored class occurs, and not every element is ignored
    weight = rng.uniform(0.5, 2.0, c) if case.get("weight") else None
    ignore_index = case.get("ignore_index", -100)
    # reference: move the class axis last and flatten (N, C, d...) -> (N·d..., C)
    flat_logits = np.moveaxis(logits, 1, -1).reshape(-1, c)
    ref = ce_np(flat_logits, target.reshape(-1), weight, ignore_index, reduction)
    if reduction == "none":
        ref = ref.reshape(target.shape)
    x = leaf(logits)
    wt = tc.tensor(weight) if weight is not None else None
    tgt = tc.tensor(target, dtype=np.int64)
    kw = dict(weight=wt, ignore_index=ignore_index, reduction=reduction)
    out = F.cross_entropy(x, tgt, **kw)
    assert out.shape == np.shape(ref)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(x, 1), target, **kw).detach().numpy(), ref, rtol=1e-12)
    assert tc.gradcheck(lambda t: F.cross_entropy(t, tgt, **kw), (x,))
    assert tc.gradgradcheck(lambda t: F.cross_entropy(t, tgt, **kw), (x,))


def test_nll_loss_gradcheck_on_log_probabilities(rng):
    logp = leaf(special.log_softmax(rng.standard_normal((4, 3)), axis=1))
    target = np.array([0, 2, 1, 2])
    np.testing.assert_allclose(F.nll_loss(logp, target).item(), nll_np(logp.detach().numpy(), target))
    assert tc.gradcheck(lambda t: F.nll_loss(t, target, reduction="sum"), (logp,))


def test_cross_entropy_unbatched_input():
    logits = np.array([1.0, 2.0, 0.5])
    out = F.cross_entropy(leaf(logits), tc.tensor(1))
    assert out.shape == ()
    assert out.item() == pytest.approx(-special.log_softmax(logits)[1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2)], ids=str)
def test_cross_entropy_with_probability_targets(reduction, weighted, shape, rng):
    logits = rng.standard_normal(shape)
    probs = special.softmax(rng.standard_normal(shape), axis=1)
    weight = rng.uniform(0.5, 2.0, shape[1]) if weighted else None
    w = np.ones(shape[1]) if weight is None else weight
    per = -(special.log_softmax(logits, axis=1) * probs * w.reshape((1, -1) + (1,) * (len(shape) - 2))).sum(1)
    x = leaf(logits)
    wt = tc.tensor(weight) if weighted else None
    out = F.cross_entropy(x, probs, weight=wt, reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), reduce_np(per, reduction), rtol=1e-12)
    assert tc.gradcheck(lambda t: F.cross_entropy(t, probs, weight=wt, reduction=reduction), (x,))


def test_cross_entropy_is_stable_for_huge_logits():
    x = leaf(np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, np.array([2, 0]))
        loss.backward()
    assert loss.item() == pytest.approx((2e4 + np.log(3.0)) / 2)
    assert np.all(np.isfinite(x.grad.numpy()))


def test_cross_entropy_target_errors():
    x = tc.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"target of shape \(2,\), got \(3,\)"):
        F.cross_entropy(x, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\[0, 2\].*\[3\]"):
        F.cross_entropy(x, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"probability targets must match"):
        F.cross_entropy(x, np.zeros((2, 2)))
    with pytest.raises(TypeError, match="integer class indices"):
        F.nll_loss(x, np.array([0.0, 1.0]))


def test_float32_losses_keep_float32(rng):
    x = tc.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    for loss in [
        F.cross_entropy(x, np.array([0, 1, 2, 0])),
        F.mse_loss(x, np.zeros((4, 3))),
        F.binary_cross_entropy(x.sigmoid(), np.ones((4, 3))),
    ]:
        assert loss.dtype == np.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == np.float32


# ---------------------------------------------------------------------- PyTorch parity


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "loss",
    ["mse", "bce", "bce_weight", "ce", "ce_weight_ignore", "ce_spatial", "ce_probs", "nll"],
)
def test_losses_match_torch(loss, reduction, rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    shape = (2, 3, 2) if loss == "ce_spatial" else (4, 3)
    a = rng.standard_normal(shape)
    weight = rng.uniform(0.5, 2.0, 3)
    if loss.startswith("bce"):
        a = special.expit(a)
        target = rng.uniform(0, 1, shape)
        target_t = torch.tensor(target, requires_grad=True)
        target_ours = leaf(target)
    elif loss in ("mse", "ce_probs"):
        target = special.softmax(rng.standard_normal(shape), axis=1)
        target_t = torch.tensor(target, requires_grad=loss == "mse")
        target_ours = leaf(target) if loss == "mse" else tc.tensor(target)
    else:
        target = rng.integers(0, 3, (shape[0],) + shape[2:])
        target.reshape(-1)[0] = 1
        target_t, target_ours = torch.tensor(target), tc.tensor(target, dtype=np.int64)
    kw_t: dict = dict(reduction=reduction)
    if loss in ("bce_weight", "ce_weight_ignore"):
        kw_t["weight"] = torch.tensor(weight)
    if loss == "ce_weight_ignore":
        kw_t["ignore_index"] = 1
    kw = {k: (tc.tensor(v.numpy()) if k == "weight" else v) for k, v in kw_t.items()}
    fns = {
        "mse": (F.mse_loss, tf.mse_loss),
        "bce": (F.binary_cross_entropy, tf.binary_cross_entropy),
        "bce_weight": (F.binary_cross_entropy, tf.binary_cross_entropy),
        "nll": (F.nll_loss, tf.nll_loss),
    }
    ours_fn, torch_fn = fns.get(loss, (F.cross_entropy, tf.cross_entropy))
    x, xt = leaf(a), torch.tensor(a, requires_grad=True)
    out, ref = ours_fn(x, target_ours, **kw), torch_fn(xt, target_t, **kw_t)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
    seed = rng.standard_normal(ref.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    if target_t.requires_grad:
        np.testing.assert_allclose(target_ours.grad.numpy(), target_t.grad.numpy(), rtol=1e-9, atol=1e-12)
