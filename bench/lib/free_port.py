#!/usr/bin/env python3
"""A free TCP port on 127.0.0.1 below the kernel's ephemeral range (as a module or a command).

A port from bind(("127.0.0.1", 0)) is an ephemeral one: between this check and the server's own
bind, any outgoing connection on the machine may take it as its source port, and the server
then fails to start ("address in use"; seen once in a MariaDB proof: fanout exited rc 2 0.3 s
after its start). Ports below the range are never handed out that way. Used by
bench/freshness/run.sh (the command) and tests/proof/chaos.py (free_port()).
"""
import random
import socket
import sys

_HANDED_OUT = set()


def free_port(rng=random.Random()):
    """A port nobody listens on, not handed out before by this process (callers bind it later)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    high = max(1025, min(low, 32768))
    floor = max(1024, high - 2768)
    for _ in range(200):
        port = rng.randrange(floor, high)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


if __name__ == "__main__":
    try:
        print(free_port())
    except RuntimeError as e:
        sys.exit(f"free_port: {e}")
