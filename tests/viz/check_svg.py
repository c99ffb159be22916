#!/usr/bin/env python3
"""Parses the SVG files the viz tests wrote (argument: their folder) as XML and
checks their structure: one <polyline> per series group, one group of circles
per point class. Prints "N passed, N failed"; exits 1 on failure."""
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAILED:", what, file=sys.stderr)


def groups(root, cls):
    return [g for g in root.iter(NS + "g") if g.get("class") == cls]


def load(folder, name):
    path = os.path.join(folder, name)
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        check(False, "%s parses as XML: %s" % (name, e))
        return None


folder = sys.argv[1]

root = load(folder, "line.svg")
if root is not None:
    check(root.tag == NS + "svg", "line.svg: the root is <svg>")
    series = groups(root, "series")
    check([g.get("data-name") for g in series] == ["flat", "rise", 'a<b & "c"'],
          "line.svg: series groups in order, names unescaped")
    for g in series:
        check(len(g.findall(NS + "polyline")) == 1, "line.svg: one polyline per series")
    texts = [t.text for t in root.iter(NS + "text")]
    check("Two series" in texts and "step" in texts, "line.svg: title and x label")

root = load(folder, "scatter.svg")
if root is not None:
    pts = groups(root, "points")
    check([g.get("data-name") for g in pts] == ["class 0", "class 1", "class 2"],
          "scatter.svg: one group per class")
    check(sum(len(g.findall(NS + "circle")) for g in pts) == 30,
          "scatter.svg: one circle per point")

root = load(folder, "grid.svg")
if root is not None:
    series = groups(root, "series")
    check([g.get("data-name") for g in series] == ["train", "valid", "before BN", "after BN"],
          "grid.svg: the line and histogram series, in order")
    for g in series:
        check(len(g.findall(NS + "polyline")) == 1,
              "grid.svg: one polyline per series (%s)" % g.get("data-name"))
    check(len(groups(root, "cells")) == 1 and
          len(groups(root, "cells")[0].findall(NS + "rect")) == 12, "grid.svg: 3 x 4 heatmap cells")
    texts = [t.text for t in root.iter(NS + "text")]
    for title in ["Loss", "MMoE gates", "Neighbours", "Batch norm"]:
        check(title in texts, "grid.svg: title " + title)
    check(len(groups(root, "panel")) == 4, "grid.svg: four panels")

root = load(folder, "cleaned.svg")
if root is not None:
    check(any(t.text == "bad ?? bytes" for t in root.iter(NS + "text")),
          "cleaned.svg: invalid bytes replaced")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
