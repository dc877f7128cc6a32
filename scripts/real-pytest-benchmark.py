#!/usr/bin/env python3
"""A pytest-benchmark pair with N benchmarks shaped like a real report: the benchmarks of a real
pytest-benchmark 5.3.1 run (fixtures/perf/pytest-benchmark/base.json: machine_info, commit_info,
full stats with the raw rounds in stats.data) repeated under distinct names with seeded
jitter; the head is the same with every 50th benchmark 30% slower.
Usage: real-pytest-benchmark.py N BASE_OUT HEAD_OUT"""
import copy
import json
import os
import random
import sys

n = int(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
src = json.load(open(os.path.join(here, "..", "fixtures", "perf", "pytest-benchmark", "base.json")))
template = src["benchmarks"]
rng = random.Random(11)

def side(slow):
    out = []
    for i in range(n):
        b = copy.deepcopy(template[i % len(template)])
        b["name"] = f"{b['name']}[{i}]"
        b["fullname"] = f"{b['fullname']}[{i}]"
        k = (1.3 if slow and i % 50 == 0 else 1.0)
        data = [x * k * rng.uniform(0.95, 1.05) for x in b["stats"]["data"][:100]]
        st = b["stats"]
        st["data"] = data
        st["rounds"] = len(data)
        s = sorted(data)
        st["min"], st["max"] = s[0], s[-1]
        st["mean"] = sum(data) / len(data)
        st["median"] = s[len(s) // 2]
        st["stddev"] = (sum((x - st["mean"]) ** 2 for x in data) / (len(data) - 1)) ** 0.5
        out.append(b)
    d = dict(src)
    d["benchmarks"] = out
    return d

json.dump(side(False), open(sys.argv[2], "w"), indent=4)
json.dump(side(True), open(sys.argv[3], "w"), indent=4)
