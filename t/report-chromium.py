#!/usr/bin/env python3
"""Opens a local HTML file in headless Chromium and says what it saw, for
t/0820-plot.t; the Python 3 standard library only.

    report-chromium.py FILE OUTDIR [CHROMIUM-ARGS...]

Loads file://FILE, waits for the load event and for every image to be
decoded, then writes OUTDIR/report.png (a screenshot of the whole page)
and OUTDIR/report.json:

    {"console": [messages at level error or warning, and exceptions],
     "requests": [every URL Chromium asked for],
     "images": [{"id", "x", "y", "w", "h", "natural_w", "complete"}],
     "width", "height": the screenshot's size in pixels,
     "ink": pixels of the screenshot unlike the page's background,
     "ink_in": {figure id: such pixels inside that figure's image}}

The DevTools client (WebSocket, CDP, process clean-up) is the one of
t/browser-chromium.py.  OUTDIR/chromium.pid holds Chromium's session id
while it runs, OUTDIR/chromium.log its stderr.  Exit status 0 when the
page was captured.
"""

import base64
import importlib.util
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "browser_chromium", os.path.join(HERE, "browser-chromium.py"))
bc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bc)


def png_pixels(data):
    """Width, height and rows of RGB(A) tuples of an 8-bit PNG (colour
    types 2 and 6, as Chromium writes them)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    w = h = ctype = None
    while pos < len(data):
        n, kind = struct.unpack("!I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, lace = struct.unpack("!IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or lace:
                raise ValueError("unexpected PNG format")
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 0xFF
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def ink(rows, bpp, bg, box=None):
    """Pixels unlike bg (by more than a little), in box (x, y, w, h)."""
    h = len(rows)
    w = len(rows[0]) // bpp if rows else 0
    x0, y0, x1, y1 = 0, 0, w, h
    if box:
        x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
        x1, y1 = min(w, int(box[0] + box[2])), min(h, int(box[1] + box[3]))
    n = 0
    for y in range(y0, y1):
        r = rows[y]
        for x in range(x0, x1):
            p = r[x * bpp:x * bpp + 3]
            if (abs(p[0] - bg[0]) + abs(p[1] - bg[1]) +
                    abs(p[2] - bg[2])) > 48:
                n += 1
    return n


def drive(cdp, url, out):
    targets = cdp.call("Target.getTargets")["targetInfos"]
    pages = [t for t in targets if t["type"] == "page"]
    tid = pages[0]["targetId"] if pages else cdp.call(
        "Target.createTarget", {"url": "about:blank"})["targetId"]
    sess = cdp.call("Target.attachToTarget",
                    {"targetId": tid, "flatten": True})["sessionId"]
    for m in ("Page.enable", "Network.enable", "Runtime.enable",
              "Log.enable"):
        cdp.call(m, session=sess)
    cdp.call("Emulation.setDeviceMetricsOverride",
             {"width": 1000, "height": 800, "deviceScaleFactor": 1,
              "mobile": False}, session=sess)
    cdp.events.clear()
    nav = cdp.call("Page.navigate", {"url": url}, session=sess)
    if nav.get("errorText"):
        raise RuntimeError("navigate: " + nav["errorText"])
    cdp.wait(lambda e: e["method"] == "Page.loadEventFired" and
             e.get("sessionId") == sess, "load event")

    def js(expr):
        r = cdp.call("Runtime.evaluate", {"expression": expr,
                                          "returnByValue": True,
                                          "awaitPromise": True},
                     session=sess)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    js("Promise.all([...document.images].map(i => i.decode()"
       ".catch(() => null)))")
    images = js("[...document.querySelectorAll('figure')].map(f => {"
                "const i = f.querySelector('img'); if (!i) return null;"
                "const r = i.getBoundingClientRect();"
                "return {id: f.id, x: r.x + scrollX, y: r.y + scrollY,"
                " w: r.width, h: r.height, natural_w: i.naturalWidth,"
                " complete: i.complete}; })")
    bg = js("getComputedStyle(document.body).backgroundColor")
    size = js("[document.documentElement.scrollWidth,"
              " document.documentElement.scrollHeight]")
    # A last round trip: events sent before its answer are in cdp.events.
    js("1")
    shot = cdp.call("Page.captureScreenshot",
                    {"format": "png", "captureBeyondViewport": True,
                     "clip": {"x": 0, "y": 0, "width": size[0],
                              "height": size[1], "scale": 1}},
                    session=sess)
    png = base64.b64decode(shot["data"])
    with open(os.path.join(out, "report.png"), "wb") as f:
        f.write(png)

    console, requests = [], []
    for e in cdp.events:
        p = e.get("params", {})
        if e["method"] == "Network.requestWillBeSent":
            requests.append(p["request"]["url"][:200])
        elif e["method"] == "Runtime.consoleAPICalled" and \
                p.get("type") in ("error", "warning", "assert"):
            console.append(" ".join(str(a.get("value", a.get(
                "description", ""))) for a in p.get("args", [])))
        elif e["method"] == "Runtime.exceptionThrown":
            console.append("exception: %s" % p.get(
                "exceptionDetails", {}).get("text"))
        elif e["method"] == "Log.entryAdded" and \
                p["entry"].get("level") in ("error", "warning"):
            console.append("%s: %s" % (p["entry"].get("source"),
                                       p["entry"].get("text")))

    w, h, bpp, rows = png_pixels(png)
    rgb = [int(v) for v in bg[bg.index("(") + 1:bg.index(")")].split(",")
           [:3]]
    rec = {"console": console, "requests": requests,
           "images": [i for i in images if i], "background": rgb,
           "width": w, "height": h, "ink": ink(rows, bpp, rgb),
           "ink_in": {i["id"]: ink(rows, bpp, rgb,
                                   (i["x"], i["y"], i["w"], i["h"]))
                      for i in images if i}}
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(rec, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    if len(sys.argv) < 3:
        print("usage: report-chromium.py FILE OUTDIR [ARGS...]",
              file=sys.stderr)
        return 2
    page, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    bc.LOG = open(os.path.join(out, "chromium.log"), "a")
    profile = tempfile.mkdtemp(prefix="chromium-profile.", dir=out)
    argv = ["chromium"] + sys.argv[3:] + [
        "--remote-debugging-port=0", "--user-data-dir=" + profile,
        "about:blank"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=bc.LOG,
                            stderr=bc.LOG, start_new_session=True,
                            env=dict(os.environ, HOME=profile))
    sid = proc.pid
    with open(os.path.join(out, "chromium.pid"), "w") as f:
        f.write("%d\n" % sid)
    rc, ws = 1, None
    try:
        port, path = bc.devtools_port(profile, proc)
        ws = bc.WebSocket("127.0.0.1", port, path)
        cdp = bc.CDP(ws)
        try:
            drive(cdp, "file://" + page, out)
            rc = 0
        finally:
            try:
                cdp.call("Browser.close")
            except (OSError, RuntimeError, ValueError):
                pass
    except Exception as e:  # logged; the cleanup below runs regardless
        bc.log("error:", type(e).__name__, e)
    finally:
        if ws:
            ws.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            bc.log("chromium ignored Browser.close")
        for _ in range(50):
            pids = bc.our_pids(sid, profile)
            if not pids:
                break
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        if proc.poll() is None:
            proc.wait()
        if bc.our_pids(sid, profile):
            rc = 1
        shutil.rmtree(profile, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
