#!/usr/bin/env python3
"""Start-up benchmark: recnote against a bare lua5.4, measured in one run.

    startup.py BUILD_DIR [ROUNDS]

Measures (1) the wall time of `recnote -e ''` against `lua5.4 -e ''`, and
(2) the time to the first prompt in a pseudo-terminal, `recnote` against
`lua5.4 -i`. Runs alternate between the two programs so that load on the
shared machine hits both alike; prints medians and ratios. The target is a
ratio within 3x: nothing heavy (engine, fonts, windows) may load at start-up.
This is a benchmark, not a test: it prints, it does not fail on speed.
"""
import os
import statistics
import subprocess
import sys
import time

import pexpect

build = os.path.abspath(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
recnote = os.path.join(build, "recnote")
env = dict(os.environ, NO_COLOR="1", TERM="xterm", XDG_STATE_HOME="/tmp/recnote-bench-state")


def run_once(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - t


def prompt_once(cmd, args, prompt):
    t = time.perf_counter()
    p = pexpect.spawn(cmd, args, env=env, encoding="utf-8", timeout=10)
    p.expect(prompt)
    dt = time.perf_counter() - t
    p.sendeof()
    p.expect(pexpect.EOF)
    p.close()
    return dt


def compare(name, a, b, n):
    ta, tb = [], []
    for _ in range(n):
        ta.append(a())
        tb.append(b())
    ma, mb = statistics.median(ta), statistics.median(tb)
    print("%-28s recnote %7.2f ms   lua5.4 %7.2f ms   ratio %.2fx" % (name, ma * 1e3, mb * 1e3, ma / mb))
    return ma / mb


r1 = compare("-e ''", lambda: run_once([recnote, "-e", ""]), lambda: run_once(["lua5.4", "-e", ""]), rounds)
r2 = compare("time to first prompt", lambda: prompt_once(recnote, [], r"\[1\]> "),
             lambda: prompt_once("lua5.4", ["-i"], "> "), max(rounds // 4, 20))
print("start-up ratio: %.2fx (-e ''), %.2fx (first prompt); target within 3x" % (r1, r2))
