"""Zoom's official OpenAPI documents (../shared/zoom-api) as response schemas we can validate against.

Used by gen_default_settings.py and validate_simulator.py. Quirks of the documents that would make
valid Zoom bodies fail are fixed here, each one named (see also ../shared/research/zoom-schema-quirks.md):

1. Settings endpoints answer with a top-level `oneOf` whose branches have no required keys, so every
   body matches several branches: we pick the branch from the request's `option=` parameter.
2. Some arrays carry their `enum` on the array instead of on `items` (group settings
   `unchecked_data_center_regions`, `language_interpretation.languages`): moved to `items`.
3. `minimum_password_length` has `minimum: 8` while its description says 0 disables it: the minimum
   is relaxed to 0.
4. The Accounts webhook document's `$ref`s point at "#/paths/…" while its events live under "webhooks".
"""
import copy
import json
import os
import re
import sys

SPEC_FILES = {
    "users": "zoom-users-endpoints.json",
    "accounts": "zoom-accounts-endpoints.json",
    "meetings": "zoom-meetings-endpoints.json",
    "team-chat": "zoom-team-chat-endpoints.json",
}

DEFAULT_SPEC_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "zoom-api"))


def spec_dir_from_env(explicit=None):
    return explicit or os.environ.get("ZOOM_SPEC_DIR") or DEFAULT_SPEC_DIR


class ZoomSpecs:
    def __init__(self, spec_dir=None):
        self.spec_dir = spec_dir_from_env(spec_dir)
        self.documents = {}
        for name, filename in SPEC_FILES.items():
            path = os.path.join(self.spec_dir, filename)
            if not os.path.exists(path):
                raise SystemExit(f"Zoom OpenAPI document not found: {path} (pass --spec-dir or set ZOOM_SPEC_DIR)")
            with open(path, encoding="utf-8") as handle:
                self.documents[name] = json.load(handle)

    def operation(self, method, template):
        """(document, operation object) for a method and a path template, or (None, None)."""
        for document in self.documents.values():
            item = document.get("paths", {}).get(template)
            if item and method.lower() in item:
                return document, item[method.lower()]
        return None, None

    def templates(self):
        for document in self.documents.values():
            for template, item in document.get("paths", {}).items():
                for method in item:
                    yield method.upper(), template

    def match_path(self, method, concrete):
        """Maps a concrete path (with or without /v2) to its template; literal segments win."""
        path = concrete.split("?")[0]
        if path.startswith("/v2/"):
            path = path[3:]
        parts = [p for p in path.split("/") if p]
        best = None
        for m, template in self.templates():
            if m != method.upper():
                continue
            tparts = [p for p in template.split("/") if p]
            if len(tparts) != len(parts):
                continue
            placeholders = 0
            for t, p in zip(tparts, parts):
                if t.startswith("{") and t.endswith("}"):
                    placeholders += 1
                elif t != p:
                    break
            else:
                if best is None or placeholders < best[0]:
                    best = (placeholders, template)
        return best[1] if best else None

    def response_schema(self, method, template, option=None):
        """The 200/201 response schema, $refs inlined, branch chosen by `option`, quirks fixed."""
        document, operation = self.operation(method, template)
        if operation is None:
            raise KeyError(f"{method} {template} is not in Zoom's documents")
        responses = operation.get("responses", {})
        for status in ("200", "201"):
            if status in responses:
                content = responses[status].get("content", {}).get("application/json")
                if content and "schema" in content:
                    schema = inline(content["schema"], document)
                    schema = choose_branch(schema, option)
                    return fix_quirks(schema)
        return None

    def rate_limit_label(self, operation):
        match = re.search(r"Rate Limit Label[^`]*`([^`]+)`", operation.get("description", ""))
        return match.group(1).strip() if match else None


def inline(node, document, depth=0):
    """Replaces local $refs with their targets (cycle-safe by depth)."""
    if depth > 60:
        return node
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            target = document
            parts = node["$ref"][2:].split("/")
            # Quirk 4: the Accounts webhook document's refs say "#/paths/<event>/…" but its events live under "webhooks".
            if parts and parts[0] == "paths" and "paths" not in document:
                parts[0] = "webhooks"
            for part in parts:
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return inline(target, document, depth + 1)
        return {key: inline(value, document, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(value, document, depth + 1) for value in node]
    return node


def _props(schema):
    return set(schema.get("properties", {}).keys())


def choose_branch(schema, option):
    """Quirk 1: pick the settings branch by `option`."""
    branches = schema.get("oneOf")
    if not branches:
        return schema
    if option == "meeting_security":
        for branch in branches:
            if _props(branch) == {"meeting_security"}:
                return branch
    if option in ("meeting_authentication", "recording_authentication"):
        for branch in branches:
            for sub in branch.get("oneOf", []):
                if option in _props(sub):
                    return sub
    if option == "security":
        full = branches[0]
        return {"type": "object", "properties": {"security": full["properties"]["security"]}}
    if option in (None, ""):
        return branches[0]
    raise KeyError(f"no branch for option={option}")


def fix_quirks(schema):
    schema = copy.deepcopy(schema)

    def walk(node, name=None):
        if isinstance(node, dict):
            # Quirk 2: enum on an array.
            if node.get("type") == "array" and "enum" in node:
                items = node.setdefault("items", {})
                items.setdefault("enum", node.pop("enum"))
            # Quirk 3: minimum_password_length 0 means off.
            if name == "minimum_password_length" and node.get("minimum", 0) > 0:
                node["minimum"] = 0
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for prop, sub in value.items():
                        walk(sub, prop)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def validator_for(schema):
    from openapi_schema_validator import OAS30Validator

    return OAS30Validator(schema)


def errors(schema, body, limit=5):
    """Human-readable validation errors (JSON path: message)."""
    found = sorted(validator_for(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in found[:limit]]


def write_or_check(path, text, check, regenerate_command):
    """Writes a generated file, or with `check` fails (returns 1) when the committed one differs."""
    if check:
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        if current != text:
            print(f"{path} is out of date: run {regenerate_command}", file=sys.stderr)
            return 1
        print(f"{os.path.basename(path)} is current")
        return 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return 0
