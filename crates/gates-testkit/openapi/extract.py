#!/usr/bin/env python3
"""Extract the REST operations the gates use from GitHub's official description.

Usage: extract.py <node_modules/@octokit/openapi/generated/api.github.com.deref.json> > operations.json

OpenAPI 3.0 schemas become JSON Schema (draft 2020-12): `nullable: true` turns into a type that
also allows null; examples and descriptions are dropped to keep the file small. Response examples
are kept under "example": the fake server builds its payloads from them.
"""
import json
import sys

OPS = [
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/deployments"),
    ("post", "/repos/{owner}/{repo}/deployments"),
    ("get", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    ("post", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
]

DROP = {"description", "example", "examples", "externalDocs", "title", "xml", "deprecated", "readOnly", "writeOnly", "discriminator"}


def convert(s):
    if isinstance(s, list):
        return [convert(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {k: convert(v) for k, v in s.items() if k not in DROP and k != "nullable"}
    if s.get("nullable"):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        elif "enum" in out:
            out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    return out


def example(resp):
    content = resp.get("content", {}).get("application/json", {})
    for ex in content.get("examples", {}).values():
        if "value" in ex:
            return ex["value"]
    return content.get("example")


doc = json.load(open(sys.argv[1]))
ops = []
for method, path in OPS:
    op = doc["paths"][path][method]
    params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False), "schema": convert(p.get("schema", {}))} for p in op.get("parameters", [])]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    responses = {}
    for status, r in op["responses"].items():
        schema = r.get("content", {}).get("application/json", {}).get("schema")
        responses[status] = {"schema": convert(schema) if schema else None, "example": example(r)}
    ops.append({"operationId": op["operationId"], "method": method.upper(), "path": path, "parameters": params,
                "request": convert(body) if body else None, "responses": responses})
json.dump({"source": "npm @octokit/openapi " + doc["info"]["version"], "operations": ops}, sys.stdout, indent=1, sort_keys=True)
