"""Training-step times of two versions of tinygrad_cnn and of PyTorch, measured in one run.

    git worktree add /tmp/house_old 1e8ecf9        # or: git archive 1e8ecf9 | tar -x -C /tmp/house_old
    python3 benchmarks/compare_versions.py --old /tmp/house_old [--new .] [--blocks 20] [--steps 5]

Each version runs in its own process (so each imports its own package, with its own defaults), and
PyTorch in a third. The coordinator asks them in turn for a *block* of steps of one workload (W1, W2, W3
of ``bench_conv.py``), round after round, so all of them see the same machine load, and each one's idle
threads meet only its own next step, as in a training loop. Reported: the median step of each, and the
ratios. Every process runs with its library's defaults; the old version is run twice, as shipped (its
import tunes glibc's malloc) and with that tuning switched off (``TINYGRAD_CNN_MALLOC=default``), so
the table shows what the tuning bought and what the new version recovers without it. All processes
get ``OPENBLAS_THREAD_TIMEOUT=4`` (``--blas-spin`` leaves OpenBLAS's default), so that one process's
idle BLAS threads do not spin on the core the next one needs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ("W1 seed", "W2 lenet", "W3 wide")


# ---------------------------------------------------------------------- worker side


def _worker(source: str, workloads: list[str]) -> None:
    """Answer "<workload> <steps>" lines with the step times in seconds, as JSON."""
    # Each tree's own bench_conv.py (the same workloads in both): it puts its tree first on sys.path and
    # sets the BLAS environment before NumPy loads.
    sys.path.insert(0, HERE if source == "torch" else os.path.join(os.path.abspath(source), "benchmarks"))
    import bench_conv
    import numpy as np

    make = bench_conv.torch_step if source == "torch" else bench_conv.ours_step
    data = bench_conv.make_workloads(np.random.default_rng(0))
    steps = {name: make(name, data[name]) for name in workloads}
    for step in steps.values():
        for _ in range(3):  # warm-up
            step()
    print("ready", "torch" if source == "torch" else bench_conv.tc.__file__, flush=True)
    for line in sys.stdin:
        name, count = line.rsplit(" ", 1)
        step = steps[name]
        wall, cpu = [], []
        for _ in range(int(count)):
            t, c = time.perf_counter(), time.process_time()
            step()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(json.dumps([wall, cpu]), flush=True)


# ---------------------------------------------------------------------- coordinator


def _start(source: str, env: dict[str, str], workloads: list[str]) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", source, ",".join(workloads)],
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, **env}, cwd=HERE)
    line = proc.stdout.readline().split()
    if not line or line[0] != "ready":
        raise RuntimeError(f"worker for {source} did not start: {line!r}")
    if source != "torch" and not line[1].startswith(os.path.abspath(source)):
        raise RuntimeError(f"the worker for {source} imported {line[1]}")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the old version's source tree (a checkout of 1e8ecf9)")
    parser.add_argument("--new", default=os.path.dirname(HERE), help="the new version's tree (default: this one)")
    parser.add_argument("--blocks", type=int, default=20, help="rounds of blocks per workload")
    parser.add_argument("--steps", type=int, default=5, help="steps per block")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--only", nargs="+", choices=("W1", "W2", "W3"),
                        help="run just these workloads: each process then allocates only for them, as a program "
                             "training one model does (the others' freed memory can't serve this one's arrays)")
    parser.add_argument("--blas-spin", action="store_true", help="leave OPENBLAS_THREAD_TIMEOUT at its default")
    args = parser.parse_args()
    env = {} if args.blas_spin else {"OPENBLAS_THREAD_TIMEOUT": "4"}
    sides = {
        "old": (args.old, env),
        "old, malloc untouched": (args.old, {**env, "TINYGRAD_CNN_MALLOC": "default"}),
        "new": (args.new, env),
    }
    if not args.no_torch:
        sides["PyTorch"] = ("torch", env)
    workloads = [w for w in WORKLOADS if not args.only or w.split()[0] in args.only]
    procs = {label: _start(source, extra, workloads) for label, (source, extra) in sides.items()}
    times: dict[tuple[str, str], list[float]] = {(w, s): [] for w in workloads for s in sides}
    cpu: dict[tuple[str, str], list[float]] = {(w, s): [] for w in workloads for s in sides}
    try:
        for _ in range(args.blocks):
            for w in workloads:
                for label, proc in procs.items():
                    proc.stdin.write(f"{w} {args.steps}\n")
                    proc.stdin.flush()
                    wall, used = json.loads(proc.stdout.readline())
                    times[w, label] += wall
                    cpu[w, label] += used
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait()
    print(f"{args.blocks} rounds of {args.steps}-step blocks per workload; load average {os.getloadavg()[0]:.2f}")
    for title, table in (("wall-clock", times), ("CPU time of the process, all its threads", cpu)):
        _table(f"median step, ms, {title}", table, list(sides), workloads)


def _table(title: str, table: dict[tuple[str, str], list[float]], labels: list[str], workloads: list[str]) -> None:
    torch = "PyTorch" in labels
    print(f"\n{title}\n")
    print("| workload | " + " | ".join(labels) + " | new/old |" + (" new/PyTorch | old/PyTorch |" if torch else ""))
    print("|---" * (len(labels) + (4 if torch else 2)) + "|")
    for w in workloads:
        med = {s: statistics.median(table[w, s]) * 1e3 for s in labels}
        row = f"| {w} | " + " | ".join(f"{med[s]:.2f}" for s in labels) + f" | {med['new'] / med['old']:.2f}× |"
        if torch:
            row += f" {med['new'] / med['PyTorch']:.2f}× | {med['old'] / med['PyTorch']:.2f}× |"
        print(row)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3].split(","))
    else:
        main()
