"""Users' own differentiable ops: tc.Function with forward/backward, ctx, double backward, errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor


def leaf(arr) -> Tensor:
    return tc.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


class Square(tc.Function):
    """The contract's example, verbatim: forward with Tensor ops, backward with Tensor ops."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x * grad_output


class ScaledCube(tc.Function):
    """forward on NumPy arrays, a plain-value argument, a public attribute, needs_input_grad."""

    name = "scaled_cube"

    @staticmethod
    def forward(ctx, x, scale, y):
        ctx.scale = scale
        ctx.save_for_backward(x, y)
        return scale * x.detach().numpy()**3 * y.detach().numpy()

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * 3 * ctx.scale * x * x * y if ctx.needs_input_grad[0] else None
        gy = g * ctx.scale * x**3 if ctx.needs_input_grad[2] else None
        return gx, None, gy


def test_contract_example_square():
    x = leaf([1.0, -2.0, 3.0])
    y = Square.apply(x)
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 4.0, 9.0])
    assert y.grad_fn.name() == "Square"  # the class name when no ``name`` is given
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_forward_is_not_recorded():
    recorded = []

    class Probe(tc.Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2
            recorded.append((tc.is_grad_enabled(), inner.requires_grad))
            return inner

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Probe.apply(leaf([1.0]))
    assert recorded == [(False, False)]
    assert y.grad_fn.name() == "Probe" and y.grad_fn.inputs[0].__class__ is Tensor


def test_custom_function_gradcheck_and_gradgradcheck(rng):
    x = leaf(rng.standard_normal((2, 3)))
    y = leaf(rng.standard_normal((2, 3)))
    assert tc.gradcheck(Square.apply, (x,))
    assert tc.gradgradcheck(Square.apply, (x,))  # its backward is Tensor ops: differentiable again
    f = lambda a, b: ScaledCube.apply(a, 0.5, b)  # noqa: E731
    assert tc.gradcheck(f, (x, y))
    assert tc.gradgradcheck(f, (x, y))


def test_double_backward_through_a_custom_function():
    x = leaf([1.5])
    (g,) = tc.grad(Square.apply(x).sum(), x, create_graph=True)  # 2x
    (gg,) = tc.grad(g.sum(), x)  # 2
    assert g.item() == 3.0 and gg.item() == 2.0


def test_needs_input_grad_and_attributes():
    seen = {}

    class Spy(tc.Function):
        @staticmethod
        def forward(ctx, a, k, b):
            seen["needs"] = ctx.needs_input_grad
            ctx.k = k
            return a.detach().numpy() * b.detach().numpy() * k

        @staticmethod
        def backward(ctx, g):
            return (g * ctx.k if ctx.needs_input_grad[0] else None), None, None

    a, b = leaf([1.0]), Tensor([2.0])
    out = Spy.apply(a, 3, b)
    assert seen["needs"] == (True, False, False)
    assert out.grad_fn.attrs == {"k": 3}
    assert out.grad_fn.inputs[1] == 3 and out.grad_fn.inputs[2] is b
    out.backward()
    assert a.grad.item() == 3.0


def test_public_name_and_saved_arrays():
    x, y = leaf([2.0]), leaf([3.0])
    out = ScaledCube.apply(x, 2.0, y)
    assert out.grad_fn.name() == "scaled_cube"
    assert out.grad_fn.attrs == {"scale": 2.0}
    assert [a.tolist() for a in out.grad_fn.saved_arrays] == [[2.0], [3.0]]
    out.backward()
    assert x.grad.item() == pytest.approx(2.0 * 3 * 4 * 3)
    assert y.grad.item() == pytest.approx(2.0 * 8)


def test_saving_the_output_does_not_leak_a_cycle():
    class Exp(tc.Function):
        @staticmethod
        def forward(ctx, x):
            out = np.exp(x.detach().numpy())
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out

    x = leaf([0.0, 1.0])
    assert tc.gradcheck(Exp.apply, (x,))
    assert tc.gradgradcheck(Exp.apply, (x,))  # the saved output still carries its graph


def test_forward_returning_numpy_scalar_and_tensor():
    class Total(tc.Function):
        @staticmethod
        def forward(ctx, x):
            ctx._shape = x.shape
            return np.sum(x.detach().numpy())  # a NumPy scalar, not an array

        @staticmethod
        def backward(ctx, g):
            return g.expand(ctx._shape)

    x = leaf(np.ones((2, 2)))
    out = Total.apply(x)
    assert out.shape == () and out.item() == 4.0
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 2)))


def test_backward_may_return_a_broadcastable_gradient():
    class Shift(tc.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x.detach().numpy() + b.detach().numpy()

        @staticmethod
        def backward(ctx, g):
            return g, g  # b was broadcast: the engine sums g back to b's shape

    x, b = leaf(np.ones((3, 2))), leaf(np.zeros(2))
    Shift.apply(x, b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [3.0, 3.0])


def test_wrong_number_of_gradients_is_a_clear_error():
    class Bad(tc.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.detach().numpy() * b.detach().numpy()

        @staticmethod
        def backward(ctx, g):
            return g  # one gradient for two inputs

    out = Bad.apply(leaf([1.0]), leaf([2.0]))
    with pytest.raises(RuntimeError, match=r"Bad.backward returned 1 gradient\(s\).*2 input\(s\)"):
        out.backward()


def test_wrong_gradient_shape_is_a_clear_error():
    class BadShape(tc.Function):
        @staticmethod
        def forward(ctx, a):
            return a.detach().numpy() * 2

        @staticmethod
        def backward(ctx, g):
            return tc.tensor(np.ones(5))

    out = BadShape.apply(leaf(np.ones((2, 3))))
    expected = r"BadShape.backward returned a gradient of shape \(5,\) for input 0.*\(2, 3\)"
    with pytest.raises(RuntimeError, match=expected):
        out.sum().backward()


def test_forward_returning_something_else_is_an_error():
    class Wrong(tc.Function):
        @staticmethod
        def forward(ctx, a):
            return [1.0]

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="Wrong.forward must return a Tensor or a NumPy array, got list"):
        Wrong.apply(leaf([1.0]))


def test_integer_output_with_grad_is_an_error():
    class ToInt(tc.Function):
        @staticmethod
        def forward(ctx, a):
            return a.detach().numpy().astype(np.int64)

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="int64"):
        ToInt.apply(leaf([1.0]))
    assert ToInt.apply(Tensor([1.0])).dtype == np.int64  # fine when nothing requires grad


def test_gradient_dtype_is_cast_to_the_input():
    class Upcast(tc.Function):
        @staticmethod
        def forward(ctx, a):
            return a.detach().numpy().astype(np.float64)

        @staticmethod
        def backward(ctx, g):
            return g  # float64 gradient for a float32 input

    x = tc.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    Upcast.apply(x).sum().backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------------- gradcheck must be able to fail


class WrongCube(tc.Function):
    """x³ with a deliberately wrong derivative (2x² instead of 3x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy()**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x


class OpaqueCube(tc.Function):
    """x³ with the right derivative computed on raw arrays: correct once, not differentiable again."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy()**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return tc.tensor(g.detach().numpy() * 3 * x.detach().numpy() ** 2)


def test_gradcheck_catches_a_wrong_backward():
    x = leaf([[0.5, -1.0], [2.0, 1.5]])
    with pytest.raises(tc.GradcheckError) as info:
        tc.gradcheck(WrongCube.apply, (x,))
    msg = str(info.value)
    # the worst element is where 3x² − 2x² = x² is largest: x = 2 at [1, 0]
    assert "output 0" in msg and "input 0" in msg
    assert "d(output[1, 0])/d(input[1, 0])" in msg
    assert "analytical 8" in msg and "numerical 12" in msg
    assert isinstance(info.value, RuntimeError)
    assert tc.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False


def test_gradcheck_names_the_right_input_among_several():
    a, b = leaf([1.0, 2.0]), leaf([3.0])
    f = lambda p, q: p * 2 + WrongCube.apply(q)  # noqa: E731
    with pytest.raises(tc.GradcheckError, match="input 1"):
        tc.gradcheck(f, (a, b))


def test_gradgradcheck_catches_a_non_differentiable_backward():
    x = leaf([0.5, -1.0, 2.0])
    assert tc.gradcheck(OpaqueCube.apply, (x,))  # first order is right
    with pytest.raises(tc.GradcheckError, match="second-order"):
        tc.gradgradcheck(OpaqueCube.apply, (x,))
    assert tc.gradgradcheck(OpaqueCube.apply, (x,), raise_exception=False) is False


def test_gradcheck_checks_float32_inputs_in_float64():
    x = tc.tensor(np.array([0.3, 0.7], dtype=np.float32), requires_grad=True)
    assert tc.gradcheck(lambda t: (t * t).sigmoid(), (x,))
    assert x.dtype == np.float32  # the caller's tensor is untouched


def test_gradcheck_requires_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad=True"):
        tc.gradcheck(lambda t: t * 2, (Tensor([1.0]),))


def test_backward_may_return_numpy_arrays_and_gradients_for_plain_values_are_ignored():
    class Affine(tc.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x.detach().numpy() * k + 1.0

        @staticmethod
        def backward(ctx, g):
            return g.numpy() * ctx.k, 123.0  # an ndarray, and a "gradient" for the int k

    x = tc.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    Affine.apply(x, 4).sum().backward()
    assert isinstance(x.grad, Tensor) and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 4.0])
