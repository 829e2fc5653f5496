#!/usr/bin/env python3
"""HTTP load test of a release build of oauth-apps on 127.0.0.1.

Starts the server with a small seed, signs a member in and approves an app
through the real login and consent pages, then runs `wrk` (Debian package
`wrk`) for a fixed time against the metadata endpoint and against token
introspection. Prints wrk's summaries and stops the server it started.
Only loopback addresses are used.

Usage: cargo build --release && python3 bench/load.py [--seconds 10]
"""

import argparse
import html.parser
import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

SECRET = "load-confidential-secret-0123456789abcdef01"
REDIRECT = "https://load.example/cb"
PASSWORD = "load test password"
SEED = f"""
[[workspaces]]
id = "ws_load"
name = "Load"

[[users]]
email = "load@example.com"
display_name = "Load"
password = "{PASSWORD}"

[[memberships]]
workspace = "ws_load"
user = "load@example.com"
role = "member"

[[apps]]
workspace = "ws_load"
client_id = "load-app"
name = "Load App"
client_type = "confidential"
redirect_uris = ["{REDIRECT}"]
allowed_scopes = ["profile", "bugs:read", "offline_access"]
default_scopes = ["profile"]
client_secret = "{SECRET}"
pkce = "optional"
resource_server = true
"""


class FormParser(html.parser.HTMLParser):
    """Collects the action and named inputs of the first form of a page."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action")
            self.in_form = True
        elif tag == "input" and self.in_form and attrs.get("name"):
            if attrs.get("type") == "radio" and "checked" not in attrs:
                return
            self.fields[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(opener, url, data=None):
    """Returns (status, location, body) without following redirects."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, body, timeout=10) as response:
            return response.status, response.headers.get("Location"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location"), error.read().decode()


def submit(opener, base, page, extra):
    form = FormParser()
    form.feed(page)
    fields = dict(form.fields, **extra)
    return request(opener, base + form.action, fields)


def obtain_tokens(base):
    """Signs in, approves and exchanges a code; returns the token response."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": "load-app", "redirect_uri": REDIRECT,
        "scope": "profile bugs:read offline_access", "state": "load",
    })
    authorize = f"{base}/oauth/authorize?{query}"
    _, _, login = request(opener, authorize)
    status, location, _ = submit(opener, base, login, {"email": "load@example.com", "password": PASSWORD})
    assert status in (302, 303), f"login failed: {status}"
    status, location, consent = request(opener, base + location if location.startswith("/") else location)
    if status == 200:
        # A remembered grant (a second run on the same database) skips this.
        status, location, _ = submit(opener, base, consent, {"decision": "approve"})
    assert status in (302, 303), f"consent failed: {status}"
    code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]

    token_request = urllib.request.Request(
        f"{base}/oauth/token",
        urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                "redirect_uri": REDIRECT, "client_id": "load-app",
                                "client_secret": SECRET}).encode())
    with urllib.request.urlopen(token_request, timeout=10) as response:
        return json.load(response)


def check_active(base, token):
    """Fails unless introspection reports `token` active, so the load below
    measures real answers, not rejections."""
    body = urllib.parse.urlencode({"token": token, "client_id": "load-app", "client_secret": SECRET})
    with urllib.request.urlopen(f"{base}/oauth/introspect", body.encode(), timeout=10) as response:
        answer = json.load(response)
    assert answer.get("active") is True, f"token not active: {answer}"


def print_memory(pid):
    """Prints the server's resident memory now and at its peak (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        lines = [line.strip() for line in status if line.startswith(("VmRSS", "VmHWM"))]
    print("\n== server memory: " + ", ".join(lines))


def wrk(name, url, seconds, script=None, connections=32):
    print(f"\n== {name}: {url}, {seconds} s, 2 threads, {connections} connections", flush=True)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    subprocess.run(command + [url], check=True, timeout=seconds + 30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each run")
    parser.add_argument("--binary", default="target/release/oauth-apps")
    parser.add_argument("--database-url", help="run on PostgreSQL instead of memory")
    parser.add_argument("--database-schema", default="oauth_apps_load",
                        help="schema for --database-url; its tables are kept")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="oauth-apps-load-")
    seed_path = os.path.join(workdir, "seed.toml")
    with open(seed_path, "w") as seed:
        seed.write(SEED)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, RUST_LOG="warn")
    env.pop("DATABASE_URL", None)
    command = [args.binary, "serve", "--bind", f"127.0.0.1:{port}", "--issuer", base, "--seed", seed_path]
    if args.database_url:
        command += ["--database-url", args.database_url, "--database-schema", args.database_schema]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        tokens = obtain_tokens(base)
        check_active(base, tokens["access_token"])

        introspect = os.path.join(workdir, "introspect.lua")
        with open(introspect, "w") as script:
            script.write('wrk.method = "POST"\n')
            script.write('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
            script.write(f'wrk.body = "token={tokens["access_token"]}&client_id=load-app&client_secret={SECRET}"\n')
        wrk("metadata", f"{base}/.well-known/oauth-authorization-server", args.seconds)
        wrk("introspection", f"{base}/oauth/introspect", args.seconds, introspect)
        print_memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
