"""In-place operations, assignment into tensors, views and version counters, against PyTorch.

Each program in ``PROGRAMS`` is written once and run on both frameworks (``m`` is ``tinygrad_cnn`` or
``torch``), so values, gradients and ``requires_grad`` are compared case by case.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc

X0 = np.array([0.7, -1.3, 2.1, 0.4])
W0 = np.array([1.5, 0.3, -0.8, 2.2])


def _masked(m, x, w):
    y = x * 1
    y.masked_fill_(x > 0.5, 0.25)
    return y * w


def _views_refreshed(m, x, w):
    y = x * 1
    v = y.view(2, 2)
    y.mul_(w)  # v's graph must now go through the multiplication
    return v * 3


def _overlapping_views(m, x, w):
    y = x * 1
    a, b = y[0:2], y[1:3]
    a.mul_(w[:2])
    return b * w[1:3]


def _chained_view_setitem(m, x, w):
    y = x.reshape(2, 2) * 1
    y[0][1] = w[0] * w[1]
    return y


def _rows(m, x, w):
    t = m.zeros(2, 2, dtype=m.float64)
    t[0] = x[:2]
    t[1] = x[2:] * w[2:]
    return t


def _transposed_view(m, x, w):
    y = x.reshape(2, 2) * 1
    y.transpose(0, 1)[0].mul_(w[:2])
    return y


def _fill_with_tensor(m, x, w):
    y = x * 1
    y[1:].fill_(w[0])
    return y


def _view_then_base_setitem(m, x, w):
    y = x * 1
    v = y[0:2]
    y[0] = 5.0  # v overlaps the written element: its graph must see the assignment
    return v * w[:2]


def _mask_imul(m, x, w):
    y = x * w
    y[y > 0] *= 2  # a copy (bool mask), multiplied, assigned back
    return y


def _duplicate_index_iadd(m, x, w):
    y = x * 1
    y[[0, 0, 2]] += w[:3]  # the last write of a repeated index wins, as in PyTorch
    return y


def _double_in_place_chain(m, x, w):
    y = x * w
    y.mul_(w).add_(x).div_(w + 3).sub_(1)
    y[1:3].pow_(2)
    return y.sigmoid_()


def _two_dim_views(m, x, w):
    y = (x * 1).reshape(2, 2)
    y[:, 1] += w[:2]
    y[1].mul_(w[2])
    y.transpose(0, 1)[1, 0] = w[3] * x[0]
    return y * y


#: name -> program(m, x, w) returning a tensor; every one differentiates in PyTorch
PROGRAMS = {
    "iadd_scalar": lambda m, x, w: (lambda y: (y.__iadd__(1), y)[1])(x * 2),
    "iadd_tensor": lambda m, x, w: (lambda y: (y.__iadd__(w), y)[1])(x * 2),
    "isub_imul_idiv": lambda m, x, w: (lambda y: (y.__isub__(w), y.__imul__(w), y.__itruediv__(w + 3), y)[-1])(x * 1),
    "ipow": lambda m, x, w: (lambda y: (y.__ipow__(2), y)[1])(x * 1),
    "add_alpha": lambda m, x, w: (x * 1).add_(w, alpha=2.5),
    "sub_alpha": lambda m, x, w: (x * 1).sub_(w, alpha=-0.5),
    "mul_self_saved": lambda m, x, w: (x * 1).mul_(w) * x,
    "div_": lambda m, x, w: (x * 1).div_(w),
    "pow_": lambda m, x, w: (x * 1).pow_(3),
    "neg_": lambda m, x, w: (x * w).neg_(),
    "exp_": lambda m, x, w: (x * w).exp_(),
    "tanh_": lambda m, x, w: (x * w).tanh_(),
    "sigmoid_": lambda m, x, w: (x * w).sigmoid_(),
    "relu_": lambda m, x, w: (x * w).relu_(),
    "abs_": lambda m, x, w: (x * w).abs_(),
    "sqrt_": lambda m, x, w: (x * x + w * w).sqrt_(),
    "clamp_": lambda m, x, w: (x * w).clamp_(-0.5, 0.9),
    "clamp_min": lambda m, x, w: (x * w).clamp_(min=0.1),
    "zero_view": lambda m, x, w: (lambda y: (y[:2].zero_(), y * w)[1])(x * 1),
    "setitem_int": lambda m, x, w: (lambda y: (y.__setitem__(0, x[1] * 3), y)[1])(x.clone()),
    "setitem_slice": lambda m, x, w: (lambda y: (y.__setitem__(slice(1, 3), w[:2] * x[:2]), y)[1])(x * 1),
    "setitem_ellipsis": lambda m, x, w: (lambda y: (y.__setitem__(Ellipsis, w), y * x)[1])(x * 1),
    "setitem_list": lambda m, x, w: (lambda y: (y.__setitem__([0, 2], w[:2]), y)[1])(x * 1),
    "setitem_index_tensor": lambda m, x, w: (
        lambda y: (y.__setitem__(m.tensor([3, 1]), w[2:] * 2), y)[1]
    )(x * 1),
    "setitem_mask": lambda m, x, w: (lambda y: (y.__setitem__(x > 0.5, 0.0), y * w)[1])(x * 1),
    "setitem_mask_tensor_value": lambda m, x, w: (lambda y: (y.__setitem__(x > 0.5, w[0]), y)[1])(x * 1),
    "setitem_into_zeros": lambda m, x, w: (lambda t: (t.__setitem__(0, x[0] * 3), t * t)[1])(
        m.zeros(2, dtype=m.float64)
    ),
    "setitem_broadcast": lambda m, x, w: (
        lambda y: (y.__setitem__((slice(None), 0), w[0]), y)[1]
    )((x * 1).reshape(2, 2)),
    "getitem_iadd": lambda m, x, w: (lambda y: (y.__setitem__(0, y[0].__iadd__(x[2] * w[1])), y)[1])(x * 1),
    "slice_imul": lambda m, x, w: (lambda y: (y.__setitem__(slice(1, 3), y[1:3].__imul__(w[1:3])), y)[1])(x * 1),
    "view_mul_": lambda m, x, w: (lambda y: (y[0].mul_(w[0]), y)[1])(x * 1),
    "view_add_": lambda m, x, w: (lambda y: (y[1:].add_(w[1:]), y * x)[1])(x * 1),
    "view_setitem": lambda m, x, w: (lambda y: (y.view(2, 2).__setitem__((0, 1), w[0]), y)[1])(x * 1),
    "unsqueeze_setitem": lambda m, x, w: (lambda y: (y.unsqueeze(0).__setitem__((0, 1), w[3]), y)[1])(x * 1),
    "copy_view": lambda m, x, w: (lambda y: (y[1:3].copy_(w[:2] * 2), y)[1])(x * 1),
    "copy_broadcast": lambda m, x, w: (x * 1).reshape(2, 2).copy_(w[:2]),
    "masked_fill_": _masked,
    "views_refreshed": _views_refreshed,
    "overlapping_views": _overlapping_views,
    "chained_view_setitem": _chained_view_setitem,
    "rows_into_zeros": _rows,
    "transposed_view": _transposed_view,
    "fill_with_tensor": _fill_with_tensor,
    "view_of_plain_tensor_add_": lambda m, x, w: (lambda t: (t[1:3].add_(w[:2] * x[:2]), t * x)[1])(
        m.zeros(4, dtype=m.float64)
    ),
    "view_then_base_setitem": _view_then_base_setitem,
    "setitem_leading_ones": lambda m, x, w: (lambda y: (y.__setitem__(slice(0, 3), w[:3].reshape(1, 3)), y)[1])(
        x * 1
    ),
    "mask_imul": _mask_imul,
    "duplicate_index_iadd": _duplicate_index_iadd,
    "double_in_place_chain": _double_in_place_chain,
    "two_dim_views": _two_dim_views,
    "value_needs_grad_only": lambda m, x, w: (lambda t: (t.add_(w), t)[1])(m.ones(4, dtype=m.float64)),
}


def _run(m, name):
    x = m.tensor(X0, requires_grad=True)
    w = m.tensor(W0, requires_grad=True)
    out = PROGRAMS[name](m, x, w)
    g = np.linspace(-1.0, 1.5, out.numel()).reshape(tuple(out.shape))
    (out * m.tensor(g)).sum().backward()
    grads = [None if t.grad is None else t.grad.numpy() for t in (x, w)]
    return out.detach().numpy().copy(), out.requires_grad, grads


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, ours_rg, ours_grads = _run(tc, name)
    theirs, theirs_rg, theirs_grads = _run(torch, name)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert ours_rg == theirs_rg
    for a, b in zip(ours_grads, theirs_grads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_program_values_by_hand():
    """The issue's three examples, with PyTorch's numbers written out."""
    x = tc.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.clone()
    y[0] = x[1] * 3
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 4.0, 1.0]
    a = tc.tensor([3.0, 1.0], requires_grad=True)
    t = tc.zeros(2)
    t[0] = a[0] * 3
    (t * t).sum().backward()
    assert a.grad.tolist() == [54.0, 0.0] and t.requires_grad and t.grad_fn is not None
    z = x * 2
    same = z
    z += 1
    assert z is same and z.grad_fn is not None


# ---------------------------------------------------------------------- gradcheck / gradgradcheck

GRADCHECKED = [
    "double_in_place_chain",
    "two_dim_views",
    "mask_imul",
    "iadd_tensor",
    "isub_imul_idiv",
    "mul_self_saved",
    "div_",
    "pow_",
    "exp_",
    "sigmoid_",
    "setitem_int",
    "setitem_slice",
    "setitem_list",
    "setitem_mask_tensor_value",
    "setitem_into_zeros",
    "setitem_broadcast",
    "getitem_iadd",
    "view_mul_",
    "view_add_",
    "copy_view",
    "views_refreshed",
    "overlapping_views",
    "chained_view_setitem",
    "rows_into_zeros",
    "transposed_view",
    "fill_with_tensor",
]


@pytest.mark.parametrize("name", GRADCHECKED)
def test_gradcheck_and_gradgradcheck(name):
    x = tc.tensor(X0, requires_grad=True)
    w = tc.tensor(W0, requires_grad=True)

    def f(x, w):
        return PROGRAMS[name](tc, x, w)

    assert tc.gradcheck(f, (x, w))
    assert tc.gradgradcheck(f, (x, w))


def test_index_put_function_gradchecks_with_duplicates_and_broadcast():
    from tinygrad_cnn.ops.inplace import IndexPut

    a = tc.tensor(np.arange(12.0).reshape(3, 4) / 7, requires_grad=True)
    v = tc.tensor([[0.5, -1.5, 2.0, 0.25]], requires_grad=True)  # broadcast over the selected rows
    for index in ((slice(0, 2),), (np.array([0, 2]),), (np.array([True, False, True]),)):
        assert tc.gradcheck(lambda a, v, index=index: IndexPut.apply(a, v, index[0], False), (a, v))
        assert tc.gradgradcheck(lambda a, v, index=index: IndexPut.apply(a, v, index[0], False), (a, v))


# ---------------------------------------------------------------------- PyTorch's errors


def test_leaf_that_requires_grad_refuses_in_place_unless_no_grad():
    w = tc.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1), lambda: w.__iadd__(1), lambda: w.zero_(), lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            op()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        w[0].mul_(2)
    assert w.tolist() == [1.0, 2.0] and w._version == 0  # nothing changed
    with tc.no_grad():
        w -= 0.5 * tc.ones(2, dtype=tc.float32)
        w[1] = 7.0
    assert w.tolist() == [0.5, 7.0] and w.is_leaf and w.requires_grad and w._version == 2


def test_view_made_under_no_grad_refuses_tracked_in_place():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with tc.no_grad():
        v = y[0]
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
        v.mul_(x[1])


_FLOAT_TO_LONG = "result type Float can't be cast to the desired output type Long"


@pytest.mark.parametrize(
    "make, op, message",
    [
        (lambda: tc.tensor([1, 2]), lambda t: t.add_(1.5), _FLOAT_TO_LONG),
        (lambda: tc.tensor([1, 2]), lambda t: t.__iadd__(1.5), _FLOAT_TO_LONG),
        (lambda: tc.tensor([1, 2]), lambda t: t.div_(2), _FLOAT_TO_LONG),
        (lambda: tc.tensor([True]), lambda t: t.add_(1), "result type Long can't be cast to the desired output type"),
        (lambda: tc.zeros(3), lambda t: t.add_(tc.ones(2, 3)), r"output with shape \[3\] doesn't match the broadcast"),
        (lambda: tc.zeros(3).expand(2, 3), lambda t: t.add_(1), "more than one element of the written-to tensor"),
        (lambda: tc.zeros(3), lambda t: t.fill_(tc.ones(2)), "fill_ only supports 0-dimension value tensor"),
        (lambda: tc.zeros(2), lambda t: t.masked_fill_(tc.tensor([1, 0]), 1.0), "only supports boolean masks"),
        (lambda: tc.zeros(3), lambda t: t.copy_(tc.ones(2)), "must match the size"),
        (lambda: tc.zeros(3), lambda t: t.__setitem__(slice(0, 2), tc.ones(3)), "shape mismatch"),
        (lambda: tc.zeros(2, 3), lambda t: t.__setitem__(0, tc.ones(2, 3)), "shape mismatch"),
        (lambda: tc.tensor([1, 2]), lambda t: t.clamp_(0.5), _FLOAT_TO_LONG),
    ],
)
def test_errors_as_pytorch(make, op, message):
    t = make()
    before = t.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=message):
        op(t)
    np.testing.assert_array_equal(t.detach().numpy(), before)  # refused before writing anything
    assert t._version == 0


def test_errors_are_errors_in_torch():
    torch = pytest.importorskip("torch")
    for op in (
        lambda: torch.tensor([1, 2]).add_(1.5),
        lambda: torch.tensor([1, 2]).div_(2),
        lambda: torch.tensor([True]).add_(1),
        lambda: torch.zeros(3).add_(torch.ones(2, 3)),
        lambda: torch.zeros(3).expand(2, 3).add_(1),
        lambda: torch.zeros(3).fill_(torch.ones(2)),
        lambda: torch.zeros(3).copy_(torch.ones(2)),
        lambda: torch.zeros(3).__setitem__(slice(0, 2), torch.ones(3)),
        lambda: torch.ones(2, requires_grad=True).add_(1),
    ):
        with pytest.raises(RuntimeError):
            op()


def test_in_place_keeps_dtype():
    t = tc.tensor([1, 2])
    t += 3
    t *= 2
    t[0] = 2.7  # assignment casts, as PyTorch
    assert t.dtype == tc.int64 and t.tolist() == [2, 10]
    f = tc.zeros(2)
    f += tc.ones(2, dtype=tc.float64)
    f.add_(1)
    assert f.dtype == tc.float32 and f.tolist() == [2.0, 2.0]
    b = tc.tensor([True, False])
    b *= tc.tensor([True, True])
    assert b.dtype == tc.bool and b.tolist() == [True, False]


# ---------------------------------------------------------------------- views and versions


def _version_trace(m):
    x = m.zeros(3)
    out = [x._version]
    x[0] = 2
    x += 1
    out += [x._version]
    y = x * 2
    y[0] += 1
    out += [y._version]
    x[x > 2] = 0
    d = x.data
    d.add_(1)
    out += [x._version, d._version]
    x[[0, 1]] = 5.0
    x.fill_(1)
    x.zero_()
    x.copy_(m.ones(3))
    x.masked_fill_(x > 0, 2.0)
    out += [x._version]
    v = x[1:]
    v.mul_(2)
    out += [x._version, v._version]
    x.normal_()
    x.uniform_()
    x.clamp_(0, 0.5)
    x.add_(1, alpha=2)
    x.detach().sub_(1)
    out += [x._version]
    with m.no_grad():
        x[0].zero_()
        x.view(3)[1] = 4
        x.unsqueeze(0).squeeze(0).transpose(0, 0).reshape(3)[2] = 9
    out += [x._version, x.tolist()[:3]]
    return out


def test_version_counts_match_torch():
    torch = pytest.importorskip("torch")
    assert _version_trace(tc) == _version_trace(torch)


def test_views_share_storage_and_version_with_their_base():
    x = tc.tensor(np.arange(6.0).reshape(2, 3))
    views = [x[0], x[:, 1], x[1, 2], x[...], x.view(6), x.reshape(3, 2), x.transpose(0, 1), x.T, x.unsqueeze(1),
             x[0].squeeze(), x.detach(), x.flatten(), x.permute(1, 0)]
    for v in views:
        assert np.shares_memory(v.numpy(), x.numpy())
        before = x._version
        with tc.no_grad():
            v.mul_(1)
        assert x._version == before + 1 == v._version
    assert x[0]._base is x and x[0][1]._base is x and x.view(6)._base is x
    assert x[[0, 1]]._base is None and not np.shares_memory(x[[0, 1]].numpy(), x.numpy())  # advanced: a copy
    data = x.data
    data.add_(1)
    assert x._version == before + 1 and data._version == 1 and x.tolist()[0][0] == 1.0


def test_zero_of_a_row_under_no_grad_changes_the_base():
    x = tc.ones(2, 3, requires_grad=True)
    with tc.no_grad():
        x[0].zero_()
    assert x.detach().numpy().tolist() == [[0, 0, 0], [1, 1, 1]] and x._version == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda y: y.reshape(3),
        lambda y: y.view(3),
        lambda y: y.view(-1),
        lambda y: y.squeeze(),
        lambda y: y.squeeze(0),
        lambda y: y.flatten(),
        lambda y: y.transpose(0, 0),
        lambda y: y.permute(0),
        lambda y: y.expand(3),
        lambda y: y.T,
    ],
)
def test_no_op_view_is_a_new_tensor_whose_hook_does_not_fire_for_the_base(make):
    x = tc.ones(3, requires_grad=True)
    y = x * 1
    z = make(y)
    assert z is not y and np.shares_memory(z.detach().numpy(), y.detach().numpy())
    calls = []
    z.register_hook(lambda g: calls.append("z"))
    y.register_hook(lambda g: calls.append("y"))
    (y * 2).sum().backward()
    assert calls == ["y"]


def test_same_object_after_augmented_assignment_and_hooks_keep_working():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    alias = y
    y *= x
    assert alias is y
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.tolist() == [6.0, 12.0]


_ENGINE_CHECKS_VERSIONS = getattr(tc.autograd.Node, "_versions", None) is not None


@pytest.mark.skipif(not _ENGINE_CHECKS_VERSIONS, reason="needs the engine's saved-tensor version checks")
@pytest.mark.parametrize(
    "program",
    [
        lambda x: (lambda y: (y.__imul__(y), y)[1])(x * 3),  # mul saved y, which it then overwrote
        lambda x: (lambda y: (y.__setitem__(0, 0.0), y)[1])(x.sigmoid()),  # sigmoid saved its output
        lambda x: (lambda y: (y.mul_(2), y)[1])(x.exp()),
        lambda x: (lambda z: (z * x, z.__setitem__(0, 0.0))[0])(x * 1),  # mul saved z
    ],
)
def test_overwriting_a_saved_tensor_raises_at_backward_as_torch(program):
    torch = pytest.importorskip("torch")
    for m in (tc, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        out = program(x)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


def test_imatmul():
    a = tc.tensor([[1.0, 2.0], [3.0, 4.0]])
    same = a
    a @= tc.tensor([[0.0, 1.0], [1.0, 0.0]])
    assert a is same and a.tolist() == [[2.0, 1.0], [4.0, 3.0]]


def test_normal_and_uniform_fill_in_place_from_the_seeded_generator():
    tc.manual_seed(3)
    t = tc.zeros(1000)
    assert t.normal_(2.0, 0.5) is t
    assert abs(float(t.mean()) - 2.0) < 0.1 and abs(float(((t - 2.0) ** 2).mean()) ** 0.5 - 0.5) < 0.05
    assert t.uniform_(-1, 1) is t and -1 <= float(t.min()) and float(t.max()) < 1
    assert t.dtype == tc.float32


def test_manual_sgd_idiom_trains_the_same_object():
    tc.manual_seed(0)
    w = tc.randn(3, 1, requires_grad=True)
    x = tc.randn(16, 3)
    target = x @ tc.tensor([[1.0], [-2.0], [0.5]])
    first = w
    for _ in range(200):
        loss = ((x @ w - target) ** 2).mean()
        loss.backward()
        with tc.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
    assert w is first and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy().ravel(), [1.0, -2.0, 0.5], atol=1e-3)


def test_relu_inplace_flag():
    import tinygrad_cnn.functional as F

    x = tc.tensor([-1.0, 2.0], requires_grad=True)
    y = x * 1
    out = F.relu(y, inplace=True)
    assert out is y and y.tolist() == [0.0, 2.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]
    layer = tc.nn.ReLU(inplace=True)
    z = x * 2
    assert layer(z) is z and "inplace=True" in repr(layer)


# ---------------------------------------------------------------------- random assignments


def _random_case(seed: int):
    """A random shape, a random index of one of PyTorch's kinds, and a value shape that broadcasts."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in rng.integers(2, 5, rng.integers(1, 4)))
    kind = ["int", "slice", "ellipsis", "mask", "list", "mixed"][seed % 6]
    d0 = shape[0]
    if kind == "int":
        index = (int(rng.integers(-d0, d0)),)
    elif kind == "slice":
        start = int(rng.integers(0, d0 - 1))
        index = (slice(start, None, int(rng.integers(1, 3))),)
    elif kind == "ellipsis":
        index = (Ellipsis, int(rng.integers(0, shape[-1])))
    elif kind == "mask":
        index = (rng.random(shape) > 0.5,)
    elif kind == "list":
        index = (rng.integers(0, d0, 3).tolist(),)
    else:
        index = (slice(None), int(rng.integers(0, shape[1]))) if len(shape) > 1 else (slice(1, None),)
    target = np.broadcast_to(np.False_, shape)[index].shape
    value_shape = target[1:] if len(target) > 1 and seed % 2 else target  # sometimes broadcast
    return rng.standard_normal(shape), index, rng.standard_normal(value_shape), rng.standard_normal(shape)


def _assign(m, seed, view_op):
    x0, index, v0, g = _random_case(seed)
    x = m.tensor(x0, requires_grad=True)
    v = m.tensor(v0, requires_grad=True)
    y = x * 1.5
    idx = tuple(m.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    if view_op and not any(isinstance(i, (np.ndarray, list)) for i in index):
        y[idx].mul_(v)  # an in-place op on a view: the base is rebased
    else:
        y[idx] = v * 2
    (y * m.tensor(g)).sum().backward()
    return y.detach().numpy().copy(), x.grad.numpy(), None if v.grad is None else v.grad.numpy()


@pytest.mark.parametrize("view_op", [False, True])
@pytest.mark.parametrize("seed", range(24))
def test_random_assignments_match_torch(seed, view_op):
    torch = pytest.importorskip("torch")
    ours, theirs = _assign(tc, seed, view_op), _assign(torch, seed, view_op)
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
