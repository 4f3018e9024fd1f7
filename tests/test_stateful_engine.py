"""Stateful property test of the engine (issue 15): hypothesis grows a random graph of ops from float64 leaves
and, at random moments, checks every leaf's gradient of a random weighted sum of a node against central
differences.

Each step adds one node built by an op from ``BUILDERS``. A builder draws what it needs, reads the values
already computed (to keep away from kinks: relu's 0 and max-pool ties stay ``MARGIN`` away, so a difference
step of ``EPS`` never crosses one) and returns a function of Tensors that the machine replays: once with
leaves that require grad for ``backward``, and twice per leaf element for the differences.

Extension point for in-place ops: register a builder with ``@builder("name_")`` whose function works on a
clone (``lambda x, y: x.clone().add_(y)``); nothing else changes. The leaves themselves are never mutated.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F

EPS = 1e-6
MARGIN = 1e-3
MAX_NODES = 10
MAX_LEAF_ELEMENTS = 48
#: what the runs did (ops built, gradient checks, leaf elements differenced), for the counts in reports
STATS: Counter[str] = Counter()


@dataclass
class Entry:
    """A leaf (``fn`` is None) or an op applied to earlier entries; ``value`` is its forward result."""

    label: str
    value: np.ndarray
    fn: Callable[..., tc.Tensor] | None = None
    inputs: tuple[int, ...] = ()


Draw = Callable[[st.SearchStrategy], object]
BUILDERS: dict[str, Callable[..., tuple[str, Callable, tuple[int, ...]] | None]] = {}  # (machine, draw) -> op


def builder(name: str):
    def register(fn):
        BUILDERS[name] = fn
        return fn

    return register


def squashed(fn: Callable, value: np.ndarray) -> Callable:
    """Scale a result whose values grew large back to about 10 (a constant factor: the gradient stays exact)."""
    top = float(np.max(np.abs(value), initial=0.0))
    if not np.isfinite(top) or top <= 10.0:
        return fn
    scale = 10.0 / top
    return lambda *xs: fn(*xs) * scale


# ---------------------------------------------------------------------- op builders


@builder("exp")
def _exp(m, draw):
    i = m.pick(draw)
    if np.max(np.abs(m.entries[i].value), initial=0.0) > 5:
        return "exp(3 tanh)", lambda x: (x.tanh() * 3.0).exp(), (i,)
    return "exp", lambda x: x.exp(), (i,)


@builder("log")
def _log(m, draw):
    return "log(x²+½)", lambda x: (x * x + 0.5).log(), (m.pick(draw),)


@builder("tanh")
def _tanh(m, draw):
    return "tanh", lambda x: x.tanh(), (m.pick(draw),)


@builder("sigmoid")
def _sigmoid(m, draw):
    return "sigmoid", lambda x: x.sigmoid(), (m.pick(draw),)


@builder("relu")
def _relu(m, draw):
    i = m.pick(draw)
    shift = draw(st.floats(-1.0, 1.0))
    if np.min(np.abs(m.entries[i].value + shift), initial=np.inf) < MARGIN:
        return None  # a kink too close: differences would straddle it
    return f"relu(x{shift:+.2f})", lambda x: (x + shift).relu(), (i,)


def _broadcast_operand(m, draw, j):
    """Entry ``j`` as is, or summed over some axes and with its leading 1s dropped (it then broadcasts)."""
    shape = m.entries[j].value.shape
    if not shape or not draw(st.booleans()):
        return lambda y: y, shape
    axes = tuple(a for a in range(len(shape)) if draw(st.booleans()))
    kept = tuple(1 if a in axes else s for a, s in enumerate(shape))
    lead = 0
    while lead < len(kept) and kept[lead] == 1 and draw(st.booleans()):
        lead += 1
    final = kept[lead:]
    if not axes:
        return (lambda y: y.reshape(final)), final
    return (lambda y: y.sum(axes, keepdim=True).reshape(final)), final


def _binary(op_name: str, op: Callable):
    def build(m, draw):
        i = m.pick(draw)
        j = m.pick(draw, lambda e: e.value.shape == m.entries[i].value.shape)
        other, _ = _broadcast_operand(m, draw, j)
        # a denominator is kept away from 0
        safe = (lambda z: z * z + 0.5) if op_name == "div" else (lambda z: z)
        if draw(st.booleans()):
            return f"{op_name}(x, b(y))", lambda x, y: op(x, safe(other(y))), (i, j)
        return f"{op_name}(b(y), x)", lambda x, y: op(other(y), safe(x)), (i, j)

    return build


builder("add")(_binary("add", lambda a, b: a + b))
builder("sub")(_binary("sub", lambda a, b: a - b))
builder("mul")(_binary("mul", lambda a, b: a * b))
builder("div")(_binary("div", lambda a, b: a / b))


@builder("pow")
def _pow(m, draw):
    i = m.pick(draw)
    if draw(st.booleans()):
        p = draw(st.sampled_from([0, 1, 2, 3, -1, 0.5, -1.5]))
        return f"(x²+½)**{p}", lambda x: (x * x + 0.5) ** p, (i,)
    j = m.pick(draw, lambda e: e.value.shape == m.entries[i].value.shape)
    return "(x²+½)**tanh(y)", lambda x, y: (x * x + 0.5) ** y.tanh(), (i, j)


@builder("maximum")
def _maximum(m, draw):
    i = m.pick(draw)
    j = m.pick(draw, lambda e: e.value.shape == m.entries[i].value.shape)
    shift = draw(st.floats(-1.0, 1.0))
    gap = m.entries[i].value - (m.entries[j].value + shift)
    if np.min(np.abs(gap), initial=np.inf) < MARGIN:
        return None  # a tie too close
    if draw(st.booleans()):
        return f"maximum(x, y{shift:+.2f})", lambda x, y: tc.maximum(x, y + shift), (i, j)
    return f"min(x, y{shift:+.2f})", lambda x, y: x.min(y + shift), (i, j)


@builder("matmul")
def _matmul(m, draw):
    i = m.pick(draw, lambda e: e.value.ndim in (1, 2, 3))
    if i is None:
        return None
    k = m.entries[i].value.shape[-1]
    options = [(j, False) for j, e in enumerate(m.entries) if e.value.ndim in (1, 2) and e.value.shape[0] == k]
    options += [(j, True) for j, e in enumerate(m.entries) if e.value.ndim == 2 and e.value.shape[1] == k]
    if not options:
        return None
    j, transposed = draw(st.sampled_from(options))
    if transposed:
        return "x @ yᵀ", lambda x, y: x @ y.transpose(0, 1), (i, j)
    return "x @ y", lambda x, y: x @ y, (i, j)


@builder("sum")
def _sum(m, draw):
    i = m.pick(draw)
    nd = m.entries[i].value.ndim
    dims = None if nd == 0 or draw(st.booleans()) else tuple(sorted(draw(st.sets(st.integers(0, nd - 1), min_size=1))))
    keep = draw(st.booleans())
    if draw(st.booleans()):
        return f"sum{dims}", lambda x: x.sum(dims, keepdim=keep), (i,)
    return f"mean{dims}", lambda x: x.mean(dims, keepdim=keep), (i,)


@builder("reshape")
def _reshape(m, draw):
    i = m.pick(draw)
    shape = m.entries[i].value.shape
    options = [(-1,), tuple(reversed(shape)), (1, *shape), shape + (1,)]
    if len(shape) >= 2:
        options.append((shape[0] * shape[1], *shape[2:]))
    target = draw(st.sampled_from(options))
    return f"reshape{target}", lambda x: x.reshape(target), (i,)


@builder("transpose")
def _transpose(m, draw):
    i = m.pick(draw, lambda e: e.value.ndim >= 2)
    if i is None:
        return None
    nd = m.entries[i].value.ndim
    d0, d1 = draw(st.sampled_from([p for p in itertools.permutations(range(nd), 2)]))
    return f"transpose{d0, d1}", lambda x: x.transpose(d0, d1), (i,)


@builder("getitem")
def _getitem(m, draw):
    i = m.pick(draw, lambda e: e.value.ndim >= 1 and e.value.shape[0] >= 1)
    if i is None:
        return None
    shape = m.entries[i].value.shape
    n = shape[0]
    kind = draw(st.sampled_from(["int", "slice", "fancy", "second_axis"]))
    if kind == "int":
        k = draw(st.integers(-n, n - 1))
        return f"[{k}]", lambda x: x[k], (i,)
    if kind == "slice":
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a + 1, n))
        step = draw(st.integers(1, 2))
        return f"[{a}:{b}:{step}]", lambda x: x[a:b:step], (i,)
    if kind == "fancy":  # repeated indices: their gradients must add up
        picks = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
        idx = np.array(picks + picks[:1])  # at least one index twice
        return f"[{idx.tolist()}]", lambda x: x[idx], (i,)
    if len(shape) < 2:
        return None
    k = draw(st.integers(0, shape[1] - 1))
    return f"[:, {k}]", lambda x: x[:, k], (i,)


@builder("to_image")
def _to_image(m, draw):
    """Reshape a node into (N, C, H, W) so that conv2d and max_pool2d have inputs."""
    i = m.pick(draw, lambda e: e.value.size >= 4)
    if i is None:
        return None
    size = m.entries[i].value.size
    h = draw(st.sampled_from([d for d in range(2, size + 1) if size % d == 0]))
    target = (1, 1, h, size // h)
    return f"reshape{target}", lambda x: x.reshape(target), (i,)


@builder("conv2d")
def _conv2d(m, draw):
    i = m.pick(draw, lambda e: e.value.ndim == 4)
    if i is None:
        return None
    _, c, h, w = m.entries[i].value.shape
    padding = draw(st.integers(0, 1))
    kh = draw(st.integers(1, min(3, h + 2 * padding)))
    kw = draw(st.integers(1, min(3, w + 2 * padding)))
    out_ch = draw(st.integers(1, 2))
    stride = draw(st.integers(1, 2))
    wi = m.add_leaf(draw, (out_ch, c, kh, kw))
    if draw(st.booleans()):
        bi = m.add_leaf(draw, (out_ch,))
        return (f"conv2d(k{kh}x{kw}, s{stride}, p{padding}, bias)",
                lambda x, wt, b: F.conv2d(x, wt, b, stride=stride, padding=padding), (i, wi, bi))
    return (f"conv2d(k{kh}x{kw}, s{stride}, p{padding})",
            lambda x, wt: F.conv2d(x, wt, stride=stride, padding=padding), (i, wi))


@builder("max_pool2d")
def _max_pool2d(m, draw):
    i = m.pick(draw, lambda e: e.value.ndim == 4 and min(e.value.shape[2:]) >= 2)
    if i is None:
        return None
    value = m.entries[i].value
    k = draw(st.integers(2, min(3, *value.shape[2:])))
    stride = draw(st.integers(1, k))
    windows = np.lib.stride_tricks.sliding_window_view(value, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = np.sort(windows.reshape(*windows.shape[:4], -1), axis=-1)
    if np.min(flat[..., -1] - flat[..., -2], initial=np.inf) < MARGIN:
        return None  # a tie (or near one) in some window: the max could switch under a difference step
    return f"max_pool2d(k{k}, s{stride})", lambda x: F.max_pool2d(x, k, stride), (i,)


# ---------------------------------------------------------------------- the machine

#: ops whose builder often finds no fitting input (or which need more draws to cover their cases) come up
#: more often
EXTRA_WEIGHT = {"getitem": 3, "conv2d": 3, "max_pool2d": 3, "to_image": 2, "matmul": 2, "transpose": 2}


def _op_names() -> list[str]:
    return [name for name in sorted(BUILDERS) for _ in range(EXTRA_WEIGHT.get(name, 1))]



def _leaf_shapes():
    side = st.integers(1, 3)
    return st.one_of(st.tuples(), st.tuples(side), st.tuples(side, side), st.tuples(side, side, side),
                     st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(2, 4), st.integers(2, 4)))


class GraphMachine(RuleBasedStateMachine):
    """A growing graph; ``check_gradients`` compares backward with central differences at any point."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self.unchecked = False  # a node was added since the last gradient check

    # -- helpers
    def pick(self, draw: Draw, ok: Callable[[Entry], bool] = lambda e: True) -> int | None:
        choices = [n for n, e in enumerate(self.entries) if ok(e)]
        return draw(st.sampled_from(choices)) if choices else None

    def add_leaf(self, draw: Draw, shape: tuple[int, ...]) -> int:
        seed = draw(st.integers(0, 2**32 - 1))
        value = np.random.default_rng(seed).standard_normal(shape)
        self.entries.append(Entry(f"leaf{shape}", np.asarray(value, dtype=np.float64)))
        return len(self.entries) - 1

    def replay(self, leaves: dict[int, tc.Tensor], upto: int) -> list[tc.Tensor]:
        out: list[tc.Tensor] = []
        for n, e in enumerate(self.entries[: upto + 1]):
            out.append(leaves[n] if e.fn is None else e.fn(*(out[k] for k in e.inputs)))
        return out

    def leaf_tensors(self, values: dict[int, np.ndarray], requires_grad: bool) -> dict[int, tc.Tensor]:
        return {n: tc.tensor(v, dtype=np.float64, requires_grad=requires_grad) for n, v in values.items()}

    # -- rules
    @initialize(data=st.data(), shape=_leaf_shapes())
    def first_leaf(self, data, shape):
        self.add_leaf(data.draw, shape)

    @precondition(lambda self: sum(e.value.size for e in self.entries if e.fn is None) < MAX_LEAF_ELEMENTS)
    @rule(data=st.data(), shape=_leaf_shapes())
    def another_leaf(self, data, shape):
        self.add_leaf(data.draw, shape)

    @precondition(lambda self: sum(e.fn is not None for e in self.entries) < MAX_NODES)
    @rule(data=st.data(), name=st.deferred(lambda: st.sampled_from(_op_names())))
    def apply_op(self, data, name):
        n_before = len(self.entries)
        built = BUILDERS[name](self, data.draw)
        if built is None:
            del self.entries[n_before:]  # a builder that gave up leaves no stray leaves behind
            return
        label, fn, inputs = built
        leaves = {n: e.value for n, e in enumerate(self.entries) if e.fn is None}
        with tc.no_grad():
            values = self.replay(self.leaf_tensors(leaves, False), len(self.entries) - 1)
            value = fn(*(values[k] for k in inputs))._data
        fn = squashed(fn, value)
        with tc.no_grad():
            value = fn(*(values[k] for k in inputs))._data
        assert np.all(np.isfinite(value)), label
        self.entries.append(Entry(label, value.copy(), fn, inputs))
        STATS["op " + name] += 1
        self.unchecked = True

    @precondition(lambda self: self.unchecked or sum(e.fn is not None for e in self.entries) >= MAX_NODES)
    @rule(data=st.data())
    def check_gradients(self, data):
        nodes = [n for n, e in enumerate(self.entries) if e.fn is not None]
        target = data.draw(st.one_of(st.just(nodes[-1]), st.sampled_from(nodes)))  # mostly the newest node
        seed = data.draw(st.integers(0, 2**32 - 1))
        weights = np.random.default_rng(seed).standard_normal(self.entries[target].value.shape)
        leaves = {n: e.value for n, e in enumerate(self.entries[: target + 1]) if e.fn is None}

        def loss(values: dict[int, np.ndarray]) -> float:
            with tc.no_grad():
                out = self.replay(self.leaf_tensors(values, False), target)[target]
            return float(np.sum(out._data * weights))

        tensors = self.leaf_tensors(leaves, True)
        out = self.replay(tensors, target)[target]
        (out * tc.tensor(weights)).sum().backward()
        scale = max(1.0, abs(loss(leaves)))
        for n, v in leaves.items():
            analytic = np.zeros_like(v) if tensors[n].grad is None else tensors[n].grad.numpy()
            assert analytic.shape == v.shape
            numeric = np.zeros_like(v)
            for idx in np.ndindex(v.shape):
                up, down = v.copy(), v.copy()
                up[idx] += EPS
                down[idx] -= EPS
                numeric[idx] = (loss({**leaves, n: up}) - loss({**leaves, n: down})) / (2 * EPS)
            graph = " → ".join(e.label for e in self.entries[: target + 1])
            np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7 * scale,
                                       err_msg=f"leaf {n} of the graph {graph}")
        STATS["gradient checks"] += 1
        self.unchecked = False
        STATS["elements differenced"] += sum(v.size for v in leaves.values())


GraphMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get('HARDEN_EXAMPLES', 50)), stateful_step_count=16, deadline=None
)
test_engine_gradients_match_central_differences = GraphMachine.TestCase
