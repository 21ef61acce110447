#!/usr/bin/env python3
"""Checks a running `sspm serve` against docs/openapi.yaml: every GET operation it can fill the
path parameters for answers, and its JSON body validates against the documented schema for that
status (Draft 2020-12); a few bad requests answer the documented error shape.

  python3 scripts/validate_api.py --base-url http://127.0.0.1:8080 --token sspm_… [--connector ID]
  python3 scripts/validate_api.py --self-test --base-url … --token …   # proves a broken body is caught

Needs jsonschema and pyyaml. Exits 1 with a list of failures.
"""
import argparse
import copy
import json
import pathlib
import sys
import urllib.error
import urllib.request

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent


def resolve(node, document, seen=()):
    """Inlines local $refs (the document has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node and len(node) == 1:
            ref = node["$ref"]
            if ref in seen:
                raise ValueError(f"cyclic $ref {ref}")
            target = document
            for part in ref.lstrip("#/").split("/"):
                target = target[part]
            return resolve(copy.deepcopy(target), document, seen + (ref,))
        return {key: resolve(value, document, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, document, seen) for item in node]
    return node


class Client:
    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, auth=True):
        request = urllib.request.Request(self.base + path, method=method, data=body)
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def schema_for(operation, status, content_type="application/json"):
    responses = operation.get("responses", {})
    response = responses.get(str(status))
    if response is None:
        return None, f"status {status} is not documented (documented: {', '.join(sorted(responses))})"
    content = response.get("content", {})
    if content_type not in content:
        return None, f"{content_type} is not documented for {status}"
    return content[content_type].get("schema", {}), None


def validate(schema, value):
    errors = sorted(jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(value), key=str)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in errors[:5]]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--connector")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()

    document = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    paths = resolve(document["paths"], document)
    client = Client(args.base_url, args.token)
    failures = []
    checks = 0

    def check(label, method, path, expect_status=None, content_type="application/json", body=None, auth=True, template=None):
        nonlocal checks
        checks += 1
        status, headers, raw = client.call(method, path, body=body, auth=auth)
        operation = paths[template or path.split("?")[0]][method.lower()]
        if expect_status is not None and status != expect_status:
            failures.append(f"{label}: {method} {path} answered {status}, expected {expect_status}: {raw[:200]!r}")
            print(f"FAIL {label}")
            return None
        got_type = headers.get("Content-Type", headers.get("content-type", "")).split(";")[0]
        if got_type != content_type:
            failures.append(f"{label}: content type {got_type!r}, expected {content_type!r}")
            print(f"FAIL {label}")
            return None
        if content_type != "application/json":
            schema, problem = schema_for(operation, status, content_type)
            if problem:
                failures.append(f"{label}: {problem}")
            print(("FAIL " if problem else "ok   ") + label)
            return raw
        value = json.loads(raw)
        schema, problem = schema_for(operation, status)
        problems = [problem] if problem else validate(schema, value)
        if problems:
            failures.append(f"{label}: {method} {path} ({status}): " + "; ".join(problems))
            print(f"FAIL {label}")
        else:
            print(f"ok   {label}")
        return value

    connectors = check("list connectors", "GET", "/api/v1/connectors", 200)
    connector = args.connector or (connectors["items"][0]["id"] if connectors and connectors["items"] else None)
    if not connector:
        sys.exit("no connector to check: create one first")
    base = f"/api/v1/connectors/{connector}"

    if args.self_test:
        status, _, raw = client.call("GET", base)
        value = json.loads(raw)
        schema, _ = schema_for(paths["/api/v1/connectors/{connectorId}"]["get"], status)
        assert not validate(schema, value), "the real body should validate"
        broken = dict(value)
        broken.pop("status")
        broken["createdAt"] = 12
        found = validate(schema, broken)
        assert found, "a body without status and with a numeric createdAt must be rejected"
        print(f"self-test: the validator rejects a broken body ({len(found)} problem(s): {found[0]})")
        return

    scans = check("scans", "GET", f"{base}/scans", 200, template="/api/v1/connectors/{connectorId}/scans")
    recommendations = check("recommendations", "GET", f"{base}/recommendations?sort=severity", 200, template="/api/v1/connectors/{connectorId}/recommendations")
    control = recommendations["items"][0]["controlId"] if recommendations and recommendations["items"] else None
    scan_ids = [s["id"] for s in (scans or {}).get("items", [])]

    # Detection: the first stored policy, alert and channel (the server seeds the templates as
    # policies; alerts and channels exist when the run made them).
    def first_id(path, template):
        listed = check(template, "GET", path, 200, template=template)
        items = (listed or {}).get("items") or []
        if not items:
            return None
        item = items[0]
        return (item.get("policy") or {}).get("id") if "policy" in item else item.get("id")

    policy_id = first_id("/api/v1/policies", "/api/v1/policies")
    alert_id = first_id("/api/v1/alerts", "/api/v1/alerts")
    channel_id = first_id("/api/v1/channels", "/api/v1/channels")
    filled = {"connectorId": connector, "controlId": control, "scanId": scan_ids[0] if scan_ids else None,
              "policyId": policy_id, "alertId": alert_id, "channelId": channel_id}
    for template, item in sorted(paths.items()):
        if "get" not in item or template in ("/api/v1/connectors", "/api/v1/connectors/{connectorId}/scans", "/api/v1/policies",
                                             "/api/v1/alerts", "/api/v1/channels"):
            continue
        path = template
        missing = False
        for name, value in filled.items():
            if "{" + name + "}" in path:
                if value is None:
                    missing = True
                path = path.replace("{" + name + "}", value or "")
        if missing or (template.endswith("/diff") and len(scan_ids) < 2):
            print(f"skip {template} (nothing to fill it with)")
            continue
        if template == "/metrics":
            check(template, "GET", path, 200, content_type="text/plain", template=template)
        elif template == "/openapi.yaml":
            check(template, "GET", path, 200, content_type="application/yaml", template=template)
        else:
            check(template, "GET", path, 200, template=template)

    activities = "/api/v1/connectors/{connectorId}/activities"
    check("activities as CSV", "GET", f"{base}/activities?format=csv&limit=50", 200, content_type="text/csv", template=activities)
    check("activities as OCSF", "GET", f"{base}/activities?format=ocsf&limit=50", 200, content_type="application/x-ndjson", template=activities)
    check("activities filtered", "GET", f"{base}/activities?type=signin,operation&from=2020-01-01&limit=3", 200, template=activities)

    # Errors.
    check("unknown connector → 404", "GET", "/api/v1/connectors/no-such-id", 404, template="/api/v1/connectors/{connectorId}")
    check("limit=abc → 400", "GET", f"{base}/activities?limit=abc", 400, template=activities)
    check("malformed JSON → 400", "POST", "/api/v1/connectors", 400, body=b'{"name": ', template="/api/v1/connectors")
    check("empty object → 400", "POST", "/api/v1/connectors", 400, body=b"{}", template="/api/v1/connectors")
    check("no token → 401", "GET", "/api/v1/connectors", 401, auth=False)
    check("sync unknown connector → 404", "POST", "/api/v1/connectors/no-such-id/sync", 404, template="/api/v1/connectors/{connectorId}/sync")

    print(f"api check: {checks} checks, {len(failures)} failure(s)")
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
