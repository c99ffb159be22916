#!/usr/bin/env python3
"""Runs one lesson as CI must: headless, with its solutions, every check
passing; then once per exercise with that exercise left as written, proving
that its check fails on the unsolved cell (as rustlings' CI does); then once
per exercise with a plausible WRONG answer (wrong_answers.py: the mistake a student
is likely to make) in place of its solution, proving that the check catches it.

    test_lesson.py RECNOTE LESSON.md OUT_DIR

Prints "N passed, N failed".
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

recnote, lesson, out_dir = sys.argv[1:4]
name = os.path.splitext(os.path.basename(lesson))[0]
os.makedirs(out_dir, exist_ok=True)
out = os.path.join(out_dir, name + ".out.md")
env = dict(os.environ, NO_COLOR="1", SDL_VIDEODRIVER="dummy",
           XDG_STATE_HOME=out_dir, XDG_DATA_HOME=out_dir)
passed = failed = 0

from wrong_answers import WRONG  # one plausible wrong answer per exercise


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

wrong = WRONG.get(name, [])
check(len(wrong) == n_exercises, "a wrong answer is written for each of the %d exercises (%d are)"
      % (n_exercises, len(wrong)))
blocks = list(re.finditer(r"^```lua solution\n(.*?)^```$", source, re.M | re.S))
check(len(blocks) == n_exercises, "each exercise has one solution")
for i, code in enumerate(wrong[:len(blocks)], 1):
    b = blocks[i - 1]
    path = os.path.join(out_dir, "%s.wrong%d.md" % (name, i))
    with open(path, "w", encoding="utf-8") as f:
        f.write(source[:b.start(1)] + code.rstrip("\n") + "\n" + source[b.end(1):])
    r = run(["--run", path, "--solutions"])
    check(r.returncode == 1 and re.search(r"check cell \[\d+\] failed", r.stderr),
          "exercise %d: its check fails on a plausible wrong answer:\n%s\n%s" % (i, code, r.stderr[-600:]))
    m = re.search(r"check failed: (.*)", r.stderr)
    check(m is None or len(m.group(1)) > 15, "exercise %d: the check says what is wrong: %s"
          % (i, m.group(1) if m else ""))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
