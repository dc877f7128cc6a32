#!/usr/bin/env python3
"""A large k6 `--out json=` file shaped like a real run's: the Metric lines and the Point lines
of a real k6 v1.1.0 run (fixtures/perf/k6/k6.jsonl: every built-in metric, its tags, its
timestamps) repeated as later iterations, each copy shifted in time and its values jittered
(seeded), until the file reaches SIZE megabytes. Usage: real-k6.py SIZE_MB OUT"""
import json
import os
import random
import sys
from datetime import datetime, timedelta

size = int(sys.argv[1]) * 1_000_000
here = os.path.dirname(os.path.abspath(__file__))
lines = open(os.path.join(here, "..", "fixtures", "perf", "k6", "k6.jsonl")).read().splitlines()
metrics = [l for l in lines if '"type":"Metric"' in l]
points = [json.loads(l) for l in lines if '"type":"Point"' in l]
rng = random.Random(7)
written = 0
with open(sys.argv[2], "w") as out:
    for l in metrics:
        out.write(l + "\n")
        written += len(l) + 1
    copy = 0
    while written < size:
        shift = timedelta(seconds=copy)
        for p in points:
            d = dict(p["data"])
            t = datetime.fromisoformat(d["time"][:26] + "+00:00") + shift
            d["time"] = t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
            v = d["value"]
            # Counters and rates keep their 0/1 values; durations and sizes vary.
            if v not in (0, 1):
                d["value"] = round(v * rng.uniform(0.7, 1.4), 6)
            line = json.dumps({"metric": p["metric"], "type": "Point", "data": d}, separators=(",", ":"))
            out.write(line + "\n")
            written += len(line) + 1
        copy += 1
