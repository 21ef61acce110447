#!/usr/bin/env python3
"""Microsoft's Graph SDK for Python (msgraph-sdk) against OpenSSPM's Graph simulator.

The Swift tests (GraphTests) start a Graph simulator, run this script and compare what it printed
with the tenant. The SDK is used unchanged: only its base URL points at the simulator, and its
credential posts client credentials to the simulator's token endpoint (azure-identity's own
credentials insist on an https authority).

    python3 Tests/Clients/msgraph_check.py --base http://127.0.0.1:PORT --tenant T --client-id C
                                          --secret S --app-id APPID [--top N]

Prints one JSON object: domains, users (all pages), the number of user pages, and the service
principals whose appId is APPID. `.ci/run` installs msgraph-sdk with pip.
"""
import argparse
import asyncio
import json
import time
import urllib.parse
import urllib.request

from azure.core.credentials import AccessToken
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.service_principals.service_principals_request_builder import ServicePrincipalsRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder


class SimulatorCredential:
    """A TokenCredential whose get_token posts client credentials to the simulator."""

    def __init__(self, login, tenant, client_id, secret):
        self.url = f"{login}/{tenant}/oauth2/v2.0/token"
        self.client_id = client_id
        self.secret = secret

    def get_token(self, *scopes, **_):
        body = urllib.parse.urlencode({
            "client_id": self.client_id, "client_secret": self.secret,
            "scope": " ".join(scopes), "grant_type": "client_credentials",
        }).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request) as response:
            answer = json.load(response)
        return AccessToken(answer["access_token"], int(time.time()) + int(answer["expires_in"]))


async def main(args):
    credential = SimulatorCredential(args.base, args.tenant, args.client_id, args.secret)
    client = GraphServiceClient(credentials=credential, scopes=["https://graph.microsoft.com/.default"])
    client.request_adapter.base_url = f"{args.base}/v1.0"

    domains = await client.domains.get()
    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(select=["id", "userPrincipalName", "accountEnabled"], top=args.top)
    page = await client.users.get(request_configuration=RequestConfiguration(query_parameters=query))
    users = list(page.value or [])
    pages = 1
    while page.odata_next_link:
        page = await client.users.with_url(page.odata_next_link).get()
        users += list(page.value or [])
        pages += 1
    sp_query = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(filter=f"appId eq '{args.app_id}'")
    principals = await client.service_principals.get(request_configuration=RequestConfiguration(query_parameters=sp_query))
    print(json.dumps({
        "domains": [{"id": d.id, "isVerified": d.is_verified, "isInitial": d.is_initial} for d in domains.value or []],
        "users": [{"id": u.id, "userPrincipalName": u.user_principal_name, "accountEnabled": u.account_enabled} for u in users],
        "pages": pages,
        "servicePrincipals": [{"id": s.id, "appId": s.app_id, "displayName": s.display_name} for s in principals.value or []],
    }))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--top", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
