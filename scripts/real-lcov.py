#!/usr/bin/env python3
"""A large LCOV tracefile shaped like a real one: the records of a real `lcov --capture`
tracefile (fixtures/lcov/geninfo.lcov: FN/FNDA, DA, BRDA, LF/LH, BRF/BRH) repeated under distinct
source names until the file reaches SIZE megabytes. The totals scale exactly: N copies have N
times the fixture's lines, functions and branches.
Usage: real-lcov.py SIZE_MB OUT"""
import os
import sys

size = int(sys.argv[1]) * 1_000_000
here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "..", "fixtures", "lcov", "geninfo.lcov")).read()
records = text.split("end_of_record\n")
records = [r + "end_of_record\n" for r in records if r.strip()]
body = "".join(records)
copies = max(1, size // len(body))
with open(sys.argv[2], "w") as out:
    for n in range(copies):
        out.write(body.replace("SF:/tmp/gates-fixture-build/", f"SF:/tmp/gates-fixture-build/pkg{n // 100}/m{n}/"))
print(f"{copies} copies of the lcov tracefile's records")
