#!/usr/bin/env python3
"""Writes Tests/Fixtures/zoom-api/: the part of Zoom's official OpenAPI documents (../shared/zoom-api)
that the schema checks use, so the tests run on a clone with nothing beside it.

The extract has the same six file names as the full folder and the same shape, so either folder can be
passed as --spec-dir / ZOOM_SPEC_DIR. Each file keeps:
  - endpoint documents: for every GET the simulator serves (gen_zoom_catalogue.OPERATIONS), the 2xx
    response schema and the `option` query parameter (zoom_schema.py picks the settings branch by it);
  - webhook documents: the request-body schema of every event the simulator emits (the `emit(...)`
    calls in Sources/ZoomSimulator);
  - a header, `x-extract`: the source file, its `info.title`/`info.version`, its sha256, the upstream
    URL and download date from SOURCES.md;
  - `x-source-operations`: every path and its methods in the source document, so that matching a
    concrete path to a template gives the same answer as on the full document.
The text is stable: the header first, keys sorted below it, one value a line (no indentation, to stay
small). Every $ref is resolved (zoom_schema.inline, the same code the checks use on the full documents), and
the annotations that do not take part in validation (`description`, `example`, `examples`, `x-*`
inside schemas) are dropped; everything else, `title` included, is kept as Zoom wrote it. Quirks are
not fixed here: zoom_schema.py fixes them at validation time, on the extract as on the full documents.

Before writing, the extract is compared with the full documents: every served template and `option`
must give the same schema (minus the dropped annotations) both ways.

Run: python3 scripts/extract_zoom_schemas.py [--spec-dir DIR] [--output DIR] [--check]
--check exits 1 when the committed extract differs from what the documents give now, 2 when the
documents are not there.
"""
import argparse
import hashlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_zoom_catalogue import OPERATIONS  # noqa: E402
from validate_webhooks import load_schemas as load_webhook_schemas  # noqa: E402
from zoom_schema import (  # noqa: E402
    EXTRACT_DIR, FULL_SPEC_DIR, HTTP_METHODS, REPO_ROOT, SPEC_FILES, ZoomSpecs, inline)

WEBHOOK_FILES = ("zoom-users-webhooks.json", "zoom-accounts-webhooks.json")
SIMULATOR_SOURCES = os.path.join(REPO_ROOT, "Sources", "ZoomSimulator")
SUCCESS = ("200", "201", "204")
# Keys of a schema object that only annotate it (validation never reads them).
ANNOTATIONS = {"description", "example", "examples"}


def strip_annotations(node, names=False):
    """A copy of a schema without `description`, `example`, `examples` and `x-*`. Keys of a
    `properties` map are property names and are kept; `enum` and `default` values are data."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if names:
                out[key] = strip_annotations(value)
            elif key in ANNOTATIONS or key.startswith("x-"):
                continue
            elif key == "properties" and isinstance(value, dict):
                out[key] = strip_annotations(value, names=True)
            elif key in ("enum", "default", "const"):
                out[key] = value
            else:
                out[key] = strip_annotations(value)
        return out
    if isinstance(node, list):
        return [strip_annotations(value) for value in node]
    return node


def served_gets():
    return sorted({template for _, method, template in OPERATIONS if method == "GET"})


def emitted_events():
    """Event names in the simulator's `emit(...)` calls (a call may pick one of two names)."""
    events = set()
    for folder, _, files in os.walk(SIMULATOR_SOURCES):
        for name in sorted(files):
            if not name.endswith(".swift"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                for line in handle:
                    if re.search(r"\bemit\(", line) and "func emit" not in line:
                        events.update(re.findall(r'"([a-z_]+\.[a-z_]+)"', line))
    if not events:
        raise SystemExit(f"no emit(\"...\") calls found under {SIMULATOR_SOURCES}")
    return sorted(events)


def provenance(spec_dir):
    """{file name: {"upstream": URL}} and the download date, read from SOURCES.md."""
    path = os.path.join(spec_dir, "SOURCES.md")
    if not os.path.exists(path):
        raise SystemExit(f"{path} not found: the extract records where the documents came from")
    text = open(path, encoding="utf-8").read()
    date = re.search(r"fetched by the repo's sync script on ([0-9][0-9/-]+)", text)
    if date is None:
        raise SystemExit(f"{path}: no 'fetched by the repo's sync script on DATE' line")
    upstream = {}
    for row in re.finditer(r"^\| `(zoom-[a-z-]+\.json)` \| [^|]+ \| (api-hub/[^ |]+) \|", text, re.M):
        upstream[row.group(1)] = "https://developers.zoom.us/" + row.group(2)
    missing = [name for name in list(SPEC_FILES.values()) + list(WEBHOOK_FILES) if name not in upstream]
    if missing:
        raise SystemExit(f"{path}: no upstream URL for {', '.join(missing)}")
    return upstream, date.group(1)


def header(name, document, raw, upstream, date, kept):
    info = document.get("info", {})
    return {
        "source": f"../shared/zoom-api/{name}",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "title": info.get("title"),
        "version": info.get("version"),
        "upstream": upstream[name],
        "downloaded": date,
        "provenance": "../shared/zoom-api/SOURCES.md",
        "generator": "scripts/extract_zoom_schemas.py",
        "kept": kept,
    }


def extract_endpoints(document, templates):
    paths = {}
    for template in templates:
        operation = document.get("paths", {}).get(template, {}).get("get")
        if operation is None:
            continue
        kept = {"responses": {}}
        for status in SUCCESS:
            response = operation.get("responses", {}).get(status)
            if response is None:
                continue
            response = inline(response, document)
            content = response.get("content", {}).get("application/json")
            kept["responses"][status] = (
                {"content": {"application/json": {"schema": strip_annotations(content["schema"])}}}
                if content and "schema" in content else {})
        option = [p for p in (inline(p, document) for p in operation.get("parameters", []))
                  if p.get("name") == "option" and p.get("in", "query") == "query"]
        if option:
            kept["parameters"] = option
        paths[template] = {"get": kept}
    operations = {template: sorted(m for m in item if m in HTTP_METHODS)
                  for template, item in document.get("paths", {}).items()}
    return paths, {t: m for t, m in operations.items() if m}


def extract_webhooks(document, events):
    kept = {}
    for event in events:
        item = document.get("webhooks", {}).get(event)
        if item is None:
            continue
        content = item.get("post", {}).get("requestBody", {}).get("content", {}).get("application/json", {})
        if "schema" in content:
            schema = strip_annotations(inline(content["schema"], document))
            kept[event] = {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}}}}
    return kept


def render(document):
    """Stable text: the header first, every object below it with sorted keys, one value a line."""
    def ordered(node):
        if isinstance(node, dict):
            return {key: ordered(node[key]) for key in sorted(node)}
        if isinstance(node, list):
            return [ordered(value) for value in node]
        return node
    top = {key: ordered(value) for key, value in document.items()}
    return json.dumps(top, indent=0, separators=(",", ":"), ensure_ascii=False) + "\n"


def build(spec_dir):
    """{file name: text} of the extract."""
    upstream, date = provenance(spec_dir)
    templates, events = served_gets(), emitted_events()
    out = {}
    found_templates, found_events = set(), set()
    for name in list(SPEC_FILES.values()) + list(WEBHOOK_FILES):
        path = os.path.join(spec_dir, name)
        if not os.path.exists(path):
            raise SystemExit(f"Zoom OpenAPI document not found: {path} (pass --spec-dir or set ZOOM_SPEC_DIR)")
        raw = open(path, "rb").read()
        document = json.loads(raw)
        if "x-extract" in document:
            raise SystemExit(f"{path} is an extract itself: point --spec-dir at Zoom's full documents")
        info = {k: document["info"][k] for k in ("title", "version") if k in document.get("info", {})}
        if name in WEBHOOK_FILES:
            webhooks = extract_webhooks(document, events)
            found_events.update(webhooks)
            result = {"x-extract": header(name, document, raw, upstream, date,
                                          "request-body schemas of the webhook events the simulator emits"),
                      "openapi": document.get("openapi"), "info": info, "webhooks": webhooks}
        else:
            paths, operations = extract_endpoints(document, templates)
            found_templates.update(paths)
            result = {"x-extract": header(name, document, raw, upstream, date,
                                          "2xx response schemas and the option parameter of the GETs the simulator serves"),
                      "openapi": document.get("openapi"), "info": info, "paths": paths,
                      "x-source-operations": operations}
        out[name] = render(result)
    missing = sorted(set(templates) - found_templates) + sorted(set(events) - found_events)
    if missing:
        raise SystemExit(f"not in Zoom's documents: {', '.join(missing)}")
    return out


def compare(full_dir, extract_dir):
    """Problems where the extract and the full documents disagree on what the checks would use."""
    full, extract = ZoomSpecs(full_dir), ZoomSpecs(extract_dir, extract_ok=True)
    problems = []
    for template in served_gets():
        options = [None] + full.allowed_options("GET", template)
        if extract.allowed_options("GET", template) != options[1:]:
            problems.append(f"GET {template}: documented options differ")
        for option in options:
            try:
                want = strip_annotations(full.response_schema("GET", template, option))
            except KeyError as error:  # e.g. option=security where the document has no such branch
                want = f"KeyError {error}"
            try:
                got = extract.response_schema("GET", template, option)
            except KeyError as error:
                got = f"KeyError {error}"
            if want != got:
                problems.append(f"GET {template}" + (f"?option={option}" if option else "") + ": schemas differ")
        concrete = re.sub(r"\{[^}]+\}", "x1", template)
        if full.match_path("GET", concrete) != extract.match_path("GET", concrete):
            problems.append(f"GET {concrete}: matches a different template")
    full_events, extract_events = load_webhook_schemas(full_dir), load_webhook_schemas(extract_dir)
    for event in emitted_events():
        if event not in full_events or strip_annotations(full_events[event]) != extract_events.get(event):
            problems.append(f"webhook {event}: schemas differ")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec-dir", help=f"Zoom's full documents (default $ZOOM_SPEC_DIR, else {FULL_SPEC_DIR})")
    parser.add_argument("--output", default=EXTRACT_DIR, help=f"where the extract goes (default {EXTRACT_DIR})")
    parser.add_argument("--check", action="store_true", help="fail if the committed extract is not current")
    args = parser.parse_args()
    spec_dir = args.spec_dir or os.environ.get("ZOOM_SPEC_DIR") or FULL_SPEC_DIR
    if not os.path.isdir(spec_dir):
        print(f"Zoom's full documents are not in {spec_dir}: nothing to extract from", file=sys.stderr)
        return 2
    files = build(spec_dir)
    if args.check:
        stale = []
        for name, text in files.items():
            path = os.path.join(args.output, name)
            current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
            if current != text:
                stale.append(name)
        if stale:
            print(f"{args.output}: {', '.join(stale)} out of date: run python3 scripts/extract_zoom_schemas.py", file=sys.stderr)
            return 1
        problems = compare(spec_dir, args.output)
        for problem in problems:
            print(f"extract and full documents disagree: {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"{os.path.relpath(args.output, REPO_ROOT)} is current ({sum(len(t) for t in files.values()) // 1024} KB)")
        return 0
    os.makedirs(args.output, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(args.output, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    problems = compare(spec_dir, args.output)
    for problem in problems:
        print(f"extract and full documents disagree: {problem}", file=sys.stderr)
    print(f"wrote {len(files)} files to {os.path.relpath(args.output, REPO_ROOT)} "
          f"({sum(len(t) for t in files.values()) // 1024} KB)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
