"""The engine as PyTorch's: version checks on saved tensors, hooks, leaf accumulation, grad modes on
generators and threads, gradient callbacks, and the legacy autograd API (Variable, next_functions)."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor


def leaf(values, dtype=np.float32):
    return tc.tensor(np.array(values, dtype=dtype), requires_grad=True)


def bump(t: Tensor, value: float) -> None:
    """An in-place change as the in-place ops make it: write the storage, bump the version."""
    t._data[...] = value
    t._bump_version()


# ---------------------------------------------------------------------- version checks


def test_a_saved_input_changed_in_place_makes_backward_raise_naming_op_shape_dtype_and_versions():
    w = leaf([1.0, 2.0])
    x = tc.tensor(np.array([3.0, 4.0], dtype=np.float32))
    y = (w * x).sum()
    bump(x, 0.0)
    with pytest.raises(RuntimeError) as info:
        y.backward()
    msg = str(info.value)
    assert msg.startswith("one of the variables needed for gradient computation has been modified by an inplace")
    assert "[tinygrad_cnn.FloatTensor [2]]" in msg
    assert "is at version 1; expected version 0 instead" in msg
    assert "'mul'" in msg
    assert w.grad is None  # nothing was accumulated


def test_the_version_counts_every_change_since_the_save():
    w = leaf(np.ones((2, 3)), np.float64)
    x = tc.tensor(np.ones((2, 3)))
    bump(x, 2.0)  # before the op: fine, the op saves version 1
    y = (w * x).sum()
    bump(x, 3.0)
    bump(x, 4.0)
    expected = r"\[tinygrad_cnn.DoubleTensor \[2, 3\]\] is at version 3; expected version 1"
    with pytest.raises(RuntimeError, match=expected):
        y.backward()


def test_a_saved_output_changed_in_place_is_caught_and_named_as_the_ops_output():
    a = leaf([0.5, 1.0])
    y = a.exp()
    bump(y, 0.0)
    with pytest.raises(RuntimeError, match=r"which is output 0 of exp, is at version 1; expected version 0"):
        y.sum().backward()


def test_detach_shares_the_version_counter_so_changing_it_raises():
    a = leaf([0.5, 1.0])
    y = a.exp()
    d = y.detach()
    bump(d, 100.0)
    assert y._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_data_has_its_own_counter_so_changing_it_does_not_raise():
    a = leaf([0.5, 1.0])
    y = a.exp()
    d = y.data
    bump(d, 100.0)
    assert y._version == 0
    y.sum().backward()  # PyTorch's escape hatch: untracked, the gradient uses the new values
    np.testing.assert_allclose(a.grad.numpy(), [100.0, 100.0])


def test_retain_graph_second_backward_after_a_change_raises():
    w = leaf([1.0, 2.0])
    x = tc.tensor(np.array([3.0, 4.0], dtype=np.float32))
    y = (w * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 4.0])
    bump(x, 0.0)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.backward()
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 4.0])  # the first result is kept, nothing added


def test_a_leaf_changed_under_no_grad_after_being_saved_raises():
    w = leaf([1.0, 2.0])
    y = (w * w).sum()
    with tc.no_grad():
        bump(w, 5.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_unchanged_and_unsaved_tensors_are_fine():
    w = leaf([1.0, 2.0])
    x = tc.tensor(np.array([3.0, 4.0], dtype=np.float32))
    y = (w + x).sum()  # add saves nothing: changing x cannot matter
    bump(x, 0.0)
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


def test_version_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib, make in ((tc, lambda v, g=False: tc.tensor(np.array(v, np.float32), requires_grad=g)),
                      (torch, lambda v, g=False: torch.tensor(v, requires_grad=g))):
        w, x = make([1.0, 2.0], True), make([3.0, 4.0])
        y = (w * x).sum()
        if lib is tc:
            bump(x, 0.0)
        else:
            x.add_(1)
        with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
            y.backward()


def test_a_custom_function_saving_its_input_is_checked_too():
    class Square(tc.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x._data**2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = leaf([1.0, 2.0])
    y = Square.apply(x).sum()
    with tc.no_grad():
        bump(x, 3.0)
    with pytest.raises(RuntimeError, match="'Square' saved it"):
        y.backward()


# ---------------------------------------------------------------------- hooks


def test_a_leaf_hook_returning_a_wrong_shape_raises_as_pytorch():
    x = leaf([1.0, 2.0])

    def myhook(g):
        return tc.ones(3)

    x.register_hook(myhook)
    with pytest.raises(RuntimeError, match="hook 'myhook' has changed the size of value"):
        (x * 2).sum().backward()
    assert x.grad is None


def test_a_non_leaf_hook_returning_a_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.register_hook(lambda g: tc.ones(3))
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the size of value"):
        h.sum().backward()


def test_a_hook_changing_the_dtype_or_returning_a_non_tensor_raises():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g.double())
    with pytest.raises(RuntimeError, match="changed the type of value"):
        (x * 2).sum().backward()
    z = leaf([1.0, 2.0])
    z.register_hook(lambda g: 3)
    with pytest.raises(TypeError, match="expected a Tensor or None"):
        (z * 2).sum().backward()


def test_hook_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0], requires_grad=True)

    def myhook(g):
        return torch.ones(3)

    x.register_hook(myhook)
    with pytest.raises(RuntimeError, match="hook 'myhook' has changed the size of value"):
        (x * 2).sum().backward()


def test_hooks_run_in_order_and_a_returned_gradient_replaces_it():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    handle = x.register_hook(lambda g: g + 1)
    (x * 3).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [31.0, 31.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])


# ---------------------------------------------------------------------- leaf accumulation


def test_the_first_gradient_is_a_copy_then_accumulation_is_in_place():
    x = leaf([1.0, 2.0])
    seed = tc.tensor(np.array([5.0, 6.0], np.float32))
    (x + 0).backward(seed)  # add passes the seed through: .grad must not be the seed's storage
    first = x.grad
    assert not np.shares_memory(first.numpy(), seed.numpy())
    (x * 2).sum().backward()
    assert x.grad is first  # in place, as PyTorch
    assert first._version == 1
    np.testing.assert_allclose(x.grad.numpy(), [7.0, 8.0])
    np.testing.assert_allclose(seed.numpy(), [5.0, 6.0])


def test_accumulation_with_create_graph_is_out_of_place_and_differentiable():
    x = leaf([1.0, 2.0], np.float64)
    (x * x).sum().backward(create_graph=True)
    g1 = x.grad
    assert g1.requires_grad
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad is not g1  # out of place: g1 keeps its value and graph
    np.testing.assert_allclose(g1.detach().numpy(), [2.0, 4.0])
    np.testing.assert_allclose(x.grad.detach().numpy(), [2.0 + 3.0, 4.0 + 12.0])
    (gg,) = tc.grad(x.grad.sum(), x)
    np.testing.assert_allclose(gg.numpy(), [2.0 + 6.0, 2.0 + 12.0])


def test_accumulation_matches_pytorch_object_identity():
    torch = pytest.importorskip("torch")
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    x = leaf([1.0, 2.0])
    for v in (xt, x):
        (v * 2).sum().backward()
        g = v.grad
        (v * 3).sum().backward()
        assert v.grad is g
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_retain_grad_follows_the_same_rule():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.retain_grad()
    (h * 3).sum().backward(retain_graph=True)
    first = h.grad
    (h * 3).sum().backward()
    assert h.grad is first
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 6.0])


def test_backward_inputs_accumulates_only_into_those():
    torch = pytest.importorskip("torch")
    for lib, make in ((tc, lambda v: leaf(v)), (torch, lambda v: torch.tensor(v, requires_grad=True))):
        a, b = make([1.0, 2.0]), make([3.0, 4.0])
        lib.autograd.backward((a * b).sum(), inputs=[a])
        np.testing.assert_allclose(np.asarray(a.grad.detach()), [3.0, 4.0])
        assert b.grad is None


# ---------------------------------------------------------------------- grad modes


@pytest.mark.parametrize("guard", [tc.no_grad, lambda: tc.set_grad_enabled(False)])
def test_a_decorated_generator_runs_without_grad_and_leaves_the_caller_alone(guard):
    x = leaf([1.0])

    @guard()
    def gen():
        for _ in range(2):
            yield (x * 2).requires_grad, tc.is_grad_enabled()

    it = gen()
    assert next(it) == (False, False)
    assert tc.is_grad_enabled() and (x * 2).requires_grad  # between two steps: the caller's mode
    assert next(it) == (False, False)
    with pytest.raises(StopIteration):
        next(it)
    assert tc.is_grad_enabled()


def test_enable_grad_on_a_generator_inside_no_grad():
    x = leaf([1.0])

    @tc.enable_grad()
    def gen():
        yield (x * 2).requires_grad

    with tc.no_grad():
        assert list(gen()) == [True]
        assert not tc.is_grad_enabled()


def test_a_decorated_generator_passes_send_throw_and_its_return_value():
    @tc.no_grad()
    def gen():
        got = yield 1
        try:
            yield got * 2
        except ValueError:
            yield "caught"
        return "done"

    it = gen()
    assert next(it) == 1
    assert it.send(5) == 10
    assert it.throw(ValueError()) == "caught"
    with pytest.raises(StopIteration) as info:
        next(it)
    assert info.value.value == "done"


def test_generators_match_pytorch():
    torch = pytest.importorskip("torch")

    @torch.no_grad()
    def gen():
        yield torch.is_grad_enabled()

    it = gen()
    assert next(it) is False and torch.is_grad_enabled()


def test_no_grad_is_per_thread():
    seen = {}
    inside = threading.Event()
    done = threading.Event()

    def other():
        inside.wait()
        seen["other"] = tc.is_grad_enabled()
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with tc.no_grad():
        inside.set()
        done.wait()
        seen["main"] = tc.is_grad_enabled()
    t.join()
    assert seen == {"other": True, "main": False}


# ---------------------------------------------------------------------- gradient callbacks


def test_gradient_callbacks_see_each_gradient_under_create_graph_only():
    x = leaf([1.0, 2.0], np.float64)
    h = x * x
    y = h.sum()
    seen = []
    with tc.autograd.register_gradient_callback(lambda target, g: seen.append((target, g.shape))):
        tc.grad(y, x, retain_graph=True)
        assert seen == []  # a plain backward pays nothing
        tc.grad(y, x, create_graph=True)
    targets = [t for t, _ in seen]
    assert targets[0] is y.grad_fn and targets[1] is h.grad_fn and targets[2] is x
    seen.clear()
    tc.grad((x * 2).sum(), x, create_graph=True)
    assert seen == []  # removed at the end of the with block


def test_the_engine_has_no_injected_tensor_global():
    assert not hasattr(tc.autograd, "_Tensor")


# ---------------------------------------------------------------------- legacy autograd API


def test_variable_returns_a_tensor_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib, t in ((tc, tc.tensor(np.array([1.0, 2.0], np.float32))), (torch, torch.tensor([1.0, 2.0]))):
        v = lib.autograd.Variable(t)
        assert isinstance(v, type(t)) and v is not t and not v.requires_grad
        assert isinstance(t, lib.autograd.Variable)
        w = lib.autograd.Variable(t, requires_grad=True)
        assert w.requires_grad and w.is_leaf and not t.requires_grad
        with pytest.raises(TypeError, match="Variable data has to be a tensor"):
            lib.autograd.Variable([1.0, 2.0])
    v = tc.autograd.Variable(t := tc.tensor(np.array([1.0, 2.0], np.float32)))
    assert np.shares_memory(v.numpy(), t.numpy())
    bump(t, 3.0)
    assert v._version == 1  # it shares the version counter, as PyTorch's


def test_variable_of_a_non_leaf_is_a_detached_leaf():
    x = leaf([1.0, 2.0])
    y = x * 2
    v = tc.autograd.Variable(y)
    assert v.grad_fn is None and not v.requires_grad and v.is_leaf


def test_autograd_function_is_function():
    assert tc.autograd.Function is tc.Function
    assert tc.autograd.backward is tc.backward and tc.autograd.grad is tc.grad


def test_grad_accepts_only_inputs_and_rejects_batched_grads():
    x = leaf([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = tc.autograd.grad((x * 3).sum(), x, only_inputs=True)
    np.testing.assert_allclose(g.numpy(), [3.0, 3.0])
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
        tc.autograd.grad((x * 3).sum(), x, only_inputs=False)
    with pytest.raises(NotImplementedError, match="is_grads_batched"):
        tc.autograd.grad((x * 3).sum(), x, is_grads_batched=True)


def test_materialize_grads_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib, make in ((tc, lambda v: leaf(v)), (torch, lambda v: torch.tensor(v, requires_grad=True))):
        a, b = make([1.0, 2.0]), make([1.0])
        ga, gb = lib.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True)
        np.testing.assert_allclose(np.asarray(gb.detach()), [0.0])
        with pytest.raises(ValueError, match="allow_unused"):
            lib.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True, allow_unused=False)


def test_next_functions_as_pytorch():
    torch = pytest.importorskip("torch")
    x = leaf([1.0, 2.0])
    c = tc.tensor(np.array([3.0, 4.0], np.float32))
    z = (x * c).sum()
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    zt = (xt * torch.tensor([3.0, 4.0])).sum()
    for out, var in ((z, x), (zt, xt)):
        ((mul, zero),) = out.grad_fn.next_functions
        assert zero == 0
        (acc, _), (const, _) = mul.next_functions
        assert const is None
        assert type(acc).__name__ == "AccumulateGrad" and acc.variable is var
        assert acc.next_functions == ()
        assert (var * 2).grad_fn.next_functions[0][0] is acc  # one accumulator per leaf
    assert x.sum(0).grad_fn.next_functions[0][0] is not None  # plain arguments (dim) have no edge
    assert len(x.sum(0).grad_fn.next_functions) == len(xt.sum(0).grad_fn.next_functions) == 1


def test_inference_mode_as_pytorch():
    torch = pytest.importorskip("torch")
    x = leaf([1.0])
    for lib, t in ((tc, x), (torch, torch.tensor([1.0], requires_grad=True))):
        with lib.inference_mode():
            assert not (t * 2).requires_grad and lib.is_inference_mode_enabled() and not lib.is_grad_enabled()
            with lib.inference_mode(False):
                assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
        assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()

        @lib.inference_mode
        def f(lib=lib):
            return lib.is_grad_enabled()

        @lib.inference_mode()
        def gen(lib=lib):
            yield lib.is_grad_enabled()

        assert f() is False and next(gen()) is False


def test_under_detect_anomaly_the_version_error_says_where_the_op_was_called():
    w = leaf([1.0, 2.0])
    x = tc.tensor(np.array([3.0, 4.0], dtype=np.float32))
    with tc.detect_anomaly():
        y = (w * x).sum()
        bump(x, 0.0)
        with pytest.raises(RuntimeError, match=r"created at .*test_engine.py:\d+"):
            y.backward()


def test_backward_accepts_pytorchs_old_grad_variables_name():
    x = leaf([1.0, 2.0])
    tc.autograd.backward(x * 2, grad_variables=tc.tensor(np.array([1.0, 3.0], np.float32)))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 6.0])
    with pytest.raises(RuntimeError, match="not both"):
        tc.autograd.backward(x * 2, grad_tensors=tc.ones(2), grad_variables=tc.ones(2))


def test_a_plain_backward_after_a_create_graph_one_accumulates_in_place_as_pytorch():
    torch = pytest.importorskip("torch")
    x = leaf([1.0, 2.0])
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    for v in (x, xt):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch warns about the parameter <-> gradient cycle
            (v * v).sum().backward(create_graph=True)
        g = v.grad
        assert g.requires_grad
        (v * v).sum().backward()
        assert v.grad is g
    np.testing.assert_allclose(x.grad.detach().numpy(), xt.grad.detach().numpy())


# ---------------------------------------------------------------------- random graphs against PyTorch


def _random_graph(lib, leaves, rng_ops):
    """The same random DAG in either library: each step combines two earlier values, reuse included."""
    values = list(leaves)
    retained = []
    for kind, i, j in rng_ops:
        a, b = values[i % len(values)], values[j % len(values)]
        if kind == 0:
            v = a * b
        elif kind == 1:
            v = a + b.sigmoid()
        elif kind == 2:
            v = (a - b).tanh() * a
        else:
            v = a.exp() / (1 + b * b)
        if len(retained) < 2 and v.requires_grad:
            v.retain_grad()
            retained.append(v)
        values.append(v)
    return sum(v.sum() for v in values[len(leaves):]), retained


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_give_pytorchs_gradients_retained_grads_and_second_derivatives(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    data = [rng.uniform(-1, 1, (2, 3)) for _ in range(3)]
    ops = [(int(rng.integers(4)), int(rng.integers(100)), int(rng.integers(100))) for _ in range(10)]
    ours = [tc.tensor(d, requires_grad=True) for d in data]
    theirs = [torch.tensor(d, requires_grad=True) for d in data]
    loss, kept = _random_graph(tc, ours, ops)
    loss_t, kept_t = _random_graph(torch, theirs, ops)
    grads = tc.grad(loss, ours, create_graph=True)
    grads_t = torch.autograd.grad(loss_t, theirs, create_graph=True)
    for g, gt in zip(grads, grads_t):
        np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    # the second pass goes through the forward nodes too: keep them for the backward below (as PyTorch)
    second = tc.grad(sum(g.sum() for g in grads), ours, retain_graph=True, allow_unused=True)
    second_t = torch.autograd.grad(sum(g.sum() for g in grads_t), theirs, retain_graph=True, allow_unused=True)
    for h, ht in zip(second, second_t):
        if ht is None:
            assert h is None or not np.any(h.numpy())
        else:
            np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-9, atol=1e-12)
    loss.backward()
    loss_t.backward()
    for t, tt in zip(ours + kept, theirs + kept_t):
        np.testing.assert_allclose(t.grad.detach().numpy(), tt.grad.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_tensor_backward_inputs_as_pytorch():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a * b).sum().backward(inputs=[b])
    assert a.grad is None
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 2.0])


def test_gradcheck_is_reachable_from_autograd_as_in_pytorch():
    from tinygrad_cnn.autograd import gradcheck, gradgradcheck

    assert gradcheck is tc.gradcheck and gradgradcheck is tc.gradgradcheck
    x = tc.tensor(np.array([0.3, 0.7]), requires_grad=True)
    assert gradcheck(lambda t: t.sigmoid(), (x,)) and tc.autograd.gradgradcheck(lambda t: t.sigmoid(), (x,))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        tc.autograd.nothing  # noqa: B018


# ---------------------------------------------------------------------- custom Functions, PyTorch's two styles


def _cube_with_setup_context(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(x):
            return x**3

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * g

    return Cube


def test_setup_context_style_functions_as_pytorch():
    torch = pytest.importorskip("torch")
    x = tc.tensor(np.array([1.0, -2.0]), requires_grad=True)
    xt = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    _cube_with_setup_context(tc).apply(x).sum().backward()
    _cube_with_setup_context(torch).apply(xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    assert tc.gradgradcheck(_cube_with_setup_context(tc).apply, (x,))


def test_mark_non_differentiable_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib, x in ((tc, leaf([1.0, 3.0, 2.0])), (torch, torch.tensor([1.0, 3.0, 2.0], requires_grad=True))):

        class Argmax(lib.autograd.Function):
            @staticmethod
            def forward(ctx, t):
                out = t.argmax()
                ctx.mark_non_differentiable(out)
                return out

            @staticmethod
            def backward(ctx, g):
                return None

        out = Argmax.apply(x)
        assert not out.requires_grad and int(out) == 1


def test_error_messages_use_pytorchs_words():
    torch = pytest.importorskip("torch")
    for lib, make in ((tc, lambda v, g: tc.tensor(np.array(v, np.float32), requires_grad=g)),
                      (torch, lambda v, g: torch.tensor(v, requires_grad=g))):
        x, c, u = make([1.0], True), make([1.0], False), make([2.0], True)
        with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
            lib.autograd.grad((x * 2).sum(), c)
        no_graph = "element 0 of tensors does not require grad and does not have a grad_fn"
        with pytest.raises(RuntimeError, match=no_graph):
            c.sum().backward()
        with pytest.raises(RuntimeError, match=no_graph):
            lib.autograd.grad(c.sum(), x)
        with pytest.raises(RuntimeError, match=r"The differentiated Tensor at index 1 .*appears to not have been used"):
            lib.autograd.grad((x * 2).sum(), [x, u])


def test_a_hook_handle_is_a_context_manager_as_pytorchs():
    x = leaf([1.0, 2.0])
    with x.register_hook(lambda g: g * 0):
        (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0])
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_backward_in_several_threads_at_once():
    results = {}

    def work(k):
        rng = np.random.default_rng(k)
        w = tc.tensor(rng.standard_normal((8, 8)), requires_grad=True)
        for _ in range(20):
            w.grad = None
            h = w
            for _ in range(10):
                h = (h @ w).tanh()
            h.sum().backward()
        (ref,) = tc.grad(_chain(w), w)
        results[k] = np.allclose(w.grad.numpy(), ref.numpy())

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {0: True, 1: True, 2: True, 3: True}


def _chain(w):
    h = w
    for _ in range(10):
        h = (h @ w).tanh()
    return h.sum()


def _gradient_penalty(lib, F, real, fake, alpha, w1, b1, w2, b2):
    """WGAN-GP's penalty as the GAN collections write it: autograd.grad with only_inputs and create_graph."""
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d = F.linear(F.linear(interpolates, w1, b1).tanh(), w2, b2)
    ones = lib.autograd.Variable(lib.ones(d.shape), requires_grad=False)
    (gradients,) = lib.autograd.grad(outputs=d, inputs=interpolates, grad_outputs=ones, create_graph=True,
                                     retain_graph=True, only_inputs=True)
    gradients = gradients.reshape(gradients.shape[0], -1)
    return (((gradients * gradients).sum(1).sqrt() - 1) ** 2).mean()


def test_a_wgan_gradient_penalty_gives_pytorchs_parameter_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((4, 3), (4, 3), (4, 1), (5, 3), (5,), (1, 5), (1,))]
    real, fake, alpha, *params = arrays
    ours = [tc.tensor(p, requires_grad=True) for p in params]
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    gp = _gradient_penalty(tc, tc.functional, tc.tensor(real), tc.tensor(fake), tc.tensor(alpha), *ours)
    gp_t = _gradient_penalty(torch, torch.nn.functional, torch.tensor(real), torch.tensor(fake),
                             torch.tensor(alpha), *theirs)
    gp.backward()
    gp_t.backward()
    np.testing.assert_allclose(gp.item(), gp_t.item(), rtol=1e-12)
    for p, pt in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert ours[3].grad is None and theirs[3].grad is None  # the output bias does not reach the penalty


def test_node_hooks_as_pytorchs():
    torch = pytest.importorskip("torch")
    seen = {}
    for lib, x, c in ((tc, leaf([1.0, 2.0]), tc.tensor(np.array([3.0, 4.0], np.float32))),
                      (torch, torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0]))):
        y = (x * c) * lib.tensor(np.array([2.0, 2.0], np.float32) if lib is tc else [2.0, 2.0])
        calls = []

        def pre(grad_outputs, calls=calls):
            calls.append(("pre", len(grad_outputs)))
            return (grad_outputs[0] + 1,)

        def post(grad_inputs, grad_outputs, calls=calls):
            calls.append(("post", len(grad_inputs), grad_inputs[1] is None))
            return (grad_inputs[0] * 10, None)

        y.grad_fn.register_prehook(pre)
        handle = y.grad_fn.register_hook(post)
        y.sum().backward()
        seen[lib.__name__] = (calls, np.asarray(x.grad.detach()))
        handle.remove()
        assert not y.grad_fn._posthooks if lib is tc else True
    assert seen["tinygrad_cnn"][0] == seen["torch"][0] == [("pre", 1), ("post", 2, True)]
    np.testing.assert_allclose(seen["tinygrad_cnn"][1], seen["torch"][1])  # (1 + 1)·2·10·c = [120, 160]


def test_variable_volatile_warns_and_is_ignored_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib, t in ((tc, tc.tensor(np.array([1.0], np.float32))), (torch, torch.tensor([1.0]))):
        with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
            v = lib.autograd.Variable(t, volatile=True)
        assert not v.requires_grad
