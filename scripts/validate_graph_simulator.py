#!/usr/bin/env python3
"""Walks a running Graph simulator (or Microsoft Graph itself) and validates every object it returns
against the JSON Schemas extracted from Microsoft Graph's official v1.0 metadata
(Tests/Fixtures/graph-api/schemas.json, made by scripts/extract_graph_schemas.py).

A plain client written to Microsoft's documentation (standard-library HTTP only): client-credentials
token, the collections the Microsoft 365 cross-checks read, every @odata.nextLink.

    validate_graph_simulator.py --base http://127.0.0.1:PORT --tenant T --client-id C --client-secret S
    validate_graph_simulator.py --self-test

Prints `ok`/`FAIL` per request and `schema check: N objects valid, M invalid`; exits 1 on any
invalid object, envelope or error body. --self-test needs no server: it checks that the schemas
reject broken objects (a wrong type, an unknown property, a null where Graph never sends one).
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = json.load(open(os.path.join(HERE, "..", "Tests", "Fixtures", "graph-api", "schemas.json")))


def validator(entity):
    schema = dict(SCHEMAS["entities"][entity])
    schema["$defs"] = SCHEMAS["$defs"]
    return jsonschema.Draft202012Validator(schema)


def errors(entity, obj):
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(object)'}: {e.message}" for e in validator(entity).iter_errors(obj)]


def self_test():
    bad = [
        ("domain", {"id": "a.com", "isVerified": "yes"}),
        ("user", {"id": "1", "userPrincipalName": "a@b.c", "favouriteColour": "green"}),
        ("user", {"id": "1", "proxyAddresses": None}),
        ("servicePrincipal", {"id": "1", "appRoles": [{"id": 5}]}),
        ("appRoleAssignment", {"id": "1", "appRoleId": None}),
        ("oAuth2PermissionGrant", {"id": "1", "clientId": 7}),
    ]
    good = [
        ("domain", {"id": "contoso.com", "authenticationType": "Managed", "availabilityStatus": None, "isAdminManaged": True, "isDefault": True,
                    "isInitial": False, "isRoot": True, "isVerified": True, "supportedServices": ["Email"], "state": None,
                    "passwordNotificationWindowInDays": 14, "passwordValidityPeriodInDays": 90}),
        ("user", {"id": "1", "userPrincipalName": "a@b.c", "mail": None, "accountEnabled": True, "proxyAddresses": ["SMTP:a@b.c"], "@odata.type": "#microsoft.graph.user"}),
    ]
    failed = 0
    for entity, obj in bad:
        if not errors(entity, obj):
            print(f"FAIL self-test: a broken {entity} was accepted: {obj}")
            failed += 1
    for entity, obj in good:
        problems = errors(entity, obj)
        if problems:
            print(f"FAIL self-test: a good {entity} was rejected: {problems}")
            failed += 1
    print(f"self-test: {len(bad)} broken objects rejected, {len(good)} good ones accepted" if not failed else f"self-test: {failed} failure(s)")
    return 1 if failed else 0


def request(url, token=None, data=None):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base")
    parser.add_argument("--tenant")
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    form = urllib.parse.urlencode({"client_id": args.client_id, "client_secret": args.client_secret,
                                   "scope": "https://graph.microsoft.com/.default", "grant_type": "client_credentials"}).encode()
    status, answer = request(f"{args.base}/{args.tenant}/oauth2/v2.0/token", data=form)
    if status != 200 or answer.get("token_type") != "Bearer" or not isinstance(answer.get("expires_in"), int):
        print(f"FAIL token: {status} {answer}")
        return 1
    token = answer["access_token"]
    valid = invalid = 0
    failures = 0

    def walk(path, entity):
        nonlocal valid, invalid, failures
        url = args.base + path
        items = []
        while url:
            status, body = request(url, token)
            shown = url[len(args.base):]
            if status != 200 or not isinstance(body.get("value"), list) or not isinstance(body.get("@odata.context"), str):
                print(f"FAIL GET {shown}: {status} {str(body)[:200]}")
                failures += 1
                return items
            bad = [(obj.get("id"), problems) for obj in body["value"] for problems in [errors(entity, obj)] if problems]
            valid += len(body["value"]) - len(bad)
            invalid += len(bad)
            print(("ok   " if not bad else "FAIL ") + f"GET {shown}" + ("" if not bad else f": {bad[:3]}"))
            items += body["value"]
            url = body.get("@odata.nextLink")
            if url and not url.startswith(args.base):
                print(f"FAIL next link to another host: {url}")
                failures += 1
                return items
        return items

    walk("/v1.0/domains", "domain")
    walk("/v1.0/users?$top=50", "user")
    walk("/v1.0/users?$select=id,userPrincipalName,mail,proxyAddresses,accountEnabled,userType&$top=999", "user")
    principals = walk("/v1.0/servicePrincipals", "servicePrincipal")
    for sp in principals:
        status, body = request(f"{args.base}/v1.0/servicePrincipals/{sp['id']}", token)
        problems = errors("servicePrincipal", body) if status == 200 else [f"status {status}"]
        valid, invalid = (valid + 1, invalid) if not problems else (valid, invalid + 1)
        print(("ok   " if not problems else "FAIL ") + f"GET /v1.0/servicePrincipals/{sp['id']}" + ("" if not problems else f": {problems[:3]}"))
        walk(f"/v1.0/servicePrincipals/{sp['id']}/appRoleAssignments", "appRoleAssignment")
    walk("/v1.0/oauth2PermissionGrants", "oAuth2PermissionGrant")
    # Graph's error body, without a token.
    status, body = request(f"{args.base}/v1.0/users")
    error = body.get("error") if isinstance(body, dict) else None
    if status != 401 or not isinstance(error, dict) or not {"code", "message", "innerError"} <= set(error):
        print(f"FAIL error body: {status} {body}")
        failures += 1
    print(f"schema check: {valid} objects valid, {invalid} invalid")
    return 1 if invalid or failures else 0


if __name__ == "__main__":
    sys.exit(main())
