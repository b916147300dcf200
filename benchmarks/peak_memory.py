"""Wall time and peak memory of a command and the processes it starts (e.g. ``cleaner dedup --jobs 2``).

    python benchmarks/peak_memory.py cleaner dedup c1m.jsonl -o out --jobs 2 --overwrite --quiet

Every second it reads ``/proc/PID/smaps_rollup`` of the command and its descendants, and reports the
peak of their summed PSS (pages shared by forked workers are split between them, so the sum is the
memory the run holds) and the largest single RSS.  Linux only.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from ``/proc/PID/task/TID/children``)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                for child in fh.read().split():
                    found += descendants(int(child))
    except OSError:  # the process ended while it was read
        pass
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB; zeros once it has ended."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.perf_counter()
    proc = subprocess.Popen(argv)
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        sizes = [memory_kb(p) for p in descendants(proc.pid)]
        peak_pss = max(peak_pss, sum(p for p, _ in sizes))
        peak_rss = max(peak_rss, max((r for _, r in sizes), default=0))
        time.sleep(1.0)
    print(f"exit {proc.returncode}; wall {time.perf_counter() - start:.1f} s; peak summed PSS "
          f"{peak_pss / 1e6:.2f} GB; largest process RSS {peak_rss / 1e6:.2f} GB", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
