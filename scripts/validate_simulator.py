#!/usr/bin/env python3
"""Walks every endpoint of a running Zoom simulator (or any Zoom-compatible server) and validates each
response body against the response schema in Zoom's official OpenAPI documents.

It is a plain client written to Zoom's documentation (standard-library HTTP only): if it works against the
simulator with only the two URLs changed, so does any other such client.

Usage: validate_simulator.py --api-url http://127.0.0.1:9900/v2 --token-url http://127.0.0.1:9900/oauth/token \
           --account-id A --client-id C --client-secret S [--spec-dir DIR]
Prints one line per request and `schema check: N responses valid, M invalid`; exits 1 on any failure.
"""
import argparse
import base64
import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoom_schema import ZoomSpecs, errors  # noqa: E402


class Walker:
    def __init__(self, args, specs):
        self.args = args
        self.specs = specs
        self.valid = 0
        self.invalid = 0
        self.token = self.fetch_token()

    def fetch_token(self):
        query = urllib.parse.urlencode({"grant_type": "account_credentials", "account_id": self.args.account_id})
        basic = base64.b64encode(f"{self.args.client_id}:{self.args.client_secret}".encode()).decode()
        request = urllib.request.Request(f"{self.args.token_url}?{query}", method="POST", headers={"Authorization": f"Basic {basic}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        if body.get("token_type") != "bearer" or not body.get("access_token"):
            raise SystemExit(f"unexpected token response keys: {sorted(body)}")
        return body["access_token"]

    def get(self, path, params=None, option=None, expect=None):
        params = dict(params or {})
        if option:
            params["option"] = option
        url = self.args.api_url.rstrip("/") + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        label = f"GET {path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        for attempt in range(6):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = response.status
                    body = json.load(response)
                break
            except urllib.error.HTTPError as error:
                # Zoom's rate limits are per second: wait and try again, as its documentation advises.
                if error.code == 429 and error.headers.get("X-RateLimit-Type", "QPS") == "QPS" and attempt < 5:
                    time.sleep(1.1)
                    continue
                self.fail(label, f"HTTP {error.code}: {error.read()[:300]!r}")
                return None
        template = self.specs.match_path("GET", path)
        if template is None:
            self.fail(label, "no such operation in Zoom's documents")
            return None
        schema = self.specs.response_schema("GET", template, option)
        problems = errors(schema, body) if schema else []
        if expect:
            problems += [p for p in (expect(body) or [])]
        if problems or status != 200:
            self.fail(label, "; ".join(problems) or f"HTTP {status}")
        else:
            self.valid += 1
            print(f"ok   {label}")
        return body

    def fail(self, label, detail):
        self.invalid += 1
        print(f"FAIL {label}: {detail}")


def non_empty(key):
    return lambda body: [] if body.get(key) else [f"`{key}` is empty"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token-url", required=True)
    parser.add_argument("--account-id", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--spec-dir")
    args = parser.parse_args()
    walker = Walker(args, ZoomSpecs(args.spec_dir))
    w = walker

    users = []
    for status in ("active", "inactive", "pending"):
        page = w.get("/users", {"status": status, "page_size": 300}, expect=non_empty("users"))
        if page:
            users += page.get("users", [])
            if page.get("next_page_token"):
                w.get("/users", {"status": status, "page_size": 300, "next_page_token": page["next_page_token"]})
    active = next((u for u in users if u.get("status") == "active" and u.get("id")), None)
    if active is None:
        w.fail("GET /users", "no active user with an id")
    else:
        uid = active["id"]
        w.get(f"/users/{uid}", expect=lambda b: [] if b.get("id") == uid else ["wrong user"])
        w.get(f"/users/{active['email']}")
        w.get(f"/users/{uid}/settings", expect=non_empty("in_meeting"))
        for option in ("meeting_authentication", "recording_authentication", "meeting_security"):
            w.get(f"/users/{uid}/settings", option=option)
        w.get(f"/chat/users/{uid}/channels")
    w.get("/users/me")

    w.get("/accounts/me/settings", expect=non_empty("security"))
    w.get("/accounts/me/settings", option="security", expect=non_empty("security"))
    w.get("/accounts/me/settings", option="meeting_security",
          expect=lambda b: [] if "end_to_end_encrypted_meetings" in b.get("meeting_security", {}) else ["no end_to_end_encrypted_meetings"])
    for option in ("meeting_authentication", "recording_authentication"):
        w.get("/accounts/me/settings", option=option, expect=non_empty(option))
    w.get("/accounts/me/lock_settings", expect=non_empty("in_meeting"))
    w.get("/accounts/me/lock_settings", option="meeting_security", expect=non_empty("meeting_security"))
    w.get("/accounts/me/managed_domains", expect=non_empty("domains"))
    w.get("/accounts/me/trusted_domains")

    groups = w.get("/groups", expect=non_empty("groups")) or {}
    for group in groups.get("groups", [])[:2]:
        gid = group["id"]
        w.get(f"/groups/{gid}")
        w.get(f"/groups/{gid}/members")
        w.get(f"/groups/{gid}/settings", expect=non_empty("in_meeting"))
        for option in ("meeting_authentication", "recording_authentication", "meeting_security"):
            w.get(f"/groups/{gid}/settings", option=option)
        w.get(f"/groups/{gid}/lock_settings")
        w.get(f"/groups/{gid}/lock_settings", option="meeting_security")

    roles = w.get("/roles", expect=non_empty("roles")) or {}
    for role in roles.get("roles", [])[:4]:
        w.get(f"/roles/{role['id']}")
        w.get(f"/roles/{role['id']}/members")

    today = datetime.datetime.now(datetime.timezone.utc).date()
    window = {"from": (today - datetime.timedelta(days=6)).isoformat(), "to": today.isoformat()}
    w.get("/report/activities", window, expect=non_empty("activity_logs"))
    w.get("/report/operationlogs", window, expect=non_empty("operation_logs"))
    w.get("/chat/channels", expect=non_empty("channels"))

    print(f"schema check: {w.valid} responses valid, {w.invalid} invalid")
    return 1 if w.invalid else 0


if __name__ == "__main__":
    sys.exit(main())
