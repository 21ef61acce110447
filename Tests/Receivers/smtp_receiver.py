#!/usr/bin/env python3
"""A real SMTP server for the tests of OpenSSPM's e-mail notifications.

The Swift tests start it as a subprocess, read "PORT <n>" from its stdout, point an e-mail channel
at 127.0.0.1:<n> (trusting DIR/cert.pem) and afterwards read DIR/messages.jsonl and DIR/auth.jsonl.
It uses aiosmtpd (`.ci/run` installs it with pip) and the `openssl` command-line tool.

    python3 Tests/Receivers/smtp_receiver.py --dir DIR [--mode starttls|tls|plain]
                                             [--user U --password P] [--fail-rcpt CODE]

  starttls  plain connection, STARTTLS offered and required before anything else (port 587 style)
  tls       TLS from the first byte (port 465 style)
  plain     no TLS at all

DIR/cert.pem, DIR/key.pem  self-signed certificate for localhost and 127.0.0.1 (kept if present)
DIR/messages.jsonl         one line per accepted message: mail_from, rcpt_tos, data, subject, body,
                           auth_login, tls
DIR/auth.jsonl             one line per AUTH attempt: user, mechanism, ok

It runs until SIGTERM/SIGINT, or until its stdin reaches end of file when stdin is a pipe.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import stat
import subprocess
import sys
import warnings
from email import policy
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, AuthResult


def make_certificate(directory):
    """A self-signed certificate that is its own CA, so a client can trust it as a root."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    if not (os.path.exists(cert) and os.path.exists(key)):
        subprocess.run(
            ["openssl", "req", "-config", "/dev/null", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
             "-addext", "extendedKeyUsage=serverAuth"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class Handler:
    def __init__(self, directory, user, password, fail_rcpt):
        self.messages = open(os.path.join(directory, "messages.jsonl"), "a", encoding="utf-8")
        self.auth = open(os.path.join(directory, "auth.jsonl"), "a", encoding="utf-8")
        self.user, self.password, self.fail_rcpt = user, password, fail_rcpt

    @staticmethod
    def write(file, record):
        file.write(json.dumps(record, ensure_ascii=False) + "\n")
        file.flush()

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        # Called by aiosmtpd for AUTH PLAIN and AUTH LOGIN; auth_data is a LoginPassword (bytes).
        user = auth_data.login.decode("utf-8", "replace")
        ok = (self.user is not None and user == self.user
              and auth_data.password.decode("utf-8", "replace") == self.password)
        self.write(self.auth, {"user": user, "mechanism": mechanism, "ok": ok})
        # handled=False: aiosmtpd then answers a failure itself with "535 5.7.8 Authentication
        # credentials invalid" (its default, handled=True, would send no answer at all).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.fail_rcpt:
            return f"{self.fail_rcpt} Recipient refused by the test receiver (--fail-rcpt)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.content  # bytes: dot-unstuffed, without the final "."
        subject = body = None
        try:
            message = BytesParser(policy=policy.default).parsebytes(raw)
            subject = str(message["subject"]) if message["subject"] is not None else None
            part = message.get_body(preferencelist=("plain",))
            body = part.get_content() if part is not None else None
        except Exception as error:  # keep the raw data even if the message does not parse
            print(f"smtp_receiver: cannot parse a message: {error!r}", file=sys.stderr)
        self.write(self.messages, {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": raw.decode("utf-8", "replace"),
            "subject": subject,
            "body": body,
            "auth_login": session.auth_data.login.decode("utf-8", "replace") if session.authenticated else None,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        })
        return "250 OK message accepted"


def stdin_is_pipe():
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


async def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    context = make_certificate(args.dir) if args.mode != "plain" else None
    handler = Handler(args.dir, args.user, args.password, args.fail_rcpt)
    starttls = args.mode == "starttls"
    # aiosmtpd only counts STARTTLS as TLS for auth_require_tls, so it is off in the tls mode
    # (the whole connection is TLS there) and in the plain mode (AUTH over plain text, on purpose).
    # The warnings about that, and about aiosmtpd's own use of Session.login_data, are noise here.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").addFilter(
        lambda record: not record.getMessage().startswith(("auth_required == True", "Session.login_data")))

    def factory():
        return SMTP(handler, hostname="localhost", enable_SMTPUTF8=True,
                    tls_context=context if starttls else None, require_starttls=starttls,
                    auth_required=args.user is not None, auth_require_tls=starttls,
                    authenticator=handler.authenticate)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", 0, ssl=context if args.mode == "tls" else None)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if stdin_is_pipe():  # a parent that dies (or closes the pipe) ends the receiver too
        def read_stdin():
            if not os.read(0, 65536):
                loop.remove_reader(0)
                stop.set()
        loop.add_reader(0, read_stdin)
    await stop.wait()
    server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="where the certificate and the .jsonl files go")
    parser.add_argument("--mode", choices=("starttls", "tls", "plain"), default="starttls")
    parser.add_argument("--user", help="require AUTH (PLAIN or LOGIN) with this user name")
    parser.add_argument("--password")
    parser.add_argument("--fail-rcpt", type=int, metavar="CODE", help="answer every RCPT with this code (400-599)")
    args = parser.parse_args()
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password go together")
    if args.fail_rcpt is not None and not 400 <= args.fail_rcpt <= 599:
        parser.error("--fail-rcpt must be a 4xx or 5xx code")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
