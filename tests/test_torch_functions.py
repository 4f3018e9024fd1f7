"""The PyTorch-compatible functions and methods: values, dtypes and gradients against PyTorch, and
``gradcheck`` + ``gradgradcheck`` in float64 for every differentiable one."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc


def _t(arr, grad=True):
    return tc.tensor(np.array(arr, dtype=np.float64), requires_grad=grad)


# (id, our function of tensors, the same in torch, input arrays (float64))
_RNG = np.random.default_rng(1)
_A = _RNG.standard_normal((3, 4))
_B = _RNG.standard_normal((4, 5))
_POS = _RNG.uniform(0.5, 2.0, (3, 4))
_TIES = np.array([[1.0, 3.0, 3.0, 0.5], [2.0, 2.0, -1.0, 0.0], [0.3, -0.2, 0.9, 0.9]])
_WITH_ZERO = np.array([[1.5, 0.0, -2.0], [0.7, 1.2, 0.0], [0.5, -1.1, 1.3]])
_IDX = np.array([[0, 2], [3, 3], [1, 0]])

_TIED = {"amax", "amin_all"}
DIFFERENTIABLE = [
    ("sin", lambda x: tc.sin(x), lambda t, x: t.sin(x), [_A]),
    ("cos", lambda x: x.cos(), lambda t, x: x.cos(), [_A]),
    ("tan", lambda x: tc.tan(x), lambda t, x: t.tan(x), [_A * 0.5]),
    ("log1p", lambda x: tc.log1p(x), lambda t, x: t.log1p(x), [_POS]),
    ("expm1", lambda x: x.expm1(), lambda t, x: x.expm1(), [_A]),
    ("log2", lambda x: tc.log2(x), lambda t, x: t.log2(x), [_POS]),
    ("log10", lambda x: x.log10(), lambda t, x: x.log10(), [_POS]),
    ("exp2", lambda x: tc.exp2(x), lambda t, x: t.exp2(x), [_A]),
    ("rsqrt", lambda x: tc.rsqrt(x), lambda t, x: t.rsqrt(x), [_POS]),
    ("square", lambda x: tc.square(x), lambda t, x: t.square(x), [_A]),
    ("reciprocal", lambda x: x.reciprocal(), lambda t, x: x.reciprocal(), [_POS]),
    ("mm", lambda a, b: tc.mm(a, b), lambda t, a, b: t.mm(a, b), [_A, _B]),
    ("bmm", lambda a, b: tc.bmm(a, b), lambda t, a, b: t.bmm(a, b),
     [_RNG.standard_normal((2, 3, 4)), _RNG.standard_normal((2, 4, 2))]),
    ("matmul", lambda a, b: tc.matmul(a, b), lambda t, a, b: t.matmul(a, b), [_A, _B]),
    ("dot", lambda a, b: tc.dot(a, b), lambda t, a, b: t.dot(a, b), [_A[0], _A[1]]),
    ("outer", lambda a, b: tc.outer(a, b), lambda t, a, b: t.outer(a, b), [_A[0], _B[0]]),
    ("t", lambda x: x.t(), lambda t, x: x.t(), [_A]),
    ("norm", lambda x: x.norm(), lambda t, x: x.norm(), [_A]),
    ("norm_dim", lambda x: tc.norm(x, dim=1, keepdim=True), lambda t, x: t.norm(x, dim=1, keepdim=True), [_A]),
    ("norm_p1", lambda x: x.norm(p=1, dim=0), lambda t, x: x.norm(p=1, dim=0), [_A]),
    ("norm_p3", lambda x: x.norm(p=3), lambda t, x: x.norm(p=3), [_A]),
    ("norm_inf", lambda x: x.norm(p=float("inf"), dim=1), lambda t, x: x.norm(p=float("inf"), dim=1), [_A]),
    ("var", lambda x: x.var(), lambda t, x: x.var(), [_A]),
    ("var_dim", lambda x: tc.var(x, 1, keepdim=True), lambda t, x: t.var(x, 1, keepdim=True), [_A]),
    ("var_biased", lambda x: x.var(0, unbiased=False), lambda t, x: x.var(0, unbiased=False), [_A]),
    ("std", lambda x: tc.std(x, dim=0), lambda t, x: t.std(x, dim=0), [_A]),
    ("std_correction", lambda x: x.std(1, correction=0), lambda t, x: x.std(1, correction=0), [_A]),
    ("prod", lambda x: x.prod(), lambda t, x: x.prod(), [_POS]),
    ("prod_dim", lambda x: tc.prod(x, 1), lambda t, x: t.prod(x, 1), [_A]),
    ("prod_zeros", lambda x: x.prod(1, keepdim=True), lambda t, x: x.prod(1, keepdim=True), [_WITH_ZERO]),
    ("prod_zeros_all", lambda x: x.prod(), lambda t, x: x.prod(), [_WITH_ZERO]),
    ("cumsum", lambda x: tc.cumsum(x, 1), lambda t, x: t.cumsum(x, 1), [_A]),
    ("logsumexp", lambda x: tc.logsumexp(x, 1), lambda t, x: t.logsumexp(x, 1), [_A]),
    ("logsumexp_keep", lambda x: x.logsumexp((0, 1), keepdim=True),
     lambda t, x: x.logsumexp((0, 1), keepdim=True), [_A]),
    ("amax", lambda x: x.amax(1), lambda t, x: x.amax(1), [_TIES]),
    ("amin_all", lambda x: tc.amin(x), lambda t, x: t.amin(x), [_TIES]),
    ("gather", lambda x: tc.gather(x, 1, tc.tensor(_IDX, dtype=np.int64)),
     lambda t, x: t.gather(x, 1, t.tensor(_IDX)), [_A]),
    ("gather_dim0", lambda x: x.gather(0, tc.tensor([[0, 2, 1, 1]], dtype=np.int64)),
     lambda t, x: x.gather(0, t.tensor([[0, 2, 1, 1]])), [_A]),
    ("scatter", lambda x, s: x.scatter(1, tc.tensor(_IDX[:, :1], dtype=np.int64), s),
     lambda t, x, s: x.scatter(1, t.tensor(_IDX[:, :1]), s), [_A, _RNG.standard_normal((3, 1))]),
    ("scatter_add", lambda x, s: tc.scatter_add(x, 1, tc.tensor(_IDX, dtype=np.int64), s),
     lambda t, x, s: t.scatter_add(x, 1, t.tensor(_IDX), s), [_A, _RNG.standard_normal((3, 2))]),
    ("index_select", lambda x: tc.index_select(x, 1, tc.tensor([3, 0, 3], dtype=np.int64)),
     lambda t, x: t.index_select(x, 1, t.tensor([3, 0, 3])), [_A]),
    ("masked_fill", lambda x: x.masked_fill(tc.tensor(_A > 0, dtype=bool), -1.5),
     lambda t, x: x.masked_fill(t.tensor(_A > 0), -1.5), [_A]),
    ("masked_select", lambda x: tc.masked_select(x, tc.tensor(_A > 0, dtype=bool)),
     lambda t, x: t.masked_select(x, t.tensor(_A > 0)), [_A]),
    ("flip", lambda x: tc.flip(x, (0, 1)), lambda t, x: t.flip(x, (0, 1)), [_A]),
    ("roll", lambda x: x.roll(1, 1), lambda t, x: x.roll(1, 1), [_A]),
    ("roll_flat", lambda x: tc.roll(x, -2), lambda t, x: t.roll(x, -2), [_A]),
    ("repeat", lambda x: x.repeat(2, 1, 3), lambda t, x: x.repeat(2, 1, 3), [_A]),
    ("sort_values", lambda x: x.sort(1, descending=True).values,
     lambda t, x: x.sort(1, descending=True).values, [_A]),
    ("topk_values", lambda x: tc.topk(x, 2).values, lambda t, x: t.topk(x, 2).values, [_A]),
    ("split", lambda x: tc.split(x, [1, 3], 1)[1], lambda t, x: t.split(x, [1, 3], 1)[1], [_A]),
    ("chunk", lambda x: x.chunk(2, 1)[0], lambda t, x: x.chunk(2, 1)[0], [_A]),
    ("unbind", lambda x: tc.unbind(x, 1)[2], lambda t, x: t.unbind(x, 1)[2], [_A]),
    ("narrow", lambda x: x.narrow(1, 1, 2), lambda t, x: x.narrow(1, 1, 2), [_A]),
    ("select", lambda x: tc.select(x, 0, -1), lambda t, x: t.select(x, 0, -1), [_A]),
    ("view_as", lambda x: x.view_as(tc.zeros(4, 3)), lambda t, x: x.view_as(t.zeros(4, 3)), [_A]),
    ("reshape_as", lambda x: x.reshape_as(tc.zeros(2, 6)), lambda t, x: x.reshape_as(t.zeros(2, 6)), [_A]),
    ("unflatten", lambda x: x.unflatten(1, (2, 2)), lambda t, x: x.unflatten(1, (2, 2)), [_A]),
    ("minimum", lambda a, b: tc.minimum(a, b), lambda t, a, b: t.minimum(a, b), [_A, _POS]),
    ("einsum_mm", lambda a, b: tc.einsum("ij,jk->ik", a, b), lambda t, a, b: t.einsum("ij,jk->ik", a, b), [_A, _B]),
    ("einsum_trace_free", lambda a: tc.einsum("ij->j", a), lambda t, a: t.einsum("ij->j", a), [_A]),
    ("einsum_batch", lambda a, b: tc.einsum("bij,bjk->bik", a, b), lambda t, a, b: t.einsum("bij,bjk->bik", a, b),
     [_RNG.standard_normal((2, 3, 4)), _RNG.standard_normal((2, 4, 2))]),
    ("add_alpha", lambda a, b: tc.add(a, b, alpha=2.0), lambda t, a, b: t.add(a, b, alpha=2.0), [_A, _A[0]]),
    ("sub", lambda a, b: tc.sub(a, b), lambda t, a, b: t.sub(a, b), [_A, _A[0]]),
    ("softmax", lambda x: tc.softmax(x, 1), lambda t, x: t.softmax(x, 1), [_A]),
    ("log_softmax", lambda x: tc.log_softmax(x, 0), lambda t, x: t.log_softmax(x, 0), [_A]),
    ("contiguous", lambda x: x.t().contiguous(), lambda t, x: x.t().contiguous(), [_A]),
]


@pytest.mark.parametrize("name, ours, _theirs, arrays", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_gradcheck_and_gradgradcheck(name, ours, _theirs, arrays):
    if name in _TIED:  # finite differences across a tie measure a kink, not the gradient
        arrays = [_A]
    inputs = [_t(a) for a in arrays]
    assert tc.gradcheck(ours, inputs)
    assert tc.gradgradcheck(ours, inputs)


@pytest.mark.parametrize("name, ours, theirs, arrays", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_values_and_gradients_match_pytorch(name, ours, theirs, arrays):
    torch = pytest.importorskip("torch")
    xs = [_t(a) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, ref = ours(*xs), theirs(torch, *ts)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach()._data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = np.random.default_rng(2).standard_normal(out.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_float32_stays_float32():
    x = tc.randn(3, 4)
    for y in (x.sin(), x.norm(), x.var(0), x.std(), x.prod(1), x.cumsum(0), x.logsumexp(1), x.amax(0),
              tc.einsum("ij->i", x), x.sort().values, x.gather(1, tc.zeros(3, 1, dtype=np.int64))):
        assert y.dtype == np.float32


NON_DIFFERENTIABLE = [
    ("argsort", lambda m, x: m.argsort(x, 1, descending=True)),
    ("sort_idx", lambda m, x: m.sort(x, 0).indices),
    ("topk_idx", lambda m, x: m.topk(x, 3, largest=False).indices),
    ("floor", lambda m, x: m.floor(x)),
    ("ceil", lambda m, x: m.ceil(x)),
    ("trunc", lambda m, x: m.trunc(x)),
    ("eq", lambda m, x: m.eq(x, 0.5)),
    ("ne", lambda m, x: x.ne(x.flip(0))),
    ("lt", lambda m, x: m.lt(x, 0.0)),
    ("le", lambda m, x: x.le(0.0)),
    ("gt", lambda m, x: m.gt(x, 0.0)),
    ("ge", lambda m, x: x.ge(0.0)),
    ("isnan", lambda m, x: m.isnan(x / x)),
    ("isfinite", lambda m, x: m.isfinite(1 / x.round())),
    ("isinf", lambda m, x: m.isinf(1 / x.round())),
    ("any", lambda m, x: m.any(x > 1.0, 1)),
    ("all", lambda m, x: (x > -1.0).all()),
    ("nonzero", lambda m, x: m.nonzero(x > 0.5)),
    ("unique", lambda m, x: m.unique(x.round(), return_inverse=True, return_counts=True)),
    ("argmax", lambda m, x: m.argmax(x, 1, keepdim=True)),
    ("argmin", lambda m, x: m.argmin(x)),
    ("max_dim", lambda m, x: m.max(x, 1)),
    ("min_dim", lambda m, x: m.min(x, 0)),
    ("cumsum_int", lambda m, x: m.cumsum(x > 0, 1)),
    ("prod_int", lambda m, x: m.prod((x > 0).long() + 1) if hasattr(x, "long") else None),
    ("div_floor", lambda m, x: m.div(x, 0.3, rounding_mode="floor")),
    ("isclose", lambda m, x: m.isclose(x, x + 1e-9)),
    ("sum_dtype", lambda m, x: m.sum(x, 0, dtype=m.float64)),
]


@pytest.mark.parametrize("name, fn", NON_DIFFERENTIABLE, ids=[c[0] for c in NON_DIFFERENTIABLE])
def test_non_differentiable_match_pytorch(name, fn):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32) * 2
    ours, ref = fn(tc, tc.tensor(a)), fn(torch, torch.tensor(a))
    ours = ours if isinstance(ours, tuple) else (ours,)
    ref = ref if isinstance(ref, tuple) else (ref,)
    assert len(ours) == len(ref)
    for o, r in zip(ours, ref):
        assert np.dtype(o.dtype) == np.dtype(str(r.dtype).replace("torch.", "")), (o.dtype, r.dtype)
        np.testing.assert_array_equal(o._data, r.numpy())


def test_method_and_function_twins_agree(rng):
    x = tc.tensor(rng.standard_normal((3, 4)))
    for name in ("exp", "sin", "cos", "sqrt", "abs", "tanh", "sigmoid", "relu", "neg", "floor", "sign"):
        np.testing.assert_array_equal(getattr(tc, name)(x.abs())._data, getattr(x.abs(), name)()._data)
    np.testing.assert_array_equal(tc.sum(x, 1)._data, x.sum(1)._data)
    np.testing.assert_array_equal(tc.mean(x)._data, x.mean()._data)
    np.testing.assert_array_equal(tc.flatten(x)._data, x.flatten()._data)
    np.testing.assert_array_equal(tc.transpose(x, 0, 1)._data, x.T._data)
    np.testing.assert_array_equal(tc.permute(x, (1, 0))._data, x.T._data)
    np.testing.assert_array_equal(tc.squeeze(tc.unsqueeze(x, 0), 0)._data, x._data)
    np.testing.assert_array_equal(tc.clamp(x, min=0)._data, x.clamp(min=0)._data)
    assert tc.numel(x) == 12 and tc.is_tensor(x) and not tc.is_tensor(x._data)
    assert tc.equal(x, x.clone()) and not tc.equal(x, x[:2])
    assert tc.allclose(x, x + 1e-9)
    v, i = tc.max(x, 1)
    np.testing.assert_array_equal(v._data, x._data.max(1))


def test_errors_match_pytorch_types():
    torch = pytest.importorskip("torch")
    a = np.ones((2, 3), dtype=np.float32)
    cases = [
        lambda m, x: m.mm(x, x),
        lambda m, x: m.bmm(x, x),
        lambda m, x: x.t().reshape(3, 2, 1).t(),
        lambda m, x: m.gather(x, 1, m.tensor([[0, 5], [0, 0]], dtype=m.int64)),
        lambda m, x: m.gather(x, 1, m.tensor([0, 1], dtype=m.int64)),
        lambda m, x: m.topk(x, 4),
        lambda m, x: m.split(x, [1, 1], 1),
        lambda m, x: x.repeat(2),
        lambda m, x: m.index_select(x, 0, m.tensor([[0]], dtype=m.int64)),
        lambda m, x: x.masked_fill(m.tensor([1, 0, 1]), 0.0),
        lambda m, x: m.exp(a),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch, torch.tensor(a))
        with pytest.raises(Exception) as ours:
            case(tc, tc.tensor(a))
        assert isinstance(ours.value, theirs.type) or issubclass(theirs.type, type(ours.value)), (
            case, ours.value, theirs.value)


def test_gather_and_scatter_with_repeated_indices_accumulate():
    x = _t([[1.0, 2.0, 3.0]])
    y = x.gather(1, tc.tensor([[0, 0, 2]], dtype=np.int64))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[2.0, 0.0, 1.0]])


def test_scatter_in_place_for_one_hot_targets():
    labels = tc.tensor([2, 0, 1], dtype=np.int64)
    onehot = tc.zeros(3, 4).scatter_(1, labels.unsqueeze(1), 1.0)
    np.testing.assert_array_equal(onehot._data, np.eye(4, dtype=np.float32)[[2, 0, 1]])
    assert onehot._version == 1
    w = tc.zeros(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="out-of-place"):
        w.scatter_(1, labels.unsqueeze(1), 1.0)


def test_norm_gradient_at_zero_is_zero_as_pytorch():
    x = _t([0.0, 0.0])
    x.norm().backward()
    np.testing.assert_array_equal(x.grad._data, [0.0, 0.0])


def test_split_chunk_unbind_shapes_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.arange(35.0).reshape(5, 7)
    for fn in (lambda m, x: m.split(x, 2), lambda m, x: m.split(x, 3, 1), lambda m, x: m.chunk(x, 3),
               lambda m, x: m.chunk(x, 4, 1), lambda m, x: m.chunk(x, 10), lambda m, x: m.unbind(x, 1)):
        ours, theirs = fn(tc, tc.tensor(a)), fn(torch, torch.tensor(a))
        assert [o.shape for o in ours] == [tuple(t.shape) for t in theirs]
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(o._data, t.numpy())


def test_new_factories_take_the_dtype_of_self():
    x = tc.zeros(2, dtype=np.float64)
    assert x.new_zeros(3).dtype == np.float64 and x.new_zeros(3).shape == (3,)
    assert x.new_ones((2, 2)).dtype == np.float64
    assert x.new_full((2,), 7)._data.tolist() == [7.0, 7.0]
    assert x.new_tensor([1, 2]).dtype == np.float64
    assert x.new_empty(4).shape == (4,)
    assert x.new_zeros(2, dtype=np.int64).dtype == np.int64
    assert tc.ones(2).type_as(x).dtype == np.float64


def test_contiguity_as_pytorch():
    x = tc.randn(3, 4)
    assert x.is_contiguous() and x.contiguous() is x
    y = x.t()
    assert not y.is_contiguous()
    assert y.contiguous().is_contiguous()


def test_out_argument_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.arange(4.0, dtype=np.float32).reshape(2, 2)
    for name, args in (("matmul", (a, a)), ("mul", (a, a)), ("add", (a, a)), ("exp", (a,)), ("mm", (a, a))):
        ours_out, theirs_out = tc.zeros(2, 2), torch.zeros(2, 2)
        r = getattr(tc, name)(*[tc.tensor(x) for x in args], out=ours_out)
        getattr(torch, name)(*[torch.tensor(x) for x in args], out=theirs_out)
        assert r is ours_out
        np.testing.assert_allclose(ours_out._data, theirs_out.numpy(), rtol=1e-6)
    grown = tc.zeros(3)
    tc.matmul(tc.tensor(a), tc.tensor(a), out=grown)
    assert grown.shape == (2, 2)
    x = tc.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        tc.mul(x, x, out=tc.zeros(2))
    with pytest.raises(RuntimeError, match="cast"):
        tc.add(tc.ones(2), 1.5, out=tc.zeros(2, dtype=np.int64))


def test_nn_functional_reachable_as_attribute():
    assert tc.nn.functional.relu is tc.functional.relu


MORE = [
    ("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2)),
    ("repeat_interleave_dim", lambda m, x: x.repeat_interleave(3, dim=1)),
    ("repeat_interleave_tensor", lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2, 1], dtype=m.int64), dim=0)),
    ("tril", lambda m, x: m.tril(x)),
    ("tril_k", lambda m, x: x.tril(1)),
    ("triu", lambda m, x: m.triu(x, -1)),
    ("meshgrid_ij", lambda m, x: m.meshgrid(x[0], x[1, :3], indexing="ij")[0] * 1.0),
    ("meshgrid_xy", lambda m, x: m.meshgrid(x[0], x[1, :3], x[2, :2], indexing="xy")[1] * 1.0),
]


@pytest.mark.parametrize("name, fn", MORE, ids=[c[0] for c in MORE])
def test_more_functions_match_pytorch_with_gradients(name, fn):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal((4, 5))
    x, t = _t(a), torch.tensor(a, requires_grad=True)
    out, ref = fn(tc, x), fn(torch, t)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    seed = np.random.default_rng(5).standard_normal(out.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=1e-12)
    assert tc.gradcheck(lambda v: fn(tc, v), [_t(a)]) and tc.gradgradcheck(lambda v: fn(tc, v), [_t(a)])


def test_counting_functions_match_pytorch():
    torch = pytest.importorskip("torch")
    v = np.array([1, 1, 3, 0, 3, 3])
    for fn in (lambda m: m.bincount(m.tensor(v, dtype=m.int64)),
               lambda m: m.bincount(m.tensor(v, dtype=m.int64), minlength=7),
               lambda m: m.bincount(m.tensor(v, dtype=m.int64), weights=m.tensor(v * 0.5, dtype=m.float64)),
               lambda m: m.count_nonzero(m.tensor(v.reshape(2, 3), dtype=m.int64)),
               lambda m: m.count_nonzero(m.tensor(v.reshape(2, 3), dtype=m.int64), dim=1)):
        ours, theirs = fn(tc), fn(torch)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours._data, theirs.numpy())
    with pytest.raises(RuntimeError):
        tc.bincount(tc.tensor([-1], dtype=np.int64))


EXTRA = [
    ("diagonal", lambda m, x: m.diagonal(x)),
    ("diagonal_offset", lambda m, x: x.diagonal(1)),
    ("diagonal_neg", lambda m, x: m.diagonal(x, -2)),
    ("diagonal_3d", lambda m, x: x.reshape(2, 2, 5).diagonal(0, 0, 2)),
    ("diag_2d", lambda m, x: m.diag(x, 1)),
    ("diag_1d", lambda m, x: m.diag(x[0])),
    ("diag_1d_offset", lambda m, x: x[1].diag(-1)),
    ("trace", lambda m, x: m.trace(x)),
    ("where_method", lambda m, x: x.where(x > 0, x * 2)),
    ("where_fn", lambda m, x: m.where(x > 0, x, -x)),
    ("clamp_min", lambda m, x: m.clamp_min(x, 0.1)),
    ("clamp_max", lambda m, x: x.clamp_max(-0.1)),
    ("var_mean", lambda m, x: m.var_mean(x, 1)[0] + m.var_mean(x, 1)[1]),
    ("std_mean", lambda m, x: m.std_mean(x, 0, keepdim=True)[0] * m.std_mean(x, 0, keepdim=True)[1]),
]


@pytest.mark.parametrize("name, fn", EXTRA, ids=[c[0] for c in EXTRA])
def test_extra_functions_match_pytorch_with_gradients(name, fn):
    test_more_functions_match_pytorch_with_gradients(name, fn)


def test_logical_ops_and_argwhere_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]])
    for fn in (lambda m, x: m.logical_not(x), lambda m, x: m.logical_and(x, x > 1), lambda m, x: x.logical_or(x < 0),
               lambda m, x: m.logical_xor(x, x > 0), lambda m, x: m.argwhere(x), lambda m, x: m.where(x > 0)[1]):
        ours, theirs = fn(tc, tc.tensor(a)), fn(torch, torch.tensor(a))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours._data, theirs.numpy())


SMOOTH = [
    ("asin", lambda m, x: m.asin(x * 0.3)),
    ("acos", lambda m, x: (x * 0.3).acos()),
    ("atan", lambda m, x: m.atan(x)),
    ("arctan", lambda m, x: m.arctan(x)),
    ("sinh", lambda m, x: m.sinh(x)),
    ("cosh", lambda m, x: x.cosh()),
    ("erf", lambda m, x: m.erf(x)),
    ("atan2", lambda m, x: m.atan2(x, x.flip(0) + 0.1)),
    ("atan2_broadcast", lambda m, x: x[:, :1].atan2(x[0] + 2.0)),
    ("lerp", lambda m, x: m.lerp(x, x.flip(1), 0.3)),
    ("lerp_tensor_weight", lambda m, x: x.lerp(x * 2, m.sigmoid(x))),
    ("addmm", lambda m, x: m.addmm(x[0, :2], x, x.t()[:, :2], beta=0.5, alpha=2.0)),
]


@pytest.mark.parametrize("name, fn", SMOOTH, ids=[c[0] for c in SMOOTH])
def test_smooth_functions_match_pytorch_with_gradients(name, fn):
    test_more_functions_match_pytorch_with_gradients(name, fn)


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("bii->b", [(2, 3, 3)]),
    ("...ij->...ji", [(2, 3, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (1, 4, 2)]),
    ("...ij,jk", [(5, 2, 3), (3, 2)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("nchw,oc->nohw", [(2, 3, 4, 4), (5, 3)]),
    ("ij->", [(3, 4)]),
]


@pytest.mark.parametrize("equation, shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_matches_pytorch_with_gradients(equation, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s) for s in shapes]
    xs = [_t(a) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = tc.einsum(equation, *xs), torch.einsum(equation, *ts)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = rng.standard_normal(out.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert tc.gradcheck(lambda *v: tc.einsum(equation, *v), [_t(a) for a in arrays])
    assert tc.gradgradcheck(lambda *v: tc.einsum(equation, *v), [_t(a) for a in arrays])


def test_einsum_errors():
    with pytest.raises(ValueError):
        tc.einsum("ij,jk->ik", tc.ones(2, 3), tc.ones(4, 5))
    with pytest.raises(ValueError):
        tc.einsum("ij->k", tc.ones(2, 3))
    with pytest.raises(ValueError):
        tc.einsum("ij,jk->ik", tc.ones(2, 3))
