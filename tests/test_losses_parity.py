"""The losses against PyTorch (values, input and target gradients, every reduction and option), each
checked by gradcheck and gradgradcheck in float64; loss modules' buffers, state dicts and reprs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, nn

REDUCTIONS = ["mean", "sum", "none"]


def leaf(a: np.ndarray) -> Tensor:
    return tc.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _compare(torch, ours_fn, torch_fn, arrays, grad_mask, rng, rtol=1e-10):
    """Run both on the same float64 leaves; compare values and the gradients of a random upstream."""
    ours = [leaf(a) if g else Tensor(a) for a, g in zip(arrays, grad_mask)]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad_mask)]
    out, ref = ours_fn(*ours), torch_fn(*theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=1e-12)
    seed = rng.standard_normal(tuple(ref.shape))
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    for o, t, g in zip(ours, theirs, grad_mask):
        if g:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


def _checks(fn, arrays):
    inputs = [leaf(a) for a in arrays]
    assert tc.gradcheck(fn, inputs)
    assert tc.gradgradcheck(fn, inputs)


# ---------------------------------------------------------------------- regression losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, kwargs", [
    ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", dict(beta=0.3)), ("smooth_l1_loss", dict(beta=0.0)),
    ("huber_loss", {}), ("huber_loss", dict(delta=0.4)), ("mse_loss", {}),
])
def test_regression_losses_match_torch(name, kwargs, reduction, rng):
    torch = pytest.importorskip("torch")
    x, y = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    y[0, :2] = x[0, :2]  # d = 0: L1's kink, gradient 0 as PyTorch
    y[1, 0] = x[1, 0] + 1.0  # exactly at beta = delta = 1
    ours = getattr(F, name)
    theirs = getattr(torch.nn.functional, name)
    _compare(torch, lambda a, b: ours(a, b, reduction=reduction, **kwargs),
             lambda a, b: theirs(a, b, reduction=reduction, **kwargs), [x, y], [True, True], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
def test_element_weights_match_torch(name, reduction, rng):
    torch = pytest.importorskip("torch")
    x, y, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0, 2, (3, 4))
    _compare(torch, lambda a, b: getattr(F, name)(a, b, reduction=reduction, weight=tc.tensor(w)),
             lambda a, b: getattr(torch.nn.functional, name)(a, b, reduction=reduction, weight=torch.tensor(w)),
             [x, y], [True, True], rng)
    with pytest.raises(ValueError, match="same size"):
        getattr(F, name)(tc.tensor(x), tc.tensor(y), weight=tc.tensor(w[0]))


@pytest.mark.parametrize("name, kwargs", [("l1_loss", {}), ("smooth_l1_loss", dict(beta=0.5)),
                                          ("huber_loss", dict(delta=0.7))])
def test_regression_gradcheck(name, kwargs, rng):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x[np.abs(x - y) < 0.05] += 0.2  # away from the kink at d = 0
    for beta in (0.5, 0.7, 1.0):
        x[np.abs(np.abs(x - y) - beta) < 0.05] += 0.2  # and from the switch at |d| = beta
    _checks(lambda a, b: getattr(F, name)(a, b, **kwargs), [x, y])


# ---------------------------------------------------------------------- binary cross-entropy with logits


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, pos_weighted", [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits_matches_torch(reduction, weighted, pos_weighted, rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 3)) * 4
    x[0] = [60.0, -60.0, 800.0]  # huge logits: finite, exact
    t = rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, (4, 3)) if weighted else None
    pw = rng.uniform(0.5, 3, 3) if pos_weighted else None
    kw = dict(reduction=reduction, weight=None if w is None else tc.tensor(w),
              pos_weight=None if pw is None else tc.tensor(pw))
    kw_t = dict(reduction=reduction, weight=None if w is None else torch.tensor(w),
                pos_weight=None if pw is None else torch.tensor(pw))
    _compare(torch, lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw),
             lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b, **kw_t), [x, t], [True, True], rng)


def test_bce_with_logits_float32_is_stable(rng):
    torch = pytest.importorskip("torch")
    x = np.array([[-120.0, -20.0, 0.0, 20.0, 120.0]], dtype=np.float32)
    t = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]], dtype=np.float32)
    out = F.binary_cross_entropy_with_logits(Tensor(x), Tensor(t), reduction="none")
    ref = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), reduction="none")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)


def test_bce_with_logits_gradcheck(rng):
    x, t, pw = rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4)), rng.uniform(0.5, 2, 4)
    _checks(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=tc.tensor(pw)), [x, t])
    _checks(lambda a: F.logsigmoid(a * 3), [x])


def test_bce_with_logits_errors():
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(tc.zeros(2, 3), tc.zeros(2, 4))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.binary_cross_entropy_with_logits(tc.zeros(2), tc.zeros(2), reduction="avg")


# ---------------------------------------------------------------------- nll_loss and cross_entropy


CE_CASES = [
    ((5, 4), {}),
    ((5, 4), dict(weight=True)),
    ((5, 4), dict(ignore_index=2)),
    ((5, 4), dict(weight=True, ignore_index=1)),
    ((5, 4), dict(label_smoothing=0.2)),
    ((5, 4), dict(weight=True, ignore_index=0, label_smoothing=0.3)),
    ((3, 4, 2, 3), dict(weight=True, ignore_index=3, label_smoothing=0.1)),
    ((3, 4, 5), dict(label_smoothing=1.0)),
    ((4,), dict(label_smoothing=0.25)),
]


def _class_target(shape, rng, ignore_index=None):
    batch_shape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    c = shape[0] if len(shape) == 1 else shape[1]
    t = rng.integers(0, c, batch_shape)
    if ignore_index is not None and t.ndim:
        t.reshape(-1)[0] = ignore_index
        t.reshape(-1)[1] = (ignore_index + 1) % c
    return np.asarray(t, dtype=np.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, opts", CE_CASES)
def test_cross_entropy_with_class_indices_matches_torch(shape, opts, reduction, rng):
    torch = pytest.importorskip("torch")
    c = shape[0] if len(shape) == 1 else shape[1]
    x = rng.standard_normal(shape) * 2
    t = _class_target(shape, rng, opts.get("ignore_index"))
    w = rng.uniform(0.5, 2, c)
    kw = {k: v for k, v in opts.items() if k != "weight"}
    ours_kw = dict(kw, reduction=reduction, weight=tc.tensor(w) if opts.get("weight") else None)
    torch_kw = dict(kw, reduction=reduction, weight=torch.tensor(w) if opts.get("weight") else None)
    _compare(torch, lambda a: F.cross_entropy(a, tc.tensor(t, dtype=np.int64), **ours_kw),
             lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t), **torch_kw), [x], [True], rng)
    if "label_smoothing" not in opts:
        logp = x - np.log(np.exp(x).sum(axis=0 if len(shape) == 1 else 1, keepdims=True))
        _compare(torch, lambda a: F.nll_loss(a, tc.tensor(t, dtype=np.int64), **ours_kw),
                 lambda a: torch.nn.functional.nll_loss(a, torch.tensor(t), **torch_kw), [logp], [True], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, weighted, smoothing", [((5, 4), False, 0.0), ((5, 4), True, 0.2),
                                                         ((2, 3, 4), True, 0.0), ((3,), False, 0.3)])
def test_cross_entropy_with_probabilities_matches_torch(shape, weighted, smoothing, reduction, rng):
    torch = pytest.importorskip("torch")
    c = shape[0] if len(shape) == 1 else shape[1]
    x = rng.standard_normal(shape)
    p = rng.uniform(0, 1, shape)
    p = p / p.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    w = rng.uniform(0.5, 2, c)
    _compare(torch,
             lambda a, b: F.cross_entropy(a, b, weight=tc.tensor(w) if weighted else None, reduction=reduction,
                                          label_smoothing=smoothing),
             lambda a, b: torch.nn.functional.cross_entropy(a, b, weight=torch.tensor(w) if weighted else None,
                                                            reduction=reduction, label_smoothing=smoothing),
             [x, p], [True, True], rng)


def test_cross_entropy_gradcheck(rng):
    x = rng.standard_normal((3, 4, 2))
    t = tc.tensor(np.array([[0, 1], [3, 2], [1, 1]]), dtype=np.int64)
    w = tc.tensor(rng.uniform(0.5, 2, 4))
    _checks(lambda a: F.cross_entropy(a, t, weight=w, ignore_index=2, label_smoothing=0.2), [x])
    p = rng.uniform(0, 1, (3, 4))
    _checks(lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1), [x[..., 0], p])
    _checks(lambda a: F.nll_loss(a.log_softmax(1), t, weight=w), [x])


def test_cross_entropy_errors_as_torch():
    torch = pytest.importorskip("torch")
    x = tc.zeros(2, 3)
    xt = torch.zeros(2, 3)
    for ours, theirs, err in [
        (lambda: F.cross_entropy(x, np.array([0, 5])), lambda: torch.nn.functional.cross_entropy(
            xt, torch.tensor([0, 5])), IndexError),
        (lambda: F.nll_loss(x, np.array([0, -1])), lambda: torch.nn.functional.nll_loss(
            xt, torch.tensor([0, -1])), IndexError),
        (lambda: F.cross_entropy(x, np.array([0, 1, 2])), lambda: torch.nn.functional.cross_entropy(
            xt, torch.tensor([0, 1, 2])), ValueError),
        (lambda: F.cross_entropy(x, np.array([0, 1]), label_smoothing=1.5),
         lambda: torch.nn.functional.cross_entropy(xt, torch.tensor([0, 1]), label_smoothing=1.5), RuntimeError),
        (lambda: F.cross_entropy(tc.zeros(2, 3, 4), np.zeros((2, 5), int)),
         lambda: torch.nn.functional.cross_entropy(torch.zeros(2, 3, 4), torch.zeros(2, 5, dtype=torch.long)),
         RuntimeError),
    ]:
        with pytest.raises(err):
            ours()
        with pytest.raises(err):
            theirs()


def test_all_ignored_mean_is_nan_as_torch():
    torch = pytest.importorskip("torch")
    out = F.cross_entropy(tc.zeros(2, 3), np.array([-100, -100]))
    ref = torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([-100, -100]))
    assert np.isnan(out.item()) and np.isnan(ref.item())


# ---------------------------------------------------------------------- kl_div


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target, rng):
    torch = pytest.importorskip("torch")
    x = np.log(rng.dirichlet(np.ones(5), 4))
    p = rng.dirichlet(np.ones(5), 4)
    t = np.log(p) if log_target else p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(torch, lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                 lambda a, b: torch.nn.functional.kl_div(a, b, reduction=reduction, log_target=log_target),
                 [x, t], [True, True], rng)
        if not log_target:  # a zero probability contributes 0 (PyTorch's xlogy); the target is a constant here
            p[0, 1] = 0.0
            _compare(torch, lambda a: F.kl_div(a, tc.tensor(p), reduction=reduction),
                     lambda a: torch.nn.functional.kl_div(a, torch.tensor(p), reduction=reduction), [x], [True], rng)


def test_kl_div_mean_warns_and_gradchecks(rng):
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(tc.zeros(2, 3), tc.ones(2, 3) / 3)
    x, p = rng.standard_normal((3, 4)), rng.uniform(0.1, 1, (3, 4))
    _checks(lambda a, b: F.kl_div(a, b, reduction="batchmean"), [x, p])
    _checks(lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True), [x, np.log(p)])


# ---------------------------------------------------------------------- legacy arguments and modules


def test_legacy_size_average_and_reduce(rng):
    torch = pytest.importorskip("torch")
    x, y = rng.standard_normal(5), rng.standard_normal(5)
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        with pytest.warns(UserWarning, match="deprecated"):
            out = F.l1_loss(tc.tensor(x), tc.tensor(y), size_average, reduce)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = torch.nn.functional.l1_loss(torch.tensor(x), torch.tensor(y), size_average, reduce)
        np.testing.assert_allclose(out.numpy(), ref.numpy())


def test_loss_modules_match_torch(rng):
    torch = pytest.importorskip("torch")
    w, pw = rng.uniform(0.5, 2, 3), rng.uniform(0.5, 2, 3)
    x, t_idx, t_prob = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2]), rng.uniform(0, 1, (4, 3))
    cases = [
        ("L1Loss", {}, t_prob), ("SmoothL1Loss", dict(beta=0.5), t_prob), ("HuberLoss", dict(delta=0.5), t_prob),
        ("MSELoss", dict(reduction="sum"), t_prob), ("BCEWithLogitsLoss", dict(pos_weight=pw), t_prob),
        ("BCEWithLogitsLoss", dict(weight=w, reduction="none"), t_prob),
        ("CrossEntropyLoss", dict(weight=w, ignore_index=1, label_smoothing=0.1), t_idx),
        ("NLLLoss", dict(weight=w), t_idx), ("KLDivLoss", dict(reduction="batchmean", log_target=False), t_prob),
    ]
    for name, kwargs, target in cases:
        ours = getattr(nn, name)(**{k: tc.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
        theirs = getattr(torch.nn, name)(**{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                            for k, v in kwargs.items()})
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict()), name
        assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
        assert list(ours.parameters()) == []
        tt = tc.tensor(target, dtype=np.int64) if target.dtype.kind == "i" else tc.tensor(target)
        out = ours(tc.tensor(x), tt)
        ref = theirs(torch.tensor(x), torch.tensor(target))
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10, err_msg=name)
    loaded = nn.CrossEntropyLoss(weight=tc.ones(3, dtype="float64"))
    loaded.load_state_dict(nn.CrossEntropyLoss(weight=tc.tensor(w)).state_dict())
    np.testing.assert_array_equal(loaded.weight.numpy(), w)
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")


def test_kl_div_negative_target_gives_nan_as_torch():
    torch = pytest.importorskip("torch")
    t = np.array([-0.5, 0.0, 0.5])
    ours = F.kl_div(tc.zeros(3, dtype="float64"), tc.tensor(t), reduction="none").numpy()
    theirs = torch.nn.functional.kl_div(torch.zeros(3, dtype=torch.float64), torch.tensor(t), reduction="none")
    np.testing.assert_array_equal(ours, theirs.numpy())
