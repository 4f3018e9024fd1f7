"""What importing tinygrad_cnn does to its host process: import time against NumPy's, threads started,
and the memory a user's own freed arrays leave resident afterwards.

    python3 benchmarks/host_effects.py [--tree PATH] [--runs 21]

Each probe runs in fresh interpreters, alternating ``import numpy`` and ``import tinygrad_cnn`` so that
both see the same machine load; ``--tree`` measures another checkout (e.g. the old commit's).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
THREADS = "import threading; n = threading.active_count(); import tinygrad_cnn; print(threading.active_count() - n)"
RSS = textwrap.dedent("""
    import numpy as np
    {prelude}

    def rss_mb():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

    before = rss_mb()
    a = [np.ones(3_000_000 + i) for i in range(5)]
    del a
    print(rss_mb() - before)
""")


def _run(code: str, tree: str) -> float:
    env = {**os.environ, "PYTHONPATH": tree}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd="/")
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=os.path.dirname(HERE), help="the checkout to measure (default: this one)")
    parser.add_argument("--runs", type=int, default=21, help="fresh interpreters per import-time probe")
    args = parser.parse_args()
    numpy_s, ours_s = [], []
    for _ in range(args.runs):
        numpy_s.append(_run(IMPORT.format(module="numpy"), args.tree))
        ours_s.append(_run(IMPORT.format(module="tinygrad_cnn"), args.tree))
    np_ms, ours_ms = statistics.median(numpy_s) * 1e3, statistics.median(ours_s) * 1e3
    print(f"tree: {args.tree}; load average {os.getloadavg()[0]:.2f}")
    print(f"import numpy: {np_ms:.0f} ms; import tinygrad_cnn (NumPy included): {ours_ms:.0f} ms "
          f"= {ours_ms / np_ms:.2f}× (medians of {args.runs} fresh interpreters each)")
    print(f"threads started by the import: {_run(THREADS, args.tree):.0f}")
    plain = _run(RSS.format(prelude=""), args.tree)
    after = _run(RSS.format(prelude="import tinygrad_cnn"), args.tree)
    print(f"120 MB of NumPy arrays allocated and freed: {plain:.1f} MB stay resident without the import, "
          f"{after:.1f} MB after it")


if __name__ == "__main__":
    main()
