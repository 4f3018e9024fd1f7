"""The backward engine: order, accumulation, graph freeing, higher order, tc.grad, hooks, grad mode."""

from __future__ import annotations

import gc
import sys
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor


def leaf(arr) -> Tensor:
    return tc.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------------- graph walking


def test_deep_chain_backpropagates_without_recursion_error():
    x = leaf([1.0, 2.0])
    y = x
    for _ in range(100_000):
        y = y + 1.0
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # nothing in the engine may recurse
    try:
        y.sum().backward()
    finally:
        sys.setrecursionlimit(old)
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_diamond_sums_gradients():
    x = leaf(3.0)
    a = x * 2.0
    b = x * x
    y = a * b  # y = 2x³ -> 6x²
    y.backward()
    assert x.grad.item() == pytest.approx(54.0)


def test_node_used_many_times_gets_the_sum():
    x = leaf([1.0, 2.0])
    h = x.exp()
    total = h * 0.0
    for i in range(50):
        total = total + h * float(i)
    total.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), sum(range(50)) * np.exp([1.0, 2.0]))


def test_each_backward_runs_once_on_the_summed_gradient():
    calls = []

    class Twice(tc.Function):
        @staticmethod
        def forward(ctx, x):
            return x.data * 2

        @staticmethod
        def backward(ctx, g):
            calls.append(g.numpy().copy())
            return g * 2

    x = leaf([1.0])
    h = Twice.apply(x)
    (h * 3 + h * 4 + h).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [8.0])
    np.testing.assert_allclose(x.grad.numpy(), [16.0])


def test_same_tensor_twice_in_one_op():
    x = leaf([3.0, -1.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, -2.0])


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    for _ in range(3):
        (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 12.0])


def test_accumulation_does_not_alias_the_seed_gradient():
    x = leaf([1.0, 2.0])
    seed = tc.tensor(np.array([1.0, 1.0]))
    (x + 0.0).backward(seed)
    (x + 0.0).backward(seed)
    np.testing.assert_array_equal(seed.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_non_leaf_grad_is_not_kept_unless_retained():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.sum().backward()
    assert h.grad is None
    assert x.grad is not None


def test_leaf_as_root():
    x = leaf(2.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_backward_with_explicit_gradient_and_dtype_cast():
    x = tc.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = x * 2
    y.backward(np.array([1.0, 2.0, 3.0]))  # float64 seed for a float32 output
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_backward_through_constants_and_unused_branches():
    x = leaf([1.0])
    c = tc.tensor(np.array([5.0]))
    unused = x * 100  # never reaches the loss
    (x * c).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0])
    del unused


# ---------------------------------------------------------------------- freeing and retain_graph


def test_second_backward_raises_and_mentions_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_saved_arrays_are_released_after_backward():
    x = leaf(np.ones(10))
    y = (x * 2.0).sigmoid()  # sigmoid saves its output array
    node = y.grad_fn
    assert node.saved_arrays and node.saved_arrays[0].shape == (10,)
    ref = weakref.ref(node.saved_arrays[0])
    loss = (y * 3.0).sum()
    del y
    gc.collect()
    assert ref() is not None  # the graph still needs it
    loss.backward()
    gc.collect()
    assert node.saved_arrays == []
    assert ref() is None


def test_memory_is_released_after_backward_but_kept_with_retain_graph():
    def build():
        x = leaf(np.ones((50, 1000)))
        h = x
        for _ in range(6):
            h = (h * 1.01).tanh() * 1.0  # tanh keeps its 400 kB output for backward
        return x, h.sum()

    for retain in (False, True):
        tc.runtime.empty_cache()  # so that what build() allocates is fresh, traced memory
        tracemalloc.start()
        x, loss = build()
        before, _ = tracemalloc.get_traced_memory()
        loss.backward(retain_graph=retain)
        gc.collect()
        tc.runtime.empty_cache()  # what the graph let go of is idle in the library's cache: free it
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        freed = before - after
        if retain:
            assert freed < 1_000_000, freed
        else:
            assert freed > 6 * 400_000 * 0.9, freed  # at least the six saved tanh outputs
        del x, loss


# ---------------------------------------------------------------------- errors


def test_backward_on_non_scalar_needs_gradient():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*gradient"):
        (x * 2).backward()


def test_backward_gradient_of_wrong_shape():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


# ---------------------------------------------------------------------- higher order


def test_create_graph_makes_gradients_differentiable():
    x = leaf([1.0, 2.0])
    y = (x**3).sum()
    y.backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    np.testing.assert_allclose(x.grad.detach().numpy(), 3 * np.array([1.0, 4.0]))
    (g,) = tc.grad(x.grad.sum(), x)
    np.testing.assert_allclose(g.numpy(), 6 * np.array([1.0, 2.0]))


def test_hessian_vector_product_matches_closed_form(rng):
    n = 5
    a = rng.standard_normal((n, n))
    v = rng.standard_normal(n)
    x0 = rng.standard_normal(n)
    x = leaf(x0)
    # f(x) = ½ xᵀAx + Σ sin-free terms: Σ x³/3 + Σ tanh(x)  ->  H = (A + Aᵀ)/2 + diag(2x) + diag(tanh'')
    f = 0.5 * (x @ (tc.tensor(a) @ x)) + (x**3).sum() / 3 + x.tanh().sum()
    (g,) = tc.grad(f, x, create_graph=True)
    t = np.tanh(x0)
    np.testing.assert_allclose(g.detach().numpy(), 0.5 * (a + a.T) @ x0 + x0**2 + (1 - t**2), rtol=1e-12)
    (hv,) = tc.grad(g, x, grad_outputs=tc.tensor(v))
    hessian = 0.5 * (a + a.T) + np.diag(2 * x0) + np.diag(-2 * t * (1 - t**2))
    np.testing.assert_allclose(hv.numpy(), hessian @ v, rtol=1e-12)


def test_third_derivative():
    x = leaf(0.7)
    (g1,) = tc.grad(x.exp() * x, x, create_graph=True)  # (1 + x) eˣ
    (g2,) = tc.grad(g1, x, create_graph=True)  # (2 + x) eˣ
    (g3,) = tc.grad(g2, x)  # (3 + x) eˣ
    assert g3.item() == pytest.approx(3.7 * np.exp(0.7))


def test_hvp_matches_torch(rng):
    torch = pytest.importorskip("torch")
    a, w, v = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal((3, 4))

    def loss(lib_x, lib_w, F, target):
        return F.cross_entropy((lib_x @ lib_w.T).sigmoid() * 3.0, target)

    x, wt = leaf(a), tc.tensor(w)
    (g,) = tc.grad(loss(x, wt, tc.functional, np.array([0, 1, 1])), x, create_graph=True)
    (hv,) = tc.grad((g * tc.tensor(v)).sum(), x)
    xt = torch.tensor(a, requires_grad=True)
    loss_t = loss(xt, torch.tensor(w), torch.nn.functional, torch.tensor([0, 1, 1]))
    (gt,) = torch.autograd.grad(loss_t, xt, create_graph=True)
    (hvt,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(hv.numpy(), hvt.numpy(), rtol=1e-9, atol=1e-14)


def test_create_graph_records_what_each_gradient_is_the_gradient_of():
    from tinygrad_cnn.grad_tags import grad_of  # the viewers' record, kept by a gradient callback

    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    (g,) = tc.grad(y, x, create_graph=True)
    assert any(t is x for t in grad_of(g))
    assert any(t is x for t in grad_of(g.grad_fn))


# ---------------------------------------------------------------------- tc.grad


def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    x, y = leaf([1.0, 2.0]), leaf([3.0])
    out = (x * y).sum()
    gx, gy = tc.grad(out, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(gy.numpy(), [3.0])
    assert x.grad is None and y.grad is None
    assert not gx.requires_grad


def test_grad_allow_unused():
    x, z = leaf([1.0]), leaf([2.0])
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tc.grad(out, [x, z], retain_graph=True)
    gx, gz = tc.grad(out, [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_grad_outputs_and_several_outputs():
    x = leaf([1.0, 2.0])
    a, b = x * 2, x**2
    (g,) = tc.grad([a, b], x, grad_outputs=[Tensor([1.0, 1.0]), Tensor([0.5, 2.0])])
    np.testing.assert_allclose(g.numpy(), [2 + 0.5 * 2, 2 + 2 * 4])


def test_grad_with_respect_to_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3
    out = (h * h).sum()
    gh, gx = tc.grad(out, [h, x])
    np.testing.assert_allclose(gh.detach().numpy(), 2 * h.detach().numpy())
    np.testing.assert_allclose(gx.detach().numpy(), 18 * x.detach().numpy())


def test_grad_of_input_that_does_not_require_grad_is_an_error():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        tc.grad((x * 2).sum(), Tensor([1.0]))


# ---------------------------------------------------------------------- hooks and retain_grad


def test_hook_on_leaf_modifies_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])


def test_hook_on_non_leaf_changes_what_flows_upstream():
    x = leaf([1.0, 2.0])
    h = x * 2
    handle = h.register_hook(lambda g: g * 0.5)
    (h * 4).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])
    handle.remove()
    x.grad = None
    h2 = x * 2
    (h2 * 4).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 8.0])


def test_hook_removal_on_leaf():
    x = leaf([1.0])
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    (x * 2).sum().backward()
    assert x.grad.item() == 2.0


def test_hook_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        Tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad_keeps_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    assert h.retains_grad
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.detach().numpy(), 2 * h.detach().numpy())
    assert not h.grad.requires_grad


# ---------------------------------------------------------------------- grad mode


def test_no_grad_context_and_decorator():
    x = leaf([1.0])
    with tc.no_grad():
        assert not tc.is_grad_enabled()
        y = x * 2
        with tc.enable_grad():
            assert tc.is_grad_enabled()
            z = x * 2
    assert tc.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @tc.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert tc.is_grad_enabled()

    @tc.no_grad  # bare, without parentheses, as PyTorch allows
    def g(t):
        return t * 2

    assert not g(x).requires_grad and g.__name__ == "g"
    with tc.no_grad():

        @tc.enable_grad
        def h(t):
            return t * 2

        assert h(x).requires_grad
    assert tc.is_grad_enabled()


def test_set_grad_enabled_context_decorator_and_call():
    x = leaf([1.0])
    with tc.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert tc.is_grad_enabled()

    @tc.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert tc.is_grad_enabled()  # decorating does not switch the mode
    assert not f(x).requires_grad
    tc.set_grad_enabled(False)  # a plain call switches it, as in PyTorch
    assert not tc.is_grad_enabled()
    tc.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ValueError):
        with tc.no_grad():
            raise ValueError("boom")
    assert tc.is_grad_enabled()


def test_grad_mode_is_per_thread():
    x = leaf([1.0])
    inside, result = threading.Event(), {}
    release = threading.Event()

    def worker():
        with tc.no_grad():
            inside.set()
            release.wait(5)
            result["worker"] = (x * 2).requires_grad

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    result["main"] = (x * 2).requires_grad  # while the other thread sits inside no_grad
    release.set()
    t.join()
    assert result == {"main": True, "worker": False}


def test_detect_anomaly_names_the_op_in_forward_and_backward():
    x = leaf([-1.0, 1.0])
    with tc.detect_anomaly():
        with pytest.raises(RuntimeError, match="'sqrt' returned nan values in its forward output"):
            x.sqrt()
    z = leaf([0.0, 1.0])
    y = z.sqrt().sum()  # finite forward; backward divides by 2·sqrt(0)
    with tc.detect_anomaly():
        y2 = z.sqrt().sum()
        with pytest.raises(RuntimeError, match="'sqrt' returned inf values in its gradient"):
            y2.backward()
    y.backward()  # without anomaly mode: no error, an infinite gradient
    assert np.isinf(z.grad.numpy()[0])


# ---------------------------------------------------------------------- node introspection


def test_node_api():
    x = leaf(np.ones((2, 3)))
    x.name = "x"
    w = tc.tensor(np.ones((3,)))
    h = (x * w).sum(1, keepdim=True)
    h.name = "h"
    node = h.grad_fn
    assert node.name() == "sum"
    assert node.attrs == {"dim": (1,), "keepdim": True}
    assert node.label == "h" and h.name == "h"
    mul = node.inputs[0]
    assert mul.name() == "mul" and mul.inputs[0] is x and mul.inputs[1] is w
    assert node.inputs[1:] == ((1,), True)
    assert node.next_functions[0] == (mul, 0)
    assert mul._seq < node._seq
    assert len(mul.saved_arrays) == 2
    assert "sum" in repr(node)


def test_hooks_apply_to_what_grad_returns():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (gx,) = tc.grad((x * 3).sum(), x)
    np.testing.assert_array_equal(gx.numpy(), [30.0, 30.0])  # as torch.autograd.grad
    h = x * 2
    h.register_hook(lambda g: g * 10)
    (gh,) = tc.grad((h * 3).sum(), h)
    np.testing.assert_array_equal(gh.numpy(), [30.0, 30.0])


def test_module_level_backward_with_several_roots_and_backward_under_no_grad():
    x = leaf([1.0, 2.0])
    a, b = (x * 2).sum(), (x * x).sum()
    tc.backward([a, b])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 6.0])
    x.grad = None
    y = (x * 3).sum()
    with tc.no_grad():
        y.backward()  # allowed, as in PyTorch: grad mode only affects recording
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
