#!/usr/bin/env python3
"""Prints a free TCP port on 127.0.0.1 below the kernel's ephemeral range.

A port from bind(("127.0.0.1", 0)) is an ephemeral one: between this check and the server's own
bind, any outgoing connection on the machine may take it as its source port, and the server
then fails to start ("address in use"). Ports below the range are never handed out that way.
The same reasoning as tests/proof/chaos.py's free_port.
"""
import random
import socket
import sys


def main():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    high = max(1025, min(low, 32768))
    floor = max(1024, high - 2768)
    for _ in range(200):
        port = random.randrange(floor, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        print(port)
        return
    sys.exit("free_port: no free port below the ephemeral range")


if __name__ == "__main__":
    main()
