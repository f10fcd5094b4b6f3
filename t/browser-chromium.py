#!/usr/bin/env python3
"""A real browser for the login test: headless Chromium driven over the
DevTools protocol, with the Python 3 standard library only.

    browser-chromium.py URL PROFILE OUTDIR [CHROMIUM-ARGS...]

Starts Chromium (its own session, so that its whole process tree can be
found and ended by the recorded id), opens URL, clicks Allow on the
consent page, waits for the navigation to the loopback callback named by
the URL's redirect_uri, and writes what Chromium saw of the callback
response to OUTDIR/chromium.headers.json:

    {"url": ..., "status": 200, "headers": {...}, "title": ..., "text": ...}

The url is the callback's origin and path only: its query holds the
authorization code, which stays out of files.  Then Browser.close, a
SIGKILL to the process group if Chromium lingers, and the profile is
removed (it holds the code in its history).  OUTDIR/chromium.pid holds
the session id while Chromium runs; OUTDIR/chromium.log its stderr and
our own diagnostics.  Exit status 0 when the callback page was captured.

The WebSocket client is a minimal RFC 6455 one: text frames out (masked,
as a client must), text, continuation, ping and close frames in.
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse

T0 = time.monotonic()
DEADLINE = T0 + 25
LOG = None


def log(*a):
    print("browser-chromium: %.2f s:" % (time.monotonic() - T0), *a,
          file=LOG or sys.stderr, flush=True)


def left():
    return max(0.05, DEADLINE - time.monotonic())


class WebSocket:
    GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, host, port, path):
        self.sock = socket.create_connection((host, port), timeout=left())
        key = base64.b64encode(os.urandom(16))
        # No Origin header: Chromium refuses DevTools connections from
        # web origins unless told to allow them.
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" %
               (path, host, port, key.decode())).encode()
        self.sock.sendall(req)
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if lines[0].split(" ")[1:2] != ["101"]:
            raise OSError("websocket upgrade refused: " + lines[0])
        want = base64.b64encode(hashlib.sha1(key + self.GUID).digest())
        got = [v.strip() for k, _, v in (l.partition(":") for l in lines[1:])
               if k.strip().lower() == "sec-websocket-accept"]
        if got != [want.decode()]:
            raise OSError("bad Sec-WebSocket-Accept")

    def _fill(self):
        self.sock.settimeout(left())
        d = self.sock.recv(65536)
        if not d:
            raise OSError("websocket closed by peer")
        self.buf += d

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def _send_frame(self, opcode, data):
        n = len(data)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + body)

    def send(self, text):
        self._send_frame(0x1, text.encode("utf-8"))

    def recv(self):
        """The next whole text message."""
        msg = b""
        while True:
            b0, b1 = self._take(2)
            fin, op = b0 & 0x80, b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._take(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._take(8))[0]
            mask = self._take(4) if b1 & 0x80 else None
            data = self._take(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if op == 0x9:
                self._send_frame(0xA, data)
                continue
            if op == 0xA:
                continue
            if op == 0x8:
                raise OSError("websocket closed by peer")
            if op in (0x0, 0x1, 0x2):
                msg += data
                if fin:
                    return msg.decode("utf-8")

    def close(self):
        try:
            self._send_frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


class CDP:
    """Commands and events over one browser-level connection; page
    commands go to a flattened session."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, params=None, session=None):
        self.next_id += 1
        mid = self.next_id
        m = {"id": mid, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        self.ws.send(json.dumps(m))
        while True:
            r = json.loads(self.ws.recv())
            if r.get("id") == mid:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r.get("result", {})
            if "method" in r:
                self.events.append(r)

    def wait(self, pred, what):
        """The first event, queued or to come, for which pred is true."""
        while True:
            for i, e in enumerate(self.events):
                if pred(e):
                    del self.events[i]
                    return e
            if time.monotonic() >= DEADLINE:
                raise TimeoutError("no " + what)
            try:
                r = json.loads(self.ws.recv())
            except socket.timeout:
                raise TimeoutError("no " + what)
            if "method" in r:
                self.events.append(r)


def our_pids(sid, profile):
    """Processes of the session sid (Chromium and its children), and
    those that name our profile (its crash handlers start sessions of
    their own), but not this script.  Zombies are over: only their
    parent can reap them."""
    pids = []
    mark = profile.encode()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...: comm may hold spaces.
        f = st.rsplit(")", 1)[1].split()
        if f[0] != "Z" and (int(f[3]) == sid or mark in cmd):
            pids.append(int(d))
    return pids


def devtools_port(profile, proc):
    path = os.path.join(profile, "DevToolsActivePort")
    while time.monotonic() < DEADLINE:
        if proc.poll() is not None:
            raise RuntimeError("chromium exited with status %d" %
                               proc.returncode)
        try:
            with open(path) as f:
                lines = f.read().split("\n")
            if len(lines) >= 2 and lines[0].isdigit() and lines[1]:
                return int(lines[0]), lines[1]
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError("no DevToolsActivePort")


def drive(cdp, url, out):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    cb = urllib.parse.urlsplit((q.get("redirect_uri") or [""])[0])
    if cb.scheme != "http" or not cb.netloc:
        raise RuntimeError("no loopback redirect_uri in the URL")
    cb_prefix = "http://%s%s" % (cb.netloc, cb.path)

    targets = cdp.call("Target.getTargets")["targetInfos"]
    pages = [t for t in targets if t["type"] == "page"]
    if pages:
        tid = pages[0]["targetId"]
    else:
        tid = cdp.call("Target.createTarget", {"url": "about:blank"})[
            "targetId"]
    sess = cdp.call("Target.attachToTarget",
                    {"targetId": tid, "flatten": True})["sessionId"]
    for m in ("Page.enable", "Network.enable", "Runtime.enable"):
        cdp.call(m, session=sess)

    def ev(name):
        return lambda e: e["method"] == name and e.get("sessionId") == sess

    nav = cdp.call("Page.navigate", {"url": url}, session=sess)
    if nav.get("errorText"):
        raise RuntimeError("navigate: " + nav["errorText"])
    cdp.wait(ev("Page.loadEventFired"), "load of the consent page")
    title = cdp.call("Runtime.evaluate", {"expression": "document.title",
                                          "returnByValue": True},
                     session=sess)["result"].get("value")
    log("consent page:", title)

    # Click Allow as a person would: the form POSTs, WHOOP answers 302
    # to the loopback callback.
    r = cdp.call("Runtime.evaluate", {
        "expression": "(() => { const b = document.querySelector("
                      "'button[value=allow]'); if (!b) return false; "
                      "b.click(); return true; })()",
        "returnByValue": True}, session=sess)
    if r["result"].get("value") is not True:
        raise RuntimeError("no Allow button on the page")

    resp = cdp.wait(lambda e: e["method"] == "Network.responseReceived" and
                    e.get("sessionId") == sess and
                    e["params"]["type"] == "Document" and
                    e["params"]["response"]["url"].startswith(cb_prefix),
                    "response from the callback")["params"]["response"]
    cdp.wait(ev("Page.loadEventFired"), "load of the callback page")
    page = cdp.call("Runtime.evaluate", {
        "expression": "[document.title, document.body ? "
                      "document.body.innerText : '']",
        "returnByValue": True}, session=sess)["result"].get("value")
    u = urllib.parse.urlsplit(resp["url"])
    rec = {"url": "%s://%s%s" % (u.scheme, u.netloc, u.path),
           "status": resp["status"], "headers": resp["headers"],
           "title": page[0], "text": page[1]}
    tmp = os.path.join(out, "chromium.headers.json.tmp")
    with open(tmp, "w") as f:
        json.dump(rec, f, indent=1, sort_keys=True)
        f.write("\n")
    os.rename(tmp, os.path.join(out, "chromium.headers.json"))
    log("callback page:", resp["status"], page[0])


def main():
    global LOG
    if len(sys.argv) < 4:
        print("usage: browser-chromium.py URL PROFILE OUTDIR [ARGS...]",
              file=sys.stderr)
        return 2
    url, profile, out = sys.argv[1:4]
    LOG = open(os.path.join(out, "chromium.log"), "a")
    argv = ["chromium"] + sys.argv[4:] + [
        "--remote-debugging-port=0", "--user-data-dir=" + profile,
        "about:blank"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=LOG,
                            stderr=LOG, start_new_session=True)
    sid = proc.pid
    with open(os.path.join(out, "chromium.pid"), "w") as f:
        f.write("%d\n" % sid)
    log("chromium pid", sid)
    rc = 1
    ws = None
    try:
        port, path = devtools_port(profile, proc)
        ws = WebSocket("127.0.0.1", port, path)
        cdp = CDP(ws)
        try:
            drive(cdp, url, out)
            rc = 0
        finally:
            try:
                cdp.call("Browser.close")
            except (OSError, RuntimeError, ValueError):
                pass
    except Exception as e:  # logged; the cleanup below runs regardless
        log("error:", type(e).__name__, e)
    finally:
        if ws:
            ws.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log("chromium ignored Browser.close")
        # Whatever is left of what we started, by its id.
        for _ in range(50):
            pids = our_pids(sid, profile)
            if not pids:
                break
            log("SIGKILL to", pids)
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        if proc.poll() is None:
            proc.wait()
        left_over = our_pids(sid, profile)
        if left_over:
            log("processes left:", left_over)
            rc = 1
        shutil.rmtree(profile, ignore_errors=True)
        log("done, status", rc)
    return rc


if __name__ == "__main__":
    sys.exit(main())
