"""How much faster this machine runs two CPU-bound processes than one: the ceiling of any ``--jobs 2``.

    python benchmarks/cpu_scaling.py

The same pure-Python loop runs in one process, then in two at once; ``scaling`` is
``2 x (one process's time) / (wall time of the two)``, 2.0 on two idle, independent cores.
"""
from __future__ import annotations

import multiprocessing as mp
import time


def work(_: int = 0) -> float:
    """Seconds of one fixed pure-Python loop."""
    start = time.perf_counter()
    total = 0
    for i in range(30_000_000):
        total += i * i
    return time.perf_counter() - start


def main() -> None:
    one = work()
    with mp.get_context("fork").Pool(2) as pool:
        start = time.perf_counter()
        two = pool.map(work, [0, 1])
        both = time.perf_counter() - start
    print(f"one process {one:.2f} s; two at once {two[0]:.2f}/{two[1]:.2f} s (wall {both:.2f}); "
          f"scaling {2 * one / both:.2f}x")


if __name__ == "__main__":
    main()
