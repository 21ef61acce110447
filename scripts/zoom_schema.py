"""Zoom's official OpenAPI documents as response schemas we can validate against.

Shared by gen_zoom_catalogue.py, gen_default_settings.py, extract_zoom_schemas.py, validate_simulator.py
and validate_webhooks.py.

Two folders hold the documents under the same six file names:
  - ../shared/zoom-api: Zoom's full documents (4 MB, beside the repository, see its SOURCES.md). The
    generators need them (scopes, rate-limit labels, page sizes, request bodies).
  - Tests/Fixtures/zoom-api: the committed extract (extract_zoom_schemas.py): only the response
    schemas of the GETs the simulator serves and the webhook events it emits. The checks
    (validate_simulator.py, validate_webhooks.py) use it by default, so the tests need nothing beside
    the repository. `ZoomSpecs(extract_ok=True)` accepts it; the generators refuse it.
ZOOM_SPEC_DIR or an explicit folder overrides either default.

    specs = load_specs()                                   # or ZoomSpecs(spec_dir)
    specs.operation("GET", "/users/{userId}/settings")      # (document, operation object)
    specs.match_path("GET", "/v2/users/abc/settings")       # "/users/{userId}/settings"
    specs.response_schema("GET", "/users/{userId}/settings", option="meeting_security")
    errors(schema, body)                                    # ["$.users[0].type: 'x' is not of type 'integer'", ...]

Module-level `response_schema(...)` and `match_path(...)` use one lazily loaded set of documents.

Quirks of the documents that make real, valid Zoom bodies fail are fixed in `response_schema`, each
one named here and at the place it is fixed (see also ../shared/research/zoom-schema-quirks.md):

Q1 Settings endpoints answer with a top-level `oneOf` (full settings | meeting/recording
   authentication | meeting_security | Video SDK) whose branches have no `required` keys and allow
   extra keys, so every body matches several branches and a strict `oneOf` rejects everything.
   The branch is chosen from the request's `option=` (none = the full-settings branch; the Video
   SDK branch is never chosen). `option=security` has no branch of its own in the account
   document: it is the full branch's `security` property alone.
Q2 Some arrays carry their `enum` on the array instead of on `items` (group settings
   `in_meeting.unchecked_data_center_regions`, `in_meeting.language_interpretation.languages`):
   as written no array validates, so the enum is moved to `items`.
Q3 `security.password_requirement.minimum_password_length` has `minimum: 8` while its description
   says 0 turns the rule off (and Zoom sends 0 then): the minimum is relaxed to 0.
Q4 `additionalProperties: false` is dropped wherever it appears: Zoom sends undocumented keys
   (`in_directory`, `directory_privacy`, `member_id`, `primary_group`, ... in recorded traffic).
   (No response schema we use carries it today; the fix is defensive.)
Q5 The Accounts webhook document's `$ref`s point at "#/paths/..." while its events live under
   "webhooks" (only matters for validate_webhooks.py).
Not a quirk fix, a choice: string `format`s (date-time, email, int64) are not enforced, as
Zoom's own documents do not promise them (emails hidden by display rules come back as "").
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

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FULL_SPEC_DIR = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "zoom-api"))
DEFAULT_SPEC_DIR = FULL_SPEC_DIR  # what the generators read
EXTRACT_DIR = os.path.join(REPO_ROOT, "Tests", "Fixtures", "zoom-api")

# Names of the settings `oneOf` branches (Q1).
FULL, MEETING_SECURITY, MEETING_AUTH, RECORDING_AUTH, VIDEO_SDK, NESTED_AUTH = (
    "full", "meeting_security", "meeting_authentication", "recording_authentication", "video_sdk", "nested_authentication")

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def spec_dir_from_env(explicit=None, default=FULL_SPEC_DIR):
    return explicit or os.environ.get("ZOOM_SPEC_DIR") or default


def is_extract(document):
    return "x-extract" in document


class ZoomSpecs:
    """The four REST documents, with look-ups by method and path template.

    With `extract_ok` the default folder is the committed extract and an extract is accepted;
    without it (the generators) the default is ../shared/zoom-api and an extract is refused."""

    def __init__(self, spec_dir=None, extract_ok=False):
        self.spec_dir = spec_dir_from_env(spec_dir, EXTRACT_DIR if extract_ok else FULL_SPEC_DIR)
        self.documents = {}
        for name, filename in SPEC_FILES.items():
            path = os.path.join(self.spec_dir, filename)
            if not os.path.exists(path):
                raise SystemExit(f"Zoom OpenAPI document not found: {path} (pass --spec-dir or set ZOOM_SPEC_DIR)")
            with open(path, encoding="utf-8") as handle:
                self.documents[name] = json.load(handle)
        self.is_extract = any(is_extract(document) for document in self.documents.values())
        if self.is_extract and not extract_ok:
            raise SystemExit(f"{self.spec_dir} holds the extract (only what the tests validate); this needs Zoom's full "
                             f"documents: put them in {FULL_SPEC_DIR}, or pass --spec-dir or set ZOOM_SPEC_DIR")
        self._schemas = {}

    # -- operations ---------------------------------------------------------------------------

    def operation(self, method, template):
        """(document, operation object) for a method and a path template, or (None, None)."""
        for document in self.documents.values():
            item = document.get("paths", {}).get(template)
            if item and method.lower() in item:
                return document, item[method.lower()]
        return None, None

    def document_name(self, method, template):
        for name, document in self.documents.items():
            item = document.get("paths", {}).get(template)
            if item and method.lower() in item:
                return name
        return None

    def templates(self):
        """(METHOD, template) for every operation of every document. An extract lists the operations
        of its source document (`x-source-operations`), so paths match as they do on the full documents."""
        for document in self.documents.values():
            if is_extract(document):
                listed = document.get("x-source-operations", {})
                for template, methods in listed.items():
                    for method in methods:
                        yield method.upper(), template
                continue
            for template, item in document.get("paths", {}).items():
                for method in item:
                    if method in HTTP_METHODS:
                        yield method.upper(), template

    def _missing(self, method, template):
        if self.is_extract:
            return KeyError(f"{method} {template} is not in the extract in {self.spec_dir} (it holds the GETs the "
                            "simulator serves): run scripts/extract_zoom_schemas.py, or use Zoom's full documents")
        return KeyError(f"{method} {template} is not in Zoom's documents")

    def match_path(self, method, concrete):
        """Maps a concrete path (with or without the /v2 prefix or a query) to its template.

        When several templates match, the one with the fewest placeholders wins, so the literal
        `/users/summary` beats `/users/{userId}`."""
        path = concrete.split("?", 1)[0]
        if path.startswith("/v2/") or path == "/v2":
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

    def parameter(self, operation, name, location="query"):
        document = self._document_of(operation)
        for parameter in operation.get("parameters", []):
            parameter = inline(parameter, document) if document is not None else parameter
            if parameter.get("name") == name and parameter.get("in", location) == location:
                return parameter
        return None

    def _document_of(self, operation):
        for document in self.documents.values():
            for item in document.get("paths", {}).values():
                if any(value is operation for value in item.values()):
                    return document
        return None

    def rate_limit_label(self, operation):
        """The text of the description's "Rate Limit Label" (e.g. `MEDIUM`, `Heavy`), or None."""
        match = re.search(r"Rate Limit Label[^`]*`([^`]+)`", operation.get("description", ""))
        return match.group(1).strip() if match else None

    def scopes(self, operation):
        """(classic, granular) scopes: `x-macro-scopes` / `x-granular-scopes` (inside `x-extensions`
        or on the operation), else split `security[].openapi_oauth`, whose list holds both kinds."""
        extensions = operation.get("x-extensions", {})
        classic = extensions.get("x-macro-scopes", operation.get("x-macro-scopes"))
        granular = extensions.get("x-granular-scopes", operation.get("x-granular-scopes"))
        oauth = [s for requirement in operation.get("security", []) for s in requirement.get("openapi_oauth", [])]
        if classic is None and granular is not None:
            classic = [s for s in oauth if s not in granular]
        if granular is None and classic is not None:
            granular = [s for s in oauth if s not in classic]
        if classic is None and granular is None:
            classic, granular = oauth, []
        return list(classic), list(granular)

    # -- response schemas ---------------------------------------------------------------------

    def success_status(self, method, template):
        """The documented 2xx status of an operation ("200", "201" or "204")."""
        _, operation = self.operation(method, template)
        if operation is None:
            raise self._missing(method, template)
        for status in ("200", "201", "204"):
            if status in operation.get("responses", {}):
                return status
        return None

    def raw_response_schema(self, method, template):
        """The 2xx JSON schema with $refs inlined, no branch chosen and no quirk fixed (None if no body)."""
        document, operation = self.operation(method, template)
        if operation is None:
            raise self._missing(method, template)
        for status in ("200", "201", "204"):
            response = operation.get("responses", {}).get(status)
            if response is None:
                continue
            content = response.get("content", {}).get("application/json")
            if content and "schema" in content:
                return inline(content["schema"], document)
            return None
        return None

    def settings_branches(self, method, template):
        """The named branches of a settings response's top-level oneOf (Q1), nested oneOfs flattened:
        {"full": ..., "meeting_security": ..., "meeting_authentication": ..., ...}."""
        schema = self.raw_response_schema(method, template)
        return classify_branches(schema) if schema and "oneOf" in schema else {}

    def allowed_options(self, method, template):
        """The `option` values the operation documents (its enum, else the branches it has)."""
        _, operation = self.operation(method, template)
        parameter = self.parameter(operation, "option") if operation else None
        if parameter is None:
            return []
        enum = parameter.get("schema", {}).get("enum")
        if enum:
            return list(enum)
        # Lock settings document option=meeting_security only in the description (no enum).
        named = re.findall(r"`([a-z_]+)`", parameter.get("description", ""))
        return [n for n in named if n in self.settings_branches(method, template)]

    def response_schema(self, method, template, option=None):
        """The 200/201 response schema, $refs inlined, settings branch chosen by `option` (Q1) and
        the quirks fixed (Q2-Q4). None for operations without a JSON body (204)."""
        key = (method.upper(), template, option or None)
        if key not in self._schemas:
            schema = self.raw_response_schema(method, template)
            if schema is not None:
                if "oneOf" in schema:
                    schema = choose_branch(schema, option, self.allowed_options(method, template), f"{method} {template}")
                schema = fix_quirks(schema)
            self._schemas[key] = schema
        schema = self._schemas[key]
        return copy.deepcopy(schema) if schema is not None else None


def inline(node, document, _active=()):
    """Replaces local $refs with (copies of) their targets; a $ref met again inside itself is left
    as an empty (permissive) schema instead of recursing forever."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in _active:
                return {}
            parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
            # Q5: the Accounts webhook document's refs say "#/paths/<event>/..." but its events live under "webhooks".
            if parts and parts[0] == "paths" and "paths" not in document and "webhooks" in document:
                parts[0] = "webhooks"
            target = document
            for part in parts:
                target = target[part]
            return inline(target, document, _active + (ref,))
        return {key: inline(value, document, _active) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(value, document, _active) for value in node]
    return node


def _properties(schema):
    return set(schema.get("properties", {}).keys())


def _flatten(branches):
    for branch in branches:
        if "oneOf" in branch and not branch.get("properties"):
            yield from _flatten(branch["oneOf"])
        else:
            yield branch


def classify_branch(branch):
    props = _properties(branch)
    if "Video SDK" in branch.get("title", "") or {"in_session", "session_security"} & props:
        return VIDEO_SDK
    if props == {"meeting_security"}:
        return MEETING_SECURITY
    if "meeting_authentication" in props:
        return MEETING_AUTH
    if "recording_authentication" in props:
        return RECORDING_AUTH
    if props == {"authentication_options"}:
        # Users document only: {"authentication_options": {"meeting_authentication": {...},
        # "recording_authentication": {...}}}; recorded traffic shows the flat shapes instead.
        return NESTED_AUTH
    return FULL


def classify_branches(schema):
    named = {}
    for branch in _flatten(schema.get("oneOf", [])):
        name = classify_branch(branch)
        if name in named:
            raise ValueError(f"two settings branches look like '{name}': {sorted(_properties(named[name]))} / {sorted(_properties(branch))}")
        named[name] = branch
    return named


def choose_branch(schema, option, allowed=None, label="settings"):
    """Q1: the branch of a settings `oneOf` that answers `option` (None = the full settings)."""
    branches = classify_branches(schema)
    if option in (None, ""):
        if FULL not in branches:
            raise KeyError(f"{label}: no full-settings branch")
        return branches[FULL]
    if allowed is not None and option not in allowed:
        raise KeyError(f"{label}: option={option} is not documented (documented: {', '.join(allowed) or 'none'})")
    if option == "security":
        security = branches.get(FULL, {}).get("properties", {}).get("security")
        if security is None:
            raise KeyError(f"{label}: option=security but the full branch has no `security`")
        return {"type": "object", "properties": {"security": security}}
    if option in branches and option != FULL:
        return branches[option]
    raise KeyError(f"{label}: no branch for option={option}")


def fix_quirks(schema):
    """Q2-Q4 on a copy of `schema`."""
    schema = copy.deepcopy(schema)

    def walk(node, name=None):
        if isinstance(node, dict):
            # Q2: enum on an array -> enum on its items.
            if node.get("type") == "array" and "enum" in node:
                items = node.setdefault("items", {})
                enum = node.pop("enum")
                items.setdefault("enum", enum)
            # Q3: minimum_password_length 0 means "off".
            if name == "minimum_password_length" and node.get("minimum", 0) > 0:
                node["minimum"] = 0
            # Q4: Zoom sends undocumented keys.
            if node.get("additionalProperties") is False:
                del node["additionalProperties"]
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for prop, sub in value.items():
                        walk(sub, prop)
                elif key not in ("example", "default", "enum"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def validator_for(schema):
    """An OpenAPI 3.0 schema validator (handles `nullable`; formats are not enforced)."""
    from openapi_schema_validator import OAS30Validator

    return OAS30Validator(schema)


def json_path(parts):
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def error_order(error):
    return ([str(p) for p in error.absolute_path], str(error.validator), error.message)


def errors(schema, body, limit=5):
    """Human-readable validation errors, `$.json.path: message`, at most `limit`. Sorted by path, then
    keyword and message, so the order does not depend on the key order of the schema (the extract's
    keys are sorted, the full documents' are not)."""
    found = sorted(validator_for(schema).iter_errors(body), key=error_order)
    return [f"{json_path(e.absolute_path)}: {e.message[:200]}" for e in found[:limit]]


def is_valid(schema, value):
    try:
        return next(iter(validator_for(schema).iter_errors(value)), None) is None
    except Exception:  # noqa: BLE001 - an unusable schema/value pair is simply "not valid"
        return False


_DEFAULT = {}


def load_specs(spec_dir=None):
    """The full documents, loaded once per spec directory."""
    key = spec_dir_from_env(spec_dir)
    if key not in _DEFAULT:
        _DEFAULT[key] = ZoomSpecs(key)
    return _DEFAULT[key]


def response_schema(method, path_template, option=None, spec_dir=None):
    return load_specs(spec_dir).response_schema(method, path_template, option)


def match_path(method, concrete_path, spec_dir=None):
    return load_specs(spec_dir).match_path(method, concrete_path)


def write_or_check(path, text, check, regenerate_command):
    """Writes a generated file, or with `check` fails (returns 1) when the committed one differs."""
    if check:
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        if current != text:
            print(f"{path} is out of date: run {regenerate_command}", file=sys.stderr)
            return 1
        print(f"{os.path.basename(path)} is current")
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return 0
