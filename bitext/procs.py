"""Processes of this machine: whether one that left a lease or a temporary folder is still running."""

from __future__ import annotations

import os
import socket


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
