"""Engine benchmark: one training step of two source trees of tinygrad_cnn, in alternating blocks.

    python3 benchmarks/bench_engine.py OLD_ROOT [NEW_ROOT] [--blocks 8] [--steps 30] [--in-process N]

Each block is a fresh process that imports the package from one root, warms up, and times ``--steps``
training steps; blocks of the two roots alternate (old, new, old, new, ...) so that both see the same
machine load, and the table gives the median over all steps of each root, wall-clock and process CPU
time (all threads; steadier than wall-clock on a loaded machine). ``--in-process N`` instead loads both
trees into one process (the old one copied under another package name) and alternates them step by
step, N steps each: the fairest comparison on a busy machine. Two workloads:

- ``lenet``: W2 of ``bench_conv.py`` (N=64, two 5×5 convs, two max pools, linear, cross-entropy),
  where the convolution kernels dominate;
- ``mlp``: a small MLP (N=16, 32 → 64 → 64 → 10, relu, cross-entropy), where the engine's own
  per-node work (``Function.apply``, the walk, leaf accumulation) dominates.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

_STEP = r"""
import numpy as np
rng = np.random.default_rng(0)
def p(*shape, scale=0.1):
    return tc.tensor((rng.standard_normal(shape) * scale).astype(np.float32), requires_grad=True)
if workload == "lenet":
    x = tc.Tensor(rng.random((64, 1, 28, 28), dtype=np.float32)); y = rng.integers(0, 10, 64)
    ps = [p(8, 1, 5, 5), p(8), p(16, 8, 5, 5), p(16), p(10, 256), p(10)]
    def step():
        w1, b1, w2, b2, lw, lb = ps
        a = F.max_pool2d(F.conv2d(x, w1, b1).relu(), 2)
        a = F.max_pool2d(F.conv2d(a, w2, b2).relu(), 2)
        F.cross_entropy(F.linear(a.flatten(1), lw, lb), y).backward()
else:
    x = tc.Tensor(rng.standard_normal((16, 32)).astype(np.float32)); y = rng.integers(0, 10, 16)
    ps = [p(64, 32), p(64), p(64, 64), p(64), p(10, 64), p(10)]
    def step():
        w1, b1, w2, b2, w3, b3 = ps
        h = F.linear(x, w1, b1).relu()
        h = F.linear(h, w2, b2).relu()
        F.cross_entropy(F.linear(h, w3, b3), y).backward()
"""

_CHILD = r"""
import sys, time, json
sys.path.insert(0, sys.argv[1])
import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
workload, steps = sys.argv[2], int(sys.argv[3])
""" + _STEP + r"""
for _ in range(5):
    step()
times, cpu = [], []
for _ in range(steps):
    t, c = time.perf_counter(), time.process_time()
    step()
    times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
print(json.dumps([times, cpu]))
"""


def run_block(root: str, workload: str, steps: int) -> list[list[float]]:
    """Wall-clock and process CPU times of ``steps`` steps in a fresh process importing from ``root``."""
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", _CHILD, root, workload, str(steps)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def in_process(old_root: str, new_root: str, workload: str, steps: int) -> dict[str, tuple[float, float]]:
    """Median (wall ms, CPU ms) of both trees in one process, alternating step by step."""
    import importlib
    import shutil
    import tempfile
    import time

    tmp = tempfile.mkdtemp()
    shutil.copytree(os.path.join(old_root, "tinygrad_cnn"), os.path.join(tmp, "tinygrad_cnn_old"))
    sys.path[:0] = [new_root, tmp]
    stepper = {}
    for key, name in (("old", "tinygrad_cnn_old"), ("new", "tinygrad_cnn")):
        space = {"tc": importlib.import_module(name), "F": importlib.import_module(name + ".functional"),
                 "workload": workload}
        exec(_STEP, space)
        stepper[key] = space["step"]
    wall: dict[str, list[float]] = {"old": [], "new": []}
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    for step in stepper.values():
        for _ in range(5):
            step()
    for i in range(steps):
        for key in ("old", "new") if i % 2 == 0 else ("new", "old"):
            t, c = time.perf_counter(), time.process_time()
            stepper[key]()
            wall[key].append(time.perf_counter() - t)
            cpu[key].append(time.process_time() - c)
    shutil.rmtree(tmp)
    return {k: (statistics.median(wall[k]) * 1e3, statistics.median(cpu[k]) * 1e3) for k in ("old", "new")}


def row(workload: str, old: float, old_c: float, new: float, new_c: float) -> None:
    print(f"{workload:<10}{old:>10.3f}{new:>10.3f}{new / old:>9.3f}×{old_c:>10.3f}{new_c:>10.3f}{new_c / old_c:>9.3f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--workloads", default="lenet,mlp")
    parser.add_argument("--in-process", type=int, default=0, metavar="N",
                        help="both trees in one process, alternating step by step, N steps each")
    args = parser.parse_args()
    roots = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    header = f"{'workload':<10}{'old ms':>10}{'new ms':>10}{'new/old':>10}{'old cpu':>10}{'new cpu':>10}{'new/old':>10}"
    if args.in_process:
        print(f"load average {os.getloadavg()[0]:.2f}; one process, {args.in_process} alternating steps each")
        print(header)
        for workload in args.workloads.split(","):
            r = in_process(roots["old"], roots["new"], workload, args.in_process)
            row(workload, *r["old"], *r["new"])
        return
    print(f"load average {os.getloadavg()[0]:.2f}; {args.blocks} alternating blocks of {args.steps} steps each")
    print(header)
    for workload in args.workloads.split(","):
        wall: dict[str, list[float]] = {"old": [], "new": []}
        cpu: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(args.blocks):
            for key, root in roots.items():
                w, c = run_block(root, workload, args.steps)
                wall[key] += w
                cpu[key] += c
        old, new = (statistics.median(wall[k]) * 1e3 for k in ("old", "new"))
        old_c, new_c = (statistics.median(cpu[k]) * 1e3 for k in ("old", "new"))
        row(workload, old, old_c, new, new_c)


if __name__ == "__main__":
    main()
