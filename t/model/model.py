#!/usr/bin/env python3
# model.py -- the model-based test of whoop-sync (t/0320-model.t).
#
# A seeded random sequence of steps against the simulated WHOOP service
# (t/sim/whoopsim.py): syncs (all collections, some with -t, a few -F),
# syncs killed with SIGKILL at a random instant, syncs under injected
# faults (429, 5xx once or for good, resets, truncated and malformed
# bodies, wrong and missing fields, slow answers, faults on the token
# POST), the clock moving on (new days, new records), late arrivals,
# re-scores and deletions inside and outside the re-score window, and odd
# shapes a faithful WHOOP can produce (a sleep edited to start before its
# cycle, an implausible score value, a record whose own start is decades
# away), and where the simulator has them (issue 11's switches): token
# answers lost after the service acted, TLS handshakes that fail, a
# next_token that repeats or never ends, records served outside the
# window asked, and worlds whose every main sleep begins before its cycle.
# Each world is a fresh simulator and login whose clock lags the real one
# by about a year (whoop-sync ends its windows at the real now).  Steps
# are drawn from the seed and the service's state only, so a seed replays
# the same steps; only where a time-based kill lands varies from one
# replay to the next.
#
# THE INVARIANT, checked after every run.  Terms: T0 = when the run
# started; R = the re-score window, 7 days; a record's order time t = its
# start, for a recovery the start of its sleep (how WHOOP orders and
# windows them); H = for each collection, the newest t the service showed
# up to the previous run of that collection (times after T0 left out).
# The client's own high-water mark can be no newer than H, so its window
# [mark - R, now) covers every t >= L, where L = H - R (L = the epoch for
# the first run and for -F).  Records older than L that WHOOP adds, edits
# or deletes late are by design not looked at again (design.md), so they
# may be missing, stale or linger -- but nothing the client once stored
# may vanish while the service still has it.
#
#   every run      PRAGMA integrity_check is ok; no record the service
#                  has was deleted from the database by the run (killed
#                  or not); the service counted no reuse of a refresh
#                  token (a spent one sent again) -- after a run that was
#                  killed, or whose answer was cut off, between the
#                  service rotating the pair and the client storing it,
#                  no client can avoid one, so there the model logs in
#                  again instead.
#   exit 0, for each collection the run synced:
#     complete     every record the service has with t >= L is in the
#                  database, by its key (cycle id, sleep/workout id,
#                  recovery cycle id), and so is every record that the
#                  window of an earlier completed run covered (t >= that
#                  run's L), whatever its exit: a record WHOOP sent is
#                  never dropped, not even once it is older than L;
#     current      every record with L <= t < T0 equals the service's
#                  record field by field (raw JSON compared as JSON);
#                  A run that may resume a pass cut short (the last run
#                  of the collection was killed or failed) fetches only
#                  what that pass had not reached: there "complete" and
#                  "current" hold for the records unchanged since the
#                  cut pass began; what changed since must be right after
#                  the next run (WHOOP_MODEL_STRICT=1 asks it of this
#                  one).  After a fault that sends records without fields
#                  or with wrong types, "current" is left out for that run
#                  (a record may be stored as sent).
#     nothing else a record the service no longer has may stay only if
#                  it was deleted with t < L or t >= T0 (removal only
#                  inside a fully fetched window), or if this run may have
#                  resumed a pass cut short (a resumed pass deletes
#                  nothing); after -F, only if t >= T0;
#     profile, body equal the service's (the newest body row);
#     health       whoop-sync -c exits 0 (all collections synced) or
#                  shows "ok" for each collection synced.
#   exit 1 or 75, with a collection named as failed on stderr:
#     health       whoop-sync -c exits non-zero: what failed stays
#                  visible until a later run clears it.
#   Every run must end within 120 s: a sync that loops is a failure.
#
# Environment: WHOOP_MODEL_SEED (default: from the clock, printed),
# WHOOP_MODEL_SECONDS (default 50: how long to keep stepping; a world is
# started afresh every WHOOP_MODEL_EPISODE steps, default 150),
# WHOOP_MODEL_STEPS (stop after this many steps: to replay a failure),
# WHOOP_MODEL_VERBOSE=1 (print each step as it runs),
# WHOOP_MODEL_OPS_OFF=op,... (leave these kinds of step out, e.g.
# "token,future" to look past a known defect; the names are the op_*
# methods below), WHOOP_MODEL_KEEP_GOING=1 (after a failure go on with a
# new world, for long campaigns; the test still fails).
# A failure prints the seed, the failing world's seed, its steps and the
# command that replays it.
"""Model-based test of whoop-sync against whoopsim (see the comment)."""

import hashlib
import json
import os
import random
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

KINDS = ("cycle", "recovery", "sleep", "workout")
TYPES = ("profile", "body") + KINDS
KEYCOL = {"cycle": "id", "recovery": "cycle_id", "sleep": "id",
          "workout": "id"}
DAY = 86400 * 1000
RESCORE = 7 * DAY
RUN_TIMEOUT = 120
STRICT = os.environ.get("WHOOP_MODEL_STRICT") == "1"
OPS_OFF = set(filter(None, os.environ.get("WHOOP_MODEL_OPS_OFF",
                                          "").split(",")))
TOP = os.environ.get("WHOOP_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SIM = os.path.join(TOP, "t", "sim", "whoopsim.py")
# What this simulator offers beyond the model's own /_sim/model/ calls
# (switches added for issue 11): feature -> how its source names it.
FEATURE_MARKS = {"lost_reset": '"lost_reset"',
                 "handshake_reset": '"handshake_reset"',
                 "repeat_token": '"repeat_token"',
                 "sleep_lead": '"--sleep-lead"', "stray": '"/_sim/stray"'}
with open(SIM, encoding="utf-8") as _f:
    _src = _f.read()
FEATURES = set(k for k, v in FEATURE_MARKS.items() if v in _src)
del _f, _src


def now_ms():
    return int(time.time() * 1000)


def parse_ms(s):
    s = s[:-1] + "+00:00" if s.endswith("Z") else s
    return int(datetime.fromisoformat(s).timestamp() * 1000)


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")


class Failure(Exception):
    pass


# ---------------------------------------------------------------- the service

class Sim:
    """One whoopsim process, started and stopped as t/sim/simctl.sh does:
    a private state directory, a port file, stopped by its pid only."""

    def __init__(self, statedir, certdir, args):
        self.dir = statedir
        os.makedirs(statedir, mode=0o700, exist_ok=True)
        self.ca = os.path.join(certdir, "ca.pem")
        out = open(os.path.join(statedir, "sim.out"), "ab")
        err = open(os.path.join(statedir, "sim.err"), "ab")
        portfile = os.path.join(statedir, "port")
        self.proc = subprocess.Popen(
            [sys.executable, SIM, "--state-dir", statedir,
             "--cert", os.path.join(certdir, "server.pem"),
             "--key", os.path.join(certdir, "server.key")] + args,
            stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        out.close()
        err.close()
        for _ in range(600):
            if os.path.exists(portfile) and os.path.getsize(portfile):
                break
            if self.proc.poll() is not None:
                raise Failure("whoopsim exited: " + open(
                    os.path.join(statedir, "sim.err")).read()[-500:])
            time.sleep(0.05)
        else:
            self.stop()
            raise Failure("whoopsim wrote no port file in 30 s")
        self.port = int(open(portfile).read())
        self.url = "https://127.0.0.1:%d" % self.port
        self.ctx = ssl.create_default_context(cafile=self.ca)

    def ctl(self, path, obj=None):
        data = None if obj is None else json.dumps(obj).encode()
        req = urllib.request.Request(self.url + "/_sim/" + path, data=data,
                                     method="GET" if obj is None else "POST")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for attempt in range(6):
            try:
                with urllib.request.urlopen(req, context=self.ctx,
                                            timeout=30) as r:
                    return json.loads(r.read())
            except urllib.error.HTTPError as e:
                raise Failure("sim %s: HTTP %d %s" % (path, e.code,
                                                      e.read()[:200]))
            except (urllib.error.URLError, OSError) as e:
                # a handshake fault meant for the client may hit us
                if attempt == 5:
                    raise Failure("sim %s: %s" % (path, e))
                time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---------------------------------------------------------------- one world

class World:
    """A service, an account logged in with whoop-auth, a database, and
    what the model remembers about them."""

    def __init__(self, base, certdir, eseed, log):
        self.r = random.Random(eseed)
        self.eseed = eseed
        self.log = log
        r = self.r
        self.days = r.randint(20, 90)
        self.odd = r.random() < 0.75
        simargs = []
        if "sleep_lead" in FEATURES and self.odd and r.random() < 0.5:
            # every main sleep begins this long before its cycle
            self.lead = r.choice((10, 30, 60, 120))
            simargs = ["--sleep-lead", str(self.lead)]
        else:
            self.lead = 0
        # the service's clock lags the real one (which whoop-sync uses
        # for the end of its windows) by a year or so, and never
        # overtakes it: the records are all in the past
        start = now_ms() - r.randint(300, 420) * DAY
        self.simdir = os.path.join(base, "sim", "w%d" % eseed)
        self.home = os.path.join(base, "w%d" % eseed)
        self.sim = Sim(self.simdir, certdir,
                       ["--test-mode", "--seed", str(eseed % 1000003),
                        "--days", str(self.days), "--now", iso(start),
                        "--token-ttl", "86400"] + simargs)
        self.port = free_port()
        self.sim.ctl("config", {
            "redirect_uris": ["http://127.0.0.1:%d/callback" % self.port],
            "rate_minute": 1000000, "rate_day": 100000000})
        for d in ("home", "tmp", "conf", "data"):
            os.makedirs(os.path.join(self.home, d), mode=0o700,
                        exist_ok=True)
        env = dict(os.environ)
        for k in ("WHOOP_DB", "WHOOP_KEY_FILE", "WHOOP_KEY_COMMAND"):
            env.pop(k, None)
        env.update({
            "HOME": os.path.join(self.home, "home"),
            "TMPDIR": os.path.join(self.home, "tmp"),
            "WHOOP_API_URL": self.sim.url, "WHOOP_CA_FILE": self.sim.ca,
            "CURL_CA_BUNDLE": self.sim.ca,
            "WHOOP_CONFIG_DIR": os.path.join(self.home, "conf"),
            "WHOOP_DATA_DIR": os.path.join(self.home, "data"),
            "BROWSER": os.path.join(TOP, "t", "browser-curl.sh"),
            "DISPLAY": "", "WHOOP_CLIENT_ID": "sim-client-id",
            "WHOOP_CLIENT_SECRET": self.sim.ctl("client")["client_secret"],
        })
        self.env = env
        self.db = os.path.join(self.home, "data", "whoop.db")
        self.max_t = {k: None for k in KINDS}
        self.hw = {k: None for k in KINDS}       # max_t at the last run
        self.deleted = {k: {} for k in KINDS}    # key -> t when deleted
        self.maybe_resume = {k: False for k in KINDS}
        # records a completed run's window covered: stored from then on
        self.must_have = {k: set() for k in KINDS}
        # the service's records when a pass was first cut short
        self.resume_base = {k: {} for k in KINDS}
        self.reuse = 0
        self.state = None
        self.altered = False     # a fault changes what the next run gets
        self.covered = {}
        self.note = "login"
        self.login()
        self.refresh_state()

    def close(self):
        return self.sim.stop()

    # -- programs

    def run(self, args, timeout=RUN_TIMEOUT):
        p = subprocess.run(args, env=self.env, capture_output=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")

    def login(self):
        rc, out, err = self.run(["whoop-auth", "-P", str(self.port)])
        if rc != 0:
            raise Failure("whoop-auth exited %d: %s" % (rc, err.strip()))
        self.account = None
        for line in out.splitlines():
            if line.startswith("account "):
                self.account = int(line.split()[1])
        if self.account is None:
            raise Failure("whoop-auth named no account: %r" % out)
        # what the browser stand-in saw holds the code: not to be kept
        tmp = os.path.join(self.home, "tmp")
        for f in os.listdir(tmp):
            if f.startswith("browser."):
                os.unlink(os.path.join(tmp, f))

    # -- the service's state, and what the model derives from it

    def refresh_state(self):
        st = self.sim.ctl("model/state?user=1")
        self.state = st
        self.svc = {}
        t0 = now_ms()
        for kind in KINDS:
            recs = {}
            for x in st["kinds"][kind]:
                rec = x["record"]
                t = x["t"] if kind == "recovery" else parse_ms(rec["start"])
                recs[x["key"]] = (t, rec)
                if t <= t0 and (self.max_t[kind] is None or
                                t > self.max_t[kind]):
                    self.max_t[kind] = t
            self.svc[kind] = recs
        return st

    def refresh_ok(self):
        tr = self.state["token_requests"].get("refresh_token", {})
        return tr.get("ok", 0) if isinstance(tr, dict) else 0

    def db_rows(self, kind):
        c = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True,
                            timeout=30)
        try:
            return {k: raw for k, raw in c.execute(
                "SELECT %s, raw FROM %s WHERE account_id = ?" %
                (KEYCOL[kind], kind), (self.account,))}
        finally:
            c.close()

    def db_query(self, sql, args=()):
        c = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True,
                            timeout=30)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def cred_print(self):
        rows = self.db_query("SELECT access_token, refresh_token, "
                             "expires_at FROM credentials WHERE "
                             "account_id = ?", (self.account,))
        return hashlib.sha256(repr(rows).encode()).hexdigest()

    # -- the invariant

    def check_every(self, problems):
        ic = self.db_query("PRAGMA integrity_check")
        if ic != [("ok",)]:
            problems.append("integrity_check: %r" % ic[:3])
        if self.state["refresh_reuse"] != self.reuse:
            problems.append("the service saw a spent refresh token sent "
                            "again (%d reuse%s so far): the grant is gone"
                            % (self.state["refresh_reuse"], "" if
                               self.state["refresh_reuse"] == 1 else "s"))
            self.reuse = self.state["refresh_reuse"]

    def check_clean(self, types, full, t0, hw, altered, problems):
        for kind in KINDS:
            if kind not in types:
                continue
            svc, got = self.svc[kind], self.db_rows(kind)
            lo = 0 if full or hw[kind] is None else hw[kind] - RESCORE
            if self.maybe_resume[kind] and not full and not STRICT:
                # a resumed pass fetches only what the cut one had not
                # reached: what changed since may wait for the next run
                base = self.resume_base[kind]
                svc = {k: v for k, v in svc.items() if base.get(k) == v}
            missing = [k for k, (t, rec) in svc.items()
                       if k not in got and (t >= lo or
                                            k in self.must_have[kind])]
            for k in sorted(missing, key=str)[:5]:
                problems.append("%s %s (t %s, %s) is at the service, not "
                                "in the database" % (
                                    kind, k, iso(svc[k][0]),
                                    "inside the window from " + iso(lo)
                                    if svc[k][0] >= lo else "older than "
                                    "the window from %s, but an earlier "
                                    "run's window covered it" % iso(lo)))
            if len(missing) > 5:
                problems.append("%s: %d more missing" %
                                (kind, len(missing) - 5))
            stale = [k for k, (t, rec) in svc.items() if k in got and
                     lo <= t < t0 and not altered and
                     json.loads(got[k]) != rec]
            for k in sorted(stale, key=str)[:5]:
                problems.append("%s %s (t %s, inside the window from %s) "
                                "differs from the service's" %
                                (kind, k, iso(svc[k][0]), iso(lo)))
            for k in got:
                if k in self.svc[kind]:
                    continue
                if k not in self.deleted[kind]:
                    problems.append("%s %s is in the database but the "
                                    "service never had it" % (kind, k))
                    continue
                t = self.deleted[kind][k]
                # (lo is the epoch for -F; a -F pass does not resume)
                if lo <= t < t0 and (full or not self.maybe_resume[kind]):
                    problems.append("%s %s was deleted at the service "
                                    "(t %s, inside the window from %s) "
                                    "and is still stored" %
                                    (kind, k, iso(t), iso(lo)))
        if "profile" in types and not altered:
            rows = self.db_query("SELECT raw FROM profile WHERE "
                                 "account_id = ?", (self.account,))
            if [json.loads(x[0]) for x in rows] != [self.state["profile"]]:
                problems.append("profile differs from the service's")
        if "body" in types and not altered:
            rows = self.db_query("SELECT raw FROM body_measurement WHERE "
                                 "account_id = ? ORDER BY id DESC LIMIT 1",
                                 (self.account,))
            if [json.loads(x[0]) for x in rows] != [self.state["body"]]:
                problems.append("body measurement differs from the "
                                "service's")

    def health(self):
        rc, out, _ = self.run(["whoop-sync", "-c"])
        lines = {}
        for line in out.splitlines():
            f = line.split("\t")
            if len(f) >= 3 and f[1] == str(self.account):
                lines[f[2]] = f[0]
        return rc, lines, out

    def cut_short(self, types):
        """The run may have left a pass unfinished for these types."""
        for k in types:
            if k in KINDS and not self.maybe_resume[k]:
                self.maybe_resume[k] = True
                self.resume_base[k] = dict(self.svc[k])

    # -- one sync, maybe killed

    def sync(self, args, types, kill=None):
        """Runs whoop-sync ARGS and checks the invariant.  kill: None,
        ("after", n) to kill it while its request after the n-th API
        request hangs, or ("delay", seconds).  Returns a short outcome."""
        altered, self.altered = self.altered, False
        cred0, ok0 = self.cred_print(), self.refresh_ok()
        before = {k: set(self.db_rows(k)) for k in KINDS}
        hw = dict(self.hw)
        for k in types:
            if k in KINDS:
                self.hw[k] = self.max_t[k]
        t0 = now_ms()
        if kill and kill[0] == "after":
            self.sim.ctl("fault", {"kind": "stall", "count": 1,
                                   "after": kill[1], "seconds": 6,
                                   "path_prefix": "/developer/v2/"})
        p = subprocess.Popen(["whoop-sync"] + args, env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
        killed = False
        if kill:
            end = time.time() + (kill[1] if kill[0] == "delay" else 30)
            while p.poll() is None and time.time() < end:
                if kill[0] == "after" and not any(
                        f["kind"] == "stall" for f in
                        self.sim.ctl("stats")["faults_pending"]):
                    time.sleep(0.05)        # it is waiting on the stall
                    break
                time.sleep(0.01)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed = True
        try:
            out, err = p.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            self.sim.ctl("fault/clear", {})
            raise Failure("whoop-sync %s did not finish in %d s" %
                          (" ".join(args), RUN_TIMEOUT))
        rc = p.returncode
        err = err.decode("utf-8", "replace")
        self.sim.ctl("fault/clear", {})
        self.refresh_state()
        problems = []
        self.check_every(problems)
        for kind in KINDS:
            gone = before[kind] - set(self.db_rows(kind))
            for k in sorted(k for k in gone if k in self.svc[kind])[:5]:
                problems.append("%s %s (t %s) was deleted from the "
                                "database although the service has it" %
                                (kind, k, iso(self.svc[kind][k][0])))
        outcome = "killed" if killed else "exit %d" % rc
        if not (rc == -signal.SIGKILL or killed):
            # what this run's window covered must stay stored: now, if
            # it exited 0, else after the next run that does (a failed
            # -F counts as incremental: its pass may not have begun)
            for k in types:
                if k not in KINDS:
                    continue
                lo = 0 if rc == 0 and "-F" in args or hw[k] is None \
                    else hw[k] - RESCORE
                self.covered[k] = set(key for key, (t, _) in
                                      self.svc[k].items() if t >= lo)
        if rc == -signal.SIGKILL or killed:
            killed = True
            self.cut_short(types)
        elif rc == 0:
            self.check_clean(types, "-F" in args, t0, hw, altered,
                             problems)
            hrc, lines, hout = self.health()
            if set(types) == set(TYPES):
                if hrc != 0:
                    problems.append("whoop-sync -c exits %d after a clean "
                                    "run:\n%s" % (hrc, hout.rstrip()))
            else:
                for k in types:
                    if lines.get(k) != "ok":
                        problems.append("whoop-sync -c does not say ok "
                                        "for %s after a clean run" % k)
            for k in types:
                if k in KINDS:
                    self.maybe_resume[k] = False
        else:
            self.cut_short(types)
            named = [k for k in TYPES if (": %s: " % k) in err]
            if named and rc in (1, 75):
                hrc, _, hout = self.health()
                if hrc == 0:
                    problems.append("whoop-sync -c exits 0 although the "
                                    "run failed for %s" % ",".join(named))
            if rc == 77:
                outcome += " (grant gone: logged in again)"
                self.login()
        if rc not in (0, 1, 75, 77) and not killed:
            problems.append("whoop-sync exits %d: %s" % (rc, err[-300:]))
        for k in KINDS:
            self.must_have[k] |= self.covered.pop(k, set())
        if problems:
            raise Failure("after whoop-sync %s (%s):\n  %s%s" % (
                " ".join(args), outcome, "\n  ".join(problems),
                "\n  stderr: " + err.strip()[-600:] if err.strip() else ""))
        if (self.refresh_ok() > ok0 and self.cred_print() == cred0 and
                rc != 77):
            # the service rotated the pair, the client never stored it
            # (killed, or the answer was cut off): the grant is lost
            # whatever the client does; log in again, as its user would
            self.login()
            outcome += " (answer to a refresh lost: logged in again)"
        return outcome

    # -- the steps

    def pick(self, kind, lo=None, hi=None, main_sleep=False):
        """A record of kind with lo <= t < hi, chosen by the model."""
        c = sorted((t, k) for k, (t, rec) in self.svc[kind].items()
                   if (lo is None or t >= lo) and (hi is None or t < hi) and
                   not (main_sleep and rec.get("nap")))
        return self.r.choice(c)[1] if c else None

    def step(self):
        r = self.r
        ops = [("sync", 30), ("sync_t", 8), ("sync_full", 2), ("kill", 12),
               ("fault", 14), ("token", 5), ("expire", 3), ("advance", 12),
               ("late", 4), ("rescore_new", 4), ("rescore_old", 3),
               ("delete_in", 4), ("delete_out", 3)]
        if self.odd:
            ops += [("edit_sleep", 7), ("odd_value", 3), ("future", 1)]
        # switches of a newer simulator, used when it has them
        if "lost_reset" in FEATURES:
            ops += [("lost_token", 3)]
        if "handshake_reset" in FEATURES:
            ops += [("handshake", 3)]
        if "repeat_token" in FEATURES:
            ops += [("token_loop", 2)]
        if "stray" in FEATURES and self.odd:
            ops += [("stray", 1)]
        ops = [(o, w) for o, w in ops if o not in OPS_OFF]
        op = r.choices([o for o, _ in ops], [w for _, w in ops])[0]
        self.note = op
        return getattr(self, "op_" + op)()

    def all_types(self):
        return list(TYPES)

    def op_sync(self):
        return "sync: " + self.sync([], TYPES)

    def op_sync_t(self):
        n = self.r.randint(1, 3)
        types = sorted(self.r.sample(KINDS, n))
        return "sync -t %s: %s" % (",".join(types), self.sync(
            ["-t", ",".join(types)], types))

    def op_sync_full(self):
        return "sync -F: " + self.sync(["-F"], TYPES)

    def op_kill(self):
        r = self.r
        if r.random() < 0.6:
            kill = ("after", r.randint(0, 14))
        else:
            kill = ("delay", round(r.uniform(0.02, 0.8), 3))
        types = TYPES
        args = []
        if r.random() < 0.2:
            types = sorted(r.sample(KINDS, 2))
            args = ["-t", ",".join(types)]
        self.note = "sync %s, kill -9 %s %s" % (" ".join(args), kill[0],
                                                 kill[1])
        return "%s: %s" % (self.note, self.sync(args, types, kill))

    def op_fault(self):
        r = self.r
        kind, count = r.choice((
            ("429", 1), ("429", 2), ("500", 1), ("502", 1), ("503", 2),
            ("504", 1), ("503", 100), ("reset", 1), ("reset", 2),
            ("truncated", 1), ("malformed", 1), ("wrongtypes", 1),
            ("missing", 1), ("stall", 1)))
        prefix = r.choice(("/developer/v2/", "/developer/v2/cycle",
                           "/developer/v2/recovery",
                           "/developer/v2/activity/sleep",
                           "/developer/v2/activity/workout"))
        if count == 100 and prefix == "/developer/v2/":
            # for good on one collection: on all six it costs half a
            # minute of the client's backoff
            prefix = "/developer/v2/cycle"
        spec = {"kind": kind, "count": count, "after": r.randint(0, 6),
                "path_prefix": prefix}
        if kind == "stall":
            spec["seconds"] = r.choice((1, 2, 3))
        # records sent without fields, or with wrong types, may be stored
        # as sent (liberal in what is accepted): the run is not compared
        # field by field; the next one must set them right
        self.altered = kind in ("missing", "wrongtypes")
        if kind == "429":
            spec["seconds"] = 1
        self.sim.ctl("fault", spec)
        self.note = "fault %s x%d after %d on %s, sync" % (
            kind, count, spec["after"], prefix)
        return "%s: %s" % (self.note, self.sync([], TYPES))

    def op_token(self):
        """The access token expires; the refresh meets a fault."""
        r = self.r
        kind = r.choice(("reset", "truncated", "token500", "token_badexpiry",
                         "none"))
        self.sim.ctl("expire", {})
        if kind != "none":
            spec = {"kind": kind, "count": 1,
                    "path_prefix": "/oauth/oauth2/token"}
            if kind == "token_badexpiry":
                spec["expires_in"] = r.choice((8, 9, 3000000))
            self.sim.ctl("fault", spec)
        self.note = "expire, token fault %s%s, sync" % (
            kind, " (expires_in %d)" % spec["expires_in"]
            if kind == "token_badexpiry" else "")
        return "%s: %s" % (self.note, self.sync([], TYPES))

    def op_lost_token(self):
        """The refresh runs at the service, its answer never arrives."""
        kind = self.r.choice(("lost_reset", "lost_empty"))
        self.sim.ctl("expire", {})
        self.sim.ctl("fault", {"kind": kind, "count": 1,
                               "path_prefix": "/oauth/oauth2/token"})
        self.note = "expire, token answer %s, sync" % kind
        return "%s: %s" % (self.note, self.sync([], TYPES))

    def op_handshake(self):
        r = self.r
        kind = r.choice(("handshake_reset", "handshake_eof"))
        spec = {"kind": kind, "count": r.choice((1, 1, 2)),
                "after": r.randint(0, 8)}
        self.sim.ctl("fault", spec)
        self.note = "fault %s x%d after %d, sync" % (kind, spec["count"],
                                                     spec["after"])
        return "%s: %s" % (self.note, self.sync([], TYPES))

    def op_token_loop(self):
        """A collection whose next_token repeats, or never ends: the run
        must end (the collection failing), and the next one be clean."""
        r = self.r
        key = r.choice(("repeat_token", "endless_tokens"))
        kind = r.choice(KINDS)
        self.sim.ctl("config", {key: kind})
        self.note = "config %s %s, sync" % (key, kind)
        try:
            out = self.sync([], TYPES)
        finally:
            self.sim.ctl("config", {key: None})
        return "%s: %s" % (self.note, out)

    def op_stray(self):
        """An old record served on the first page of every walk."""
        kind = self.r.choice(("workout", "sleep", "cycle"))
        k = self.pick(kind, None, self.window_lo(kind) - 2 * DAY)
        if k is None:
            return "stray %s: none" % kind
        self.sim.ctl("stray", {"user": 1, "type": kind, "id": k})
        self.refresh_state()
        return "stray %s %s" % (kind, k)

    def op_expire(self):
        self.sim.ctl("expire", {})
        return "expire the access token"

    def op_advance(self):
        if self.state["now_ms"] + 3 * DAY > now_ms():
            return "advance: the service's clock would pass the real one"
        days = self.r.choice((1, 1, 1, 2))
        out = self.sim.ctl("advance", {"days": days})
        self.refresh_state()
        return "advance %d day%s (%s new)" % (days, "" if days == 1 else "s",
                                              out["added"].get("1", "?"))

    def op_late(self):
        r = self.r
        kind = r.choice(("workout", "workout", "sleep"))
        back = r.randint(1, 12) * DAY + r.randint(0, 20) * 3600 * 1000
        start = self.state["now_ms"] - back
        try:
            self.sim.ctl("late", {"user": 1, "type": kind,
                                  "start": iso(start),
                                  "minutes": r.randint(20, 60)})
        except Failure as e:
            return "late %s at %s: refused (%s)" % (kind, iso(start), e)
        self.refresh_state()
        return "late %s at %s" % (kind, iso(start))

    def op_rescore_new(self):
        kind = self.r.choice(KINDS)
        out = self.sim.ctl("rescore", {"user": 1, "type": kind,
                                       "n": self.r.randint(1, 3)})
        self.refresh_state()
        return "rescore newest pending %s: %s" % (kind, out["rescored"])

    def rescore_one(self, lo, hi, what):
        kind = self.r.choice(KINDS)
        k = self.pick(kind, lo, hi)
        if k is None:
            return "rescore %s %s: none" % (what, kind)
        self.sim.ctl("model/rescore", {"type": kind, "id": k})
        self.refresh_state()
        return "rescore %s %s %s" % (what, kind, k)

    def op_rescore_old(self):
        if self.r.random() < 0.5:
            return self.rescore_one(None, self.window_lo("cycle") - DAY,
                                    "old")
        return self.rescore_one(self.window_lo("cycle") + DAY, None,
                                "recent")

    def window_lo(self, kind):
        return (self.max_t[kind] or 0) - RESCORE

    def delete(self, kind, k, what):
        t = self.svc[kind][k][0]
        self.sim.ctl("delete", {"user": 1, "type": kind, "id": k})
        self.deleted[kind][k] = t
        self.refresh_state()
        return "delete %s %s %s (t %s)" % (what, kind, k, iso(t))

    def op_delete_in(self):
        kind = self.r.choice(KINDS)
        k = self.pick(kind, self.window_lo(kind) + DAY // 2)
        return self.delete(kind, k, "recent") if k is not None else \
            "delete recent %s: none" % kind

    def op_delete_out(self):
        kind = self.r.choice(KINDS)
        k = self.pick(kind, None, self.window_lo(kind) - 2 * DAY)
        return self.delete(kind, k, "old") if k is not None else \
            "delete old %s: none" % kind

    def op_edit_sleep(self):
        """A main sleep edited to start earlier than its cycle; half of
        the time one near the edge of the re-score window, where the
        window's start may fall between the two."""
        r = self.r
        lo = self.window_lo("sleep")
        if r.random() < 0.6:
            k = self.pick("sleep", lo - DAY, lo + 2 * DAY, True)
        else:
            k = self.pick("sleep", main_sleep=True)
        if k is None:
            return "edit sleep: no main sleep picked"
        minutes = r.choice((15, 45, 90, 180, 360, 600))
        self.sim.ctl("model/edit_sleep", {"id": k, "minutes": minutes})
        self.refresh_state()
        return "edit sleep %s: starts %d min earlier" % (k, minutes)

    def op_odd_value(self):
        """An implausible value on a recent record, so that it arrives
        with it."""
        r = self.r
        kind, field, value = r.choice((
            ("sleep", "stage_summary.total_awake_time_milli", -68192),
            ("recovery", "recovery_score", 101.5),
            ("recovery", "spo2_percentage", -1.0),
            ("cycle", "strain", 21.7),
            ("cycle", "average_heart_rate", 0),
            ("workout", "max_heart_rate", 312),
            ("workout", "percent_recorded", 104.0)))
        cands = [k for k, (t, rec) in self.svc[kind].items()
                 if t >= self.window_lo(kind) + DAY and
                 isinstance(rec.get("score"), dict)]
        # mostly one no run has fetched yet, so that it arrives with it
        # (pending or not: the service scores it with the odd value)
        new = sorted((k for k, (t, rec) in self.svc[kind].items()
                      if self.hw[kind] is None or t > self.hw[kind]),
                     key=str)
        if new and r.random() < 0.7:
            cands = new
        # a fresh one if the newest day has it, else any recent
        if not cands:
            return "odd %s: no recent scored record" % kind
        k = r.choice(sorted(cands, key=str))
        try:
            self.sim.ctl("model/odd", {"type": kind, "id": k,
                                       "field": field, "value": value})
        except Failure as e:
            return "odd %s %s: refused (%s)" % (kind, k, e)
        self.refresh_state()
        return "odd %s %s: %s = %s" % (kind, k, field, value)

    def op_future(self):
        out = self.sim.ctl("model/future", {})
        self.refresh_state()
        return "future workout %s starting %s" % (out["record"]["id"],
                                                  out["record"]["start"])


# ---------------------------------------------------------------- main

def main():
    seed = os.environ.get("WHOOP_MODEL_SEED")
    seed = int(seed) if seed else int(time.time() * 1000) % 1000000
    maxsteps = int(os.environ.get("WHOOP_MODEL_STEPS", "0"))
    # a replay of a number of steps runs them all
    seconds = float(os.environ.get("WHOOP_MODEL_SECONDS",
                                   "1e9" if maxsteps else "50"))
    episode = int(os.environ.get("WHOOP_MODEL_EPISODE", "150"))
    verbose = os.environ.get("WHOOP_MODEL_VERBOSE") == "1"
    base = os.environ.get("T") or sys.exit("model.py: set T")
    certdir = os.path.join(base, "sim", "certs")
    if not os.path.exists(os.path.join(certdir, "ca.pem")):
        os.makedirs(certdir, mode=0o700, exist_ok=True)
        subprocess.run(["sh", os.path.join(TOP, "t", "sim", "mkcerts.sh"),
                        certdir], check=True, stdout=subprocess.DEVNULL)
    print("# model: WHOOP_MODEL_SEED=%d, %g s" % (seed, seconds), flush=True)
    master = random.Random(seed)
    deadline = time.time() + seconds
    total, worlds, failures = 0, 0, 0
    keep_going = os.environ.get("WHOOP_MODEL_KEEP_GOING") == "1"
    t_start = time.time()
    while time.time() < deadline and (not maxsteps or total < maxsteps):
        # the first world's seed is the seed itself, so that a failure in
        # any world replays with that world's seed alone
        eseed = seed if worlds == 0 else master.randrange(1, 10**9)
        worlds += 1
        steps = []
        w = None
        try:
            w = World(base, certdir, eseed, steps)
            steps.append("world: seed %d, %d days, odd shapes %s%s" %
                         (eseed, w.days, "on" if w.odd else "off",
                          ", sleeps %d min before their cycles" % w.lead
                          if w.lead else ""))
            w.note = "sync"
            steps.append("login, then sync: " + w.sync([], TYPES))
            while (time.time() < deadline and len(steps) < episode and
                   (not maxsteps or total < maxsteps)):
                total += 1
                t1 = time.time()
                s = w.step()
                if time.time() - t1 > 5:
                    s += " [%.0f s]" % (time.time() - t1)
                steps.append(s)
                if verbose:
                    print("# %d: %s" % (len(steps) - 1, s), flush=True)
                if total % 50 == 0 and not verbose:
                    print("# model: %d steps, %.0f s" % (
                        total, time.time() - t_start), flush=True)
        except (Failure, subprocess.TimeoutExpired) as e:
            print("# FAILED in world %d (seed %d) at step %d:" %
                  (worlds, eseed, len(steps)))
            for i, s in enumerate(steps):
                print("#   %d: %s" % (i, s))
            if w is not None:
                print("#   %d: %s: FAILED" % (len(steps), w.note))
            for line in str(e).splitlines():
                print("# " + line)
            print("# replay: WHOOP_MODEL_SEED=%d WHOOP_MODEL_STEPS=%d %s"
                  "prove -v t/0320-model.t" % (
                      eseed, max(1, len(steps) - 1),
                      "WHOOP_MODEL_OPS_OFF=%s " % ",".join(sorted(OPS_OFF))
                      if OPS_OFF else ""), flush=True)
            if w is not None:
                w.close()
            failures += 1
            if not keep_going:
                break
            continue
        rc = w.close()
        if rc != 0:
            print("# whoopsim exited %d" % rc)
            return 1
        if not os.environ.get("KEEP_T"):
            subprocess.run(["rm", "-rf", w.home, w.simdir])
    print("# model: %d steps in %d world%s, %.0f s, %s" % (
        total, worlds, "" if worlds == 1 else "s", time.time() - t_start,
        "%d failure%s" % (failures, "" if failures == 1 else "s")
        if failures else "invariant held after every run"), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
