#!/usr/bin/env python3
"""Walks every endpoint of a running Zoom simulator (or any Zoom-compatible server) and validates each
response body against the response schema in Zoom's official OpenAPI documents (by default the committed
extract of them in Tests/Fixtures/zoom-api; --spec-dir or ZOOM_SPEC_DIR points at the full documents).

It is a plain client written to Zoom's documentation (standard-library HTTP only): if it works against
the simulator with only the two URLs changed, so does any other such client.

Usage:
  validate_simulator.py --api-url http://127.0.0.1:PORT/v2 --token-url http://127.0.0.1:PORT/oauth/token \\
      --account-id A --client-id C --client-secret S [--spec-dir DIR]
  validate_simulator.py --self-test [--spec-dir DIR]

Prints one line per request (`ok  GET /v2/...` or `FAIL GET /v2/...: <errors>`) and closes with
`schema check: N responses valid, M invalid`; exits 1 if any response was invalid, lacked the data it
should carry, or was not a 2xx. Undocumented extra keys are accepted (Zoom sends them); settings
bodies are checked against the `oneOf` branch their `option=` asks for (see zoom_schema.py).

--self-test needs no server: it checks the validation itself on the default settings bodies committed
in Sources/ZoomSimulator/Generated (served per option as the simulator does), on bodies quoted from
recorded Zoom traffic (../shared/research/zoom-api.md §3), and on broken bodies it must reject.
"""
import argparse
import base64
import datetime
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoom_schema import REPO_ROOT, ZoomSpecs, errors  # noqa: E402

ACCOUNT_SETTINGS = "/accounts/{accountId}/settings"
ACCOUNT_LOCKS = "/accounts/{accountId}/lock_settings"
GROUP_SETTINGS = "/groups/{groupId}/settings"
GROUP_LOCKS = "/groups/{groupId}/lock_settings"
USER_SETTINGS = "/users/{userId}/settings"
SETTINGS_TEMPLATES = {ACCOUNT_SETTINGS, ACCOUNT_LOCKS, GROUP_SETTINGS, GROUP_LOCKS, USER_SETTINGS}


# -- what a body must carry besides being schema-valid ------------------------------------------

def _non_empty_list(body, key):
    value = body.get(key)
    return [] if isinstance(value, list) and value else [f"$.{key} is missing or empty"]


def _list(body, key):
    return [] if isinstance(body.get(key), list) else [f"$.{key} is missing or not a list"]


def _non_empty_object(body, key):
    value = body.get(key)
    return [] if isinstance(value, dict) and value else [f"$.{key} is missing or empty"]


def _present(body, *keys):
    return [f"$.{key} is missing" for key in keys if body.get(key) in (None, "")]


def content_problems(template, option, body, params=None):
    """Checks that a schema-valid body is not trivially empty (almost nothing in Zoom's schemas is
    `required`, so `{}` validates)."""
    params = params or {}
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    if template == "/users":
        # Inactive and pending lists may well be empty on a real account.
        return _non_empty_list(body, "users") if params.get("status", "active") == "active" else _list(body, "users")
    if template == "/users/{userId}":
        return _present(body, "id", "email")
    if template in SETTINGS_TEMPLATES:
        if option in (None, ""):
            problems = _non_empty_object(body, "in_meeting")
            if template == ACCOUNT_SETTINGS:
                problems += _non_empty_object(body, "security")
            if template in (ACCOUNT_SETTINGS, GROUP_SETTINGS, USER_SETTINGS):
                problems += _non_empty_object(body, "schedule_meeting")
            return problems
        if option == "security":
            return _non_empty_object(body, "security")
        if option == "meeting_security":
            inner = body.get("meeting_security")
            if not isinstance(inner, dict) or "end_to_end_encrypted_meetings" not in inner:
                return ["$.meeting_security.end_to_end_encrypted_meetings is missing"]
            return []
        if option in ("meeting_authentication", "recording_authentication"):
            return [] if isinstance(body.get(option), bool) else [f"$.{option} is missing (expected a boolean)"]
        return []
    if template == "/accounts/{accountId}/managed_domains":
        return _list(body, "domains")
    if template == "/accounts/{accountId}/trusted_domains":
        return _list(body, "trusted_domains")
    if template == "/groups":
        return _non_empty_list(body, "groups")
    if template in ("/groups/{groupId}", "/roles/{roleId}"):
        return _present(body, "id", "name")
    if template in ("/groups/{groupId}/members", "/roles/{roleId}/members"):
        return _list(body, "members")
    if template == "/roles":
        return _non_empty_list(body, "roles")
    if template == "/report/activities":
        return _non_empty_list(body, "activity_logs")
    if template == "/report/operationlogs":
        return _non_empty_list(body, "operation_logs")
    if template == "/chat/channels":
        return _non_empty_list(body, "channels")
    if template == "/chat/users/{userId}/channels":
        return _list(body, "channels")
    return []


def body_problems(specs, template, option, body, params=None, limit=4):
    """Schema errors (with JSON paths) followed by content problems."""
    schema = specs.response_schema("GET", template, option)
    problems = errors(schema, body, limit=limit) if schema is not None else []
    return problems + content_problems(template, option, body, params)


# -- the walk against a server --------------------------------------------------------------------

class Walker:
    def __init__(self, args, specs):
        self.args = args
        self.specs = specs
        self.valid = 0
        self.invalid = 0
        self.prefix = urllib.parse.urlparse(args.api_url).path.rstrip("/")
        self.token = None

    def fetch_token(self):
        query = urllib.parse.urlencode({"grant_type": "account_credentials", "account_id": self.args.account_id})
        basic = base64.b64encode(f"{self.args.client_id}:{self.args.client_secret}".encode()).decode()
        request = urllib.request.Request(
            f"{self.args.token_url}?{query}", data=b"", method="POST",
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
        label = f"POST {urllib.parse.urlparse(self.args.token_url).path}"
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            self.fail(label, f"HTTP {error.code}: {error.read()[:300]!r}")
            return False
        except (urllib.error.URLError, OSError, ValueError) as error:
            self.fail(label, f"no token: {error}")
            return False
        if not isinstance(body, dict) or not body.get("access_token"):
            self.fail(label, f"no access_token in the response (keys: {sorted(body) if isinstance(body, dict) else type(body).__name__})")
            return False
        self.token = body["access_token"]
        return True

    def get(self, path, params=None, option=None, check=None):
        """GETs path (relative to --api-url) and validates the body; returns the parsed body (even an
        invalid one, so the walk goes on), or None when there was no JSON body."""
        params = dict(params or {})
        if option:
            params["option"] = option
        query = urllib.parse.urlencode(params)
        url = self.args.api_url.rstrip("/") + path + (f"?{query}" if query else "")
        label = f"GET {self.prefix}{path}" + (f"?{query}" if query else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"})
        status, raw = None, b""
        for attempt in range(6):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status, raw = response.status, response.read()
                break
            except urllib.error.HTTPError as error:
                # Zoom's per-second limits: wait and try again, as its documentation advises.
                if error.code == 429 and error.headers.get("X-RateLimit-Type", "QPS") == "QPS" and attempt < 5:
                    time.sleep(1.1)
                    continue
                self.fail(label, f"HTTP {error.code}: {error.read()[:300]!r}")
                return None
            except (urllib.error.URLError, OSError) as error:
                self.fail(label, f"request failed: {error}")
                return None
        if status is None or not 200 <= status < 300:
            self.fail(label, f"HTTP {status}")
            return None
        try:
            body = json.loads(raw)
        except ValueError:
            self.fail(label, f"HTTP {status} but the body is not JSON: {raw[:120]!r}")
            return None
        template = self.specs.match_path("GET", path)
        if template is None:
            self.fail(label, "no such operation in Zoom's documents")
            return None
        try:
            problems = body_problems(self.specs, template, option, body, params)
        except KeyError as error:
            self.fail(label, str(error))
            return None
        if check and isinstance(body, dict):
            problems += check(body) or []
        if problems:
            self.fail(label, "; ".join(problems[:6]))
            return body  # still walk on with what came back
        self.valid += 1
        print(f"ok  {label}", flush=True)
        return body

    def fail(self, label, detail):
        self.invalid += 1
        print(f"FAIL {label}: {detail}", flush=True)


def walk(args, specs):
    w = Walker(args, specs)
    if w.fetch_token():
        walk_endpoints(w)
    print(f"schema check: {w.valid} responses valid, {w.invalid} invalid")
    return 1 if w.invalid or w.valid == 0 else 0


def walk_endpoints(w):
    active_users = []
    for status in ("active", "inactive", "pending"):
        params = {"status": status, "page_size": 300}
        page = w.get("/users", params)
        if page and status == "active":
            active_users += items(page, "users")
        if isinstance(page, dict) and page.get("next_page_token"):  # at most two pages per status
            page = w.get("/users", {**params, "next_page_token": page["next_page_token"]})
            if page and status == "active":
                active_users += items(page, "users")

    user = next((u for u in active_users if isinstance(u.get("id"), str) and u["id"]), None)
    if user is None:
        w.fail(f"GET {w.prefix}/users?status=active", "no active user with an id to walk the user endpoints with")
    else:
        uid = user["id"]
        w.get(f"/users/{q(uid)}", check=lambda b: [] if b.get("id") == uid else [f"$.id is {b.get('id')!r}, asked for {uid!r}"])
        w.get(f"/users/{q(uid)}/settings")
        for option in ("meeting_authentication", "recording_authentication", "meeting_security"):
            w.get(f"/users/{q(uid)}/settings", option=option)
        w.get(f"/chat/users/{q(uid)}/channels")
    w.get("/users/me")

    w.get("/accounts/me/settings")
    for option in ("security", "meeting_security", "meeting_authentication", "recording_authentication"):
        w.get("/accounts/me/settings", option=option)
    w.get("/accounts/me/lock_settings")
    w.get("/accounts/me/lock_settings", option="meeting_security")
    w.get("/accounts/me/managed_domains")
    w.get("/accounts/me/trusted_domains")

    groups = w.get("/groups") or {}
    for group in items(groups, "groups")[:2]:
        gid = q(group.get("id", ""))
        w.get(f"/groups/{gid}")
        w.get(f"/groups/{gid}/members")
        w.get(f"/groups/{gid}/settings")
        for option in ("meeting_authentication", "recording_authentication", "meeting_security"):
            w.get(f"/groups/{gid}/settings", option=option)
        w.get(f"/groups/{gid}/lock_settings")
        w.get(f"/groups/{gid}/lock_settings", option="meeting_security")

    roles = w.get("/roles") or {}
    for role in items(roles, "roles")[:4]:
        rid = q(str(role.get("id", "")))
        w.get(f"/roles/{rid}")
        w.get(f"/roles/{rid}/members")

    today = datetime.datetime.now(datetime.timezone.utc).date()
    window = {"from": (today - datetime.timedelta(days=6)).isoformat(), "to": today.isoformat()}
    w.get("/report/activities", window)
    w.get("/report/operationlogs", window)
    w.get("/chat/channels")


def items(body, key):
    """The dict entries of body[key] when that is a list (bodies may be broken; the walk goes on)."""
    value = body.get(key) if isinstance(body, dict) else None
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def q(segment):
    return urllib.parse.quote(str(segment), safe="")


# -- self-test --------------------------------------------------------------------------------------

SWIFT_DEFAULTS = os.path.join(REPO_ROOT, "Sources", "ZoomSimulator", "Generated", "DefaultSettings+Generated.swift")
DEFAULT_KINDS = {  # Swift name -> (template, options served)
    "account": (ACCOUNT_SETTINGS, ["security", "meeting_security", "meeting_authentication", "recording_authentication"]),
    "accountLock": (ACCOUNT_LOCKS, ["meeting_security"]),
    "group": (GROUP_SETTINGS, ["meeting_security", "meeting_authentication", "recording_authentication"]),
    "groupLock": (GROUP_LOCKS, ["meeting_security"]),
    "user": (USER_SETTINGS, ["meeting_security", "meeting_authentication", "recording_authentication"]),
}
OPTION_KEYS = ("meeting_security", "meeting_authentication", "recording_authentication")


def load_default_settings(path=SWIFT_DEFAULTS):
    text = open(path, encoding="utf-8").read()
    found = {m.group(1): json.loads(m.group(2))
             for m in re.finditer(r'static let (\w+): String = #"""\n(.*?)\n"""#', text, re.S)}
    missing = set(DEFAULT_KINDS) - set(found)
    if missing:
        raise SystemExit(f"{path}: no body for {', '.join(sorted(missing))}")
    return found


def serve_stored(document, option):
    """The body the simulator serves for `option` from a stored settings document (tenant convention)."""
    def key(name):
        return f"__option_{name}" if f"__option_{name}" in document else name
    if not option:
        return {k: v for k, v in document.items() if k not in OPTION_KEYS and not k.startswith("__option_")}
    if option == "security":
        return {"security": document.get("security")}
    if option == "meeting_security":
        return {"meeting_security": document.get(key("meeting_security"))}
    return document.get(key(option))


# Bodies quoted from recorded Zoom traffic (a 2023 Pro account, research/zoom-api.md §3.2, §3.3, §3.6,
# §3.7) and from the documents' own examples (§3.8-§3.10); long URLs shortened, one user trimmed.
RECORDED = [
    ("users page (recorded)", "/users", None, {"status": "active"}, {
        "page_count": 1, "page_number": 1, "page_size": 100, "total_records": 2, "users": [
            {"id": "a18JbG_DQketjPo0Y8wYqg", "first_name": "J1", "last_name": "Test", "display_name": "J1 Test",
             "email": "tj2488801@gmail.com", "type": 1, "pmi": 0, "timezone": "", "verified": 1, "dept": "Test",
             "created_at": "2021-10-28T03:49:40Z", "last_login_time": "2021-10-28T03:52:40Z",
             "pic_url": "https://lh3.googleusercontent.com/a/photo", "group_ids": ["ppUAdwEBRFCdRE0mfLttog"],
             "language": "en-US", "phone_number": "", "status": "active", "role_id": "2", "user_created_at": "2021-10-24T06:16:56Z"},
            {"id": "H9Yx0-O8QUCXVIseYAsjaA", "first_name": "JupiterOne", "last_name": "Dev", "display_name": "JupiterOne Dev",
             "email": "owner@example.com", "type": 2, "pmi": 4440405982, "timezone": "America/New_York", "verified": 1, "dept": "",
             "created_at": "2021-10-27T00:00:49Z", "last_login_time": "2023-02-09T16:15:45Z", "group_ids": ["ppUAdwEBRFCdRE0mfLttog"],
             "language": "en-US", "phone_number": "", "status": "active", "role_id": "0", "user_created_at": "2021-10-27T00:00:49Z"}]}),
    ("users/me (recorded)", "/users/{userId}", None, None, {
        "id": "H9Yx0-O8QUCXVIseYAsjaA", "first_name": "JupiterOne", "last_name": "Dev", "display_name": "JupiterOne Dev",
        "email": "owner@example.com", "type": 2, "role_name": "Owner", "pmi": 4440405982, "use_pmi": False,
        "personal_meeting_url": "https://us06web.zoom.us/j/4440405982", "timezone": "America/New_York", "verified": 1, "dept": "",
        "created_at": "2021-10-27T00:00:49Z", "last_login_time": "2023-02-09T16:15:45Z", "cms_user_id": "",
        "jid": "h9yx0-o8qucxviseyasjaa@xmpp.zoom.us", "group_ids": ["ppUAdwEBRFCdRE0mfLttog"], "im_group_ids": [],
        "account_id": "N0oChUdLTrCZLfk9JXp3Hw", "language": "en-US", "phone_country": "", "phone_number": "", "status": "active",
        "job_title": "", "location": "", "login_types": [100], "role_id": "0", "account_number": 7011249145, "cluster": "us06",
        "user_created_at": "2021-10-27T00:00:49Z"}),
    ("roles (recorded)", "/roles", None, None, {"total_records": 3, "roles": [
        {"id": "0", "name": "Owner", "description": "Account owner has full privileges to access and manage a Zoom account.", "type": "common", "total_members": 1},
        {"id": "1", "name": "Admin", "description": "Admins have wide range privileges to access and manage a Zoom account.", "type": "common", "total_members": 0},
        {"id": "2", "name": "Member", "description": "Members have access to basic Zoom video meetings functionality.", "type": "common", "total_members": 1}]}),
    ("role members, empty page (recorded)", "/roles/{roleId}/members", None, None,
     {"page_count": 0, "page_number": 1, "page_size": 100, "total_records": 0, "members": []}),
    ("groups with undocumented keys (recorded)", "/groups", None, None, {"total_records": 2, "groups": [
        {"id": "ppUAdwEBRFCdRE0mfLttog", "name": "Test Group", "total_members": 2, "in_directory": False, "directory_privacy": 2},
        {"id": "x1UAdwEBRFCdRE0mfLttog", "name": "Second Group", "total_members": 0, "in_directory": True, "directory_privacy": 1}]}),
    ("group members with undocumented keys (recorded)", "/groups/{groupId}/members", None, None, {
        "page_count": 1, "page_number": 1, "page_size": 30, "total_records": 1, "members": [
            {"id": "a18JbG_DQketjPo0Y8wYqg", "email": "tj2488801@gmail.com", "first_name": "J1", "last_name": "Test", "type": 1,
             "member_id": "a18JbG_DQketjPo0Y8wYqg", "primary_group": True}]}),
    ("user settings, full (recorded excerpt)", USER_SETTINGS, None, None, {
        "schedule_meeting": {"host_video": False, "participants_video": False, "audio_type": "both", "join_before_host": False,
                             "require_password_for_scheduling_new_meetings": True, "require_password_for_instant_meetings": True,
                             "require_password_for_pmi_meetings": "all", "pstn_password_protected": True,
                             "embed_password_in_join_link": True, "meeting_password_requirement": {"length": 0}},
        "in_meeting": {"e2e_encryption": False, "chat": True, "private_chat": True, "waiting_room": False},
        "recording": {"local_recording": True, "cloud_recording": True, "recording_password_requirement": {"length": 8}},
        "feature": {"meeting_capacity": 100}}),
    ("user settings, meeting_authentication (recorded)", USER_SETTINGS, "meeting_authentication", None, {
        "meeting_authentication": False, "allow_authentication_exception": False, "authentication_options": [
            {"id": "signIn_N0oChUdLTrCZLfk9JXp3Hw", "name": "Sign in to Zoom", "type": "enforce_login", "default_option": True, "visible": True}]}),
    ("user settings, recording_authentication (recorded)", USER_SETTINGS, "recording_authentication", None, {"recording_authentication": False}),
    ("user settings, meeting_security (recorded)", USER_SETTINGS, "meeting_security", None, {"meeting_security": {
        "auto_security": True, "waiting_room": False, "waiting_room_settings": {"participants_to_place_in_waiting_room": 0},
        "meeting_password": True, "require_password_for_scheduled_meeting": False, "pmi_password": True, "phone_password": True,
        "meeting_password_requirement": {"length": 0}, "embed_password_in_join_link": True,
        "approved_or_denied_countries_or_regions": {"enable": False}, "block_user_domain": False,
        "only_authenticated_can_join_from_webclient": False, "end_to_end_encrypted_meetings": False, "encryption_type": "enhanced_encryption"}}),
    ("account settings, security with 2FA off and password rule off (Q3)", ACCOUNT_SETTINGS, "security", None, {"security": {
        "sign_in_with_two_factor_auth": "none", "sign_again_period_for_inactivity_on_web": 0,
        "password_requirement": {"minimum_password_length": 0, "have_special_character": False}}}),
    ("group settings, data-centre regions as an array (Q2)", GROUP_SETTINGS, None, None, {
        "in_meeting": {"unchecked_data_center_regions": ["EU", "HK"], "language_interpretation": {"enable": True, "languages": ["English", "Chinese"]}},
        "schedule_meeting": {"join_before_host": False}}),
    ("managed domains (documented example)", "/accounts/{accountId}/managed_domains", None, None,
     {"domains": [{"domain": "example.com", "status": "verified"}], "total_records": 1}),
    ("trusted domains (documented example)", "/accounts/{accountId}/trusted_domains", None, None, {"trusted_domains": ["example.com"]}),
    ("sign-in report (documented example)", "/report/activities", None, None, {
        "from": "2019-09-01T00:00:00Z", "to": "2019-09-20T00:00:00Z", "page_size": 30, "next_page_token": "b43YBRLJFg3V4vsSpxvGdKIGtNbxn9h9If2",
        "activity_logs": [{"email": "jchill@example.com", "time": "2019-09-15T19:13:41Z", "type": "Sign out", "ip_address": "192.0.2.1",
                           "client_type": "Browser", "version": "5.9.1.2581"}]}),
    ("operation log (documented example, double space)", "/report/operationlogs", None, None, {
        "next_page_token": "", "page_size": 30, "operation_logs": [
            {"time": "2022-01-25T17:52:16Z", "operator": "admin@example.com", "category_type": "account", "action": "update",
             "operation_detail": "Security  - Sign in with Two-Factor Authentication: from On to Off"}]}),
    ("account channels (documented example)", "/chat/channels", None, None, {
        "next_page_token": "", "page_size": 10, "total_records": 1, "channels": [
            {"id": "cabc1234567defghijkl01234", "jid": "cabc1234567defghijkl01234@conference.xmpp.zoom.us", "name": "Developers", "type": 3,
             "channel_url": "https://go.zoom.us/launch/chat?src=direct_chat_link&channel_id=cabc1234567defghijkl01234",
             "channel_settings": {"add_member_permissions": 1, "new_members_can_see_previous_messages_files": True,
                                  "posting_permissions": 1, "mention_all_permissions": 1, "allow_to_add_external_users": 0}}]}),
]

# Bodies the check must reject: (label, template, option, params, body).
BROKEN = [
    ("user with string type, bad status and verified", "/users", None, {"status": "active"}, {"users": [
        {"id": "u1", "email": "a@example.com", "type": "licensed", "status": "enabled", "verified": "yes"}]}),
    ("user without the required email", "/users", None, {"status": "active"}, {"users": [{"id": "u1", "type": 1}]}),
    ("empty active-user page", "/users", None, {"status": "active"}, {"page_size": 300, "total_records": 0, "users": []}),
    ("meeting_security with a string boolean", USER_SETTINGS, "meeting_security", None,
     {"meeting_security": {"end_to_end_encrypted_meetings": "yes"}}),
    ("meeting_security without end_to_end_encrypted_meetings", ACCOUNT_SETTINGS, "meeting_security", None,
     {"meeting_security": {"waiting_room": True}}),
    ("account lock encryption_type as a string (it is a boolean there)", ACCOUNT_LOCKS, "meeting_security", None,
     {"meeting_security": {"end_to_end_encrypted_meetings": True, "encryption_type": "e2ee"}}),
    ("group lock encryption_type as a boolean (it is a string enum there)", GROUP_LOCKS, "meeting_security", None,
     {"meeting_security": {"end_to_end_encrypted_meetings": True, "encryption_type": True}}),
    ("unknown data-centre region (Q2 keeps the enum)", GROUP_SETTINGS, None, None,
     {"in_meeting": {"unchecked_data_center_regions": ["XX"]}, "schedule_meeting": {"join_before_host": False}}),
    ("password length above the maximum", ACCOUNT_SETTINGS, "security", None,
     {"security": {"password_requirement": {"minimum_password_length": 20}}}),
    ("2FA mode outside the enum", ACCOUNT_SETTINGS, "security", None, {"security": {"sign_in_with_two_factor_auth": "sometimes"}}),
    ("full account settings without security", ACCOUNT_SETTINGS, None, None, {"in_meeting": {"chat": True}, "schedule_meeting": {"host_video": True}}),
    ("meeting_authentication body without the flag", USER_SETTINGS, "meeting_authentication", None, {"authentication_options": []}),
    ("activity with an unknown type", "/report/activities", None, None,
     {"activity_logs": [{"email": "a@example.com", "time": "2024-01-01T00:00:00Z", "type": "Login"}]}),
    ("role list as an object", "/roles", None, None, {"roles": {"id": "0"}}),
    ("channel type outside the enum", "/chat/channels", None, None, {"channels": [{"id": "c1", "type": 9}]}),
]

PATHS = [  # (concrete path, expected template)
    ("/v2/users/abc/settings", USER_SETTINGS), ("/users/me", "/users/{userId}"), ("/v2/users", "/users"),
    ("/users/summary", "/users/summary"), ("/v2/accounts/me/lock_settings", ACCOUNT_LOCKS),
    ("/accounts/me/settings?option=security", ACCOUNT_SETTINGS), ("/v2/groups/g1/members", "/groups/{groupId}/members"),
    ("/roles/2/members", "/roles/{roleId}/members"), ("/report/operationlogs", "/report/operationlogs"),
    ("/v2/chat/users/u1/channels", "/chat/users/{userId}/channels"), ("/v2/no/such/thing", None),
]


def self_test(specs):
    as_expected = unexpected = 0

    def record(ok, label, detail=""):
        nonlocal as_expected, unexpected
        if ok:
            as_expected += 1
            print(f"ok  {label}")
        else:
            unexpected += 1
            print(f"FAIL {label}: {detail}")

    # 1. The committed default settings, served per option from the stored form.
    for name, document in load_default_settings().items():
        template, options = DEFAULT_KINDS[name]
        for option in [None] + options:
            problems = body_problems(specs, template, option, serve_stored(document, option))
            record(not problems, f"DefaultSettings.{name} as GET {template}" + (f"?option={option}" if option else ""), "; ".join(problems))

    # 2. Realistic bodies must pass.
    for label, template, option, params, body in RECORDED:
        problems = body_problems(specs, template, option, body, params)
        record(not problems, f"valid: {label}", "; ".join(problems))

    # 3. Broken bodies must be caught.
    for label, template, option, params, body in BROKEN:
        problems = body_problems(specs, template, option, body, params)
        record(bool(problems), f"rejected: {label}" + (f" ({problems[0]})" if problems else ""), "accepted a broken body")

    # 4. Path templates, and the oneOf that rejects everything without the Q1 branch choice.
    for concrete, expected in PATHS:
        got = specs.match_path("GET", concrete)
        record(got == expected, f"match_path GET {concrete} -> {got}", f"expected {expected}")
    raw = specs.raw_response_schema("GET", USER_SETTINGS)
    strict = errors(raw, {"recording_authentication": False})
    record(bool(strict), "unfixed settings oneOf rejects a real body (why Q1 exists)", "the raw oneOf accepted it")
    try:
        specs.response_schema("GET", GROUP_SETTINGS, "security")
        record(False, "option=security is refused for group settings", "a schema was returned")
    except KeyError as error:
        record(True, f"option=security is refused for group settings ({error.args[0]})")

    print(f"self-test: {as_expected} checks as expected, {unexpected} unexpected")
    return 1 if unexpected else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api-url", help="e.g. http://127.0.0.1:9900/v2")
    parser.add_argument("--token-url", help="e.g. http://127.0.0.1:9900/oauth/token")
    parser.add_argument("--account-id")
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--spec-dir", help="folder with Zoom's OpenAPI documents, full or the extract "
                        "(default $ZOOM_SPEC_DIR, else the committed extract in Tests/Fixtures/zoom-api)")
    parser.add_argument("--self-test", action="store_true", help="check the validation itself; needs no server")
    args = parser.parse_args()
    specs = ZoomSpecs(args.spec_dir, extract_ok=True)
    if args.self_test:
        return self_test(specs)
    missing = [f"--{n.replace('_', '-')}" for n in ("api_url", "token_url", "account_id", "client_id", "client_secret")
               if not getattr(args, n)]
    if missing:
        parser.error(f"missing {', '.join(missing)} (or use --self-test)")
    return walk(args, specs)


if __name__ == "__main__":
    sys.exit(main())
