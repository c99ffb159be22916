#!/usr/bin/env python3
"""Reads a model file written by rn_model_save with numpy alone and compares
every tensor with a text dump written by the C test (one line per tensor:
name, then its float values as %.9g). Exit status 0 when every tensor matches
exactly, 1 otherwise. Used by tests/models/test_models.c."""
import json
import struct
import sys

import numpy as np


def main(model_path, dump_path):
    with open(model_path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__")
    config = json.loads(meta["recnote.config"])
    tensors = {}
    for name, e in header.items():
        assert e["dtype"] == "F32", name
        b, end = e["data_offsets"]
        tensors[name] = np.frombuffer(data[b:end], dtype="<f4").reshape(e["shape"])
    bad = 0
    with open(dump_path) as f:
        for line in f:
            parts = line.split()
            name, want = parts[0], np.array([float(x) for x in parts[1:]], dtype=np.float32)
            got = tensors.pop(name, None)
            if got is None or not np.array_equal(got.ravel(), want):
                print("mismatch:", name)
                bad += 1
    if tensors:
        print("not in the dump:", sorted(tensors))
        bad += 1
    print("numpy read %s (%s): %s" % (model_path, config["kind"], "ok" if bad == 0 else "FAILED"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
