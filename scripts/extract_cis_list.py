#!/usr/bin/env python3
"""Writes Tests/Fixtures/cis-zoom-v1.0.json: the CIS Zoom Benchmark v1.0 recommendation numbers, titles
and levels, from Appendix A of the team's research notes (../shared/research/sspm-anchors.md), which
lists all of them as Turbot's steampipe-mod-zoom-compliance (cis_v100) has them.

CISMappingTests reads the committed file to check that every CIS mapping in the catalogue names a real
recommendation, so the tests need nothing beside the repository.

Run: python3 scripts/extract_cis_list.py [--notes FILE] [--output FILE] [--check]
--check exits 1 when the committed file differs from what the notes give now, 2 when the notes are
not there.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoom_schema import REPO_ROOT, write_or_check  # noqa: E402

NOTES = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "research", "sspm-anchors.md"))
OUTPUT = os.path.join(REPO_ROOT, "Tests", "Fixtures", "cis-zoom-v1.0.json")
APPENDIX = re.compile(r"^## Appendix A\b.*$", re.M)
ROW = re.compile(r"^\| (\d+(?:\.\d+)+) \| (.+?) \| (L[12?]) \| ")


def parse(text):
    """(heading, "Parsed from ..." line, [{"id", "title", "level"}]) of Appendix A."""
    start = APPENDIX.search(text)
    if start is None:
        raise SystemExit("no '## Appendix A' heading in the research notes")
    section = text[start.end():]
    end = re.search(r"^## ", section, re.M)
    section = section[:end.start()] if end else section
    parsed_from = re.search(r"^Parsed from .*$", section, re.M)
    rows = [{"id": m.group(1), "title": m.group(2), "level": m.group(3)}
            for m in (ROW.match(line) for line in section.splitlines()) if m]
    declared = re.search(r"all (\d+) controls", start.group(0))
    if declared and int(declared.group(1)) != len(rows):
        raise SystemExit(f"Appendix A says {declared.group(1)} controls but {len(rows)} rows were read")
    ids = [row["id"] for row in rows]
    if len(set(ids)) != len(ids):
        raise SystemExit("Appendix A lists a CIS number twice")
    return start.group(0)[3:], parsed_from.group(0) if parsed_from else None, rows


def render(heading, parsed_from, rows):
    source = {
        "benchmark": "CIS Zoom Benchmark v1.0.0",
        "notes": "../shared/research/sspm-anchors.md",
        "section": heading,
        "parsed_from": parsed_from,
        "generator": "scripts/extract_cis_list.py",
        "count": len(rows),
    }
    lines = ['{"source": ' + json.dumps(source, indent=1, sort_keys=True, ensure_ascii=False) + ",", '"recommendations": [']
    lines += [json.dumps(row, sort_keys=True, ensure_ascii=False) + ("," if i < len(rows) - 1 else "") for i, row in enumerate(rows)]
    lines += ["]}"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", default=NOTES, help=f"the research notes (default {NOTES})")
    parser.add_argument("--output", default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is not current")
    args = parser.parse_args()
    if not os.path.exists(args.notes):
        print(f"{args.notes} not found: nothing to extract from", file=sys.stderr)
        return 2
    text = open(args.notes, encoding="utf-8").read()
    return write_or_check(args.output, render(*parse(text)), args.check, "python3 scripts/extract_cis_list.py")


if __name__ == "__main__":
    sys.exit(main())
