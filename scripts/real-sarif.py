#!/usr/bin/env python3
"""A large SARIF log shaped like a real scanner's: the results of a real Bandit log
(fixtures/security/bandit.sarif: snippets, context regions, rule metadata, properties, and
Bandit's key order with "runs" before "version") repeated under distinct file paths until the
file reaches SIZE megabytes. Usage: real-sarif.py SIZE_MB OUT"""
import copy
import json
import os
import sys

size = int(sys.argv[1]) * 1_000_000
fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "security", "bandit.sarif")
src = json.load(open(fixture))
out_path = sys.argv[-1]
run = src["runs"][0]
template = run["results"]
def copy_of(n):
    out = []
    for r in template:
        r = copy.deepcopy(r)
        loc = r["locations"][0]["physicalLocation"]
        loc["artifactLocation"]["uri"] = f"pkg{n // 100}/module_{n}.py"
        loc["region"]["startLine"] += n % 50
        loc["region"]["endLine"] += n % 50
        out.append(r)
    return out


# Bytes one copy of the results adds, as written (indented like Bandit's own output).
run["results"] = []
empty = len(json.dumps(src, indent=2))
run["results"] = copy_of(0)
per_copy = len(json.dumps(src, indent=2)) - empty
copies = max(1, (size - empty) // per_copy)
results = []
for n in range(copies):
    results.extend(copy_of(n))
run["results"] = results
n = copies
# Bandit's order: runs, version, $schema.
doc = {"runs": src["runs"], "version": src["version"], "$schema": src.get("$schema")}
with open(out_path, "w") as f:
    json.dump(doc, f, indent=2)
print(f"{len(results)} results from {n} copies of {len(template)} real Bandit results")
