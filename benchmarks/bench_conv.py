"""Convolution benchmark: forward + backward medians of tinygrad_cnn, the second document's loop layer
and PyTorch (CPU, same thread count, when installed), on the three workloads of issue 3.

    python3 benchmarks/bench_conv.py [--repeats 30] [--threads N] [--quick] [--torch-passive]

Workloads (float32; gradients for the parameters only, as a training step needs):
  W1 "seed":  N=200, 1×28×28 → conv 3@5×5 → sigmoid → flatten → linear 1728→1 → sigmoid → MSE
  W2 "lenet": N=64, 1×28×28 → conv 8@5×5 → relu → maxpool 2 → conv 16@5×5 → relu → maxpool 2
              → linear 256→10 → cross-entropy
  W3 "wide":  N=32, 16×32×32 → conv 32@3×3 padding 1 → relu → maxpool 2 → sum

Tables: (1) whole steps: ours vs PyTorch; (2) each conv layer alone (forward + the gradients the
workload needs): ours vs the loop layer vs PyTorch, GFLOP/s and the fraction of the BLAS matmul rate;
(3) peak memory of each conv layer's forward + backward against its im2col buffer (tracemalloc).

Timing notes (benchmarks/README.md): OpenBLAS's idle workers spin after each call and steal a core
from whatever runs next, so OPENBLAS_THREAD_TIMEOUT is set before NumPy loads; ours and PyTorch's
steps are interleaved in one process so the ratios see the same machine load. PyTorch's OpenMP
threads spin-wait between parallel regions by default, which is much of its lead on small ops on
2 vCPUs (our pool's threads sleep: Python cannot spin without holding the GIL); --torch-passive sets
OMP_WAIT_POLICY=PASSIVE before PyTorch loads, so that both sides' threads sleep when idle.
"""

from __future__ import annotations

import os
import sys


def _early_threads() -> int:
    """--threads must reach OpenBLAS before NumPy is imported."""
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return os.cpu_count() or 1


THREADS = _early_threads()
if "--torch-passive" in sys.argv:  # must reach libgomp before PyTorch loads it
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)
os.environ["TINYGRAD_CNN_THREADS"] = str(THREADS)  # the conv kernels' own worker threads

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
from scipy import signal  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import tinygrad_cnn as tc  # noqa: E402
import tinygrad_cnn.functional as F  # noqa: E402
from tinygrad_cnn import Tensor, tensor  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is optional: its columns then read "—"
    torch = None


# ---------------------------------------------------------------------- timing


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def interleaved_ms(fns: dict[str, Callable[[], object] | None], repeats: int, warmup: int = 3) -> dict[str, float]:
    """Median times of several callables, run alternately so that they see the same machine load."""
    live = {k: f for k, f in fns.items() if f is not None}
    for f in live.values():
        for _ in range(warmup):
            f()
    times: dict[str, list[float]] = {k: [] for k in live}
    for _ in range(repeats):
        for k, f in live.items():
            t = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t)
    out = {k: float("nan") for k in fns}
    out.update({k: statistics.median(v) * 1e3 for k, v in times.items()})
    return out


def blas_rate_gflops() -> float:
    """float32 GEMM rate of NumPy's BLAS on a large square product."""
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    ms = median_ms(lambda: a @ a, 10)
    return 2 * 1024**3 / ms / 1e6


# ---------------------------------------------------------------------- workloads


def param(rng: np.random.Generator, *shape: int, scale: float = 0.1) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def make_workloads(rng: np.random.Generator) -> dict[str, dict]:
    """Data and parameters (NumPy float32) of W1, W2, W3."""
    return {
        "W1 seed": {
            "x": rng.random((200, 1, 28, 28), dtype=np.float32),
            "y": (rng.random((200, 1)) > 0.5).astype(np.float32),
            "p": [param(rng, 3, 1, 5, 5), param(rng, 3), param(rng, 1, 1728, scale=0.02), param(rng, 1)],
        },
        "W2 lenet": {
            "x": rng.random((64, 1, 28, 28), dtype=np.float32),
            "y": rng.integers(0, 10, 64),
            "p": [param(rng, 8, 1, 5, 5), param(rng, 8), param(rng, 16, 8, 5, 5), param(rng, 16),
                  param(rng, 10, 256), param(rng, 10)],
        },
        "W3 wide": {
            "x": rng.standard_normal((32, 16, 32, 32), dtype=np.float32),
            "y": None,
            "p": [param(rng, 32, 16, 3, 3), param(rng, 32)],
        },
    }


def ours_step(name: str, data: dict) -> Callable[[], None]:
    x = Tensor(data["x"])
    ps = [tensor(p, requires_grad=True) for p in data["p"]]
    y = data["y"]

    def step() -> None:
        for p in ps:
            p.grad = None
        if name.startswith("W1"):
            w, b, lw, lb = ps
            a = F.conv2d(x, w, b).sigmoid()
            loss = F.mse_loss(F.linear(a.flatten(1), lw, lb).sigmoid(), Tensor(y))
        elif name.startswith("W2"):
            w1, b1, w2, b2, lw, lb = ps
            a = F.max_pool2d(F.conv2d(x, w1, b1).relu(), 2)
            a = F.max_pool2d(F.conv2d(a, w2, b2).relu(), 2)
            loss = F.cross_entropy(F.linear(a.flatten(1), lw, lb), y)
        else:
            w, b = ps
            loss = F.max_pool2d(F.conv2d(x, w, b, padding=1).relu(), 2).sum()
        loss.backward()

    return step


def torch_step(name: str, data: dict) -> Callable[[], None] | None:
    if torch is None:
        return None
    tf = torch.nn.functional
    x = torch.from_numpy(data["x"])
    ps = [torch.from_numpy(p.copy()).requires_grad_() for p in data["p"]]
    y = None if data["y"] is None else torch.from_numpy(data["y"])

    def step() -> None:
        for p in ps:
            p.grad = None
        if name.startswith("W1"):
            w, b, lw, lb = ps
            a = torch.sigmoid(tf.conv2d(x, w, b))
            loss = tf.mse_loss(torch.sigmoid(tf.linear(a.flatten(1), lw, lb)), y)
        elif name.startswith("W2"):
            w1, b1, w2, b2, lw, lb = ps
            a = tf.max_pool2d(torch.relu(tf.conv2d(x, w1, b1)), 2)
            a = tf.max_pool2d(torch.relu(tf.conv2d(a, w2, b2)), 2)
            loss = tf.cross_entropy(tf.linear(a.flatten(1), lw, lb), y)
        else:
            w, b = ps
            loss = tf.max_pool2d(torch.relu(tf.conv2d(x, w, b, padding=1)), 2).sum()
        loss.backward()

    return step


# ---------------------------------------------------------------------- single conv layers


class LoopConv:
    """The second document's layer: scipy.signal.correlate2d / convolve2d per sample and channel pair."""

    def __init__(self, kernels: np.ndarray, biases: np.ndarray, padding: int = 0) -> None:
        self.kernels, self.biases, self.padding = kernels, biases, padding

    def forward(self, x: np.ndarray) -> np.ndarray:
        p = self.padding
        self.xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        n, c = x.shape[:2]
        o = self.kernels.shape[0]
        out = np.empty((n, o) + tuple(np.subtract(self.xp.shape[2:], self.kernels.shape[2:]) + 1), dtype=x.dtype)
        for s in range(n):
            for i in range(o):
                out[s, i] = self.biases[i]
                for j in range(c):
                    out[s, i] += signal.correlate2d(self.xp[s, j], self.kernels[i, j], mode="valid")
        return out

    def backward(self, g: np.ndarray, need_input: bool) -> tuple[np.ndarray, np.ndarray | None]:
        n, o = g.shape[:2]
        c = self.xp.shape[1]
        p = self.padding
        gk = np.zeros_like(self.kernels)
        gx = np.zeros_like(self.xp) if need_input else None
        for s in range(n):
            for i in range(o):
                for j in range(c):
                    gk[i, j] += signal.correlate2d(self.xp[s, j], g[s, i], mode="valid")
                    if need_input:
                        gx[s, j] += signal.convolve2d(g[s, i], self.kernels[i, j], mode="full")
        if need_input and p:
            gx = gx[:, :, p:-p, p:-p]
        return gk, gx


LAYERS = {
    # name: (N, C, H, O, k, padding, input gradient needed)
    "W1 conv 1→3 5×5": (200, 1, 28, 3, 5, 0, False),
    "W2 conv1 1→8 5×5": (64, 1, 28, 8, 5, 0, False),
    "W2 conv2 8→16 5×5": (64, 8, 12, 16, 5, 0, True),
    "W3 conv 16→32 3×3 p1": (32, 16, 32, 32, 3, 1, False),
    "W3 conv, + input grad": (32, 16, 32, 32, 3, 1, True),
}


def layer_case(rng: np.random.Generator, spec: tuple) -> dict:
    n, c, h, o, k, pad, need_x = spec
    x = rng.standard_normal((n, c, h, h), dtype=np.float32)
    w = param(rng, o, c, k, k)
    b = param(rng, o)
    ho = h + 2 * pad - k + 1
    g = rng.standard_normal((n, o, ho, ho), dtype=np.float32)
    flops = 2 * n * o * c * k * k * ho * ho * (3 if need_x else 2)
    return {"x": x, "w": w, "b": b, "g": g, "pad": pad, "need_x": need_x, "flops": flops,
            "cols_bytes": n * c * k * k * ho * ho * 4}


def ours_layer(case: dict) -> Callable[[], None]:
    x = tensor(case["x"], requires_grad=case["need_x"])
    w, b = tensor(case["w"], requires_grad=True), tensor(case["b"], requires_grad=True)
    g = Tensor(case["g"])

    def step() -> None:
        w.grad = b.grad = x.grad = None
        F.conv2d(x, w, b, padding=case["pad"]).backward(g)

    return step


def torch_layer(case: dict) -> Callable[[], None] | None:
    if torch is None:
        return None
    x = torch.from_numpy(case["x"]).requires_grad_(case["need_x"])
    w = torch.from_numpy(case["w"]).requires_grad_()
    b = torch.from_numpy(case["b"]).requires_grad_()
    g = torch.from_numpy(case["g"])

    def step() -> None:
        w.grad = b.grad = x.grad = None
        torch.nn.functional.conv2d(x, w, b, padding=case["pad"]).backward(g)

    return step


def loop_layer(case: dict) -> Callable[[], None]:
    layer = LoopConv(case["w"], case["b"], case["pad"])

    def step() -> None:
        layer.forward(case["x"])
        layer.backward(case["g"], case["need_x"])

    return step


def peak_memory_bytes(fn: Callable[[], None]) -> int:
    """Peak of NumPy allocations (tracemalloc sees them) during one call, above what was live before."""
    fn()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


# ---------------------------------------------------------------------- report


def fmt(v: float, unit: str = "") -> str:
    return "—" if v != v else f"{v:.2f}{unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed repetitions per measurement (median)")
    parser.add_argument("--loop-repeats", type=int, default=3, help="repetitions of the slow loop layer")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, for a smoke run")
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS and PyTorch threads (default: all cores)")
    parser.add_argument("--torch-passive", action="store_true",
                        help="PyTorch's OpenMP threads sleep when idle (OMP_WAIT_POLICY=PASSIVE), as ours do")
    args = parser.parse_args()
    repeats = 5 if args.quick else args.repeats
    if torch is not None:
        torch.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    rate = blas_rate_gflops()
    print(f"tinygrad_cnn {tc.__version__}, NumPy {np.__version__}, "
          f"PyTorch {torch.__version__ if torch else 'not installed'}; {THREADS} threads; "
          f"NumPy float32 GEMM {rate:.0f} GFLOP/s (1024² square); load average {os.getloadavg()[0]:.2f}; "
          f"PyTorch's idle OpenMP threads {'sleep' if args.torch_passive else 'spin (its default)'}\n")

    print("(1) Whole training steps, forward + backward, median ms")
    print(f"{'workload':<12} {'ours':>8} {'PyTorch':>8} {'ours/PyTorch':>13}")
    for name, data in make_workloads(rng).items():
        t = interleaved_ms({"ours": ours_step(name, data), "torch": torch_step(name, data)}, repeats)
        print(f"{name:<12} {fmt(t['ours']):>8} {fmt(t['torch']):>8} {fmt(t['ours'] / t['torch'], '×'):>13}")

    print("\n(2) One conv layer, forward + backward (weight and bias gradients; input gradient where the network"
          " needs it), median ms")
    print(f"{'layer':<22} {'ours':>7} {'loop':>8} {'PyTorch':>8} {'loop/ours':>10} {'ours/PyT':>9} "
          f"{'GFLOP/s':>8} {'of BLAS':>8}")
    cases = {name: layer_case(rng, spec) for name, spec in LAYERS.items()}
    for name, case in cases.items():
        t = interleaved_ms({"ours": ours_layer(case), "torch": torch_layer(case)}, repeats)
        loop = median_ms(loop_layer(case), args.loop_repeats, warmup=1)
        gflops = case["flops"] / t["ours"] / 1e6
        print(f"{name:<22} {fmt(t['ours']):>7} {fmt(loop):>8} {fmt(t['torch']):>8} {fmt(loop / t['ours'], '×'):>10} "
              f"{fmt(t['ours'] / t['torch'], '×'):>9} {gflops:>8.1f} {gflops / rate:>8.0%}")

    print("\n(3) Peak memory of one conv layer's forward + backward (NumPy allocations, tracemalloc)")
    print(f"{'layer':<22} {'im2col MiB':>10} {'peak MiB':>9} {'peak/im2col':>12}")
    for name, case in cases.items():
        peak = peak_memory_bytes(ours_layer(case))
        mib = 1 / 2**20
        print(f"{name:<22} {case['cols_bytes'] * mib:>10.2f} {peak * mib:>9.2f} {peak / case['cols_bytes']:>11.2f}×")


if __name__ == "__main__":
    main()
