#!/usr/bin/env python3
"""Checks what a fake forge received and answered against the forge's OpenAPI description.

Usage: validate_openapi.py --spec github.json [--server https://api.github.com] EXCHANGES.jsonl

EXCHANGES.jsonl is the fake's log (Tests/ForgeFakes/ExchangeLog.swift): one JSON object per line
with method, target (path?query as sent), content_type, body (base64), status,
response_content_type, response_body (base64).

For each exchange: the path is matched to an operation's template (multi-segment parameters
marked `x-multi-segment`, GitHub's {path} and {ref}, may span slashes), then openapi-core
validates the request (path and query parameters, content type, body against the operation's
schema) and the response (status documented, body against its schema). Error answers the fake
gives on purpose (4xx/5xx) are checked only when the operation documents that status.

Exit 0 when every covered exchange conforms; 1 otherwise. Exchanges whose operation the spec
does not hold are listed under "not in the spec" and do not fail the run (the subset files only
hold what cmlbot was expected to call): that list is what the spec does not cover.
"""
import argparse
import base64
import json
import re
import sys
import urllib.parse

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

METHODS = ("get", "put", "post", "patch", "delete")


# GitLab's generated description types every field of an entity without documented types as
# "string" (Grape's default). Where that contradicts GitLab's own API documentation, the field is
# retyped here before validating, and the report says so.
CORRECTIONS = {
    # doc/api/notes.md: "id": 302, "system": false, "noteable_id": 377, "project_id": 5,
    # "noteable_iid": 377, "resolvable": false, "confidential": false, "internal": false
    "APIEntitiesNote": {"id": "integer", "system": "boolean", "noteable_id": "integer", "project_id": "integer",
                        "noteable_iid": "integer", "resolvable": "boolean", "resolved": "boolean",
                        "confidential": "boolean", "internal": "boolean", "imported": "boolean"},
}


def correct(spec):
    applied = []
    schemas = spec.get("components", {}).get("schemas", {})
    for name, fields in CORRECTIONS.items():
        props = schemas.get(name, {}).get("properties", {})
        changed = [f for f, t in fields.items() if props.get(f, {}).get("type") == "string" and props[f].update(type=t) is None]
        if changed:
            applied.append(f"{name}: {', '.join(changed)} retyped from string per GitLab's API documentation")
    return applied


def compile_templates(spec):
    """(regex, template, multi-segment parameter names) per path, most literal segments first."""
    out = []
    for template, item in spec["paths"].items():
        multi = set()
        for method in METHODS:
            for p in (item.get(method, {}).get("parameters", []) + item.get("parameters", [])):
                if "$ref" in p:
                    p = resolve(spec, p["$ref"])
                if p.get("in") == "path" and p.get("x-multi-segment"):
                    multi.add(p["name"])
        regex = ""
        for piece in re.split(r"(\{[^}]+\})", template):
            if piece.startswith("{"):
                name = piece[1:-1]
                regex += f"(?P<{re.sub(r'[^A-Za-z0-9_]', '_', name)}>{'.+' if name in multi else '[^/]+'})"
            else:
                regex += re.escape(piece)
        literal = len(re.sub(r"\{[^}]+\}", "", template))
        out.append((re.compile(regex + "$"), template, multi, literal))
    out.sort(key=lambda t: -t[3])
    return out


def resolve(spec, ref):
    node = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def match(templates, path):
    for regex, template, multi, _ in templates:
        m = regex.match(path)
        if m:
            return template, multi, m
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--server", default=None, help="host URL the spec's paths hang off (default: its first server)")
    parser.add_argument("exchanges")
    args = parser.parse_args()

    with open(args.spec, encoding="utf-8") as f:
        spec_dict = json.load(f)
    corrections = correct(spec_dict)
    host = args.server or spec_dict.get("servers", [{"url": "https://example.invalid"}])[0]["url"]
    openapi = OpenAPI.from_dict(spec_dict)
    templates = compile_templates(spec_dict)

    failures = 0
    checked = 0
    uncovered = {}
    tolerated = {}
    with open(args.exchanges, encoding="utf-8") as f:
        exchanges = [json.loads(line) for line in f if line.strip()]

    for i, ex in enumerate(exchanges, 1):
        method = ex["method"].lower()
        path, _, query = ex["target"].partition("?")
        found = match(templates, path)
        if not found or method not in spec_dict["paths"][found[0]]:
            key = f"{ex['method']} {found[0] if found else path}"
            uncovered[key] = uncovered.get(key, 0) + 1
            continue
        template, multi, m = found
        operation = spec_dict["paths"][template][method]
        # openapi-core matches one segment per parameter: hand it multi-segment values with the
        # slashes encoded, so `contents/{path}` finds `cmlbot-charts/x.svg`.
        spec_path = path
        if multi:
            spec_path = template
            for name in re.findall(r"\{([^}]+)\}", template):
                value = m.group(re.sub(r"[^A-Za-z0-9_]", "_", name))
                spec_path = spec_path.replace("{" + name + "}", value.replace("/", "%2F") if name in multi else value, 1)
        query_args = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        body = base64.b64decode(ex.get("body") or "")
        content_type = ex.get("content_type") or "application/json"
        request = MockRequest(host, method, spec_path, args=query_args, data=body or None,
                              content_type=content_type.split(";")[0].strip() if "multipart" not in content_type else content_type)
        problems = []
        try:
            if body or "requestBody" in operation or query_args or "{" in template:
                openapi.validate_request(request)
        except Exception as error:  # openapi-core raises one error type per problem kind
            problems.append("request: " + describe(error))
        quirks = []
        problems += check_response(openapi, spec_dict, request, operation, ex, quirks)
        checked += 1
        label = f"{ex['method']} {template} → {ex['status']}"
        for q in quirks:
            tolerated[q] = tolerated.get(q, 0) + 1
        if problems:
            failures += 1
            print(f"FAIL {label}")
            for p in problems:
                print(f"     {p}")
        else:
            print(f"ok   {label}" + (f"  (spec quirk: {'; '.join(quirks)})" if quirks else ""))

    print(f"\n{checked} exchange(s) checked against {args.spec.split('/')[-1]}, {failures} not conforming")
    for c in corrections:
        print(f"spec correction applied: {c}")
    if tolerated:
        print("spec defects tolerated (the description is wrong, not the exchange):")
        for key, count in sorted(tolerated.items()):
            print(f"  {key} ({count}x)")
    if uncovered:
        print("not in the spec (not validated):")
        for key, count in sorted(uncovered.items()):
            print(f"  {key} ({count}x)")
    return 1 if failures else 0


def check_response(openapi, spec, request, operation, ex, quirks):
    """Problems with the answer. Known defects of GitLab's generated description are tolerated
    and named in `quirks`: it types list endpoints as one object, declares a body for 204, and
    documents 200 where GitLab (Grape) answers a create with 201."""
    status = ex["status"]
    responses = operation.get("responses", {})
    key = str(status)
    if key not in responses and status == 201 and "200" in responses and request.method == "post":
        quirks.append("POST answered 201 Created, the spec documents 200: checked against the 200 schema")
        key = "200"
    if key not in responses:
        if status < 400 and "default" not in responses:
            return [f"response {status}: status not documented for this operation ({', '.join(sorted(responses))})"]
        return []  # an error answer the operation does not describe: nothing to check it against
    body = base64.b64decode(ex.get("response_body") or "")
    content = responses[key].get("content") or {}
    if status == 204:
        if body:
            return ["response 204 carries a body"]
        if content:
            quirks.append("204 No Content declared with a body schema")
        return []
    response_type = (ex.get("response_content_type") or "application/json").split(";")[0].strip()
    schema = (content.get("application/json") or {}).get("schema") or {}
    while "$ref" in schema:
        schema = resolve(spec, schema["$ref"])
    bodies = [body]
    if response_type == "application/json" and schema.get("type") == "object" and body:
        data = json.loads(body)
        if isinstance(data, list):
            quirks.append("a list typed as one object: each item checked against it")
            bodies = [json.dumps(item).encode() for item in data]
    problems = []
    for b in bodies:
        try:
            openapi.validate_response(request, MockResponse(b, status_code=int(key), content_type=response_type))
        except Exception as error:
            problems.append(f"response {status}: " + describe(error))
            break
    return problems


def describe(error):
    """The schema failures (field path and message) when openapi-core gives them, else the error."""
    seen = error
    while seen is not None:
        errors = getattr(seen, "schema_errors", None)
        if errors:
            return "; ".join(f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message[:200]}" for e in list(errors)[:8])
        seen = seen.__cause__ or seen.__context__
    return f"{type(error).__name__}: {str(error)[:300]}"


if __name__ == "__main__":
    sys.exit(main())
