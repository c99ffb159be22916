#!/usr/bin/env python3
"""Runs one lesson as CI must: headless, with its solutions, every check
passing; then once per exercise with that exercise left as written, proving
that its check fails on the unsolved cell (as rustlings' CI does).

    test_lesson.py RECNOTE LESSON.md OUT_DIR

Prints "N passed, N failed".
"""
import os
import re
import subprocess
import sys

recnote, lesson, out_dir = sys.argv[1:4]
name = os.path.splitext(os.path.basename(lesson))[0]
os.makedirs(out_dir, exist_ok=True)
out = os.path.join(out_dir, name + ".out.md")
env = dict(os.environ, NO_COLOR="1", SDL_VIDEODRIVER="dummy",
           XDG_STATE_HOME=out_dir, XDG_DATA_HOME=out_dir)
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAILED:", what)


def run(args):
    return subprocess.run([recnote] + args, capture_output=True, text=True, env=env, timeout=600)


source = open(lesson, encoding="utf-8").read()
n_exercises = len(re.findall(r"^```lua exercise\s*$", source, re.M))
n_checks = len(re.findall(r"^```lua check\s*$", source, re.M))
check(re.search(r"^# .+", source, re.M), "a title")
for key in ("Topics", "Prerequisites", "Minutes"):
    check(re.search(r"^- %s: .+" % key, source, re.M), "the title block names " + key)
check(n_exercises >= 1 and n_checks >= n_exercises, "at least one exercise, each with a check")
check(re.search(r"^> \*\*Q:\*\*", source, re.M), "interview questions")
check(re.search(r"^## Recap", source, re.M), "a recap")

r = run(["--run", lesson, "--solutions", "-o", out])
check(r.returncode == 0, "the lesson runs with its solutions:\n" + r.stderr)
check("%d checks passed" % n_checks in r.stdout, "every check passes: " + r.stdout)
figures = os.path.join(out_dir, name + ".out_files")
pngs = [f for f in os.listdir(figures) if f.endswith(".png")] if os.path.isdir(figures) else []
check(len(pngs) >= 1, "the lesson draws at least one figure, saved as PNG")
check(os.path.exists(out) and "](%s.out_files/" % name in open(out).read(),
      "the output notebook links its figures")

for i in range(1, n_exercises + 1):
    r = run(["--run", lesson, "--solutions", "--unsolved", str(i)])
    check(r.returncode == 1 and re.search(r"check cell \[\d+\] failed", r.stderr),
          "exercise %d: its check fails when the exercise is left unsolved:\n%s" % (i, r.stderr))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
