#!/usr/bin/env python3
"""Checks Tests/Receivers/smtp_receiver.py end to end with smtplib; run by hand:

    python3 Tests/Receivers/check_smtp_receiver.py

It starts the receiver in each mode, sends a message shaped like the product's (encoded subject,
base64 UTF-8 body), and reads back what the receiver wrote. Exits non-zero on failure.
"""
import base64
import json
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile

RECEIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_receiver.py")
SUBJECT = "Règle « MFA » désactivée ✓"
BODY = "Première ligne — é à ü\n\n.a line starting with a dot\nOpenSSPM notification 42\n"


class Receiver:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="smtp-receiver-")
        self.stderr = open(os.path.join(self.dir, "stderr.log"), "w")
        self.process = subprocess.Popen([sys.executable, RECEIVER, "--dir", self.dir, *args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)
        line = self.process.stdout.readline().decode()
        check(line.startswith("PORT ") and line.endswith("\n"), f"first line is PORT <n>: {line!r}")
        self.port = int(line.split()[1])
        self.cert = os.path.join(self.dir, "cert.pem")

    def context(self):
        return ssl.create_default_context(cafile=self.cert)  # check_hostname=True, CERT_REQUIRED

    def records(self, name):
        with open(os.path.join(self.dir, name), encoding="utf-8") as file:
            return [json.loads(line) for line in file]

    def stop(self, how="stdin"):
        if how == "stdin":
            self.process.stdin.close()
        else:
            self.process.terminate()
        check(self.process.wait(timeout=10) == 0, f"the receiver ends cleanly on {how}")
        self.stderr.close()
        shutil.rmtree(self.dir)  # kept when a check fails before this, for a look at stderr.log


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok:", what)


def product_message():
    encoded = base64.encodebytes(BODY.encode()).decode().replace("\n", "\r\n")
    subject = base64.b64encode(SUBJECT.encode()).decode()
    return ("From: <alerts@example.com>\r\nTo: <sec@example.com>\r\n"
            f"Subject: =?utf-8?B?{subject}?=\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + encoded).encode()


def check_message(receiver, tls, login):
    messages = receiver.records("messages.jsonl")
    check(len(messages) == 1, "one message recorded")
    m = messages[0]
    check(m["mail_from"] == "alerts@example.com" and m["rcpt_tos"] == ["sec@example.com"], "envelope recorded")
    check(m["subject"] == SUBJECT, f"subject decoded: {m['subject']!r}")
    check(m["body"] == BODY, f"body decoded: {m['body']!r}")
    check("Content-Transfer-Encoding: base64" in m["data"], "raw data kept")
    check(m["tls"] is tls and m["auth_login"] == login, f"tls={m['tls']} auth_login={m['auth_login']}")


def send(client):
    client.sendmail("alerts@example.com", ["sec@example.com"], product_message())
    client.quit()


def starttls_mode():
    r = Receiver("--mode", "starttls", "--user", "bot", "--password", "s3cret")
    client = smtplib.SMTP("127.0.0.1", r.port, timeout=10)
    client.ehlo("openssp.local")
    check(client.has_extn("starttls") and not client.has_extn("auth"), "STARTTLS offered, AUTH not before it")
    check(client.mail("alerts@example.com")[0] == 530, "MAIL before STARTTLS refused with 530")
    client.starttls(context=r.context())  # verifies the certificate against 127.0.0.1
    client.ehlo("openssp.local")
    check(set(client.esmtp_features["auth"].split()) == {"LOGIN", "PLAIN"}, "AUTH LOGIN PLAIN after STARTTLS")
    check(client.mail("alerts@example.com")[0] == 530, "MAIL without AUTH refused with 530")
    try:
        client.login("bot", "wrong")
        check(False, "wrong password refused")
    except smtplib.SMTPAuthenticationError as error:
        check(error.smtp_code == 535, "wrong password answered 535")
    client.login("bot", "s3cret")
    send(client)
    check_message(r, tls=True, login="bot")
    auth = r.records("auth.jsonl")
    check([a["ok"] for a in auth] == [False] * (len(auth) - 1) + [True] and auth[-1]["user"] == "bot",
          f"auth.jsonl records the attempts: {auth}")
    r.stop("stdin")


def tls_mode():
    r = Receiver("--mode", "tls", "--user", "bot", "--password", "s3cret")
    with socket.create_connection(("127.0.0.1", r.port), timeout=10) as raw:
        with r.context().wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            check(tls.recv(100).startswith(b"220 "), "certificate verifies against 127.0.0.1 (implicit TLS)")
    try:
        with socket.create_connection(("127.0.0.1", r.port), timeout=10) as raw:
            r.context().wrap_socket(raw, server_hostname="example.com")
        check(False, "certificate refused for another name")
    except ssl.SSLCertVerificationError:
        check(True, "certificate refused for another name")
    client = smtplib.SMTP_SSL("127.0.0.1", r.port, context=r.context(), timeout=10)
    client.ehlo("openssp.local")
    check(set(client.esmtp_features["auth"].split()) == {"LOGIN", "PLAIN"}, "AUTH LOGIN PLAIN offered")
    client.user, client.password = "bot", "s3cret"
    client.auth("LOGIN", client.auth_login, initial_response_ok=False)
    send(client)
    check_message(r, tls=True, login="bot")
    check(r.records("auth.jsonl") == [{"user": "bot", "mechanism": "LOGIN", "ok": True}], "AUTH LOGIN recorded")
    r.stop("SIGTERM")


def plain_mode():
    r = Receiver("--mode", "plain")
    client = smtplib.SMTP("127.0.0.1", r.port, timeout=10)
    client.ehlo("openssp.local")
    check(not client.has_extn("starttls"), "no STARTTLS in plain mode")
    send(client)
    check_message(r, tls=False, login=None)
    r.stop("SIGTERM")


def fail_rcpt(code):
    r = Receiver("--mode", "starttls", "--user", "bot", "--password", "s3cret", "--fail-rcpt", str(code))
    client = smtplib.SMTP("127.0.0.1", r.port, timeout=10)
    client.starttls(context=r.context())
    client.login("bot", "s3cret")
    client.mail("alerts@example.com")
    check(client.rcpt("sec@example.com")[0] == code, f"RCPT answered {code}")
    client.quit()
    check(r.records("messages.jsonl") == [], "nothing recorded")
    r.stop("stdin")


def main():
    check(subprocess.run(["openssl", "version"], capture_output=True).returncode == 0, "openssl is there")
    for test in (starttls_mode, tls_mode, plain_mode, lambda: fail_rcpt(450), lambda: fail_rcpt(550)):
        test()
    print("all checks passed")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        print(f"FAILED: {error!r}", file=sys.stderr)
        sys.exit(1)
