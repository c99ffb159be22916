#!/usr/bin/env python3
"""REPL and command-line tests for recnote.

Each test types into recnote through a pseudo-terminal (pexpect), as a person
would, and reads what the screen shows; or runs recnote as a command and checks
its output and exit status.

    test_repl.py RECNOTE_BINARY [TEST_NAME ...]

With no test name every test runs. Prints "N passed, N failed".
"""
import atexit
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback

import pexpect

RECNOTE = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
PROMPT = r"\[(\d+)\]> "
_made = []


def mkdtemp(prefix):
    """A temporary folder, removed when the tests end."""
    d = tempfile.mkdtemp(prefix=prefix)
    _made.append(d)
    return d


atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _made])
CONT = r"\.\.\.> "


def env_for(state_dir):
    env = dict(os.environ)
    env.update(NO_COLOR="1", TERM="xterm", INPUTRC=os.path.join(HERE, "inputrc"),
               XDG_STATE_HOME=state_dir, HOME=state_dir, SDL_VIDEODRIVER="dummy")
    env.pop("XDG_DATA_HOME", None)
    return env


class Session:
    """recnote in a pseudo-terminal."""

    def __init__(self, state_dir=None, args=()):
        self.dir = state_dir or mkdtemp(prefix="recnote-test-")
        self.p = pexpect.spawn(RECNOTE, list(args), env=env_for(self.dir), encoding="utf-8",
                               dimensions=(30, 100), timeout=10, cwd=self.dir)
        self.p.expect("Ctrl-D to quit")
        self.prompt()

    def prompt(self):
        self.p.expect(PROMPT)
        return int(self.p.match.group(1))

    def type(self, text):
        """Types a line and Enter; returns what appeared before the next prompt."""
        self.p.send(text + "\r")
        self.p.expect(PROMPT)
        return clean(self.p.before)

    def close(self):
        self.p.sendcontrol("d")
        self.p.expect(pexpect.EOF)
        self.p.close()
        return self.p.exitstatus


def clean(text):
    """The screen text without carriage returns and terminal control sequences."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return text.replace("\r", "")


def lines_after_echo(out, typed):
    """Output of a cell: what follows the echo of the typed line."""
    i = out.find(typed)
    return out[i + len(typed):].strip("\n") if i >= 0 else out.strip("\n")


def run(args, stdin=None, cwd=None):
    env = env_for(mkdtemp(prefix="recnote-test-"))
    return subprocess.run([RECNOTE] + args, input=stdin, capture_output=True, text=True,
                          env=env, timeout=60, cwd=cwd)


# ---------------------------------------------------------------- tests

def test_autoprint_and_semicolon(check):
    s = Session()
    check.eq(lines_after_echo(s.type("1 + 1"), "1 + 1"), "2", "an expression prints its value")
    check.eq(lines_after_echo(s.type("x = 41;"), "x = 41;"), "", "a statement prints nothing")
    check.eq(lines_after_echo(s.type("x + 1;"), "x + 1;"), "", "a trailing ; suppresses the print")
    check.eq(lines_after_echo(s.type('"a", 2, {3}'), '"a", 2, {3}'), '"a"\t2\t{3}',
             "multiple values all shown, strings quoted")
    check.eq(lines_after_echo(s.type("_"), "_"), '"a"', "_ holds the last value")
    check.eq(lines_after_echo(s.type("Out[1]"), "Out[1]"), "2", "Out[n] holds cell n's value")
    check.eq(s.close(), 0, "Ctrl-D exits with status 0")


def test_prompt_numbers_cells(check):
    s = Session()
    s.p.send("10\r")
    check.eq(s.prompt(), 2, "the prompt after cell 1 shows [2]")
    s.p.send("\r")
    check.eq(s.prompt(), 2, "an empty line is not a cell")
    s.close()


def test_multiline_continuation(check):
    s = Session()
    s.p.send("function add(a,\r")
    s.p.expect(CONT)
    s.p.send("  b)\r")
    s.p.expect(CONT)
    s.p.send("  return a + b end\r")
    s.prompt()
    check.eq(lines_after_echo(s.type("add(2, 3)"), "add(2, 3)"), "5", "the function was defined")
    s.p.send("t = {\r")
    s.p.expect(CONT)
    s.p.send("1, 2}\r")
    s.prompt()
    check.eq(lines_after_echo(s.type("#t"), "#t"), "2", "a table spanning two lines")
    s.close()


def test_error_then_next_line(check):
    s = Session()
    out = s.type('error("boom")')
    check.ok("[1]:1: boom" in out, "the error names the cell and line: " + repr(out))
    check.ok("stack traceback" in out and "in main chunk" in out, "a short traceback")
    check.ok("in ?" not in out, "no REPL frames in the traceback")
    out = s.type("nosuch.field")
    check.ok("attempt to index a nil value (global 'nosuch')" in out, "runtime error message")
    out = s.type("1 +* 2")
    check.ok("unexpected symbol" in out, "syntax error message: " + repr(out))
    check.eq(lines_after_echo(s.type("2 * 21"), "2 * 21"), "42", "the REPL carries on")
    s.close()


def test_complete_table_field(check):
    s = Session()
    s.type("config = {learning_rate = 0.1, layers = {64, 32}}")
    s.p.send("config.lea\t")
    s.p.expect_exact("config.learning_rate")
    s.p.send("\r")
    out = clean(s.p.before)
    s.p.expect(PROMPT)
    check.ok("0.1" in clean(s.p.before), "completed field evaluates: " + repr(s.p.before))
    s.p.send("config.lay\t")
    s.p.expect_exact("config.layers.")
    check.ok(True, "a table completes with a trailing '.'")
    s.p.sendcontrol("u")
    s.p.send("string.up\t")
    s.p.expect_exact("string.upper(")
    check.ok(True, "a function completes with a trailing '('")
    s.p.sendcontrol("u")
    s.p.send("\r")
    s.prompt()
    s.close()
    del out


def test_complete_userdata_method(check):
    s = Session()
    s.p.send("io.stdout:wr\t")
    s.p.expect_exact("io.stdout:write(")
    s.p.send('"hi\\n")\r')
    s.p.expect_exact("hi")
    s.prompt()
    check.ok(True, "a userdata method completes through its metatable's __index")
    s.p.send("io.std\t\t")
    s.p.expect("stderr +stdin +stdout")
    check.ok(True, "several matches are listed by their last part")
    s.p.sendcontrol("u")
    # The list redraws the prompt: sync on the next cell's output, not on a prompt.
    s.p.send("99\r")
    s.p.expect_exact("99\r\n99\r\n[3]> ")
    s.close()


def test_complete_without_metamethods(check):
    s = Session()
    s.type("calls = 0")
    s.type("trap = setmetatable({}, {__index = function(t, k) calls = calls + 1 end})")
    s.p.send("trap.x\t")
    time.sleep(0.3)
    s.p.sendcontrol("u")
    s.p.send("\r")
    s.prompt()
    check.eq(lines_after_echo(s.type("calls"), "calls"), "0",
             "completion never calls an __index function")
    s.close()


def test_complete_commands_and_files(check):
    s = Session()
    open(os.path.join(s.dir, "experiment_one.lua"), "w").write("answer = 42\n")
    s.p.send(":hist\t")
    s.p.expect_exact(":history ")
    check.ok(True, "a : command completes")
    s.p.sendcontrol("u")
    s.p.send(":load exp\t")
    s.p.expect_exact("experiment_one.lua")
    s.p.send("\r")
    s.prompt()
    check.eq(lines_after_echo(s.type("answer"), "answer"), "42", ":load ran the completed file")
    s.p.send('dofile("experiment_o\t')
    s.p.expect_exact('experiment_one.lua"')
    s.p.send(")\r")
    s.prompt()
    check.ok(True, "a file name completes inside a string literal")
    s.close()


def test_history_persists(check):
    d = mkdtemp(prefix="recnote-test-")
    s = Session(d)
    s.type("unique_marker = 1234")
    s.type("unique_marker = 1234")
    s.type("other = 5")
    s.close()
    hist = open(os.path.join(d, "recnote", "history")).read().splitlines()
    check.eq(hist, ["unique_marker = 1234", "other = 5"],
             "history file written, consecutive duplicates dropped")
    s = Session(d)
    s.p.send("\x1b[A")  # up arrow
    s.p.expect_exact("other = 5")
    s.p.send("\x1b[A")
    s.p.expect_exact("unique_marker = 1234")
    check.ok(True, "the previous run's lines are recalled with the up arrow")
    s.p.send("\r")
    s.prompt()
    out = s.type(":history")
    check.ok("unique_marker = 1234" in out and "other = 5" in out, ":history lists them")
    s.close()


def test_ctrl_c_interrupts_cell(check):
    s = Session()
    s.p.send("while true do end\r")
    time.sleep(0.5)
    s.p.sendintr()
    n = s.prompt()
    check.ok("interrupted!" in clean(s.p.before), "the cell is interrupted")
    check.eq(n, 2, "back at a working prompt")
    check.eq(lines_after_echo(s.type("1 + 2"), "1 + 2"), "3", "the next cell runs")
    s.close()


def test_ctrl_c_mid_fit_says_what_stopped(check):
    """Reliability review B.4: Ctrl-C in the middle of an epoch printed a bare
    "interrupted!" (the REPL's hook fired at the next Lua call: the fit
    guard's __close, the error handler, or a callback) instead of what was
    stopped and what the model keeps. Also for predict, and the model stays
    usable."""
    s = Session(args=["--headless"])
    s.type("d = rec.data.synthetic_ctr{rows = 100000, seed = 3}; "
           "m = rec.models.deepfm{data = d, embed_dim = 8, hidden = {32}}")
    cells = (("m:fit(d, {epochs = 1000, progress = false})",
              r"interrupted \(Ctrl-C\) in fit at epoch (\d+), step (\d+) "
              r"\(the model keeps step (\d+)\)", -1),
             ("m:fit(d, {epochs = 1000})",
              r"interrupted \(Ctrl-C\) in fit at epoch (\d+), step (\d+) "
              r"\(the model keeps step (\d+)\)", -1),
             ("m:fit(d, {epochs = 1000, on_step = function(p) local x = 0 "
              "for i = 1, 2000 do x = x + i end end})",
              r"interrupted \(Ctrl-C\) in fit's on_step callback at epoch (\d+), step (\d+) "
              r"\(the model keeps step (\d+)\)", 0))
    for cell, pattern, keeps in cells:
        s.p.send(cell + "\r")
        time.sleep(0.8)
        s.p.sendintr()
        s.prompt()
        out = clean(s.p.before)
        found = re.search(pattern, out)
        check.ok(found is not None and "interrupted!" not in out,
                 "%s: the message names the step: %r" % (cell, out[-300:]))
        if found:
            check.eq(int(found.group(3)), int(found.group(2)) + keeps,
                     "%s: the step the model keeps" % cell)
    s.type("big = rec.data.synthetic_ctr{rows = 1000000, seed = 4}; "
           "slow = rec.models.deepfm{data = big, embed_dim = 8, hidden = {256, 256}}")
    s.p.send("p = slow:predict(big)\r")
    time.sleep(1.0)
    s.p.sendintr()
    s.prompt()
    out = clean(s.p.before)
    check.ok(re.search(r"interrupted \(Ctrl-C\) in predict at row \d+ of 1000000", out) is not None
             and "interrupted!" not in out, "predict names the row: %r" % out[-300:])
    auc = lines_after_echo(s.type("m:evaluate(d).auc > 0.6"), "m:evaluate(d).auc > 0.6")
    check.eq(auc, "true", "the model still predicts well")
    s.close()


def test_ctrl_c_in_saves(check):
    """Reproducer 7 with a real Ctrl-C: SIGINT sent while m:save writes a
    96 MB model, or while fig:save encodes a large PNG, in a running recnote.
    The message says either that nothing was written (and the old file is
    byte-identical) or that the save completed (and the new file is whole,
    byte-identical to an uninterrupted save), never a bare "interrupted!";
    no temporary file is left."""
    d = mkdtemp(prefix="recnote-test-")
    st, ref = os.path.join(d, "m.st"), os.path.join(d, "ref.st")
    s = Session(args=["--headless"])
    s.type("old = rec.models.fm{fields = {6000000}, embed_dim = 3, seed = 1}; old:save('%s'); "
           "m = rec.models.fm{fields = {6000000}, embed_dim = 3, seed = 2}; m:save('%s')"
           % (st, ref))
    before, new = open(st, "rb").read(), open(ref, "rb").read()
    check.ok(len(new) == 96000580 and before != new, "two different 96 MB models")
    seen = set()
    for delay in (0.0, 0.05, 0.15):
        s.p.send("io.write('SAVING\\n') io.flush() m:save('%s')\r" % st)
        s.p.expect_exact("SAVING")
        time.sleep(delay)
        s.p.sendintr()
        s.prompt()
        out = clean(s.p.before)
        now = open(st, "rb").read()
        if ("interrupted (Ctrl-C) in save %s before the file was complete: nothing was written "
                "(the old file, if any, is kept)" % st) in out:
            seen.add("kept")
            check.ok(now == before, "nothing written: the old file is intact")
        elif "interrupted (Ctrl-C) after %s was saved" % st in out:
            seen.add("saved")
            check.ok(now == new, "saved: the new file is whole")
            before = now
        else:
            check.ok(False, "m:save: a message that says what happened: %r" % out[-300:])
        check.ok("interrupted!" not in out, "never a bare interrupted!")
    check.ok("kept" in seen, "a Ctrl-C early in the write leaves the old file: %s" % sorted(seen))
    png, refpng = os.path.join(d, "f.png"), os.path.join(d, "ref.png")
    s.type("f = rec.plot.line{series = {{x = {1, 2, 3}, y = {1, 3, 2}}}, show = false, "
           "width = 4000, height = 3000}; f:save('%s')" % refpng)
    open(png, "wb").write(b"old")
    s.p.send("io.write('SAVING\\n') io.flush() f:save('%s')\r" % png)
    s.p.expect_exact("SAVING")
    time.sleep(0.1)
    s.p.sendintr()
    s.prompt()
    out = clean(s.p.before)
    check.ok("interrupted (Ctrl-C) after fig:save had completed (%s is written)" % png in out,
             "fig:save says it completed: %r" % out[-300:])
    check.ok(open(png, "rb").read() == open(refpng, "rb").read(), "and the PNG is whole")
    check.eq(sorted(os.listdir(d)), ["f.png", "m.st", "ref.png", "ref.st"],
             "no temporary file is left")
    s.close()


def test_ctrl_c_clears_prompt(check):
    s = Session()
    s.p.send("half typed line")
    time.sleep(0.2)
    s.p.sendintr()
    s.p.expect_exact("^C")
    check.eq(s.prompt(), 1, "Ctrl-C at the prompt gives a fresh prompt")
    s.p.send("for i = 1, 3 do\r")
    s.p.expect(CONT)
    s.p.sendintr()
    check.eq(s.prompt(), 1, "Ctrl-C drops a pending continuation")
    check.eq(lines_after_echo(s.type("7"), "7"), "7", "the next line is a fresh cell")
    s.close()


def test_double_ctrl_c_offers_quit(check):
    s = Session()
    # A pattern search that runs for minutes inside C (no Lua hook fires there).
    s.p.send('string.rep("a", 5000):find(".-.-.-.-b")\r')
    time.sleep(0.5)
    s.p.sendintr()
    time.sleep(0.2)
    s.p.sendintr()
    s.p.expect_exact("Quit recnote? [y/N]")
    check.ok(True, "a second Ctrl-C within a second while busy offers to quit")
    s.p.send("y\r")
    s.p.expect(pexpect.EOF)
    s.p.close()
    check.eq(s.p.exitstatus, 130, "answering y quits with status 130")


def test_idle_hooks_run_while_waiting(check):
    s = Session()
    s.type("ticks = 0")
    s.type('repl.on_idle("tick", function() ticks = ticks + 1 end)')
    time.sleep(0.5)
    out = lines_after_echo(s.type("ticks"), "ticks")
    check.ok(out.isdigit() and int(out) >= 5, "an idle hook ran at least 5 times in 0.5 s: " + out)
    s.p.send('repl.on_idle("bad", function() error("hook broke") end)\r')
    s.p.expect_exact("idle hook 'bad' failed and was removed: [4]:1: hook broke")
    check.ok(True, "a failing hook is reported")
    # The report redraws the prompt: sync on the next cell's output.
    s.p.send("77\r")
    s.p.expect_exact("77\r\n77\r\n[6]> ")
    s.close()


def test_commands(check):
    s = Session()
    out = s.type(":hlep")
    check.ok("unknown command :hlep; did you mean :help?" in out, "the nearest command suggested")
    out = s.type(":help")
    for c in [":help", ":quit", ":time", ":timeit", ":load", ":reset", ":save", ":history"]:
        check.ok(c in out, ":help lists " + c)
    out = s.type(":time for i = 1, 1e5 do end")
    check.ok(re.search(r"wall [0-9.]+ [mµn]?s, cpu [0-9.]+ [mµn]?s", out), ":time: " + repr(out))
    out = s.type(":timeit math.sqrt(2)")
    check.ok(re.search(r"per loop \(median of 7 runs, \d+ loops each", out), ":timeit: " + repr(out))
    s.type("gone = 1")
    out = s.type(":reset")
    check.ok("fresh Lua state" in out, ":reset reports")
    check.eq(lines_after_echo(s.type("gone"), "gone"), "nil", ":reset cleared the globals")
    s.p.send(":quit\r")
    s.p.expect(pexpect.EOF)
    s.p.close()
    check.eq(s.p.exitstatus, 0, ":quit exits 0")


def test_help(check):
    s = Session()
    out = s.type("help(help.set)")
    check.ok("help.set(x, doc [, example [, name]]) registers a docstring" in out, "help(f)")
    check.ok("Example:" in out, "the example is shown")
    out = s.type("?help.get")
    check.ok("help.get(x) returns the docstring" in out, "?x shows the docstring")
    s.type('function area(r) return math.pi * r * r end')
    s.type('help.set(area, "area(r): the area of a disc.", "area(2)", "area")')
    out = s.type("area?")
    check.ok("area(r): the area of a disc." in out, "x? and user docstrings")
    out = s.type("?print")
    check.ok("no docstring" in out, "an undocumented value says so: " + repr(out))
    s.close()
    r = run(["-e", 'help("rec.optim.adam")'])
    check.ok(r.stdout.startswith("rec.optim.adam\n"), "help by name loads the engine first: " + r.stdout[:80])


def test_save_notebook(check):
    s = Session()
    s.type("a = 6")
    s.type("a * 7")
    s.type('print("printed")')
    s.type("error('bad')")
    path = os.path.join(s.dir, "session.md")
    out = s.type(":save " + path)
    check.ok("saved 4 cells" in out, ":save reports: " + repr(out))
    s.close()
    md = open(path).read()
    blocks = re.findall(r"```(\w+(?: failed)?)\n(.*?)```", md, re.S)
    check.eq([b[0] for b in blocks], ["lua", "lua", "text", "lua", "text", "lua failed", "text"],
             "cells as lua blocks (a failed one marked, so --run shows it but runs on), "
             "outputs as text blocks")
    check.eq(blocks[0][1], "a = 6\n", "cell 1 code")
    check.eq(blocks[1][1], "a * 7\n", "cell 2 code")
    check.eq(blocks[2][1], "42\n", "cell 2 output")
    check.eq(blocks[4][1], "printed\n", "print() output captured")
    check.ok(blocks[6][1].startswith("[4]:1: bad"), "the error is in the notebook")


def test_save_with_figures(check):
    d = mkdtemp(prefix="recnote-test-")
    tmp = os.path.join(d, "tmp")
    os.makedirs(tmp)
    out = os.path.join(d, "s.md")
    env = env_for(d)
    env["TMPDIR"] = tmp
    stdin = ("f = rec.plot.bar{values = {1, 2}, show = false};\n"
             "x = 1\n"
             "f:set{values = {3, 4}};\n"
             ":save " + out + "\n")
    r = subprocess.run([RECNOTE], input=stdin, capture_output=True, text=True, env=env, timeout=60)
    check.eq(r.returncode, 0, ":save with figures: " + r.stderr)
    md = open(out).read()
    check.eq(re.findall(r"!\[figure\]\((.*?)\)", md), ["s_files/cell-1-1.png", "s_files/cell-3-1.png"],
             "a figure link after the cell that drew it and after the cell that changed it")
    for f in ("cell-1-1.png", "cell-3-1.png"):
        png = open(os.path.join(d, "s_files", f), "rb").read(8)
        check.eq(png, b"\x89PNG\r\n\x1a\n", f + " is a PNG")
    check.eq(os.listdir(tmp), [], "the session's temporary figures are removed at exit")


def test_piped_input(check):
    r = run([], stdin="x = 2\nx * 3\nfor i = 1, 2 do\n  print(i)\nend\nx;\n")
    check.eq(r.stdout, "6\n1\n2\n", "piped lines run as cells, no prompts")
    check.eq(r.returncode, 0, "exit 0")
    r = run([], stdin="error('x')\nprint('after')\n")
    check.eq(r.stdout, "after\n", "an error does not stop the input")
    check.ok("[1]:1: x" in r.stderr, "the error goes to stderr")
    check.eq(r.returncode, 1, "exit 1 when a cell failed")
    r = run([], stdin="for i = 1, 2 do\n")
    check.ok("unfinished cell" in r.stderr and r.returncode == 1, "input ending mid-cell")


def test_pretty_printer(check):
    cases = [
        ('{b = 2, a = 1, 10, 20}', '{10, 20, a = 1, b = 2}'),
        ('{["two words"] = 1, [2.5] = "x", [true] = false}',
         '{[2.5] = "x", ["two words"] = 1, [true] = false}'),
        ('"tab\\tquote\\""', '"tab\\tquote\\""'),
        ('(function() local t = {} t.me = t return t end)()', '{me = <cycle>}'),
        ('{{{{{{{1}}}}}}}', '{{{{{{...}}}}}}'),
        ('{}', '{}'),
        ('1e308 * 10', 'inf'),
        ('3 // 2, 3 / 2', '1\t1.5'),
        ('setmetatable({}, {__tostring = function() return "<model>" end})', '<model>'),
    ]
    stdin = "".join(c[0] + "\n" for c in cases)
    r = run([], stdin=stdin)
    got = r.stdout.splitlines()
    for (code, want), line in zip(cases, got):
        check.eq(line, want, "pretty " + code)
    r = run([], stdin="t = {} for i = 1, 150 do t[i] = i end\nt\n")
    lines = r.stdout.splitlines()
    check.eq(lines[0], "{", "a long array breaks into lines")
    check.ok(all(len(l) <= 80 for l in lines), "lines stay within the width")
    check.eq(lines[-2].strip(), "... (50 more)", "past 100 items an ellipsis")
    r = run([], stdin='x = {name = "deepfm", opts = {lr = 0.001, schedule = {kind = "cosine", '
                      'steps = 100000, warmup = 1000}, optimizer = "adam"}, hidden = {400, 400}}\nx\n')
    check.eq(r.stdout, '{\n  hidden = {400, 400},\n  name = "deepfm",\n  opts = {\n'
                       '    lr = 0.001,\n    optimizer = "adam",\n'
                       '    schedule = {kind = "cosine", steps = 100000, warmup = 1000}\n  }\n}\n',
             "nested tables indent, keys sorted")


def test_cli(check):
    r = run(["-e", "print(1 + 1)"])
    check.eq((r.stdout, r.returncode), ("2\n", 0), "-e runs code and prints nothing extra")
    r = run(["-e", "x = 1", "-e", "print(x + 1)"])
    check.eq(r.stdout, "2\n", "several -e run in order")
    r = run(["-e", "error('boom')"])
    check.eq(r.returncode, 1, "a Lua error exits 1")
    check.ok("boom" in r.stderr, "with its message on stderr")
    r = run(["--bogus"])
    check.eq(r.returncode, 2, "an unknown option exits 2")
    check.ok("unknown option '--bogus'" in r.stderr and "usage:" in r.stderr, "and says why")
    r = run(["-e"])
    check.eq(r.returncode, 2, "-e without code is a usage error")
    r = run(["--version"])
    check.ok(re.match(r"recnote \d+\.\d+\.\d+ \(Lua 5\.4", r.stdout) and r.returncode == 0, "--version")
    r = run(["--help"])
    check.ok("usage: recnote" in r.stdout and r.returncode == 0, "--help")
    d = mkdtemp(prefix="recnote-test-")
    script = os.path.join(d, "s.lua")
    open(script, "w").write("print(arg[0], arg[1], arg[2], #arg, ...)\n")
    r = run([script, "one", "two"])
    check.eq(r.stdout, "%s\tone\ttwo\t2\tone\ttwo\n" % script, "script arg as lua.c sets it")
    open(script, "w").write("local x = nil\nreturn x.y\n")
    r = run([script])
    check.eq(r.returncode, 1, "a failing script exits 1")
    check.ok("s.lua:2:" in r.stderr, "naming file and line: " + r.stderr)
    r = run([os.path.join(d, "missing.lua")])
    check.ok(r.returncode == 1 and "cannot open" in r.stderr, "a missing script")
    r = run(["-i", "-e", "y = 5"], stdin="y * 2\n")
    check.eq(r.stdout, "10\n", "-i enters the REPL after -e")
    r = run(["--headless", "-e", "print(os.getenv('RECNOTE_HEADLESS'))"])
    check.eq(r.stdout, "1\n", "--headless is passed on")


def test_lazy_engine(check):
    code = ("local loaded = false "
            "for l in io.lines('/proc/self/maps') do if l:find('rec.so', 1, true) then loaded = true end end "
            "print(loaded)")
    r = run(["-e", code])
    check.eq(r.stdout, "false\n", "start-up does not load the engine module")
    r = run(["-e", "print(type(rec.version)) " + code])
    check.eq(r.stdout, "string\ntrue\n", "the first use of rec loads it")
    r = run(["-e", "print(require('rec') == rec)"])
    check.eq(r.stdout, "true\n", "require 'rec' and the global are one table")


def test_run_notebook(check):
    nb = os.path.join(HERE, "notebooks", "tiny_lesson.md")
    d = mkdtemp(prefix="recnote-test-")
    out = os.path.join(d, "out.md")
    r = run(["--run", nb, "-o", out, "--solutions"])
    check.eq((r.returncode, r.stdout.strip()), (0, nb + ": 3 cells ran, 1 checks passed"),
             "--run with solutions passes: " + r.stderr)
    md = open(out).read()
    check.ok("```text\n42\n```" in md, "the output replaces the stale one")
    check.ok("stale output" not in md, "the stale output is gone")
    check.eq(md.replace("```text\n42\n```", "```text\nstale output\n```"), open(nb).read(),
             "everything else is copied unchanged")
    out2 = os.path.join(d, "out2.md")
    r = run(["--run", out, "-o", out2, "--solutions"])
    check.eq(open(out2).read(), md, "running the output again changes nothing")
    r = run(["--run", nb])
    check.eq(r.returncode, 1, "unsolved: the check fails")
    check.ok("tiny_lesson.md:32: check cell [3] failed" in r.stderr, "names file:line: " + r.stderr)
    check.ok("check failed: answer should be 42" in r.stderr, "the check's message")
    check.ok("hint: think of doubling." in r.stderr, "and the first hint of the exercise")
    r = run(["--run", nb, "--solutions", "--unsolved", "1"])
    check.eq(r.returncode, 1, "--unsolved 1 leaves exercise 1 unsolved")
    bad = os.path.join(d, "bad.md")
    open(bad, "w").write("# Bad\n\n```lua\nlocal t = nil\nreturn t.x\n```\n\n```lua\nprint('never')\n```\n")
    r = run(["--run", bad])
    check.ok(r.returncode == 1 and "bad.md:3: the cell [1] failed" in r.stderr
             and "attempt to index a nil value (local 't')" in r.stderr, "a failing cell: " + r.stderr)
    r = run(["--run", os.path.join(d, "missing.md")])
    check.ok(r.returncode == 1 and "cannot open" in r.stderr, "a missing notebook")
    open(bad, "wb").write(b"# x\n\0\1\2")
    r = run(["--run", bad])
    check.ok(r.returncode == 1 and "holds NUL bytes" in r.stderr, "a binary file: " + r.stderr)
    r = run(["--run", nb, "-e", "x = 1"])
    check.eq(r.returncode, 2, "--run with -e is a usage error")
    r = run(["-o", out])
    check.eq(r.returncode, 2, "-o without --run is a usage error")


def lesson_env():
    """A data folder holding the tiny lesson, and a fresh XDG data folder."""
    d = mkdtemp(prefix="recnote-lessons-")
    os.makedirs(os.path.join(d, "lessons"))
    src = open(os.path.join(HERE, "notebooks", "tiny_lesson.md")).read()
    open(os.path.join(d, "lessons", "01-tiny.md"), "w").write(src)
    return d


def run_in(data, args, stdin):
    env = env_for(data)
    env.update(RECNOTE_DATA_DIR=data, XDG_DATA_HOME=os.path.join(data, "xdg"))
    return subprocess.run([RECNOTE] + args, input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)


def test_lesson_flow(check):
    d = lesson_env()
    r = run_in(d, [], ":lesson\n")
    check.ok(re.search(r"1  tiny +A tiny lesson +0/3 +5 min", r.stdout), ":lesson lists: " + r.stdout)
    r = run_in(d, [], ":lesson 1\n:next\n:check\nanswer = 2 * x\n:check\n:hint\n:hint\n:hint\n:solution\n")
    out = r.stdout
    check.ok("Topics: sums, checks" in out and "About 5 minutes." in out, "the title block")
    check.ok("Some prose with code." in out, "prose rendered")
    check.ok("step 1/3 · cell" in out and "\n42\n" in out, ":next runs the cell and shows its output")
    check.ok("step 2/3 · exercise" in out, "then the exercise")
    check.ok("not yet: answer should be 42\n:hint for a hint" in r.stderr,
             "a failing :check says what is wrong and points at :hint: " + r.stderr)
    check.ok("multiply" not in r.stderr, "a failing :check does not give the hint away")
    check.ok("traceback" not in r.stderr and "[C]" not in r.stderr, "nor a traceback: " + r.stderr)
    check.ok("✓ check passed" in out, "a solved exercise passes :check")
    check.ok("Hint 1/2: think of doubling." in out and "(:hint again for more)" in out,
             ":hint starts the ladder with the idea: " + out)
    check.ok("Hint 2/2: multiply x by two." in out and "that was the last hint" in out,
             ":hint again climbs to the last level")
    check.eq(out.count("Hint 2/2"), 2, "past the top, :hint repeats the last level")
    check.ok("answer = 2 * x" in out.split("solution")[-1], ":solution shows the solution")
    prog = open(os.path.join(d, "xdg", "recnote", "progress")).read()
    check.eq(prog, "tiny 1 110\n", "progress saved: step 2 reached, steps 1 and 2 done")
    r = run_in(d, [], ":lesson tiny\n:next\n:next\n")
    check.ok("A tiny lesson — resuming at step 2 of 3" in r.stdout, "progress resumes in a new run")
    check.ok("End of the lesson: 2 of 3 steps done." in r.stdout,
             "a question passed by with :next is not done: " + r.stdout[-300:])
    r = run_in(d, [], ":lesson tiny\n:prev\n:answer\n:next\n")
    check.ok("A: It measures ranking quality" in r.stdout, ":answer reveals the answer")
    check.ok("End of the lesson: 3 of 3 steps done." in r.stdout, "the end: " + r.stdout[-300:])
    r = run_in(d, [], ":lesson\n")
    check.ok(re.search(r"✓  1  tiny .* 3/3", r.stdout), "a finished lesson is marked: " + r.stdout)
    r = run_in(d, [], ":lesson tiny\n:reset-lesson\n")
    prog = open(os.path.join(d, "xdg", "recnote", "progress")).read()
    check.eq(prog, "tiny 0 000\n", ":reset-lesson starts over")
    r = run_in(d, [], ":lesson tiny\n:next\n:solution run\n:check\n")
    check.ok("✓ check passed" in r.stdout, ":solution run runs the solution: " + r.stderr)
    r = run_in(d, [], ":lesson nosuch\n:next\n")
    check.ok("no lesson matches 'nosuch'" in r.stderr and "no lesson is open" in r.stderr,
             "unknown lessons and commands without a lesson: " + r.stderr)
    r = run_in(d, ["--lesson", "tiny"], "")
    check.ok("A tiny lesson" in r.stdout and r.returncode == 0, "--lesson starts one")


def test_lesson_skip_and_check_errors(check):
    d = lesson_env()
    # :next past an unsolved exercise asks first; a second :next skips it
    r = run_in(d, [], ":lesson tiny\n:next\n:next\n:next\n")
    check.ok("this exercise is not solved yet" in r.stderr and ":next again skips it" in r.stderr,
             ":next asks before skipping: " + r.stderr)
    check.ok("step 3/3 · interview question" in r.stdout, "the second :next skips: " + r.stdout[-400:])
    prog = open(os.path.join(d, "xdg", "recnote", "progress")).read()
    check.eq(prog, "tiny 2 1s0\n", "the exercise is saved as skipped")
    r = run_in(d, [], ":lesson\n")
    check.ok(re.search(r"▸  1  tiny .* 1/3 +5 min +\(1 skipped\)", r.stdout), ":lesson shows it: " + r.stdout)
    r = run_in(d, [], ":lesson tiny\n:next\n")
    check.ok("1 exercise skipped" in r.stdout, "the end names the skipped exercise: " + r.stdout[-300:])
    # a failed check takes no cell number: the student's next cell is [2], after the lesson's [1]
    d = lesson_env()
    r = run_in(d, [], ":lesson tiny\n:next\n:check\nerror('boom')\n")
    check.ok("[2]:1: boom" in r.stderr, "the check did not use up a cell number: " + r.stderr)
    # a check whose code raises: the student's message, no traceback, no cell number used
    d = lesson_env()
    r = run_in(d, [], ":lesson tiny\n:next\nanswer = {}\n:check\n:check\ny = 1\n")
    check.ok("not yet: running the check on your code raised an error: attempt to compare" in r.stderr
             or "not yet: answer should be 42" in r.stderr, "the check's error in words: " + r.stderr)
    check.ok("stack traceback" not in r.stderr and "check:" not in r.stderr,
             "no traceback into the check's code: " + r.stderr)
    d = lesson_env()
    src = open(os.path.join(d, "lessons", "01-tiny.md")).read()
    open(os.path.join(d, "lessons", "01-tiny.md"), "w").write(
        src.replace('check(answer == 42, "answer should be 42")', 'check(answer + 0 == 42, "answer should be 42")'))
    r = run_in(d, [], ":lesson tiny\n:next\n:check\nprint(repl and 'cell')\n:save " + os.path.join(d, "s.md") + "\n")
    check.ok("not yet: running the check on your code raised an error: attempt to perform arithmetic on a nil value (global 'answer')"
             in " ".join(r.stderr.split()), "a raising check: " + r.stderr)
    check.ok("stack traceback" not in r.stderr and "check:" not in r.stderr, "without a traceback: " + r.stderr)
    saved = open(os.path.join(d, "s.md")).read()
    check.ok("answer + 0" not in saved, "the check is not logged as a cell of the session")


def test_lesson_titles_whole_on_wide_terminal(check):
    d = lesson_env()
    long_title = "A tiny lesson whose title is long enough to be cut at forty-five columns"
    src = open(os.path.join(d, "lessons", "01-tiny.md")).read()
    open(os.path.join(d, "lessons", "01-tiny.md"), "w").write(src.replace("# A tiny lesson", "# " + long_title))
    env = env_for(d)
    env.update(RECNOTE_DATA_DIR=d, XDG_DATA_HOME=os.path.join(d, "xdg"))
    p = pexpect.spawn(RECNOTE, [], env=env, encoding="utf-8", dimensions=(30, 160), timeout=10)
    p.expect(PROMPT)
    p.send(":lesson\r")
    p.expect_exact(long_title)
    p.expect(PROMPT)
    check.ok(True, "a 160-column terminal shows the whole title")
    p.setwinsize(30, 80)
    p.send(":lesson\r")
    p.expect_exact("...")
    p.expect(PROMPT)
    check.ok(True, "an 80-column terminal cuts it, marked")
    p.sendcontrol("d")
    p.expect(pexpect.EOF)


def test_welcome_points_at_lessons(check):
    d = lesson_env()
    env = env_for(d)
    env.update(RECNOTE_DATA_DIR=d, XDG_DATA_HOME=os.path.join(d, "xdg"))
    p = pexpect.spawn(RECNOTE, [], env=env, encoding="utf-8", dimensions=(30, 100), timeout=10)
    p.expect_exact("Type :lesson to start the lessons")
    p.expect(PROMPT)
    p.send(":lesson ti\t")
    p.expect_exact(":lesson tiny")
    p.send("\r")
    p.expect_exact("A tiny lesson")
    p.expect(PROMPT)
    p.sendcontrol("d")
    p.expect(pexpect.EOF)
    check.ok(True, "the welcome line names :lesson; lesson names complete")


def test_fit_plot_true(check):
    d = mkdtemp(prefix="recnote-test-")
    nb, out = os.path.join(d, "fit.md"), os.path.join(d, "out.md")
    open(nb, "w").write("# fit\n\n```lua\nd = rec.data.synthetic_ctr{rows = 4000, seed = 2}\n"
                        "train, test = d:split(0.8)\nm = rec.models.fm{data = d, embed_dim = 4}\n"
                        "h = m:fit(train, {epochs = 2, valid = test, plot = true, progress = false});\n```\n")
    r = run(["--run", nb, "-o", out])
    check.eq(r.returncode, 0, "fit with plot = true runs headless: " + r.stderr)
    check.ok("![figure](out_files/cell-1-1.png)" in open(out).read(), "and draws a live figure")
    png = os.path.join(d, "out_files", "cell-1-1.png")
    check.ok(os.path.exists(png) and open(png, "rb").read(4) == b"\x89PNG", "saved as PNG")


def test_saved_session_reruns(check):
    s = Session()
    s.type("a = 6")
    s.type("a * 7")
    s.type("for i = 1, 2 do print(i) end")
    path = os.path.join(s.dir, "session.md")
    s.type(":save " + path)
    s.close()
    out = os.path.join(s.dir, "again.md")
    r = run(["--run", path, "-o", out])
    check.eq(r.returncode, 0, "a saved session runs again: " + r.stderr)
    check.eq(open(out).read(), open(path).read(), "with the same outputs")


# ---------------------------------------------------------------- reliability (issue 10)

def test_saved_session_with_failed_check_reruns(check):
    """The review's A.4: check, fail, fix, :save; --run must pass (the README
    promises a saved session runs again). A failed cell is kept as
    ```lua failed: shown, not run."""
    d = lesson_env()
    nb = os.path.join(d, "session.md")
    r = run_in(d, [], ":lesson 1\n:next\n:check\nanswer = 2 * x\n:check\nundefined_fn()\n"
                      ":save %s\n" % nb)
    check.ok("not yet" in r.stderr and "✓ check passed" in r.stdout, "a failed then a passed check")
    text = open(nb).read()
    # checks run apart from the student's cells (they are not part of the session);
    # the student's failed cell is kept, marked
    check.eq(text.count("```lua failed"), 1, "the failed cell is marked")
    check.ok("undefined_fn()" in text, "the failed cell is kept as a record")
    out = os.path.join(d, "again.md")
    r = run_in(d, ["--run", nb, "-o", out], "")
    check.eq(r.returncode, 0, "the saved session runs again: " + r.stderr)
    check.ok("```lua failed" in open(out).read(), "the failed cells stay in the output, unrun")


def test_save_to_directory_writes_nothing(check):
    """Reproducer 14: :save onto a folder (or a FIFO, or into a missing
    folder) is an error and writes nothing anywhere, not even DIR_files/."""
    d = mkdtemp(prefix="recnote-test-")
    os.mkdir(os.path.join(d, "adir"))
    os.mkfifo(os.path.join(d, "fifo.md"))
    cells = "f = rec.plot.line{series = {{x = {1, 2}, y = {1, 2}}}}\n"
    for target, why in (("adir", "it is a directory, not a regular file"),
                        ("fifo.md", "it is a FIFO (named pipe), not a regular file"),
                        ("no/such/s.md", "No such file or directory")):
        r = run(["--headless"], stdin=cells + ":save %s\n" % os.path.join(d, target))
        check.ok(":save: cannot write %s: %s" % (os.path.join(d, target), why) in r.stderr,
                 "refused with a reason: " + r.stderr)
        check.eq(r.returncode, 1, "piped input: the failed :save is the exit status")
    check.eq(sorted(os.listdir(d)), ["adir", "fifo.md"], "nothing written beside them")
    check.eq(os.listdir(os.path.join(d, "adir")), [], "nor inside the folder")


def _limited(limit):
    """preexec_fn: a file-size limit (writes past it fail with EFBIG, as a
    full disk fails them with ENOSPC), with SIGXFSZ ignored."""
    import resource
    import signal

    def f():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return f


def test_fig_save_on_full_disk(check):
    """Reproducer 5: fig:save on a full disk reported success and left a
    0-byte PNG. Now it reports the error and the old file is intact; the
    same for SVG and for m:save. A file-size limit stands in for the full
    disk (no root needed); as root a real 1 MB tmpfs is tried as well."""
    d = mkdtemp(prefix="recnote-test-")
    png, svg, st = (os.path.join(d, n) for n in ("f.png", "f.svg", "m.st"))
    make = ("f = rec.plot.line{series = {{x = {1, 2}, y = {%s}}}, show = false}\n"
            "m = rec.models.fm{fields = {20000}, embed_dim = 4, seed = %d}\n")
    r = run(["--headless", "-e", make % ("1, 2", 1) + "f:save('%s'); f:save('%s'); m:save('%s')"
             % (png, svg, st)])
    check.eq(r.returncode, 0, "the first saves: " + r.stderr)
    before = {p: open(p, "rb").read() for p in (png, svg, st)}
    code = make % ("2, 1", 2) + "".join(
        "print(pcall(%s.save, %s, '%s'))\n" % (o, o, p) for o, p in (("f", png), ("f", svg), ("m", st)))
    env = env_for(mkdtemp(prefix="recnote-test-"))
    r = subprocess.run([RECNOTE, "--headless", "-e", code], capture_output=True, text=True,
                       env=env, timeout=60, preexec_fn=_limited(512))
    lines = r.stdout.splitlines()
    check.eq(len(lines), 3, "three answers: " + r.stdout + r.stderr)
    for line, p in zip(lines, (png, svg, st)):
        check.ok(line.startswith("false") and "File too large" in line and "old file" in line,
                 "the error is reported: " + line)
        check.ok(open(p, "rb").read() == before[p], "the old file is intact: " + p)
    check.eq(sorted(os.listdir(d)), ["f.png", "f.svg", "m.st"], "no temporary file is left")
    if os.geteuid() == 0 and shutil.which("mount"):
        small = os.path.join(d, "small")
        os.mkdir(small)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", small],
                          capture_output=True).returncode == 0:
            try:
                p = os.path.join(small, "f.png")
                shutil.copy(png, p)
                with open(os.path.join(small, "fill"), "wb") as fill:
                    try:
                        fill.write(b"\0" * (2 << 20))
                    except OSError:
                        pass
                r = run(["--headless", "-e", make % ("2, 1", 2) + "print(pcall(f.save, f, '%s'))" % p])
                check.ok(r.stdout.startswith("false") and "No space left on device" in r.stdout,
                         "a full tmpfs: the error is reported: " + r.stdout + r.stderr)
                check.ok(open(p, "rb").read() == before[png], "and the PNG is intact")
            finally:
                subprocess.run(["umount", small])


def test_run_with_figures_on_full_disk(check):
    """Reliability review B.4: `recnote --run NB -o OUT` on a full disk left a
    0-byte cell PNG; then the figure was silently missing and the run
    passed. Now the cell fails, naming the file and the reason, --run exits
    1, and no PNG (nor temporary file) is left. A file-size limit stands in
    for the full disk."""
    d = mkdtemp(prefix="recnote-test-")
    nb = os.path.join(d, "nb.md")
    open(nb, "w").write("# Fig\n\n```lua\nf = rec.plot.line{series = {{x = {1, 2, 3}, "
                        "y = {1, 3, 2}}}}\n```\n\n```lua\nprint(1)\n```\n")
    env = env_for(mkdtemp(prefix="recnote-test-"))
    r = subprocess.run([RECNOTE, "--headless", "--run", nb, "-o", os.path.join(d, "out.md")],
                       capture_output=True, text=True, env=env, timeout=60, cwd=d,
                       preexec_fn=_limited(4096))
    png = os.path.join(d, "out_files", "cell-1-1.png")
    check.eq(r.returncode, 1, "the run fails: " + r.stdout + r.stderr)
    check.ok("nb.md:3: the cell [1] failed:\nsaving the figures of cell [1] failed: saving "
             "figure 1 of the cell to %s: cannot write %s: File too large" % (png, png)
             in r.stderr, "the cell names the file and the reason: " + r.stderr)
    check.eq(os.listdir(os.path.join(d, "out_files")), [], "no PNG, empty or partial, is left")
    r = run(["--headless", "--run", nb, "-o", os.path.join(d, "out.md")])
    check.ok(r.returncode == 0 and os.path.getsize(png) > 1000, "without the limit it is written")


def test_fifo_and_links_are_not_replaced(check):
    """Reproducers 4 and 13: a CSV path that is a FIFO fails at once instead
    of blocking; saves refuse a FIFO, a symbolic link and (as root) a device
    node made here, leaving each as it was."""
    d = mkdtemp(prefix="recnote-test-")
    fifo = os.path.join(d, "f.png")
    os.mkfifo(fifo)
    t0 = time.time()
    r = run(["-e", "rec.data.csv('%s', {columns = {{'click', 'label'}}})" % fifo])
    check.ok(r.returncode == 1 and "not a regular file" in r.stderr and time.time() - t0 < 20,
             "a FIFO as CSV: an error, no hang: " + r.stderr)
    open(os.path.join(d, "real.png"), "wb").write(b"old")
    os.symlink("real.png", os.path.join(d, "link.png"))
    targets = [("f.png", "a FIFO"), ("link.png", "a symbolic link")]
    if os.geteuid() == 0:
        os.mknod(os.path.join(d, "fakefull.png"), 0o600 | stat.S_IFCHR, os.makedev(1, 7))
        targets.append(("fakefull.png", "a character device"))
    for name, what in targets:
        p = os.path.join(d, name)
        r = run(["--headless", "-e", "print(pcall(rec.models.lr{fields = {3}}.save, "
                 "rec.models.lr{fields = {3}}, '%s'))\n"
                 "local f = rec.plot.line{series = {{x = {1, 2}, y = {1, 2}}}, show = false}\n"
                 "print(pcall(f.save, f, '%s'))" % (p, p)])
        out = r.stdout.splitlines()
        check.ok(len(out) == 2 and all(l.startswith("false") and what in l for l in out),
                 "m:save and fig:save refuse %s: %s" % (what, r.stdout + r.stderr))
    check.ok(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still a FIFO")
    check.ok(os.path.islink(os.path.join(d, "link.png")) and
             open(os.path.join(d, "real.png"), "rb").read() == b"old", "the link and its file kept")
    if os.geteuid() == 0:
        st = os.lstat(os.path.join(d, "fakefull.png"))
        check.ok(stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 1 and
                 os.minor(st.st_rdev) == 7, "the device node is still a device node")


def test_lying_model_file_is_cheap(check):
    """Reproducer 8: a 1.7 KB file whose config claims 80 million rows took
    2 GB and 11-21 s before its error. Now it fails at once."""
    import json
    import resource
    import struct
    d = mkdtemp(prefix="recnote-test-")
    good, lying = os.path.join(d, "good.st"), os.path.join(d, "lying.st")
    r = run(["-e", "rec.models.deepfm{fields = {10, 5}, embed_dim = 4, hidden = {8}}:save('%s')"
             % good])
    check.eq(r.returncode, 0, "saved: " + r.stderr)
    data = open(good, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    h = json.loads(data[8:8 + n])
    c = json.loads(h["__metadata__"]["recnote.config"])
    c.update(cardinality=[80000000, 5], embed_dim=2, hidden=[2])
    h["__metadata__"]["recnote.config"] = json.dumps(c)
    hb = json.dumps(h).encode()
    open(lying, "wb").write(struct.pack("<Q", len(hb)) + hb + data[8 + n:])
    t0 = time.time()
    r = run(["-e", "rec.models.load('%s')" % lying])
    dt = time.time() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    check.ok(r.returncode == 1 and "far larger than the" in r.stderr, "refused: " + r.stderr)
    check.ok(dt < 5, "in %.2f s" % dt)
    check.ok(rss_mb < 400, "peak RSS of any child so far %.0f MB" % rss_mb)


# ---------------------------------------------------------------- runner

class Check:
    def __init__(self):
        self.passed = self.failed = 0

    def ok(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAILED:", what)

    def eq(self, got, want, what):
        self.ok(got == want, "%s: got %r, expected %r" % (what, got, want))


def main():
    names = sys.argv[2:] or [n for n in globals() if n.startswith("test_")]
    check = Check()
    for name in names:
        try:
            globals()[name](check)
        except Exception:
            check.failed += 1
            print("FAILED: %s raised" % name)
            traceback.print_exc()
    print("%d passed, %d failed" % (check.passed, check.failed))
    return 0 if check.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
