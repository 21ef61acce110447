#!/usr/bin/env python3
"""Extracts JSON Schemas for the Graph v1.0 entities the Graph simulator serves from Microsoft
Graph's official metadata (microsoftgraph/msgraph-metadata, clean_v10_metadata/cleanMetadata.xml, a
CSDL document) into Tests/Fixtures/graph-api/schemas.json, with its source and date.

    scripts/extract_graph_schemas.py --metadata PATH [--commit SHA --date YYYY-MM-DD]   write the extract
    scripts/extract_graph_schemas.py --metadata PATH --check                          exit 1 if the extract is stale

The metadata is not in this repository (3.5 MB); GRAPH_METADATA may name it. Mapping: Edm.String,
Guid, DateTimeOffset, Date, Duration, TimeOfDay and Binary are strings (Guid with format uuid,
DateTimeOffset date-time); Boolean; Int16/32/64 and Byte integers; Double, Single and Decimal
numbers; Collection(T) an array of T that is never null; Nullable="false" drops null; complex types
become $defs (every one reachable), enum types strings limited to their members. An entity has its
base types' properties. No property is required (a $select leaves only what it names), and no other
property is allowed beyond `@odata.*` annotations.
"""
import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

NS = {"edm": "http://docs.oasis-open.org/odata/ns/edm"}
ENTITIES = ["domain", "user", "servicePrincipal", "appRoleAssignment", "oAuth2PermissionGrant"]
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "graph-api", "schemas.json")

PRIMITIVES = {
    "Edm.String": {"type": "string"}, "Edm.Guid": {"type": "string", "format": "uuid"},
    "Edm.DateTimeOffset": {"type": "string", "format": "date-time"}, "Edm.Date": {"type": "string"},
    "Edm.Duration": {"type": "string"}, "Edm.TimeOfDay": {"type": "string"}, "Edm.Binary": {"type": "string"},
    "Edm.Boolean": {"type": "boolean"}, "Edm.Int16": {"type": "integer"}, "Edm.Int32": {"type": "integer"},
    "Edm.Int64": {"type": "integer"}, "Edm.Byte": {"type": "integer"}, "Edm.Double": {"type": "number"},
    "Edm.Single": {"type": "number"}, "Edm.Decimal": {"type": "number"}, "Edm.Stream": {"type": "string"},
}


def load(path):
    root = ET.parse(path).getroot()
    schema = next(s for s in root.iter("{%s}Schema" % NS["edm"]) if s.get("Namespace") == "microsoft.graph")
    types = {}
    for kind in ("EntityType", "ComplexType", "EnumType"):
        for element in schema.findall("edm:" + kind, NS):
            types[element.get("Name")] = (kind, element)
    return types


def short(name):
    for prefix in ("graph.", "microsoft.graph."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return None


def properties(types, name):
    """A type's own and inherited properties, base first."""
    kind, element = types[name]
    out = []
    base = element.get("BaseType")
    if base and short(base) in types:
        out += properties(types, short(base))
    out += element.findall("edm:Property", NS)
    return out


def schema_of(types, type_name, nullable, defs):
    if type_name.startswith("Collection(") and type_name.endswith(")"):
        return {"type": "array", "items": schema_of(types, type_name[len("Collection("):-1], False, defs)}
    if type_name in PRIMITIVES:
        s = dict(PRIMITIVES[type_name])
    else:
        name = short(type_name)
        if name is None or name not in types:
            s = {}  # another namespace's type: anything
        else:
            kind, element = types[name]
            if kind == "EnumType":
                s = {"type": "string", "enum": sorted(m.get("Name") for m in element.findall("edm:Member", NS))}
            else:
                if name not in defs:
                    defs[name] = None  # placeholder against cycles
                    defs[name] = object_schema(types, name, defs)
                s = {"$ref": "#/$defs/" + name}
    if nullable:
        if "$ref" in s or not s:
            return {"anyOf": [s, {"type": "null"}]} if s else {}
        s = dict(s)
        s["type"] = [s["type"], "null"]
        if "enum" in s:
            s["enum"] = s["enum"] + [None]
    return s


def object_schema(types, name, defs):
    props = {}
    for p in properties(types, name):
        props[p.get("Name")] = schema_of(types, p.get("Type"), p.get("Nullable") != "false", defs)
    return {"type": "object", "properties": props, "patternProperties": {"^@odata\\.": {}}, "additionalProperties": False}


def extract(path, source):
    types = load(path)
    defs = {}
    entities = {name: object_schema(types, name, defs) for name in ENTITIES}
    return {"source": source, "entities": entities, "$defs": dict(sorted(defs.items()))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--metadata", default=os.environ.get("GRAPH_METADATA"))
    parser.add_argument("--commit", default="f54f11b60956ea7b185ca0447b2b80805836ec7b")
    parser.add_argument("--date", default="2026-08-20")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not args.metadata or not os.path.exists(args.metadata):
        print("extract_graph_schemas: give --metadata PATH (msgraph-metadata's clean_v10_metadata/cleanMetadata.xml) or GRAPH_METADATA", file=sys.stderr)
        return 2
    source = {"repository": "microsoftgraph/msgraph-metadata", "path": "clean_v10_metadata/cleanMetadata.xml",
              "commit": args.commit, "date": args.date}
    text = json.dumps(extract(args.metadata, source), indent=1, sort_keys=True) + "\n"
    if args.check:
        current = open(OUT).read() if os.path.exists(OUT) else ""
        if current != text:
            print("Tests/Fixtures/graph-api/schemas.json is stale: run scripts/extract_graph_schemas.py --metadata PATH", file=sys.stderr)
            return 1
        print("Tests/Fixtures/graph-api/schemas.json is current")
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    open(OUT, "w").write(text)
    print("wrote", os.path.normpath(OUT), len(text), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
