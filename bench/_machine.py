"""What machine a benchmark ran on: shared by every script in bench/ for its header."""

from __future__ import annotations


def cpu_and_memory() -> tuple[str, str]:
    """The CPU model and the total memory (GiB), or "?" where /proc does not say."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return cpu, mem
