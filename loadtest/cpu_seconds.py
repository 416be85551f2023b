"""CPU seconds (user and system) used so far by these processes and all their descendants,
those that ended and were waited for included.

    python3 loadtest/cpu_seconds.py PID [PID ...]
"""

import os
import sys
from pathlib import Path


def stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: the fields after it follow its ")".
    return text[text.rindex(")") + 2 :].split()


def main() -> None:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    waiting = [int(pid) for pid in sys.argv[1:]]
    ticks = 0
    while waiting:
        pid = waiting.pop()
        fields = stat(pid)
        if fields is None:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of /proc/PID/stat.
        ticks += sum(int(value) for value in fields[11:15])
        waiting += children.get(pid, [])
    print(f"{ticks / os.sysconf('SC_CLK_TCK'):.2f}")


if __name__ == "__main__":
    main()
