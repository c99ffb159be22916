#!/usr/bin/env python3
"""A figure window from the REPL, under Xvfb (run through xvfb-run by ctest).

Drives recnote in a pseudo-terminal: a figure made at the prompt opens a
window named after its title (seen by xwininfo, so SDL mapped it), its
pixels on the X server equal the PNG fig:save writes (tests/viz/xgrab.c),
the prompt keeps answering while the window is open, a loop that appends
and pumps runs through, the window follows a resize request from the
figure, and fig:close() removes it. Prints "N passed, N failed"."""
import os
import re
import subprocess
import sys
import time

import pexpect

recnote, xgrab = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAILED:", what, file=sys.stderr)


def windows():
    out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    return out


def window_size(title):
    """(w, h) of the mapped window whose name is title, or None."""
    for line in windows().splitlines():
        if '"%s"' % title in line:
            m = re.search(r"(\d+)x(\d+)\+", line)
            if m:
                return int(m.group(1)), int(m.group(2))
    return None


def wait_for(pred, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


env = dict(os.environ, NO_COLOR="1", TERM="dumb")
env.pop("SDL_VIDEODRIVER", None)
p = pexpect.spawn(recnote, [], env=env, encoding="utf-8", timeout=15)
p.expect(r"> ")
p.sendline('fig = rec.plot.line{y = {1, 3, 2}, title = "from the REPL"}')
p.expect(r"> ")
size = wait_for(lambda: window_size("recnote: from the REPL"))
check(size == (800, 500), "the window opened at 800x500 (got %r)" % (size,))
p.sendline("print(40 + 2)")
p.expect(r"42")
p.expect(r"> ")
check(True, "the prompt answers while the window is open")
# the screen shows what fig:save writes: save, let the idle hook present, grab
p.sendline('fig:save("repl_window.png")')
p.expect(r"> ")
time.sleep(0.3)
grab = subprocess.run([xgrab, "recnote: from the REPL", "repl_window.png"], capture_output=True,
                      text=True)
check(grab.returncode == 0, "the window's pixels equal the saved PNG: " + grab.stdout.strip()
      + grab.stderr.strip())
p.sendline('for i = 1, 300 do fig:append("series 1", i % 7); rec.plot.pump() end; print("done")')
p.expect(r"done", timeout=30)
p.expect(r"> ")
check(True, "a loop that appends and pumps runs through")
p.sendline("fig:set{width = 640, height = 400}")
p.expect(r"> ")
size = wait_for(lambda: window_size("recnote: from the REPL") == (640, 400))
check(size, "the window follows fig:set{width =, height =} (got %r)"
      % (window_size("recnote: from the REPL"),))
p.sendline("print(rec.plot.pump())")
p.expect(r"(\d+)\r?\n")
check(p.match.group(1) == "1", "one window open")
p.expect(r"> ")
p.sendline("fig:close()")
p.expect(r"> ")
gone = wait_for(lambda: window_size("recnote: from the REPL") is None)
check(gone, "fig:close() removes the window")
p.sendline("print(rec.plot.pump())")
p.expect(r"(\d+)\r?\n")
check(p.match.group(1) == "0", "no window left")
p.sendline(":quit")
try:
    p.expect(pexpect.EOF, timeout=10)
    check(True, "the REPL quits")
except pexpect.TIMEOUT:
    check(False, "the REPL quits (output so far: %r)" % p.before)
    p.terminate(force=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
