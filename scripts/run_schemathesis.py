#!/usr/bin/env python3
"""Runs schemathesis against a live `sspm serve`: every check, every phase (examples, coverage,
fuzzing, stateful), bounded in examples and time.

  python3 scripts/run_schemathesis.py                     # after `swift build --product sspm`
  python3 scripts/run_schemathesis.py --max-time 120 --keep
  python3 scripts/run_schemathesis.py -- --exclude-checks unsupported_method   # more schemathesis options

What it sets up, in a fresh temporary directory (removed at the end unless --keep):
  - `sspm simulate` on a loopback port: a local Zoom, so connector operations have real data;
  - `sspm serve` on another loopback port with a new SQLite database and master key, the first
    admin from SSPM_ADMIN_EMAIL/SSPM_ADMIN_PASSWORD;
  - a sign-in, an admin API token for schemathesis, and a connector to the simulator whose first
    sync has finished.
schemathesis reads scripts/schemathesis.toml (per-operation settings, with the reasons) and
scripts/schemathesis_hooks.py (keeps the run's own token, and points every connector it creates at
the simulator so the server never calls anything but loopback).

Exits with schemathesis's status (1 when a check failed), or 2 when the set-up failed.
"""
import argparse
from xml.etree import ElementTree
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADMIN_EMAIL = "schemathesis-admin@example.com"
ADMIN_PASSWORD = "a long passphrase for the schema run"


class SetupError(Exception):
    pass


def find_binary(given):
    if given:
        return pathlib.Path(given)
    bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
    return pathlib.Path(bin_dir) / "sspm"


def start(command, log_path, env=None):
    log = open(log_path, "w")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)


def wait_for_line(process, log_path, pattern, timeout):
    """Waits until the process's log has a line matching pattern; returns the match."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, pathlib.Path(log_path).read_text(errors="replace"), re.MULTILINE)
        if match:
            return match
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise SetupError(f"{log_path} has no line matching {pattern!r}:\n{pathlib.Path(log_path).read_text(errors='replace')[-2000:]}")


def stop(process):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def call(base, method, path, body=None, token=None, cookie=None, csrf=None):
    """One JSON request; returns (status, headers, parsed body or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, method=method, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if cookie:
        request.add_header("Cookie", cookie)
    if csrf:
        request.add_header("X-CSRF-Token", csrf)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, headers, parsed


def expect(what, answer, status):
    if answer[0] != status:
        raise SetupError(f"{what}: expected {status}, got {answer[0]}: {answer[2]}")
    return answer


def wait_for_scans(base, token, connector_id, count):
    """The connector's scans (newest first) once there are at least count."""
    deadline = time.monotonic() + 120
    while True:
        status, _, scans = call(base, "GET", f"/api/v1/connectors/{connector_id}/scans", token=token)
        if status == 200 and len(scans["items"]) >= count:
            return scans
        if time.monotonic() > deadline:
            raise SetupError(f"the connector has no {count} scan(s) after 120 s")
        time.sleep(0.5)


def prepare(binary, work):
    """Starts the simulator and the server and creates what the run needs; returns (processes, settings)."""
    processes = []
    simulator_log = work / "simulate.log"
    simulator = start([str(binary), "simulate", "--users", "40", "--groups", "3", "--days", "2", "--seed", "7",
                       "--plan", "business", "--host", "127.0.0.1", "--port", "0", "--graph", "--graph-port", "0"], simulator_log)
    processes.append(simulator)
    sim_port = wait_for_line(simulator, simulator_log, r"Zoom simulator listening on http://127\.0\.0\.1:(\d+)", 60).group(1)
    graph_port = wait_for_line(simulator, simulator_log, r"Graph\) simulator listening on http://127\.0\.0\.1:(\d+)", 60).group(1)
    # The two simulators print a block each, in either order.
    text = simulator_log.read_text()
    zoom_block = re.search(r"Zoom simulator listening.*?Plan:", text, re.S).group(0)
    graph_block = re.search(r"Graph\) simulator listening.*?Users:", text, re.S).group(0)
    account_id = re.search(r"Account ID: *(\S+)", zoom_block).group(1)
    client_id = re.search(r"Client ID: *(\S+)", zoom_block).group(1)
    client_secret = re.search(r"Client secret[^:]*: *(\S+)", zoom_block).group(1)
    graph = {"tenantId": re.search(r"Tenant ID: *(\S+)", graph_block).group(1),
             "clientId": re.search(r"Client ID: *(\S+)", graph_block).group(1),
             "clientSecret": re.search(r"Client secret[^:]*: *(\S+)", graph_block).group(1)}

    env = {key: value for key, value in os.environ.items() if not key.startswith("SSPM_")}
    env.update(SSPM_ADMIN_EMAIL=ADMIN_EMAIL, SSPM_ADMIN_PASSWORD=ADMIN_PASSWORD)
    server_log = work / "serve.log"
    server = start([str(binary), "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(work / "data")],
                   server_log, env=env)
    processes.append(server)
    port = wait_for_line(server, server_log, r"listening on http://127\.0\.0\.1:(\d+)", 120).group(1)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while call(base, "GET", "/readyz")[0] != 200:
        if time.monotonic() > deadline:
            raise SetupError("/readyz did not answer 200 within 60 s")
        time.sleep(0.2)

    _, headers, login = expect("sign-in", call(base, "POST", "/api/v1/auth/login",
                                                {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}), 200)
    cookie = headers["Set-Cookie"].split(";")[0]
    _, _, created = expect("API token", call(base, "POST", "/api/v1/tokens", {"name": "schemathesis", "role": "admin"},
                                             cookie=cookie, csrf=login["csrfToken"]), 201)
    token, token_id = created["secret"], created["token"]["id"]

    sim = f"http://127.0.0.1:{sim_port}"
    _, _, connector = expect("connector", call(base, "POST", "/api/v1/connectors", {
        "name": "Simulated Zoom", "accountId": account_id, "clientId": client_id, "clientSecret": client_secret,
        "webhookSecretToken": "schemathesis-webhook-secret", "plan": "business",
        "apiUrl": f"{sim}/v2", "tokenUrl": f"{sim}/oauth/token"}, token=token), 201)
    connector_id = connector["connector"]["id"]
    # A Microsoft 365 connector to the Graph simulator, paired with it (so …/pairing has a real
    # pair to read and change, and the scans carry the Microsoft 365 checks).
    graph_url = f"http://127.0.0.1:{graph_port}"
    _, _, directory = expect("Microsoft 365 connector", call(base, "POST", "/api/v1/connectors", {
        "provider": "m365", "name": "Simulated Microsoft 365", **graph, "loginUrl": graph_url, "graphUrl": graph_url}, token=token), 201)
    directory_id = directory["connector"]["id"]
    expect("pairing", call(base, "PUT", f"/api/v1/connectors/{connector_id}/pairing", {"connectorId": directory_id}, token=token), 200)
    # Two scans, so that …/scans/{scanId}/diff has a previous one to compare with.
    scans = wait_for_scans(base, token, connector_id, 1)
    expect("sync", call(base, "POST", f"/api/v1/connectors/{connector_id}/sync", token=token), 202)
    scans = wait_for_scans(base, token, connector_id, 2)
    settings = {"base": base, "token": token, "token_id": token_id, "connector_id": connector_id,
                "scan_id": scans["items"][0]["id"], "api_url": f"{sim}/v2", "token_url": f"{sim}/oauth/token", "graph_url": graph_url,
                "directory_id": directory_id}
    return processes, settings


def run_schemathesis(settings, arguments, work):
    command = [
        "schemathesis", "--config-file", str(ROOT / "scripts" / "schemathesis.toml"),
        "run", arguments.schema or f"{settings['base']}/openapi.yaml",
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "-H", f"Authorization: Bearer {settings['token']}",
        "--max-examples", str(arguments.max_examples),
        "--max-time", str(arguments.max_time),
        "--workers", str(arguments.workers),
        "--seed", str(arguments.seed),
        "--no-color",
        *(["--url", settings["base"]] if arguments.schema else []),
        "--report", "junit", "--report-dir", str(work / "report"),
        *arguments.extra,
    ]
    env = dict(os.environ,
               SSPM_ST_TOKEN_ID=settings["token_id"], SSPM_ST_CONNECTOR_ID=settings["connector_id"], SSPM_ST_SCAN_ID=settings["scan_id"],
               SSPM_ST_API_URL=settings["api_url"], SSPM_ST_TOKEN_URL=settings["token_url"], SSPM_ST_GRAPH_URL=settings["graph_url"], SSPM_ST_DIRECTORY_ID=settings["directory_id"],
               SCHEMATHESIS_HOOKS=str(ROOT / "scripts" / "schemathesis_hooks.py"))
    shown = [part if not part.startswith("Authorization:") else "Authorization: Bearer sspm_…" for part in command]
    print("$ " + " ".join(shown), flush=True)
    started = time.monotonic()
    status = subprocess.run(command, env=env, cwd=ROOT).returncode
    print(f"schemathesis exited {status} after {time.monotonic() - started:.0f} s", flush=True)
    # A closing line CI reads like any test runner's: operations tested, and those that failed.
    cases = failures = 0
    for report in (work / "report").glob("*.xml"):
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            cases += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failures += 1
    print(f"schemathesis: {cases - failures} passed, {failures} failed", flush=True)
    return status


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="the sspm binary (default: from `swift build --show-bin-path`)")
    parser.add_argument("--max-examples", type=int, default=25, help="test cases per operation and phase (default 25)")
    parser.add_argument("--max-time", type=int, default=200, help="time budget of the schemathesis run in seconds (default 200)")
    parser.add_argument("--workers", type=int, default=1,
                        help="schemathesis workers (default 1: the server and the simulator share the cores)")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis's random seed (default 1, so runs repeat)")
    parser.add_argument("--schema", help="test this document instead of the one the server serves (docs/openapi.yaml "
                                           "while editing it, without rebuilding)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, database, report)")
    parser.add_argument("extra", nargs="*", help="more schemathesis options, after --")
    arguments = parser.parse_args()

    if shutil.which("schemathesis") is None:
        sys.exit("schemathesis is not installed: python3 -m pip install schemathesis")
    binary = find_binary(arguments.bin)
    if not binary.exists():
        sys.exit(f"{binary} is missing: run `swift build --product sspm` first")
    work = pathlib.Path(tempfile.mkdtemp(prefix="sspm-schemathesis-"))
    processes = []
    status = 2
    try:
        processes, settings = prepare(binary, work)
        status = run_schemathesis(settings, arguments, work)
    except SetupError as error:
        print(f"set-up failed: {error}", file=sys.stderr)
    finally:
        for process in reversed(processes):
            stop(process)
        if status != 0:
            server_log = work / "serve.log"
            if server_log.exists():
                print("--- last lines of the server log", file=sys.stderr)
                print("\n".join(server_log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
        if arguments.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
