"""Processes of this machine: whether one that left a lease or a temporary folder is still running,
and the temporary folders of killed runs."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def host_name() -> str:
    """This machine's name, recorded with a lease so other machines do not judge its pid."""
    return socket.gethostname()


# Temporary folders bitext makes next to what it writes, named with the pid of the process writing:
# '.dataset.tmp-1234-ab12cd34' (publish) and '.convert-1234-x1y2z3' (CTranslate2 conversion).
_TEMP = re.compile(r"^\.(?:.+\.tmp|convert)-(\d+)-[\w]+$")
_OLD_CONVERT = re.compile(r"^\.convert-(?!\d+-)")  # made by older bitext versions, without a pid


def leftovers(folders: Iterable[Path]) -> list[Path]:
    """Temporary folders of killed bitext runs directly inside ``folders`` (their process is gone)."""
    out = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if not entry.is_dir() or entry.is_symlink():
                continue
            m = _TEMP.match(entry.name)
            if (m and not pid_alive(int(m.group(1)))) or _OLD_CONVERT.match(entry.name):
                out.append(entry)
    return out
