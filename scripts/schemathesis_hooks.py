"""schemathesis hooks for scripts/run_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

before_call changes two requests just before they are sent (schemathesis re-checks a changed
case, so its checks judge what was really sent):

- DELETE /api/v1/tokens/{tokenId} with the id of the token the run authenticates with, and
  DELETE /api/v1/connectors/{connectorId} with the id of a connector the run created, get an id
  that does not exist (a documented 404): revoking the token would turn every later request into
  a 401, and deleting the connector every later connector operation into a 404. schemathesis
  finds both ids in responses. Other tokens are revoked as usual (the run cannot create another
  connector: the simulator refuses made-up credentials, see UNSTATABLE).
- POST and PATCH on /api/v1/channels… send to loopback only: a generated receiver URL becomes
  LOOPBACK_RECEIVER and an SMTP host 127.0.0.1, so channel tests and alerts reach nothing outside.
- POST /api/v1/connectors with an object body always gets apiUrl and tokenUrl of the local Zoom
  simulator, and loginUrl and graphUrl of the local Graph simulator, whatever was generated for
  them (absent, null, another type): the server validates a new connector by calling those URLs,
  and without them it calls Zoom or Microsoft itself. A run must reach nothing but loopback. (A
  body that is not an object is refused before any call.) A generated pairWith string becomes the
  run's Microsoft 365 connector's id (a made-up one is a 404 before the connection is checked).

filter_failure drops one kind of failure only: "schema-valid request rejected" where the server's
answer names a rule that depends on state a schema cannot describe (UNSTATABLE below). Everything
else, including any other rejection by the same operations, still fails the run; the summary
counts what was dropped.
"""
import os

import schemathesis

OWN_TOKEN_ID = os.environ["SSPM_ST_TOKEN_ID"]
OWN_CONNECTOR_ID = os.environ["SSPM_ST_CONNECTOR_ID"]
KEPT = {"/api/v1/tokens/{tokenId}": ("tokenId", {OWN_TOKEN_ID}),
        "/api/v1/connectors/{connectorId}": ("connectorId", {OWN_CONNECTOR_ID, os.environ["SSPM_ST_DIRECTORY_ID"]})}
API_URL = os.environ["SSPM_ST_API_URL"]
TOKEN_URL = os.environ["SSPM_ST_TOKEN_URL"]
GRAPH_URL = os.environ["SSPM_ST_GRAPH_URL"]
DIRECTORY_ID = os.environ["SSPM_ST_DIRECTORY_ID"]

# (operation, status, error code, part of the message): why a schema-valid request may be refused.
UNSTATABLE = [
    # Zoom (here the simulator) refuses made-up credentials; only the real ones connect.
    ("POST /api/v1/connectors", 422, "connection_failed", ""),
    ("POST /api/v1/connectors/{connectorId}/reconnect", 422, "connection_failed", ""),
    # "In the future" depends on today's date.
    ("PUT /api/v1/connectors/{connectorId}/recommendations/{controlId}/state", 400, "bad_request", "expiresAt is in the past"),
    # from and to are each valid; their order is not something a schema can compare.
    ("GET /api/v1/connectors/{connectorId}/activities", 400, "bad_request", "from is after to"),
    # A cursor is valid only if this server issued it.
    ("GET /api/v1/connectors/{connectorId}/activities", 400, "bad_request", "The cursor is not one this server issued"),
    ("GET /api/v1/alerts", 400, "bad_request", "is not an alert's id"),
    # A resolution alone, or a dismissal without one, depends on the stored alert's state.
    ("PATCH /api/v1/alerts/{alertId}", 400, "bad_request", "A resolution is given when"),
    ("PATCH /api/v1/alerts/{alertId}", 400, "bad_request", "Dismissing an alert needs a resolution"),
    # Whether a regular expression compiles (ICU) and cannot backtrack without end is not a schema's to say.
    ("POST /api/v1/policies", 422, "invalid_policy", "detailPattern"),
    ("PUT /api/v1/policies/{policyId}", 422, "invalid_policy", "detailPattern"),
    ("POST /api/v1/detection/preview", 422, "invalid_policy", "detailPattern"),
    # An id is free only until a policy takes it; a policy's id never changes (the body's id must be the path's).
    ("POST /api/v1/policies", 409, "policy_exists", ""),
    ("PUT /api/v1/policies/{policyId}", 400, "bad_request", "is not the policy's"),
    # Only a Zoom connector reads a directory, and only a Microsoft 365 one provides it; ids are made up.
    ("PUT /api/v1/connectors/{connectorId}/pairing", 422, "not_pairable", ""),
    ("PUT /api/v1/connectors/{connectorId}/pairing", 404, "not_found", "Connector"),
    ("DELETE /api/v1/connectors/{connectorId}/pairing", 422, "not_pairable", ""),
    ("POST /api/v1/connectors", 404, "not_found", "Connector"),
    ("POST /api/v1/connectors", 422, "not_pairable", ""),
    # The preview needs a connector that exists.
    ("POST /api/v1/detection/preview", 404, "not_found", "Connector"),
    # A certificate must parse as PEM.
    ("POST /api/v1/channels", 422, "invalid_channel", "caCertificate"),
    ("PATCH /api/v1/channels/{channelId}", 422, "invalid_channel", "caCertificate"),
    # What a change may hold depends on the stored channel's kind (url for webhooks, email for e-mail).
    ("PATCH /api/v1/channels/{channelId}", 422, "invalid_channel", ""),
]

LOOPBACK_RECEIVER = "http://127.0.0.1:9/schemathesis"  # nothing listens: deliveries fail and are retried, on this machine


@schemathesis.hook
def before_call(context, case, kwargs):
    path = case.operation.path
    method = case.method.upper()
    if method == "DELETE" and path in KEPT:
        name, kept = KEPT[path]
        if (case.path_parameters or {}).get(name) in kept:
            case.path_parameters[name] = "kept-for-the-rest-of-the-run"
    if method == "POST" and path == "/api/v1/connectors" and isinstance(case.body, dict):
        case.body["apiUrl"] = API_URL
        case.body["tokenUrl"] = TOKEN_URL
        case.body["loginUrl"] = GRAPH_URL
        case.body["graphUrl"] = GRAPH_URL
        # A generated pairWith names no connector (a 404 before the connection is checked): name the
        # run's Microsoft 365 connector instead, so the request reaches validation.
        if isinstance(case.body.get("pairWith"), str):
            case.body["pairWith"] = DIRECTORY_ID
    # Notification channels send to loopback only: a generated receiver URL or SMTP host is replaced
    # (a value of the wrong type is left for the server to refuse).
    if method in ("POST", "PATCH") and path.startswith("/api/v1/channels") and isinstance(case.body, dict):
        if isinstance(case.body.get("url"), str):
            case.body["url"] = LOOPBACK_RECEIVER
        email = case.body.get("email")
        if isinstance(email, dict) and isinstance(email.get("host"), str):
            email["host"] = "127.0.0.1"


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """False (drop) only for a positive-data rejection listed in UNSTATABLE."""
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return True
    operation = f"{case.method.upper()} {case.operation.path}"
    for listed, status, code, message in UNSTATABLE:
        if (operation == listed and response.status_code == status and error.get("code") == code
                and message in error.get("message", "")):
            return False
    return True
