"""Run one command; print its wall time, CPU time and peak RSS as JSON.

bench/run.py starts every timed command through this small process: a child started from a large
process (the benchmark itself has loaded the Helm engine) inherits that parent's peak RSS, so the
peak reported for the child would be the parent's. From here the floor is this process's ~10 MiB.

usage: python bench/spawn.py COMMAND [ARG...]   (the command's stdout is discarded, stderr kept)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> None:
    started = time.perf_counter()
    process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    json.dump(
        {
            "returncode": process.returncode,
            "wall": elapsed,
            "cpu": usage.ru_utime + usage.ru_stime,
            "rss_kib": usage.ru_maxrss,  # KiB on Linux
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
