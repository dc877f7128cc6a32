#!/usr/bin/env python3
"""A large Cobertura report shaped like a real one: the classes of a real gcovr report
(fixtures/cobertura/gcovr.xml: methods, lines with branch conditions, gcovr's attribute layout)
repeated under distinct file names until the file reaches SIZE megabytes. The totals scale
exactly: N copies have N times the fixture's lines and branches.
Usage: real-cobertura.py SIZE_MB OUT"""
import os
import re
import sys

size = int(sys.argv[1]) * 1_000_000
here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "..", "fixtures", "cobertura", "gcovr.xml")).read()
start = text.index("<classes>") + len("<classes>")
end = text.index("</classes>")
head, classes, tail = text[:start], text[start:end], text[end:]
copies = max(1, (size - len(head) - len(tail)) // len(classes))
with open(sys.argv[2], "w") as out:
    out.write(head)
    for n in range(copies):
        out.write(re.sub(r'filename="([^"]+)"', lambda m: f'filename="pkg{n // 100}/m{n}/{m.group(1)}"', classes))
    out.write(tail)
print(f"{copies} copies of the gcovr report's classes")
