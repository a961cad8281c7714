#!/usr/bin/env python3
"""Writes fanout(1), gzipped, from the binary itself: help2man turns `fanout --help` into the
page, and this script adds every subcommand's --help (found from the binary's own) and the
configuration reference that `fanout config-docs` prints (the Markdown of docs/CONFIG.md,
converted to roff here), so the page cannot drift from the binary it ships with.

usage: manpage.py FANOUT_BINARY OUTPUT.1.gz
Needs help2man (Debian package help2man; scripts/install-deps.sh installs it).
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile


EXIT_STATUS = r""".TP
.B 0
A requested stop (SIGINT, SIGTERM): in-flight work drained, finished offsets committed.
.TP
.B 1
Invalid configuration (\fBfanout validate\fR says why). Restarting cannot help: the systemd
unit does not restart on it.
.TP
.B 2
A runtime failure: a fatal Kafka error, a producer fenced by a newer instance, a dead-letter
topic that cannot be written, a sink answering with a fatal error, a route whose retries ran
out with \fBon_exhausted: fail\fR. Restarting resumes from the last commit.
.TP
.B 130
A second signal during the drain: exit at once (nothing is lost; unfinished work is read
again).
"""

FILES = r""".TP
.I /etc/fanout/NAME.yaml
The config of the instance \fBfanout@NAME.service\fR runs.
.TP
.I /etc/fanout/NAME.env
Optional environment of that instance (secrets for \fB${ENV}\fR references).
.TP
.I /usr/lib/systemd/system/fanout@.service
The systemd template unit.
.TP
.I /usr/share/doc/fanout/
README, operations guide, configuration reference, an example config, Prometheus alert rules
and a Grafana dashboard.
"""


def ascii_roff(text):
    """Non-ASCII characters as groff's \\[uXXXX] escapes, readable in any locale."""
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)


def roff_text(text):
    """Inline Markdown to roff: escapes, `code` and **bold** in bold."""
    text = text.replace("\\|", "|").replace("\\", "\\e")
    text = re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", text)
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def table_cells(line):
    # Cells are separated by | not preceded by a backslash (\| is a literal bar).
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def markdown_to_roff(markdown):
    """The subset `fanout config-docs` writes: headings, paragraphs, lists, tables, code."""
    out = []
    header = None
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            out.append(".PP\n.nf" if not in_code else ".fi")
            in_code = not in_code
        elif in_code:
            out.append("\\&" + line.replace("\\", "\\e"))
        elif line.startswith("<!--") or line.startswith("# "):
            continue
        elif line.startswith("#"):
            out.append(".SS " + roff_text(line.lstrip("#").strip()).replace("\\fB", "")
                       .replace("\\fR", ""))
        elif line.startswith("|"):
            cells = table_cells(line)
            if header is None:
                header = cells
            elif not all(set(c) <= set("-:") for c in cells):
                fields = dict(zip(header, cells))
                out.append(".TP\n" + roff_text(cells[0]))
                details = [f"{name}: {value}" for name, value in fields.items()
                           if name not in (header[0], "description") and value]
                if details:
                    out.append(roff_text("; ".join(details)) + ".")
                    out.append(".br")
                out.append(roff_text(fields.get("description", "")))
        elif line.startswith("- "):
            out.append(".IP \\(bu 2\n" + roff_text(line[2:]))
        elif not line.strip():
            header = None
            out.append(".PP")
        else:
            out.append(roff_text(line))
    # Collapse runs of paragraph breaks.
    return re.sub(r"(\.PP\n)+", ".PP\n", "\n".join(out) + "\n")


def subcommands(help_text):
    """The names under CLI11's "Subcommands:" heading of a --help output."""
    names, listing = [], False
    for line in help_text.splitlines():
        if line.strip() == "Subcommands:":
            listing = True
        elif listing and line.startswith("  ") and line.strip():
            names.append(line.split()[0])
        elif listing and line.strip():
            listing = False
    return names


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, output = os.path.abspath(sys.argv[1]), sys.argv[2]
    help2man = shutil.which("help2man")
    if help2man is None:
        sys.exit("manpage.py: help2man not found (apt-get install help2man; "
                 "scripts/install-deps.sh installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        # Run as plain `fanout` on PATH so that the usage lines name the command, not the build
        # path.
        os.symlink(binary, os.path.join(tmp, "fanout"))
        env = dict(os.environ, PATH=tmp + os.pathsep + os.environ.get("PATH", ""))

        def fanout(*args):
            return subprocess.run(["fanout", *args], env=env, check=True, capture_output=True,
                                  text=True).stdout

        # Every subcommand's own --help, found from the binary's (a command that only groups
        # others, like `dlq`, is shown through them).
        commands = []
        pending = [[name] for name in subcommands(fanout("--help"))]
        while pending:
            sub = pending.pop(0)
            text = fanout(*sub, "--help")
            nested = subcommands(text)
            if nested:
                pending[0:0] = [sub + [name] for name in nested]
                continue
            commands.append(".SS fanout " + " ".join(sub))
            commands.append(".nf\n" + "\n".join("\\&" + l.replace("\\", "\\e")
                                                 for l in text.splitlines()))
            commands.append(".fi")
        include = os.path.join(tmp, "include.h2m")
        with open(include, "w", encoding="utf-8") as f:
            f.write("[COMMANDS]\n" + "\n".join(commands) + "\n")
            f.write("[CONFIGURATION]\n" + ascii_roff(markdown_to_roff(fanout("config-docs"))))
            f.write("[EXIT STATUS]\n" + EXIT_STATUS)
            f.write("[FILES]\n" + FILES)
            f.write("[SEE ALSO]\n.BR systemctl (1),\n.BR promtool (1)\n.PP\n"
                    "/usr/share/doc/fanout/OPERATIONS.md, /usr/share/doc/fanout/CONFIG.md\n")
        page = os.path.join(tmp, "fanout.1")
        subprocess.run([help2man, "--no-info", "--section=1", "--source=fanout",
                        "--name=exactly-once fan-out of Debezium change events from Kafka",
                        "--include=" + include, "--output=" + page, "fanout"], env=env,
                       check=True)
        with open(page, "rb") as f, open(output, "wb") as out:
            # mtime 0: the same binary gives the same bytes (reproducible packages).
            with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9,
                               mtime=0) as gz:
                gz.write(f.read())


if __name__ == "__main__":
    main()
