#!/usr/bin/env python3
"""Validate webhook bodies against Zoom's official webhook documents (OpenAPI 3.1 `webhooks`).

Usage: validate_webhooks.py [--spec-dir DIR] BODIES.json
DIR holds zoom-users-webhooks.json and zoom-accounts-webhooks.json: Zoom's full documents
(../shared/zoom-api) or the committed extract (Tests/Fixtures/zoom-api, the default unless
ZOOM_SPEC_DIR is set).
BODIES.json is a JSON array of webhook bodies (each {"event": ..., "event_ts": ..., "payload": ...}).
Prints one line per body and a closing line `webhook check: N valid, M invalid`; exits 1 if any is
invalid or names an event the documents do not describe.
"""
import argparse
import json
import os
import sys

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoom_schema import EXTRACT_DIR, error_order, inline, spec_dir_from_env  # noqa: E402


def load_schemas(spec_dir):
    schemas = {}
    for name in ("zoom-users-webhooks.json", "zoom-accounts-webhooks.json"):
        with open(os.path.join(spec_dir, name), encoding="utf-8") as handle:
            document = json.load(handle)
        for event, item in document.get("webhooks", {}).items():
            body = item.get("post", {}).get("requestBody", {}).get("content", {}).get("application/json", {})
            if "schema" in body:
                schemas[event] = inline(body["schema"], document)
    return schemas


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec-dir", help="default $ZOOM_SPEC_DIR, else the committed extract")
    parser.add_argument("bodies")
    args = parser.parse_args()
    schemas = load_schemas(spec_dir_from_env(args.spec_dir, EXTRACT_DIR))
    with open(args.bodies, encoding="utf-8") as handle:
        bodies = json.load(handle)
    valid = invalid = 0
    for body in bodies:
        event = body.get("event")
        schema = schemas.get(event)
        if schema is None:
            print(f"FAIL {event}: no schema for this event in the webhook documents")
            invalid += 1
            continue
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(body), key=error_order)
        if errors:
            invalid += 1
            details = "; ".join(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:5])
            print(f"FAIL {event}: {details}")
        else:
            valid += 1
            print(f"ok   {event}")
    print(f"webhook check: {valid} valid, {invalid} invalid")
    return 1 if invalid or not bodies else 0


if __name__ == "__main__":
    sys.exit(main())
