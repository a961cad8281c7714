#!/usr/bin/env python3
"""make proof: runs the fanout instances and breaks things around them.

    chaos.py --fanout-bin BIN --config tests/proof/fanout.yaml --groups g1:1,g3:3 --duration S
             --work-dir DIR --stop-file FILE [--seed N] [--kill-every 4..9] [--sink-stop 20]

Starts every instance (env PROOF_GROUP, PROOF_INSTANCE=<group>-<n>, PROOF_ADMIN_PORT,
PROOF_REPLICA_DSN=<--replica-dsn with {group}>; the rest of the environment is passed through),
then for --duration seconds:
  * every --kill-every seconds SIGKILLs one instance (groups in turn, a random instance of the
    group) and restarts it 0.5-2 s later;
  * SIGSTOPs Redis at 15 % of the duration and OpenSearch at 50 %, each for --sink-stop seconds,
    then SIGCONTs them;
  * SIGKILLs Kafka Connect at 35 % and restarts it (stack/stack.sh up connect);
  * restarts the replica PostgreSQL cluster at 75 % (stack/stack.sh down/up replica);
  * with --source mariadb: rotates the binlog at 25 % (FLUSH BINARY LOGS) and restarts the
    MariaDB server at 60 % (stack/stack.sh down/up mariadb): positions move on to the next binlog
    files and Debezium reconnects. The restart waits until Kafka Connect is back from its kill and
    every MySQL connector streams again (as many new "Binlog Dump" threads on the server as there
    were before the kill): a Debezium MySQL task that starts while the server is down fails for
    good ("Error reading MySQL variables"; it needs a manual restart).
Afterwards it keeps every instance running (restarting any that exits, which is reported) until
--stop-file exists, then stops them with SIGTERM (SIGKILL after 30 s). The current instances
and their admin ports are in DIR/instances.json; what happened is in DIR/chaos.jsonl and the
summary in DIR/chaos-summary.json. Only processes this script started, and the stack's own
servers named by their pid files, are signalled.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bench", "lib"))
from free_port import free_port  # noqa: E402  (admin ports below the ephemeral range)


def metric(port, name, timeout=1.0):
    """Sum of a metric's samples on one instance's /metrics, or None when unreachable."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=timeout) as r:
            text = r.read().decode()
    except Exception:
        return None
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Instance:
    def __init__(self, group, n, args, log):
        self.group, self.n, self.args, self.log = group, n, args, log
        self.name = "%s-%d" % (group, n)
        self.port = free_port()
        self.proc = None
        self.incarnation = 0
        self.expect_exit = False

    def start(self):
        env = dict(os.environ, PROOF_GROUP=self.group, PROOF_INSTANCE=self.name,
                   PROOF_ADMIN_PORT=str(self.port),
                   PROOF_REPLICA_DSN=self.args.replica_dsn.replace("{group}", self.group))
        self.incarnation += 1
        path = os.path.join(self.args.work_dir, "fanout-%s.log" % self.name)
        with open(path, "ab") as f:
            f.write(("==== %s incarnation %d started %.3f\n" % (self.name, self.incarnation, time.time())).encode())
            self.proc = subprocess.Popen([self.args.fanout_bin, "run", "-c", self.args.config],
                                         stdin=subprocess.DEVNULL, stdout=f, stderr=f, env=env)
        self.expect_exit = False
        self.started_at = time.time()
        self.log("start", instance=self.name, pid=self.proc.pid, incarnation=self.incarnation)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def pid_of(component):
    path = os.path.join(os.environ["FANOUT_RUN_DIR"], "pids", component + ".pid")
    try:
        pid = int(open(path).read().split()[0])
        os.kill(pid, 0)
        return pid
    except Exception:
        return None


def tree(pid):
    out = [pid]
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    except Exception:
        kids = []
    for k in kids:
        out += tree(int(k))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fanout-bin", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--groups", required=True, help="group:instances,...")
    ap.add_argument("--replica-dsn", required=True, help="libpq URI with {group}")
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--stop-file", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kill-every", default="4..9")
    ap.add_argument("--sink-stop", type=float, default=20)
    ap.add_argument("--source", choices=["postgres", "mariadb"], default="postgres")
    ap.add_argument("--calm-limit", type=float, default=600, help="stop anyway after this long without a stop file")
    a = ap.parse_args()
    # The stack whose servers get signalled is named explicitly (source stack/env first): never a
    # default one that may belong to somebody else.
    if not os.environ.get("FANOUT_RUN_DIR"):
        sys.exit("chaos: FANOUT_RUN_DIR is not set (source stack/env)")
    rng = random.Random(a.seed)
    kmin, kmax = (float(x) for x in a.kill_every.split(".."))
    events = open(os.path.join(a.work_dir, "chaos.jsonl"), "a", buffering=1)
    t0 = time.time()
    lock = threading.Lock()

    def log(what, **kw):
        kw.update(t=round(time.time() - t0, 2), event=what)
        with lock:
            events.write(json.dumps(kw) + "\n")
        print("chaos: %6.1fs %s %s" % (kw["t"], what, " ".join("%s=%s" % (k, v) for k, v in kw.items() if k not in ("t", "event"))), flush=True)

    groups = []
    for spec in a.groups.split(","):
        g, n = spec.split(":")
        groups.append((g, [Instance(g, i, a, log) for i in range(1, int(n) + 1)]))
    instances = [i for _, lst in groups for i in lst]
    summary = {"kills": {g: 0 for g, _ in groups}, "unexpected_exits": [], "restart_to_assigned_s": [],
               "faults": []}

    def write_instances():
        with open(os.path.join(a.work_dir, "instances.json.tmp"), "w") as f:
            json.dump([{"group": i.group, "name": i.name, "port": i.port, "pid": i.proc.pid if i.proc else None}
                       for i in instances], f)
        os.replace(os.path.join(a.work_dir, "instances.json.tmp"), os.path.join(a.work_dir, "instances.json"))

    def watch_assignment(inst, restarted_at, incarnation):
        # Informational: seconds from a restart until the instance reports assigned partitions.
        while time.time() - restarted_at < 90 and inst.incarnation == incarnation and inst.alive():
            v = metric(inst.port, "fanout_partitions_assigned")
            if v and v > 0:
                dt = round(time.time() - restarted_at, 2)
                with lock:
                    summary["restart_to_assigned_s"].append({"instance": inst.name, "seconds": dt})
                log("assigned", instance=inst.name, after_s=dt)
                return
            time.sleep(0.25)

    for i in instances:
        i.start()
    write_instances()

    def check_exits():
        for i in instances:
            if i.proc is not None and not i.alive() and not i.expect_exit:
                rc = i.proc.returncode
                log("unexpected-exit", instance=i.name, rc=rc)
                summary["unexpected_exits"].append({"instance": i.name, "rc": rc, "t": round(time.time() - t0, 1)})
                time.sleep(1)
                i.start()
                write_instances()

    def signal_component(component, sig):
        pid = pid_of(component)
        if pid is None:
            log("fault-skipped", component=component, why="no pid")
            return
        for p in tree(pid):
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass

    def stack(*args):
        r = subprocess.run([os.path.join(REPO, "stack", "stack.sh")] + list(args), capture_output=True, text=True,
                           env=os.environ)
        if r.returncode != 0:
            log("stack-failed", args=" ".join(args), out=(r.stdout + r.stderr)[-500:])
        return r.returncode

    def fault_stop(component, at, seconds):
        time.sleep(max(0, at - (time.time() - t0)))
        log("SIGSTOP", component=component, seconds=seconds)
        signal_component(component, signal.SIGSTOP)
        time.sleep(seconds)
        signal_component(component, signal.SIGCONT)
        log("SIGCONT", component=component)
        summary["faults"].append("%s SIGSTOP %ds" % (component, seconds))

    def dump_threads():
        """Ids of the MariaDB server's binlog dump threads: one per streaming MySQL connector."""
        r = subprocess.run(["mariadb", "--protocol=TCP", "-h", "127.0.0.1", "-P", os.environ["FANOUT_MARIADB_PORT"],
                            "-u", "root", "-N", "-B", "-e",
                            "select id from information_schema.processlist where command like 'Binlog Dump%'"],
                           capture_output=True, text=True)
        return {int(x) for x in r.stdout.split()} if r.returncode == 0 else set()

    streaming_again = threading.Event()   # --source mariadb: Connect is back and streams again

    def fault_connect(at):
        try:
            time.sleep(max(0, at - (time.time() - t0)))
            before = dump_threads() if a.source == "mariadb" else set()
            log("SIGKILL", component="connect")
            signal_component("connect", signal.SIGKILL)
            time.sleep(3)
            rc = stack("up", "connect")
            log("restarted", component="connect", rc=rc)
            summary["faults"].append("connect SIGKILL + restart (rc %d)" % rc)
            if before:
                deadline = time.time() + 120
                while time.time() < deadline and len({i for i in dump_threads() if i > max(before)}) < len(before):
                    time.sleep(0.5)
                log("streaming-again", component="connect", binlog_dump_threads=sorted(dump_threads()))
        finally:
            streaming_again.set()

    def fault_replica(at):
        time.sleep(max(0, at - (time.time() - t0)))
        log("restart", component="replica")
        rc1 = stack("down", "replica")
        time.sleep(2)
        rc2 = stack("up", "replica")
        log("restarted", component="replica", rc=rc1 or rc2)
        summary["faults"].append("replica restart (rc %d)" % (rc1 or rc2))

    def fault_rotate(at):
        time.sleep(max(0, at - (time.time() - t0)))
        r = subprocess.run(["mariadb", "--protocol=TCP", "-h", "127.0.0.1", "-P", os.environ["FANOUT_MARIADB_PORT"],
                            "-u", "root", "-e", "flush binary logs"], capture_output=True, text=True)
        log("binlog-rotated", component="mariadb", rc=r.returncode)
        summary["faults"].append("mariadb FLUSH BINARY LOGS (rc %d)" % r.returncode)

    def fault_source_restart(at):
        time.sleep(max(0, at - (time.time() - t0)))
        streaming_again.wait()
        log("restart", component="mariadb")
        rc1 = stack("down", "mariadb")
        time.sleep(2)
        rc2 = stack("up", "mariadb")
        log("restarted", component="mariadb", rc=rc1 or rc2)
        summary["faults"].append("mariadb restart (rc %d)" % (rc1 or rc2))

    D = a.duration
    faults = [threading.Thread(target=fault_stop, args=("redis", 0.15 * D, a.sink_stop), daemon=True),
              threading.Thread(target=fault_connect, args=(0.35 * D,), daemon=True),
              threading.Thread(target=fault_stop, args=("opensearch", 0.50 * D, a.sink_stop), daemon=True),
              threading.Thread(target=fault_replica, args=(0.75 * D,), daemon=True)]
    if a.source == "mariadb":
        faults += [threading.Thread(target=fault_rotate, args=(0.25 * D,), daemon=True),
                   threading.Thread(target=fault_source_restart, args=(0.60 * D,), daemon=True)]
    for f in faults:
        f.start()

    # Kills: groups in turn, a random instance of the group each time.
    turn = 0
    next_kill = time.time() + rng.uniform(kmin, kmax)
    while time.time() - t0 < D:
        check_exits()
        if time.time() >= next_kill:
            g, lst = groups[turn % len(groups)]
            turn += 1
            inst = rng.choice(lst)
            if inst.alive():
                inst.expect_exit = True
                inst.proc.send_signal(signal.SIGKILL)
                inst.proc.wait()
                summary["kills"][g] += 1
                log("SIGKILL", instance=inst.name, pid=inst.proc.pid)
                time.sleep(rng.uniform(0.5, 2.0))
                inst.start()
                write_instances()
                threading.Thread(target=watch_assignment, args=(inst, time.time(), inst.incarnation), daemon=True).start()
            next_kill = time.time() + rng.uniform(kmin, kmax)
        time.sleep(0.1)
    log("chaos-over")
    for f in faults:
        f.join()   # a fault still running (connect restart) finishes before the calm phase
    log("faults-done")

    calm_start = time.time()
    while not os.path.exists(a.stop_file) and time.time() - calm_start < a.calm_limit:
        check_exits()
        time.sleep(0.3)
    log("stopping")
    for i in instances:
        if i.alive():
            i.expect_exit = True
            i.proc.send_signal(signal.SIGTERM)
    deadline = time.time() + 30
    for i in instances:
        if i.proc is None:
            continue
        try:
            i.proc.wait(timeout=max(0.1, deadline - time.time()))
            log("stopped", instance=i.name, rc=i.proc.returncode)
            if i.proc.returncode not in (0, -9):
                summary["unexpected_exits"].append({"instance": i.name, "rc": i.proc.returncode, "t": "at SIGTERM"})
        except subprocess.TimeoutExpired:
            i.proc.kill()
            i.proc.wait()
            log("stop-timeout-killed", instance=i.name)
            summary["unexpected_exits"].append({"instance": i.name, "rc": "SIGTERM ignored for 30 s", "t": "at stop"})
    summary["duration_s"] = D
    with open(os.path.join(a.work_dir, "chaos-summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    sys.exit(0)


if __name__ == "__main__":
    main()
