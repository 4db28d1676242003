"""The machine a benchmark ran on: what BENCHMARKS.md records next to every figure."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


def _cpuinfo_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("nan")


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


@dataclass(frozen=True)
class Machine:
    cpus: int
    """`nproc`: the CPUs this process may run on."""
    model: str
    memory_gib: float
    kernel: str
    python: str

    @classmethod
    def here(cls) -> Machine:
        return cls(
            cpus=len(os.sched_getaffinity(0)),
            model=_cpuinfo_model(),
            memory_gib=round(_mem_total_gib(), 1),
            kernel=platform.release(),
            python=platform.python_version(),
        )

    def describe(self) -> str:
        return (
            f"{self.cpus} CPUs (nproc; {self.model}), {self.memory_gib} GiB RAM, "
            f"Linux {self.kernel}, Python {self.python}"
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
