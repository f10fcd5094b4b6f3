#!/usr/bin/env python3
# whoopsim.py -- a simulated WHOOP service for the whoop test suite.
#
# It speaks the parts of the real API the tools use (OAuth authorize/token
# with PKCE and refresh rotation, revoke, the v2 data collections with
# pagination and rate-limit headers) over TLS on a loopback port, serves a
# deterministic data set generated from --seed, and offers a control API
# under /_sim/ through which tests inspect state and inject faults.
#
# Python 3 standard library only.  Facts about the real service come from
# whoop-api/README.md; where the real behaviour is unknown, the choice made
# here is documented next to the code (and is usually the stricter one).
#
# Secrets: every token, code and the default client secret contain
# "WHOOPCANARY" so tests can grep for leaks.  This program never writes any
# of them to its request log, stdout or stderr.
"""Simulated WHOOP API service (see the comment at the top of the file)."""

import argparse
import base64
import binascii
import bisect
import collections
import email.utils
import hashlib
import heapq
import hmac
import html
import http.server
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

CANARY = "WHOOPCANARY"

SEC = 1000                      # internal times are epoch milliseconds
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR

AUTH_PATH = "/oauth/oauth2/auth"
CONSENT_PATH = "/oauth/oauth2/auth/consent"
TOKEN_PATH = "/oauth/oauth2/token"
REVOKE_PATH = "/developer/v2/user/access"
API_PREFIX = "/developer/v2/"

SCOPES = ("read:recovery", "read:cycles", "read:workout", "read:sleep",
          "read:profile", "read:body_measurement", "offline")
KINDS = ("cycle", "recovery", "sleep", "workout")
KIND_SCOPE = {"cycle": "read:cycles", "recovery": "read:recovery",
              "sleep": "read:sleep", "workout": "read:workout"}

DEFAULT_LIMIT = 10
MAX_LIMIT = 25
CODE_TTL = 300                  # seconds; third-party claim of 5 minutes
MAX_BODY = 1 << 20              # request bodies we are willing to read

SCORED, PENDING, UNSCORABLE = "SCORED", "PENDING_SCORE", "UNSCORABLE"

# (sport_name, sport_id, outdoor (has distance/altitude), minutes, weight)
SPORTS = (
    ("running", 0, True, (20, 90), 5),
    ("cycling", 1, True, (30, 150), 3),
    ("walking", 63, True, (15, 60), 5),
    ("hiking", 52, True, (60, 240), 1),
    ("boxing", 39, False, (20, 60), 2),
    ("weightlifting_msk", 123, False, (30, 80), 4),
    ("activity", -1, False, (10, 60), 3),
    ("yoga", 44, False, (20, 75), 2),
    ("meditation", 70, False, (10, 30), 2),
)
SPORT_BY_NAME = {s[0]: s for s in SPORTS}

# Offsets are chosen so a change never exceeds 9 hours: a cycle is then at
# least ~14 h long and a night's sleep plus a day always fit.
HOME_TZ = ("-05:00", "+01:00", "Z", "-03:00")
TRAVEL_TZ = ("+04:00", "Z", "-05:00", "+02:00", "+01:00")

FIRST_NAMES = ("Alex", "Zoë", "Sam", "Renée", "Jordan", "Kai")
LAST_NAMES = ("Rivera", "Lindqvist", "O'Neil", "Nguyễn", "Okafor", "Smith")

FAULT_KINDS = ("429", "500", "502", "503", "504", "reset", "truncated",
               "malformed", "wrongtypes", "missing", "huge", "stall",
               "invalid_grant", "token500", "token_malformed",
               "token_norefresh", "token_badexpiry")
TOKEN_FAULTS = ("invalid_grant", "token500", "token_malformed",
                "token_norefresh", "token_badexpiry")

SENSITIVE_PARAMS = ("code", "state", "code_verifier", "access_token",
                    "refresh_token", "client_secret", "token", "id_token")
SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "cookie")


# ---------------------------------------------------------------- time

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d(:\d\d(\.\d+)?)?"
                      r"([Zz]|[+-]\d\d:\d\d)?")


def iso(ms):
    """Epoch ms -> '2026-02-18T01:13:46.070Z', WHOOP's response format."""
    s, milli = divmod(int(ms), 1000)
    t = time.gmtime(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, milli)


def parse_time(text):
    """RFC 3339 date-time -> epoch ms.  ValueError if it is not one.

    A missing offset is taken as UTC (lenient); a '+' that a client forgot
    to URL-encode arrives here as a space and is rejected, as it should be.
    """
    if not isinstance(text, str) or not _TIME_RE.fullmatch(text):
        raise ValueError("not an RFC 3339 date-time")
    s = text[:-1] + "+00:00" if text[-1] in "Zz" else text
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def tz_minutes(tz):
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    return sign * (int(tz[1:3]) * 60 + int(tz[4:6]))


def f7(x):
    """Round like WHOOP's float32 values print: <= 7 significant digits."""
    return float("%.7g" % x)


def uuid_from(r):
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


# ---------------------------------------------------------------- data

class Entry:
    """One record of any kind, with the bookkeeping the API does not show.

    Times are epoch ms.  `final` is the state the record settles in,
    `scored_at` when it gets there; `stuck` keeps it PENDING_SCORE until
    /_sim/rescore.  `key` is the sort/filter time (recovery: its sleep's
    start), `reveal` the moment it becomes visible (its created_at).
    """
    __slots__ = ("kind", "id", "user_id", "cycle_id", "sleep_id", "created",
                 "updated", "start", "end", "tz", "nap", "sport_name",
                 "sport_id", "final", "stuck", "scored_at", "score", "state",
                 "key", "reveal", "close_at", "patch", "stray")

    def __init__(self, kind, **kw):
        self.kind = kind
        for name in self.__slots__[1:]:
            setattr(self, name, kw.get(name))

    def render(self):
        """The record exactly as the API serves it, in WHOOP's field order."""
        k = self.kind
        if k == "cycle":
            d = {"id": self.id, "user_id": self.user_id}
        elif k == "sleep":
            d = {"id": self.id, "cycle_id": self.cycle_id, "v1_id": None,
                 "user_id": self.user_id}
        elif k == "workout":
            d = {"id": self.id, "v1_id": None, "user_id": self.user_id}
        else:
            d = {"cycle_id": self.cycle_id, "sleep_id": self.sleep_id,
                 "user_id": self.user_id}
        d["created_at"] = iso(self.created)
        d["updated_at"] = iso(self.updated)
        if k != "recovery":
            d["start"] = iso(self.start)
            # WHOOP sends the open cycle's end as an explicit null
            d["end"] = None if self.end is None else iso(self.end)
            d["timezone_offset"] = self.tz
        if k == "sleep":
            d["nap"] = self.nap
        if k == "workout":
            d["sport_name"] = self.sport_name
        d["score_state"] = self.state
        if self.state == SCORED:
            # may be an explicit null (meditation), as observed for real
            d["score"] = self.score
        if k == "workout":
            d["sport_id"] = self.sport_id
        return shape_render(self, d)


class UserData:
    """One simulated WHOOP member: profile, body and a timeline of records.

    The timeline is generated night by night, forward in time, from
    per-night random streams, so it is deterministic for a given seed and
    can be extended by /_sim/advance.  Records enter the visible store when
    `now` passes their created_at; the cycle of the newest visible night
    stays open (end null).
    """

    def __init__(self, sim, index, now, days):
        self.sim = sim
        self.index = index
        self.tag = "whoopsim:%d:%d" % (sim.seed, index)
        self.days = days
        self.now = now
        r = random.Random(self.tag + ":user")
        self.user_id = sim.alloc_user_id(r)
        first = FIRST_NAMES[(index - 1) % len(FIRST_NAMES)]
        last = LAST_NAMES[(index - 1) % len(LAST_NAMES)]
        self.profile = {"user_id": self.user_id,
                        "email": "whoopsim.user%d@example.com" % index,
                        "first_name": first, "last_name": last}
        self.body = {"height_meter": round(r.uniform(1.55, 1.95), 4),
                     "weight_kilogram": round(r.uniform(52, 98), 2),
                     "max_heart_rate": r.randint(180, 200)}
        self.home_tz = HOME_TZ[0] if index == 1 else r.choice(HOME_TZ)
        self.baseline_sleep = r.randint(25_000_000, 29_000_000)

        self.entries = {k: {} for k in KINDS}     # visible: id -> Entry
        self.cache = {k: None for k in KINDS}     # sorted views
        self.future = []                          # heap (reveal, seq, Entry)
        self.seq = 0
        self.fresh = set()       # pending entries that will score by time
        self.open_cycle = None
        self.advancing = False
        self.onsets = self.first_onsets()
        self.next_night = 0
        self.extend()
        self.ensure_variety()

    # -- the calendar: where each night's sleep begins, in which zone

    def tz_for(self, n):
        """Offset of night n.  The last weeks are fixed so that every data
        set, however small, has travel in it: newest week +04:00 (as in the
        real samples), then home, then Z, then home; older and future weeks
        travel at random."""
        rel = self.days - 1 - n
        w = rel // 7
        fixed = {0: "+04:00", 1: self.home_tz, 2: "Z", 3: self.home_tz}
        if w in fixed:
            return fixed[w]
        r = random.Random("%s:week:%d" % (self.tag, w))
        return r.choice(TRAVEL_TZ) if r.random() < 0.3 else self.home_tz

    def sleep_len(self, n):
        r = random.Random("%s:sleeplen:%d" % (self.tag, n))
        return r.randint(int(5.5 * HOUR), 9 * HOUR)

    def jitter(self, n):
        r = random.Random("%s:onset:%d" % (self.tag, n))
        return r.randint(-50 * MIN, 50 * MIN)

    def first_onsets(self):
        """Sleep onsets of the initial nights, newest placed near `now`,
        the rest walked backward keeping local bedtimes near midnight."""
        last = self.days - 1
        off = tz_minutes(self.tz_for(last)) * MIN
        midnight = (self.now + off) // DAY * DAY
        onset = midnight - 45 * MIN + self.jitter(last) - off
        # the newest night's sleep must be over and processed by now
        while onset + self.sleep_len(last) + 45 * MIN > self.now:
            onset -= DAY
        rev = [onset]
        for n in range(last - 1, -1, -1):
            delta = (tz_minutes(self.tz_for(n + 1)) -
                     tz_minutes(self.tz_for(n))) * MIN
            rev.append(rev[-1] - DAY + delta + self.jitter(n))
        rev.reverse()
        return rev

    def onset(self, n):
        while n >= len(self.onsets):
            m = len(self.onsets)
            delta = (tz_minutes(self.tz_for(m - 1)) -
                     tz_minutes(self.tz_for(m))) * MIN
            self.onsets.append(self.onsets[-1] + DAY + delta + self.jitter(m))
        return self.onsets[n]

    # -- generating one night (its cycle, sleep, recovery, naps, workouts)

    def pick_state(self, r, e):
        x = r.random()
        e.stuck = x < 0.05
        e.final = UNSCORABLE if 0.05 <= x < 0.08 else SCORED

    def queue(self, e):
        self.seq += 1
        heapq.heappush(self.future, (e.reveal, self.seq, e))

    def make_night(self, n):
        r = random.Random("%s:night:%d" % (self.tag, n))
        onset, nxt = self.onset(n), self.onset(n + 1)
        tz = self.tz_for(n)
        rel = self.days - 1 - n
        dur = max(2 * HOUR, min(self.sleep_len(n), nxt - onset - 5 * HOUR))
        wake = onset + dur
        cid = self.sim.alloc_cycle_id(onset)

        # The physiological day starts at sleep onset: cycle start equals
        # the main sleep's start, as in the real samples.
        created = wake + r.randint(20 * SEC, 30 * MIN)
        sleep = Entry("sleep", id=uuid_from(r), user_id=self.user_id,
                      cycle_id=cid, created=created, start=onset, end=wake,
                      tz=tz, nap=False, key=onset, reveal=created,
                      scored_at=created + r.randint(MIN, 90 * MIN),
                      score=self.sleep_score(r, onset, wake, False))
        self.pick_state(r, sleep)
        cc = created - r.randint(2 * SEC, 6 * SEC)
        cycle = Entry("cycle", id=cid, user_id=self.user_id, created=cc,
                      start=onset, end=None, close_at=nxt, tz=tz, key=onset,
                      reveal=cc, scored_at=cc + r.randint(SEC, 5 * MIN),
                      score=self.cycle_score(r))
        self.pick_state(r, cycle)
        rc = created + r.randint(10, 90)
        recovery = Entry("recovery", id=cid, user_id=self.user_id,
                         cycle_id=cid, sleep_id=sleep.id, created=rc,
                         key=onset, reveal=rc, scored_at=sleep.scored_at,
                         final=sleep.final, stuck=sleep.stuck,
                         score=self.recovery_score(r, n))
        shape_night(self.sim, cycle, sleep, recovery)
        for e in (cycle, sleep, recovery):
            self.queue(e)

        # The waking day: a nap now and then, 0-2 workouts.  A few nights
        # near the end are pinned so small data sets still hold every edge
        # case (nap, SCORED meditation with null score, outdoor distance,
        # sport_id -1).
        acts = []
        if rel == 2 or r.random() < 0.12:
            acts.append("nap")
        forced = {1: "meditation", 3: "running", 5: "activity"}.get(rel)
        nwork = r.choices((0, 1, 2), (30, 50, 20))[0]
        if forced:
            acts.append(forced)
            nwork = max(0, nwork - 1)
        for _ in range(nwork):
            acts.append(r.choices(SPORTS, [s[4] for s in SPORTS])[0][0])
        r.shuffle(acts)
        day0, day1 = wake + 45 * MIN, nxt - 90 * MIN
        if not acts or day1 - day0 < HOUR:
            return
        slot = (day1 - day0) // len(acts)
        for i, act in enumerate(acts):
            s0 = day0 + i * slot
            if act == "nap":
                self.make_nap(r, s0, slot, cid, tz)
            else:
                self.make_workout(r, s0, slot, act, tz)

    def make_nap(self, r, s0, slot, cid, tz):
        dur = min(r.randint(20 * MIN, 90 * MIN), slot - 10 * MIN)
        if dur < 10 * MIN:
            return
        start = s0 + r.randint(0, slot - dur)
        end = start + dur
        created = end + r.randint(20 * SEC, 20 * MIN)
        e = Entry("sleep", id=uuid_from(r), user_id=self.user_id,
                  cycle_id=cid, created=created, start=start, end=end, tz=tz,
                  nap=True, key=start, reveal=created,
                  scored_at=created + r.randint(MIN, 60 * MIN),
                  score=self.sleep_score(r, start, end, True))
        self.pick_state(r, e)
        self.queue(e)

    def make_workout(self, r, s0, slot, name, tz):
        _, sport_id, outdoor, (lo, hi), _ = SPORT_BY_NAME[name]
        dur = min(r.randint(lo * MIN, hi * MIN), slot - 5 * MIN)
        if dur < 5 * MIN:
            return
        start = s0 + r.randint(0, slot - dur)
        end = start + dur
        created = end + r.randint(SEC, 10 * MIN)
        e = Entry("workout", id=uuid_from(r), user_id=self.user_id,
                  created=created, start=start, end=end, tz=tz,
                  sport_name=name, sport_id=sport_id, key=start,
                  reveal=created,
                  scored_at=created + r.randint(5 * SEC, 5 * MIN),
                  score=self.workout_score(r, start, end, outdoor))
        self.pick_state(r, e)
        if name == "meditation":
            # observed for real: SCORED, but "score": null
            e.score, e.final = None, SCORED
        self.queue(e)

    # -- scores (ranges look like the real samples; ints stay ints)

    def cycle_score(self, r):
        avg = r.randint(60, 90)
        return {"strain": f7(r.uniform(3.0, 19.5)),
                "kilojoule": f7(r.uniform(6000, 14000)),
                "average_heart_rate": avg,
                "max_heart_rate": r.randint(avg + 50,
                                            self.body["max_heart_rate"])}

    def sleep_score(self, r, start, end, nap):
        in_bed = end - start
        awake = in_bed * r.randint(3, 14) // 100 // 10 * 10
        no_data = 0 if r.random() < 0.9 else r.randint(1, 60) * 10_000
        rest = max(0, in_bed - awake - no_data)
        rem = rest * r.randint(15, 30) // 100 // 10 * 10
        sws = rest * r.randint(15, 30) // 100 // 10 * 10
        light = rest - rem - sws
        stages = {"total_in_bed_time_milli": in_bed,
                  "total_awake_time_milli": awake,
                  "total_no_data_time_milli": no_data,
                  "total_light_sleep_time_milli": light,
                  "total_slow_wave_sleep_time_milli": sws,
                  "total_rem_sleep_time_milli": rem,
                  "sleep_cycle_count": max(1, in_bed // (90 * MIN)),
                  "disturbance_count": r.randint(0, 3) if nap
                  else r.randint(1, 15)}
        needed = {"baseline_milli": self.baseline_sleep,
                  "need_from_sleep_debt_milli": r.randint(0, 9_000_000),
                  "need_from_recent_strain_milli": r.randint(0, 2_500_000),
                  "need_from_recent_nap_milli": 0 if r.random() < 0.8
                  else -r.randint(600_000, 3_600_000)}
        return {"stage_summary": stages, "sleep_needed": needed,
                "respiratory_rate": f7(r.uniform(13.0, 18.0)),
                "sleep_performance_percentage":
                float(r.randint(10 if nap else 40, 100)),
                "sleep_consistency_percentage": float(r.randint(30, 95)),
                "sleep_efficiency_percentage": f7(r.uniform(80.0, 98.5))}

    def recovery_score(self, r, n):
        return {"user_calibrating": n < 4 and self.days > 7,
                "recovery_score": float(r.randint(1, 99)),
                "resting_heart_rate": float(r.randint(45, 75)),
                "hrv_rmssd_milli": f7(r.uniform(20.0, 120.0)),
                "spo2_percentage": f7(r.uniform(94.0, 99.5)),
                "skin_temp_celsius": f7(r.uniform(33.0, 35.5))}

    def workout_score(self, r, start, end, outdoor):
        avg = r.randint(95, 160)
        dur = end - start
        parts = [r.random() for _ in range(6)]
        total = sum(parts)
        zones = [int(dur * 0.98 * p / total) // 10 * 10 for p in parts]
        names = ("zone_zero_milli", "zone_one_milli", "zone_two_milli",
                 "zone_three_milli", "zone_four_milli", "zone_five_milli")
        return {"strain": f7(r.uniform(2.0, 18.0)),
                "average_heart_rate": avg,
                "max_heart_rate": min(self.body["max_heart_rate"],
                                      avg + r.randint(10, 45)),
                "kilojoule": f7(r.uniform(150.0, 3000.0)),
                # a 0..1 fraction, as observed (the spec says 0-100)
                "percent_recorded": 1.0 if r.random() < 0.6
                else f7(r.uniform(0.9, 1.0)),
                # explicit nulls for indoor sports, as observed
                "distance_meter":
                f7(r.uniform(800, 21000)) if outdoor else None,
                "altitude_gain_meter":
                f7(r.uniform(0, 200)) if outdoor else None,
                "altitude_change_meter":
                f7(r.uniform(-20, 20)) if outdoor else None,
                "zone_durations": dict(zip(names, zones))}

    # -- revealing records as `now` moves

    def extend(self):
        """Generate nights up to now and reveal what has happened by now."""
        while self.onset(self.next_night) <= self.now:
            self.make_night(self.next_night)
            self.next_night += 1
        shown = []
        while self.future and self.future[0][0] <= self.now:
            _, _, e = heapq.heappop(self.future)
            self.show(e)
            shown.append(e)
        for e in list(self.fresh):
            if e.scored_at <= self.now:
                e.state, e.updated = e.final, max(e.updated, e.scored_at)
                self.fresh.discard(e)
                self.touch(e.kind)
        return shown

    def show(self, e):
        if e.kind == "cycle":
            prev = self.open_cycle
            if prev is not None:
                prev.end = prev.close_at
                prev.updated = max(prev.updated,
                                   min(self.now, e.reveal + 5 * SEC))
                self.touch("cycle")
            self.open_cycle = e
        if self.advancing and not e.stuck:
            # records arriving through /_sim/advance often wait for a
            # re-score, so a sync sees PENDING_SCORE turn into SCORED
            pr = random.Random("%s:late-pending:%s" % (self.tag, e.id))
            e.stuck = pr.random() < 0.25
        e.updated = e.created
        if e.stuck:
            e.state = PENDING
        elif e.scored_at <= self.now:
            e.state, e.updated = e.final, e.scored_at
        else:
            e.state = PENDING
            self.fresh.add(e)
        self.add(e)

    def add(self, e):
        self.entries[e.kind][e.id] = e
        self.touch(e.kind)

    def touch(self, kind):
        self.cache[kind] = None

    def ensure_variety(self):
        """Every collection of a normal-sized data set has at least one
        PENDING_SCORE and one UNSCORABLE record."""
        for kind in KINDS:
            lst = self.ordered(kind)[0]
            if len(lst) >= 3 and not any(e.state == PENDING for e in lst):
                e = lst[1]
                e.stuck, e.state, e.updated = True, PENDING, e.created
                self.fresh.discard(e)
            if len(lst) >= 6 and not any(e.state == UNSCORABLE for e in lst):
                for e in lst[3:]:
                    if e.state == SCORED and e.sport_name != "meditation":
                        e.final = e.state = UNSCORABLE
                        e.updated = max(e.created, e.scored_at)
                        break
            self.touch(kind)

    def advance(self, days):
        self.now += days * DAY
        self.advancing = True
        try:
            shown = self.extend()
        finally:
            self.advancing = False
        if shown and not any(e.state == PENDING for e in shown):
            for e in shown:
                if e.kind in ("sleep", "recovery") and not e.nap:
                    e.stuck, e.state, e.updated = True, PENDING, e.created
                    self.fresh.discard(e)
                    self.touch(e.kind)
        oc = self.open_cycle
        if oc is not None and oc.id in self.entries["cycle"]:
            # the open cycle keeps accumulating strain through the day
            oc.updated = max(oc.updated, self.now - 7 * MIN)
        return len(shown)

    # -- queries

    def ordered(self, kind):
        """(entries newest first, negated keys ascending for bisect)."""
        c = self.cache[kind]
        if c is None:
            lst = sorted(self.entries[kind].values(),
                         key=lambda e: (e.key, str(e.id)), reverse=True)
            c = self.cache[kind] = (lst, [-e.key for e in lst])
        return c

    def window(self, kind, start, end):
        """Records with start <= key < end, newest first."""
        lst, neg = self.ordered(kind)
        lo = bisect.bisect_right(neg, -end)
        hi = bisect.bisect_right(neg, -start)
        return lst[lo:hi]

    def get(self, kind, rid):
        return self.entries[kind].get(rid)

    def main_sleep(self, cid):
        for e in self.entries["sleep"].values():
            if e.cycle_id == cid and not e.nap:
                return e
        return None

    def cycle_at(self, t):
        for e in self.ordered("cycle")[0]:
            if e.start <= t:
                return e if e.end is None or t < e.end else None
        return None

    def dataset(self):
        out = {"user_id": self.user_id, "profile": self.profile,
               "body": self.body}
        for kind in KINDS:
            out[kind] = [e.render() for e in
                         shape_rows(self, kind, 0, self.now)]
        return out

    # -- control-API mutations

    def rescore(self, n, kinds):
        done = {}
        for kind in kinds:
            pend = [e for e in self.ordered(kind)[0] if e.state == PENDING]
            for e in pend[:n]:
                e.stuck, e.state = False, SCORED
                e.updated = max(e.updated + SEC, self.now)
                self.fresh.discard(e)
            done[kind] = len(pend[:n])
            self.touch(kind)
        return done

    def delete(self, kind, rid):
        e = self.entries[kind].pop(rid, None)
        if e is None:
            return False
        self.fresh.discard(e)
        self.touch(kind)
        return True

    def late(self, kind, start, minutes, sport, state):
        """A record that shows up now for a time in the past."""
        if kind not in ("workout", "sleep"):
            raise ValueError("late: type must be workout or sleep")
        end = start + minutes * MIN
        if end > self.now:
            raise ValueError("late: record would end after now")
        cyc = self.cycle_at(start)
        r = random.Random("%s:late:%d:%s" % (self.tag, start, kind))
        common = dict(user_id=self.user_id, created=self.now, start=start,
                      end=end, tz=cyc.tz if cyc else "Z", key=start,
                      reveal=self.now, scored_at=self.now,
                      final=UNSCORABLE if state == UNSCORABLE else SCORED,
                      stuck=state == PENDING)
        if kind == "sleep":
            if cyc is None:
                raise ValueError("late: no cycle at that time for a nap")
            e = Entry("sleep", id=uuid_from(r), cycle_id=cyc.id, nap=True,
                      score=self.sleep_score(r, start, end, True), **common)
        else:
            if sport not in SPORT_BY_NAME:
                raise ValueError("late: unknown sport_name")
            s = SPORT_BY_NAME[sport]
            e = Entry("workout", id=uuid_from(r), sport_name=sport,
                      sport_id=s[1],
                      score=None if sport == "meditation" else
                      self.workout_score(r, start, end, s[2]), **common)
        was, self.advancing = self.advancing, False
        self.show(e)
        self.advancing = was
        return e


# ---------------------------------------------------------------- OAuth

class Grant:
    """What one authorization (one code exchange) produced."""
    __slots__ = ("id", "user", "client_id", "scopes", "alive", "access",
                 "refresh")

    def __init__(self, gid, user, client_id, scopes):
        self.id, self.user, self.client_id = gid, user, client_id
        self.scopes, self.alive = scopes, True
        self.access, self.refresh = [], []


class AccessToken:
    __slots__ = ("grant", "exp", "alive")

    def __init__(self, grant, exp):
        self.grant, self.exp, self.alive = grant, exp, True


class Code:
    __slots__ = ("user", "client_id", "scopes", "redirect_uri", "challenge",
                 "exp", "used", "grant")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)
        self.used, self.grant = False, None


class OAuthError(Exception):
    def __init__(self, error, desc, status=400):
        super().__init__(error)
        self.error, self.desc, self.status = error, desc, status


def s256(verifier):
    d = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(d).rstrip(b"=").decode("ascii")


_PKCE_RE = re.compile(r"[A-Za-z0-9._~-]{43,128}")


# ---------------------------------------------------------------- rate limit

class RateLimiter:
    """Per client app: a per-minute window and a per-day window.

    WHOOP documents the headers, not the window's kind nor the rounding
    of X-RateLimit-Reset, so both are switches (issue 11):
      kind "fixed"   a window starts with the first request after the
                     previous one ran out; Reset is the time until it ends
      kind "sliding" the per-minute window is the last `minute` seconds;
                     Reset is the time until the oldest request in it
                     leaves (the per-day window stays fixed)
      rounding "ceil" (the default) or "floor" of Reset in seconds."""

    def __init__(self, per_minute, per_day):
        self.kind, self.rounding = "fixed", "ceil"
        self.configure(per_minute, per_day)

    def configure(self, per_minute, per_day, minute=60, kind=None,
                  rounding=None):
        # `minute` shortens the per-minute window so that tests of pacing
        # finish in seconds; WHOOP's is 60.
        self.limits = ((minute, per_minute), (86400, per_day))
        self.windows = [[-1e18, 0], [-1e18, 0]]
        self.stamps = collections.deque()    # sliding: allowed requests
        if kind is not None:
            self.kind = kind
        if rounding is not None:
            self.rounding = rounding

    def _round(self, x):
        x = max(0.0, x)
        return math.floor(x) if self.rounding == "floor" else math.ceil(x)

    def take(self, now):
        """Count one request.  Returns (allowed, headers, reset seconds)."""
        for (length, _), w in zip(self.limits, self.windows):
            if now >= w[0] + length:
                w[0], w[1] = now, 0
        if self.kind == "sliding":
            length = self.limits[0][0]
            while self.stamps and self.stamps[0] <= now - length:
                self.stamps.popleft()
            self.windows[0][1] = len(self.stamps)
        blocked = [i for i, ((_, lim), w) in
                   enumerate(zip(self.limits, self.windows)) if w[1] >= lim]
        if not blocked:
            for w in self.windows:
                w[1] += 1
            if self.kind == "sliding":
                self.stamps.append(now)
        rem = [max(0, lim - w[1]) for (_, lim), w in
               zip(self.limits, self.windows)]
        # "the first number is the limit the client is closest to hitting"
        i = blocked[-1] if blocked else (0 if rem[0] <= rem[1] else 1)
        length, lim = self.limits[i]
        if i == 0 and self.kind == "sliding":
            left = (self.stamps[0] + length - now) if self.stamps else 0
        else:
            left = self.windows[i][0] + length - now
        reset = self._round(left)
        # Retry-After on a 429: the true wait, rounded up, at least 1 s
        retry = max(1, math.ceil(max(0.0, left))) if blocked else reset
        hdrs = [("X-RateLimit-Limit", "%d, %d;window=%d, %d;window=86400" %
                 (lim, self.limits[0][1], self.limits[0][0],
                  self.limits[1][1])),
                ("X-RateLimit-Remaining", str(rem[i])),
                ("X-RateLimit-Reset", str(reset))]
        return not blocked, hdrs, retry


# ---------------------------------------------------------------- faults

class Fault:
    __slots__ = ("kind", "prefix", "count", "after", "seconds", "size",
                 "expires_in", "consume", "seen", "used")

    def __init__(self, spec):
        kind = str(spec.get("kind", ""))
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind")
        self.kind = kind
        default = TOKEN_PATH if kind in TOKEN_FAULTS + LOST_KINDS \
            else "/"
        self.prefix = str(spec.get("path_prefix") or default)
        self.count = int(spec.get("count", 1))       # <= 0: unlimited
        self.after = int(spec.get("after", 0))
        self.seconds = float(spec.get("seconds",
                                      1 if kind == "429" else 10))
        self.size = int(spec.get("size", 100 << 20))
        # as given: any JSON value, to test what clients accept
        self.expires_in = spec.get("expires_in", -5)
        self.consume = bool(spec.get("consume", False))
        self.seen = self.used = 0

    def matches(self, path):
        if path.startswith("/_sim") or self.kind in CONN_KINDS:
            return False
        if self.kind in TOKEN_FAULTS and path != TOKEN_PATH:
            return False
        return path.startswith(self.prefix)


# ------------------------------------------------ network and token faults
#
# Issue 11, items 5-8: what the network and a faithful WHOOP may do to a
# client's token requests and pacing.  Kept here, apart, so that other
# switches can grow elsewhere.  (The rate windows themselves are in
# RateLimiter above.)
#
# Fault kinds (POST /_sim/fault {"kind": K, "count": N, "after": M, ...}):
#   lost_reset   the endpoint runs (a refresh rotates, a code is spent),
#   lost_empty   then its answer is lost: a TCP reset with no byte sent,
#   lost_hang    a close with no byte sent, or nothing for `seconds`
#                (default 10) and then a close.  Default path: the token
#                endpoint; path_prefix may name another.
#   handshake_reset  the next TLS handshake (after `after` good ones)
#   handshake_eof    reads the ClientHello, then resets or closes: a
#                transport failure, not a certificate problem.  No request
#                is read on that connection.
# Config keys (POST /_sim/config, and the flags of the same name):
#   rate_kind        "fixed" (default) or "sliding" per-minute window
#   rate_reset       "ceil" (default) or "floor": rounding of
#                    X-RateLimit-Reset
#   refresh_rotation "rotate" (default) or "keep": with "keep" a refresh
#                    answer has no refresh_token and the old one stays
#                    valid (RFC 6749 section 6)
# Existing switches that belong with these: token_ttl (a short lifetime,
# e.g. 8), and the faults token_badexpiry {"expires_in": E} (an answer
# outside any bounds, after rotation) and token_norefresh.

LOST_KINDS = ("lost_reset", "lost_empty", "lost_hang")
CONN_KINDS = ("handshake_reset", "handshake_eof")
FAULT_KINDS = FAULT_KINDS + LOST_KINDS + CONN_KINDS

NET_CONFIG = {"rate_kind": ("fixed", "sliding"),
              "rate_reset": ("ceil", "floor"),
              "refresh_rotation": ("rotate", "keep")}


def net_add_args(p):
    p.add_argument("--rate-kind", default="fixed",
                   choices=NET_CONFIG["rate_kind"])
    p.add_argument("--rate-reset", default="ceil",
                   choices=NET_CONFIG["rate_reset"])
    p.add_argument("--refresh-rotation", default="rotate",
                   choices=NET_CONFIG["refresh_rotation"])


def net_init(sim, args):
    sim.cfg.update(rate_kind=args.rate_kind, rate_reset=args.rate_reset,
                   refresh_rotation=args.refresh_rotation)
    sim.rate.configure(args.rate_minute, args.rate_day, 60, args.rate_kind,
                       args.rate_reset)
    sim.stats.update(answers_lost=0, handshakes_failed=0)


def net_config_check(k, v):
    if v not in NET_CONFIG[k]:
        raise ValueError("%s: %s" % (k, " or ".join(NET_CONFIG[k])))


def net_reconfigure(sim, arg):
    """After POST /_sim/config: apply the rate switches."""
    cfg = sim.cfg
    if any(k in arg for k in ("rate_minute", "rate_day", "rate_window",
                              "rate_kind", "rate_reset")):
        sim.rate.configure(cfg["rate_minute"], cfg["rate_day"],
                           cfg.get("rate_window", 60) or 60,
                           cfg["rate_kind"], cfg["rate_reset"])


def refresh_without_rotation(sim, g):
    """A new access token; the refresh token stays as it is."""
    ttl = sim.cfg["token_ttl"]
    at = "%s-at-%s" % (CANARY, secrets.token_hex(16))
    sim.access[at] = AccessToken(g, time.time() + ttl)
    g.access.append(at)
    return {"access_token": at, "expires_in": ttl,
            "scope": " ".join(g.scopes), "token_type": "bearer"}


def handshake_fault(handler):
    """Fail this connection's TLS handshake if a fault says so."""
    sim = handler.server.sim
    with sim.lock:
        f = next((f for f in sim.faults if f.kind in CONN_KINDS), None)
        if f is None:
            return False
        f.seen += 1
        if f.seen <= f.after:
            return False
        f.used += 1
        if 0 < f.count <= f.used:
            sim.faults.remove(f)
        sim.count("faults_applied", f.kind)
        sim.stats["handshakes_failed"] += 1
    sock = handler.request
    try:
        # the raw ClientHello: the client has started its handshake
        super(ssl.SSLSocket, sock).recv(4096)
    except OSError:
        pass
    if f.kind == "handshake_reset":
        handler.abort()
    return True


def lose_answer(handler, kind, fault):
    """The endpoint ran; its answer never reaches the client."""
    sim = handler.server.sim
    with sim.lock:
        sim.stats["answers_lost"] += 1
    handler.close_connection = True
    if kind == "lost_reset":
        handler.abort()
    elif kind == "lost_hang":
        time.sleep(fault.seconds)


# ---------------------------------------------------------------- responses

class Resp:
    __slots__ = ("status", "body", "ctype", "headers", "log")

    def __init__(self, status, body=b"", ctype=None, headers=None, log=None):
        self.status, self.body, self.ctype = status, body, ctype
        self.headers = headers or []
        self.log = log or {}


def jdump(obj):
    return json.dumps(obj, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def json_resp(status, obj, headers=None):
    return Resp(status, jdump(obj), "application/json", headers)


def text_resp(status, text):
    return Resp(status, text.encode("utf-8"), "text/plain; charset=utf-8")


def html_page(status, title, text):
    body = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>%s"
            "</title></head><body><h1>%s</h1><p>%s</p></body></html>\n" %
            (html.escape(title), html.escape(title), html.escape(text)))
    return Resp(status, body.encode("utf-8"), "text/html; charset=utf-8")


def redirect(uri, params):
    sep = "&" if "?" in uri else "?"
    # urlencode() encodes like Go's url.Values (Hydra): space -> '+'
    return Resp(302, headers=[("Location",
                               uri + sep + urllib.parse.urlencode(params))])


def oauth_error(e):
    return json_resp(e.status, {"error": e.error, "error_description": e.desc},
                     [("Cache-Control", "no-store"), ("Pragma", "no-cache")])


class Duplicate(Exception):
    pass


def single(q, name):
    """One query/form parameter; a repeated one is an error, as in Hydra."""
    v = q.get(name)
    if v is None:
        return None
    if len(v) > 1:
        raise Duplicate(name)
    return v[0]


# ---------------------------------------------------------------- the service

class Sim:
    """All state of the simulated service; every access under self.lock."""

    def __init__(self, args):
        self.lock = threading.RLock()
        self.seed = args.seed
        self.now = parse_time(args.now)
        self.days = args.days
        self.nusers = args.users
        self.cycle_id_base = args.cycle_id_base
        self.client_id = args.client_id
        secret = args.client_secret or os.environ.get("WHOOPSIM_CLIENT_SECRET")
        if not secret:
            h = hashlib.sha256(("whoopsim-client-secret:%d" %
                                args.seed).encode()).hexdigest()[:16]
            secret = "%s-clientsecret-%s" % (CANARY, h)
        self.client_secret = secret
        self.cfg = {"test_mode": args.test_mode, "deny": False,
                    "redirect_uris": args.redirect_uri or
                    ["http://127.0.0.1:8765/callback"],
                    "rate_minute": args.rate_minute,
                    "rate_day": args.rate_day,
                    "retry_after": args.retry_after,
                    "token_ttl": args.token_ttl, "login_user": 1,
                    "pkce": args.pkce, "last_page_token": "omit",
                    "repeat_token": None, "endless_tokens": None}
        self.sleep_lead = args.sleep_lead * MIN
        self.rate = RateLimiter(args.rate_minute, args.rate_day)
        self.users = {}
        self.user_ids, self.cycle_ids = set(), set()
        self.codes, self.sessions = {}, {}
        self.grants, self.access, self.refresh = [], {}, {}
        self.faults = []
        self.stats = {"requests": {}, "token_requests": {},
                      "rate_limited": 0, "faults_applied": {},
                      "authorize": {}, "refresh_reuse": 0, "revocations": 0,
                      "last_authorize": None, "connections": 0}
        self.logf = open(os.path.join(args.state_dir, "requests.log"), "a",
                         encoding="utf-8")
        self.log_lock = threading.Lock()
        net_init(self, args)

    # -- ids

    def alloc_user_id(self, r):
        while True:
            uid = r.randint(10_000_000, 99_999_999)
            if uid not in self.user_ids:
                self.user_ids.add(uid)
                return uid

    def alloc_cycle_id(self, onset):
        """Cycle ids grow with time (about 1.37e9 in Feb 2026 by default);
        unique across users."""
        cid = self.cycle_id_base + (onset // 1000 - 1_700_000_000)
        while cid in self.cycle_ids:
            cid += 1
        self.cycle_ids.add(cid)
        return cid

    def user(self, index):
        """The data of user `index` (1-based), generated on first use so
        startup stays fast even with --days 3650."""
        if not 1 <= index <= self.nusers:
            raise KeyError(index)
        u = self.users.get(index)
        if u is None:
            u = self.users[index] = UserData(self, index, self.now, self.days)
        return u

    def count(self, table, key, sub=None):
        t = self.stats[table]
        if sub is None:
            t[key] = t.get(key, 0) + 1
        else:
            t.setdefault(key, {})
            t[key][sub] = t[key].get(sub, 0) + 1

    # -- tokens

    def new_grant(self, user, client_id, scopes):
        g = Grant(len(self.grants) + 1, user, client_id, scopes)
        self.grants.append(g)
        return g

    def issue(self, g):
        ttl = self.cfg["token_ttl"]
        at = "%s-at-%s" % (CANARY, secrets.token_hex(16))
        self.access[at] = AccessToken(g, time.time() + ttl)
        g.access.append(at)
        out = {"access_token": at, "expires_in": ttl}
        if "offline" in g.scopes:
            rt = "%s-rt-%s" % (CANARY, secrets.token_hex(16))
            self.refresh[rt] = {"grant": g, "spent": False}
            g.refresh.append(rt)
            out["refresh_token"] = rt
        out["scope"] = " ".join(g.scopes)
        out["token_type"] = "bearer"
        return out

    def kill_access(self, g):
        for at in g.access:
            self.access[at].alive = False

    def revoke_grant(self, g):
        g.alive = False
        self.kill_access(g)
        for rt in g.refresh:
            self.refresh[rt]["spent"] = True

    def bearer(self, headers):
        """The grant behind a valid Bearer token, else None."""
        h = headers.get("Authorization")
        if not h:
            return None
        parts = h.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return None
        tok = self.access.get(parts[1].strip())
        if (tok is None or not tok.alive or tok.exp <= time.time() or
                not tok.grant.alive):
            return None
        return tok.grant

    # -- OAuth: authorize

    def authorize(self, req):
        q = req.query
        try:
            client_id = single(q, "client_id")
            redirect_uri = single(q, "redirect_uri")
        except Duplicate:
            return html_page(400, "invalid_request",
                             "The request includes a parameter more than "
                             "once.")
        if client_id != self.client_id:
            return html_page(400, "invalid_client",
                             "Client authentication failed (e.g., unknown "
                             "client, no client authentication included, or "
                             "unsupported authentication method).")
        # never redirect anywhere unregistered: exact string match
        if redirect_uri not in self.cfg["redirect_uris"]:
            return html_page(400, "invalid_request",
                             "The request is missing a required parameter, "
                             "includes an invalid parameter value, includes a "
                             "parameter more than once, or is otherwise "
                             "malformed. The \"redirect_uri\" parameter does "
                             "not match any of the OAuth 2.0 Client's "
                             "pre-registered redirect urls.")

        def fail(err, desc, state=None):
            self.count("authorize", err)
            p = [("error", err), ("error_description", desc)]
            if state is not None:
                p.append(("state", state))
            return redirect(redirect_uri, p)

        try:
            state = single(q, "state")
            rtype = single(q, "response_type")
            scope = single(q, "scope") or ""
            challenge = single(q, "code_challenge")
            method = single(q, "code_challenge_method")
        except Duplicate as e:
            return fail("invalid_request", "The request includes the "
                        "parameter '%s' more than once." % e)
        self.stats["last_authorize"] = {
            "state_length": len(state or ""), "scope": scope,
            "redirect_uri": redirect_uri, "code_challenge_method": method,
            "code_challenge_length": len(challenge or "")}
        if rtype != "code":
            return fail("unsupported_response_type", "The authorization "
                        "server does not support obtaining a token using "
                        "this method.", state)
        scopes = scope.split()
        bad = [s for s in scopes if s not in SCOPES]
        if bad:
            return fail("invalid_scope", "The requested scope is invalid, "
                        "unknown, or malformed. The OAuth 2.0 Client is not "
                        "allowed to request scope '%s'." % bad[0], state)
        if state is None or len(state) < 8:
            return fail("invalid_request", "The state is missing or does not "
                        "have enough characters and is therefore considered "
                        "too weak. Request parameter 'state' must be at least "
                        "be 8 characters long to ensure sufficient entropy.",
                        state)
        if challenge is None and method is None:
            if self.cfg["pkce"] == "required":
                return fail("invalid_request", "Clients must include a "
                            "code_challenge when performing the authorize "
                            "code flow, but it is missing.", state)
        elif method != "S256" or not _PKCE_RE.fullmatch(challenge or ""):
            return fail("invalid_request", "The code_challenge_method must be "
                        "S256 with a valid code_challenge.", state)
        params = {"client_id": client_id, "redirect_uri": redirect_uri,
                  "scopes": list(dict.fromkeys(scopes)), "state": state,
                  "challenge": challenge}
        if self.cfg["test_mode"]:
            return self.finish_authorize(params, not self.cfg["deny"])
        return self.consent_page(params)

    def consent_page(self, params):
        sid = "cs-" + secrets.token_hex(12)
        self.sessions[sid] = params
        self.count("authorize", "consent_page")
        scopes = ", ".join(params["scopes"]) or "(none)"
        body = ("<!doctype html><html><head><meta charset=\"utf-8\">"
                "<title>WHOOP (simulated) - Authorize</title></head><body>"
                "<h1>Authorize %s</h1><p>Requested access: %s</p>"
                "<form method=\"post\" action=\"%s\">"
                "<input type=\"hidden\" name=\"consent_session\" value=\"%s\">"
                "<button type=\"submit\" name=\"decision\" value=\"allow\">"
                "Allow</button> <button type=\"submit\" name=\"decision\" "
                "value=\"deny\">Deny</button></form></body></html>\n" %
                (html.escape(params["client_id"]), html.escape(scopes),
                 CONSENT_PATH, sid))
        return Resp(200, body.encode("utf-8"), "text/html; charset=utf-8",
                    [("Cache-Control", "no-store")])

    def consent(self, req):
        form = req.form or {}
        sid = (form.get("consent_session") or [""])[0]
        params = self.sessions.pop(sid, None)
        if params is None:
            return html_page(400, "invalid_request",
                             "Unknown or already used consent session.")
        allow = (form.get("decision") or [""])[0] == "allow"
        return self.finish_authorize(params, allow)

    def finish_authorize(self, p, allow):
        if not allow:
            self.count("authorize", "access_denied")
            return redirect(p["redirect_uri"], [
                ("error", "access_denied"),
                ("error_description", "The resource owner or authorization "
                 "server denied the request. The user denied the request."),
                ("state", p["state"])])
        code = "%s-code-%s" % (CANARY, secrets.token_hex(16))
        self.codes[code] = Code(user=self.cfg["login_user"],
                                client_id=p["client_id"], scopes=p["scopes"],
                                redirect_uri=p["redirect_uri"],
                                challenge=p["challenge"],
                                exp=time.time() + CODE_TTL)
        self.count("authorize", "code")
        return redirect(p["redirect_uri"], [
            ("code", code), ("scope", " ".join(p["scopes"])),
            ("state", p["state"])])

    # -- OAuth: token

    def client_auth(self, req, form):
        """client_secret_post (what WHOOP documents) or HTTP Basic."""
        cid, sec = single(form, "client_id"), single(form, "client_secret")
        h = req.headers.get("Authorization", "")
        if h[:6].lower() == "basic ":
            try:
                raw = base64.b64decode(h[6:].strip(), validate=True).decode()
                bid, bsec = raw.split(":", 1)
                bid = urllib.parse.unquote_plus(bid)
                bsec = urllib.parse.unquote_plus(bsec)
            except (ValueError, binascii.Error, UnicodeDecodeError):
                bid = bsec = None
            if cid is not None and cid != bid:
                bid = None
            cid, sec = bid, bsec
        ok = (cid is not None and sec is not None and
              hmac.compare_digest(cid.encode(), self.client_id.encode()) and
              hmac.compare_digest(sec.encode(), self.client_secret.encode()))
        if not ok:
            raise OAuthError("invalid_client", "Client authentication failed "
                             "(e.g., unknown client, no client authentication "
                             "included, or unsupported authentication "
                             "method).", 401)
        return cid

    def token(self, req):
        form = req.form
        gt = "(none)"
        try:
            if form is None:
                raise OAuthError("invalid_request", "The POST body must be "
                                 "application/x-www-form-urlencoded.")
            gt = single(form, "grant_type") or "(none)"
            if gt not in ("authorization_code", "refresh_token", "(none)"):
                gt = "(other)"
            req.log["grant_type"] = gt
            cid = self.client_auth(req, form)
            if gt == "authorization_code":
                body = self.exchange_code(req, form, cid)
            elif gt == "refresh_token":
                body = self.exchange_refresh(req, form, cid)
            else:
                raise OAuthError("unsupported_grant_type", "The authorization "
                                 "grant type is not supported by the "
                                 "authorization server.")
        except Duplicate as e:
            err = OAuthError("invalid_request", "The request includes the "
                             "parameter '%s' more than once." % e)
            self.count("token_requests", gt, err.error)
            return oauth_error(err)
        except OAuthError as e:
            self.count("token_requests", gt, e.error)
            return oauth_error(e)
        self.count("token_requests", gt, "ok")
        return json_resp(200, body, [("Cache-Control", "no-store"),
                                     ("Pragma", "no-cache")])

    def exchange_code(self, req, form, cid):
        code = single(form, "code")
        if not code:
            raise OAuthError("invalid_request", "The request is missing the "
                             "'code' parameter.")
        c = self.codes.get(code)
        if c is None:
            raise OAuthError("invalid_grant", "The provided authorization "
                             "grant is invalid, expired, revoked or was "
                             "issued to another client.")
        if c.used:
            # Hydra: replaying a code revokes what it issued
            if c.grant is not None and c.grant.alive:
                self.revoke_grant(c.grant)
            raise OAuthError("invalid_grant", "The authorization code has "
                             "already been used.")
        c.used = True
        if c.exp <= time.time():
            raise OAuthError("invalid_grant", "The authorization code has "
                             "expired.")
        if c.client_id != cid:
            raise OAuthError("invalid_grant", "The OAuth 2.0 Client ID from "
                             "this request does not match the one from the "
                             "authorize request.")
        if single(form, "redirect_uri") != c.redirect_uri:
            raise OAuthError("invalid_grant", "The \"redirect_uri\" from this "
                             "request does not match the one from the "
                             "authorize request.")
        if c.challenge is not None:
            v = single(form, "code_verifier") or ""
            if not _PKCE_RE.fullmatch(v):
                raise OAuthError("invalid_grant", "The PKCE code verifier "
                                 "must be 43 to 128 characters of "
                                 "[A-Za-z0-9._~-].")
            if not hmac.compare_digest(s256(v), c.challenge):
                raise OAuthError("invalid_grant", "The PKCE code challenge "
                                 "did not match the code verifier.")
        g = self.new_grant(c.user, cid, c.scopes)
        c.grant = g
        req.log["user_id"] = self.user(g.user).user_id
        return self.issue(g)

    def exchange_refresh(self, req, form, cid):
        rt = single(form, "refresh_token")
        if not rt:
            raise OAuthError("invalid_request", "The request is missing the "
                             "'refresh_token' parameter.")
        rec = self.refresh.get(rt)
        if rec is None:
            raise OAuthError("invalid_grant", "The provided authorization "
                             "grant is invalid, expired, revoked or was "
                             "issued to another client.")
        g = rec["grant"]
        req.log["user_id"] = self.user(g.user).user_id
        if g.client_id != cid:
            raise OAuthError("invalid_grant", "The OAuth 2.0 Client ID from "
                             "this request does not match the ID during the "
                             "initial token issuance.")
        if rec["spent"]:
            # reuse of a rotated refresh token: treat as theft, kill all
            if g.alive:
                self.stats["refresh_reuse"] += 1
                self.revoke_grant(g)
            raise OAuthError("invalid_grant", "The refresh token has already "
                             "been used or was revoked.")
        if not g.alive:
            raise OAuthError("invalid_grant", "The grant was revoked.")
        asked = (single(form, "scope") or "").split()
        extra = [s for s in asked if s not in g.scopes]
        if extra:
            raise OAuthError("invalid_scope", "The requested scope '%s' was "
                             "not granted." % extra[0])
        if self.cfg["refresh_rotation"] == "keep":
            return refresh_without_rotation(self, g)
        # rotation: the old refresh token and every access token die
        rec["spent"] = True
        self.kill_access(g)
        return self.issue(g)

    # -- revoke

    def revoke(self, req):
        g = self.bearer(req.headers)
        if g is None:
            return unauthorized()
        req.log["user_id"] = self.user(g.user).user_id
        self.revoke_grant(g)
        self.stats["revocations"] += 1
        return Resp(204)

    # -- the data API

    def api(self, req):
        if req.method != "GET":
            return text_resp(405, "Method Not Allowed")
        route = resolve(req.path)
        if route is None:
            return text_resp(404, "Not Found")
        g = self.bearer(req.headers)
        if g is None:
            return unauthorized()
        u = self.user(g.user)
        req.log["user_id"] = u.user_id
        what, scope, arg = route
        if scope not in g.scopes:
            # Missing scope: the real answer is unknown.  403 (empty body)
            # rather than 401, so a client does not "fix" it by refreshing.
            return Resp(403)
        if what == "profile":
            return json_resp(200, u.profile)
        if what == "body":
            return json_resp(200, u.body)
        if what == "collection":
            return self.collection(req, u, arg)
        kind, rid, sub = arg
        if rid is None:
            return text_resp(400, "Bad Request: malformed id")
        if kind == "cycle" and sub == "sleep":
            e = u.main_sleep(rid) if u.get("cycle", rid) else None
        elif kind == "cycle" and sub == "recovery":
            e = u.get("recovery", rid)
        else:
            e = u.get(kind, rid)
        if e is None:
            return text_resp(404, "Not Found")
        return json_resp(200, e.render())

    def collection(self, req, u, kind):
        q = req.query

        def param(name):
            v = q.get(name)
            return v[0] if v else None
        try:
            limit = param("limit")
            if limit is None:
                limit = DEFAULT_LIMIT
            elif not re.fullmatch(r"[0-9]{1,9}", limit):
                raise ValueError("limit must be an integer")
            else:
                limit = int(limit)
            # the README's third-party note says 400 above 25; be strict
            if not 1 <= limit <= MAX_LIMIT:
                raise ValueError("limit must be between 1 and %d" % MAX_LIMIT)
            sraw, eraw = param("start"), param("end")
            start = parse_time(sraw) if sraw is not None else None
            end = parse_time(eraw) if eraw is not None else None
            bind = page_bind(kind, start, end)
            tok = param("nextToken")
            offset = decode_page_token(tok, bind) if tok is not None else 0
        except ValueError as e:
            return text_resp(400, "Bad Request: %s" % e)
        rows = shape_rows(u, kind, 0 if start is None else start,
                          u.now if end is None else end)
        page = rows[offset:offset + limit]
        out = {"records": [e.render() for e in page]}
        if offset + limit < len(rows):
            out["next_token"] = encode_page_token(offset + limit, bind)
        elif self.cfg["last_page_token"] == "null":
            out["next_token"] = None
        shape_token(self.cfg, kind, out, offset, limit, bind)
        return json_resp(200, out)


def unauthorized():
    return Resp(401, b"Unauthorized", "text/plain; charset=utf-8",
                [("WWW-Authenticate", "Bearer")])


_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                      r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def resolve(path):
    """API path -> (what, scope, arg) or None for an unknown path.
    A malformed id comes back as None inside arg and is answered 400."""
    segs = path[len(API_PREFIX):].split("/")

    def cyc(s):
        if not re.fullmatch(r"[0-9]{1,18}", s):
            return None
        return int(s)

    def uid(s):
        return s.lower() if _UUID_RE.fullmatch(s) else None

    match segs:
        case ["user", "profile", "basic"]:
            return ("profile", "read:profile", None)
        case ["user", "measurement", "body"]:
            return ("body", "read:body_measurement", None)
        case ["cycle"]:
            return ("collection", "read:cycles", "cycle")
        case ["recovery"]:
            return ("collection", "read:recovery", "recovery")
        case ["activity", "sleep"]:
            return ("collection", "read:sleep", "sleep")
        case ["activity", "workout"]:
            return ("collection", "read:workout", "workout")
        case ["cycle", rid]:
            return ("one", "read:cycles", ("cycle", cyc(rid), None))
        case ["cycle", rid, "sleep"]:
            return ("one", "read:sleep", ("cycle", cyc(rid), "sleep"))
        case ["cycle", rid, "recovery"]:
            return ("one", "read:recovery", ("cycle", cyc(rid), "recovery"))
        case ["activity", "sleep", rid]:
            return ("one", "read:sleep", ("sleep", uid(rid), None))
        case ["activity", "workout", rid]:
            return ("one", "read:workout", ("workout", uid(rid), None))
    return None


# ---------------------------------------------------------------- next_token

def page_bind(kind, start, end):
    """Ties a token to its collection and the start/end (as parsed; None
    when absent) it was made for: WHOOP says to resend both unchanged."""
    h = hashlib.sha256(("%s|%s|%s" % (kind, start, end)).encode())
    return h.hexdigest()[:8]


def encode_page_token(offset, bind):
    """Base64 of a small JSON (like WHOOP's {"$":"o@1","o":7}).  The '~'
    padding guarantees both '=' padding and a '+' in the token, so a
    client that does not URL-encode nextToken fails on page two."""
    s = '{"$":"o@1","o":%d,"h":"%s","p":"~~~' % (offset, bind)
    if (len(s) + 2) % 3 == 0:
        s += "~"
    s += '"}'
    return base64.b64encode(s.encode()).decode()


def decode_page_token(tok, bind):
    try:
        obj = json.loads(base64.b64decode(tok, validate=True))
        offset = obj["o"]
        ok = (obj.get("$") == "o@1" and obj.get("h") == bind and
              isinstance(offset, int) and offset >= 0)
    except (ValueError, binascii.Error, KeyError, TypeError):
        ok = False
    if not ok:
        raise ValueError("invalid nextToken (URL-encode it and resend the "
                         "same start and end)")
    return offset


# ---------------------------------------------------------------- faults

MALFORMED_API = (b'{"records":[{"id":1318151232,"user_id":12345678,'
                 b'"start":"2026-02-18T01:13:46.070Z",,"score":{"strain":4.2')


def malformed_token():
    # a canary inside a broken body: a client that echoes the body on a
    # parse error leaks it, and the canary grep finds that
    return ('{"access_token":"%s-at-%s","token_type":"bearer","expires_in":'
            % (CANARY, secrets.token_hex(16))).encode()


def wrong_types(obj):
    """Swap the JSON types of fields a parser must check."""
    recs = obj.get("records")
    recs = recs if isinstance(recs, list) else [obj]
    for r in recs:
        if not isinstance(r, dict):
            continue
        for k in ("id", "cycle_id", "user_id"):
            if isinstance(r.get(k), int):
                r[k] = str(r[k])
            elif isinstance(r.get(k), str):
                r[k] = 12345
        if "start" in r:
            r["start"] = 1771377226070
        if "end" in r:
            r["end"] = True
        if "nap" in r:
            r["nap"] = "false"
        sc = r.get("score")
        if isinstance(sc, dict):
            for k in ("strain", "recovery_score", "respiratory_rate"):
                if k in sc:
                    sc[k] = "high"
            if "stage_summary" in sc:
                sc["stage_summary"] = "lots"
        if "max_heart_rate" in r:
            r["max_heart_rate"] = "194"
    return obj


def missing_fields(obj):
    """Drop required fields."""
    recs = obj.get("records")
    recs = recs if isinstance(recs, list) else [obj]
    for r in recs:
        if isinstance(r, dict):
            for k in ("id", "start", "cycle_id", "sleep_id", "user_id",
                      "max_heart_rate", "score_state"):
                r.pop(k, None)
    return obj


# ---------------------------------------------------------------- HTTP

class Req:
    __slots__ = ("t", "method", "path", "query", "headers", "body", "form",
                 "log")


class Quiet(Exception):
    """A connection-level failure not worth a traceback."""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "whoopsim/1"
    sys_version = ""
    timeout = 30                 # idle keep-alive connections

    def setup(self):
        # headers and body go out in separate writes: without NODELAY,
        # Nagle plus delayed ACK stalls every response by ~40 ms
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        # TLS handshake here, in the connection's thread, so a client that
        # stalls or rejects our certificate never blocks accept()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            if handshake_fault(self):
                raise Quiet()
            try:
                self.request.do_handshake()
            except (OSError, ssl.SSLError) as e:
                raise Quiet() from e
        # clients that reuse their connection show few of these
        with self.server.sim.log_lock:
            self.server.sim.stats["connections"] += 1
        super().setup()

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):
        pass                     # the default logs request lines to stderr

    def do_GET(self):
        self.dispatch()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = do_GET

    def do_HEAD(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    @property
    def sim(self):
        return self.server.sim

    # -- reading

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                line = self.rfile.readline(100)
                n = int(line.split(b";")[0].strip(), 16)
                if n == 0:
                    while self.rfile.readline(1000) not in \
                            (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline(10)
                if len(out) > MAX_BODY:
                    raise ValueError("body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n)

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            body = self.read_body()
        except ValueError:
            self.close_connection = True
            self.write(text_resp(400, "Bad Request"))
            return
        req = Req()
        req.t = time.time()
        req.method, req.path, req.headers, req.body = \
            self.command, url.path, self.headers, body
        req.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        req.form = None
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() == \
                "application/x-www-form-urlencoded":
            req.form = urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                             keep_blank_values=True)
        req.log = {}
        try:
            if req.path == "/_sim" or req.path.startswith("/_sim/"):
                self.control(req)
            else:
                self.serve(req)
        except (Quiet, ConnectionError, ssl.SSLError, TimeoutError):
            self.close_connection = True
        except Exception as e:   # keep serving; report without details
            tb = e.__traceback__
            while tb.tb_next:
                tb = tb.tb_next
            sys.stderr.write("whoopsim: internal error %s at line %d\n" %
                             (type(e).__name__, tb.tb_lineno))
            self.close_connection = True
            try:
                self.write(text_resp(500, "internal simulator error"))
            except OSError:
                pass

    # -- writing

    def write(self, resp, extra=()):
        self.send_response(resp.status)
        if resp.ctype:
            self.send_header("Content-Type", resp.ctype)
        for k, v in list(resp.headers) + list(extra):
            self.send_header(k, v)
        if resp.status != 204:
            self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if resp.body and resp.status != 204:
            self.wfile.write(resp.body)

    def abort(self):
        """Close with a TCP RST: SO_LINGER 0, and no shutdown() first."""
        self.close_connection = True
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
        self.server.aborted.add(id(self.request))

    # -- the simulated WHOOP endpoints

    def serve(self, req):
        sim = self.sim
        path = req.path
        limited = path.startswith("/developer/") or path.startswith("/oauth/")
        rl = []
        with sim.lock:
            if limited:
                ok, rl, reset = sim.rate.take(time.time())
                if not ok:
                    sim.stats["rate_limited"] += 1
                    self.finish_req(req, self.too_many(reset), rl)
                    return
            fault = None
            for f in sim.faults:
                if f.matches(path):
                    f.seen += 1
                    if f.seen > f.after:
                        f.used += 1
                        if 0 < f.count <= f.used:
                            sim.faults.remove(f)
                        fault = f
                        sim.count("faults_applied", f.kind)
                        break
            if fault:
                req.log["fault"] = fault.kind
            pre = fault and self.pre_fault(fault)
            if pre is None:
                resp = self.route(req)
        if pre is not None:
            self.finish_req(req, pre, rl, fault)
            return
        if fault:
            resp = self.post_fault(fault, resp)
        self.finish_req(req, resp, rl, fault)

    def route(self, req):
        sim, path, m = self.sim, req.path, req.method
        if path == AUTH_PATH:
            return sim.authorize(req) if m == "GET" else \
                text_resp(405, "Method Not Allowed")
        if path == CONSENT_PATH:
            return sim.consent(req) if m == "POST" else \
                text_resp(405, "Method Not Allowed")
        if path == TOKEN_PATH:
            return sim.token(req) if m == "POST" else \
                text_resp(405, "Method Not Allowed")
        if path == REVOKE_PATH:
            return sim.revoke(req) if m == "DELETE" else \
                text_resp(405, "Method Not Allowed")
        if path.startswith(API_PREFIX):
            return sim.api(req)
        return text_resp(404, "Not Found")

    def too_many(self, reset):
        hdrs = []
        mode = self.sim.cfg["retry_after"]
        if mode == "seconds":
            hdrs.append(("Retry-After", str(int(reset))))
        elif mode == "httpdate":
            hdrs.append(("Retry-After", email.utils.formatdate(
                time.time() + reset, usegmt=True)))
        # WHOOP documents no body for 429
        return Resp(429, headers=hdrs)

    def pre_fault(self, f):
        """Faults answered instead of the real endpoint (no state change).
        Returns a Resp, "stall", "huge", or None to run the endpoint."""
        k = f.kind
        if k == "429":
            return self.too_many(max(1, int(f.seconds)))
        if k in ("500", "502", "503", "504"):
            title = {"500": "Internal Server Error", "502": "Bad Gateway",
                     "503": "Service Unavailable",
                     "504": "Gateway Timeout"}[k]
            return html_page(int(k), "%s %s" % (k, title), title)
        if k in ("stall", "huge"):
            return k
        if k == "malformed":
            return Resp(200, MALFORMED_API, "application/json")
        if f.consume:
            return None
        if k == "invalid_grant":
            self.sim.count("token_requests", "(fault)", "invalid_grant")
            return oauth_error(OAuthError(
                "invalid_grant", "The provided authorization grant is "
                "invalid, expired, revoked or was issued to another client."))
        if k == "token500":
            return json_resp(500, {"error": "server_error",
                                   "error_description": "The authorization "
                                   "server encountered an unexpected "
                                   "condition."})
        if k == "token_malformed":
            return Resp(200, malformed_token(), "application/json")
        return None

    def post_fault(self, f, resp):
        """Faults that change (or cut) the endpoint's real answer."""
        k = f.kind
        if k in ("reset", "truncated") or k in LOST_KINDS:
            return (k, resp)
        if k == "token_malformed":
            return Resp(200, malformed_token(), "application/json")
        if k in ("invalid_grant", "token500"):
            return Resp(400 if k == "invalid_grant" else 500,
                        jdump({"error": "invalid_grant" if k ==
                               "invalid_grant" else "server_error"}),
                        "application/json")
        if resp.status != 200 or resp.ctype != "application/json":
            return resp
        obj = json.loads(resp.body)
        if k == "wrongtypes":
            obj = wrong_types(obj)
        elif k == "missing":
            obj = missing_fields(obj)
        elif k == "token_norefresh":
            obj.pop("refresh_token", None)
        elif k == "token_badexpiry":
            obj["expires_in"] = f.expires_in
        resp.body = jdump(obj)
        return resp

    def finish_req(self, req, resp, rl, fault=None):
        status = 0
        if isinstance(resp, tuple) and resp[0] in LOST_KINDS:
            lose_answer(self, resp[0], fault)
        elif resp == "stall":
            self.close_connection = True
            time.sleep(fault.seconds)
        elif resp == "huge":
            status = 200
            self.send_huge(fault.size, rl)
        elif isinstance(resp, tuple):
            kind, real = resp
            status = real.status
            self.send_cut(real, rl, kind == "reset")
        else:
            status = resp.status
            self.write(resp, rl)
        self.log_req(req, status)

    def send_cut(self, resp, rl, reset):
        """Headers with the full Content-Length, then half the body."""
        body = resp.body or b"{}"
        cut = body[:max(1, len(body) // 2)]
        self.close_connection = True
        self.send_response(resp.status)
        if resp.ctype:
            self.send_header("Content-Type", resp.ctype)
        for k, v in list(resp.headers) + list(rl):
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(cut)
        if reset:
            self.abort()

    def send_huge(self, size, rl):
        """A valid but enormous JSON page, streamed, never held in memory."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        for k, v in rl:
            self.send_header(k, v)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        head, tail = b'{"records":[', b']}'
        if size < len(head) + len(tail):
            self.wfile.write(b" " * size)
            return
        self.wfile.write(head)
        left = size - len(head) - len(tail)
        chunk = b" " * 65536
        try:
            while left > 0:
                n = min(left, len(chunk))
                self.wfile.write(chunk[:n])
                left -= n
            self.wfile.write(tail)
        except (OSError, ssl.SSLError):
            pass                 # the client gave up, as it should

    # -- request log: one JSON line per non-control request, no secrets

    def log_req(self, req, status):
        sim = self.sim
        leak = []
        path = req.path
        if CANARY in path:
            path, leak = "<redacted>", ["path"]
        query = {}
        for k, vals in req.query.items():
            if k in SENSITIVE_PARAMS:
                query[k] = ["<redacted>" for _ in vals]
            else:
                out = []
                for v in vals:
                    if CANARY in v or sim.client_secret in v:
                        out.append("<redacted>")
                        leak.append("query:" + k)
                    else:
                        out.append(v)
                query[k] = out
        headers = {}
        for k, v in req.headers.items():
            if k.lower() in SENSITIVE_HEADERS:
                v = "<redacted>"
            elif CANARY in v or sim.client_secret in v:
                v = "<redacted>"
                leak.append("header:" + k)
            headers[k] = headers[k] + ", " + v if k in headers else v
        entry = {"t": round(req.t, 6), "method": req.method, "path": path,
                 "query": query, "headers": headers, "status": status}
        entry.update(req.log)
        if leak:
            # a client put a secret into a URL or header: say so, safely
            entry["secret_in_request"] = leak
        line = json.dumps(entry, ensure_ascii=True)
        # belt and braces: nothing canary-like may reach the file
        if CANARY in line or sim.client_secret in line:
            line = re.sub(CANARY + r"[-\w.~]*", "<redacted>", line)
            line = line.replace(sim.client_secret, "<redacted>")
        with sim.lock:
            sim.count("requests", path)
        with sim.log_lock:
            sim.logf.write(line + "\n")
            sim.logf.flush()

    # -- control API

    def control(self, req):
        sim = self.sim
        fn = CONTROL.get((req.method, req.path))
        if fn is None:
            self.write(json_resp(404, {"error": "unknown control path"}))
            return
        try:
            arg = json.loads(req.body) if req.body.strip() else {}
            if not isinstance(arg, dict):
                raise ValueError("JSON object expected")
            if req.method == "GET":
                arg = {k: v[0] for k, v in req.query.items()}
            with sim.lock:
                out = fn(sim, arg)
        except (ValueError, KeyError, TypeError) as e:
            self.write(json_resp(400, {"error": "%s: %s" %
                                       (type(e).__name__, e)}))
            return
        self.write(json_resp(200, out))


# ---------------------------------------------------------------- control

def c_health(sim, arg):
    return {"ok": True}


def c_client(sim, arg):
    # the test suite needs the credentials to configure the tools
    return {"client_id": sim.client_id, "client_secret": sim.client_secret}


def c_dataset(sim, arg):
    return sim.user(int(arg.get("user", 1))).dataset()


def c_stats(sim, arg):
    s = json.loads(json.dumps(sim.stats))
    s["requests_total"] = sum(sim.stats["requests"].values())
    s["grants_live"] = sum(1 for g in sim.grants if g.alive)
    s["grants_total"] = len(sim.grants)
    s["faults_pending"] = [{"kind": f.kind, "path_prefix": f.prefix,
                            "seen": f.seen, "used": f.used}
                           for f in sim.faults]
    s["now"] = iso(sim.now)
    return s


def c_get_config(sim, arg):
    return dict(sim.cfg, now=iso(sim.now), client_id=sim.client_id)


def c_config(sim, arg):
    cfg = sim.cfg
    for k, v in arg.items():
        if k in ("test_mode", "deny"):
            if not isinstance(v, bool):
                raise ValueError("%s must be a boolean" % k)
        elif k == "redirect_uris":
            if not (isinstance(v, list) and
                    all(isinstance(x, str) for x in v)):
                raise ValueError("redirect_uris must be a list of strings")
        elif k in ("rate_minute", "rate_day", "token_ttl", "rate_window"):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError("%s must be a non-negative integer" % k)
        elif k == "login_user":
            if not isinstance(v, int) or not 1 <= v <= sim.nusers:
                raise ValueError("login_user must be 1..%d" % sim.nusers)
        elif k == "retry_after":
            if v not in ("none", "seconds", "httpdate"):
                raise ValueError("retry_after: none, seconds or httpdate")
        elif k == "pkce":
            if v not in ("required", "optional"):
                raise ValueError("pkce: required or optional")
        elif k in NET_CONFIG:
            net_config_check(k, v)
        elif k == "last_page_token":
            if v not in ("omit", "null"):
                raise ValueError("last_page_token: omit or null")
        elif k in ("repeat_token", "endless_tokens"):
            if v is not None and v not in KINDS:
                raise ValueError("%s: null or a collection type" % k)
        else:
            raise ValueError("unknown config key %s" % k)
        cfg[k] = v
    net_reconfigure(sim, arg)
    return c_get_config(sim, arg)


def c_fault(sim, arg):
    sim.faults.append(Fault(arg))
    return {"ok": True, "faults": len(sim.faults)}


def c_fault_clear(sim, arg):
    sim.faults.clear()
    return {"ok": True}


def c_rescore(sim, arg):
    kinds = [arg["type"]] if "type" in arg else list(KINDS)
    if any(k not in KINDS for k in kinds):
        raise ValueError("unknown type")
    return {"rescored": sim.user(int(arg.get("user", 1))).rescore(
        int(arg.get("n", 1)), kinds)}


def record_id(kind, rid):
    if kind in ("cycle", "recovery"):
        return int(rid)
    return str(rid).lower()


def c_delete(sim, arg):
    kind = arg["type"]
    if kind not in KINDS:
        raise ValueError("unknown type")
    ok = sim.user(int(arg.get("user", 1))).delete(kind,
                                                  record_id(kind, arg["id"]))
    if not ok:
        raise KeyError("no such record")
    return {"deleted": True}


def c_advance(sim, arg):
    days = int(arg.get("days", 1))
    if not 0 <= days <= 3650:
        raise ValueError("days must be 0..3650")
    for i in range(1, sim.nusers + 1):
        sim.user(i)          # generate before moving now, for determinism
    sim.now += days * DAY
    added = {i: u.advance(days) for i, u in sim.users.items()}
    return {"now": iso(sim.now), "added": added}


def c_late(sim, arg):
    u = sim.user(int(arg.get("user", 1)))
    state = arg.get("score_state", SCORED)
    if state not in (SCORED, PENDING, UNSCORABLE):
        raise ValueError("unknown score_state")
    e = u.late(arg.get("type", "workout"), parse_time(arg["start"]),
               int(arg.get("minutes", 45)), arg.get("sport_name", "running"),
               state)
    return {"record": e.render()}


def c_expire(sim, arg):
    n = 0
    past = time.time() - 1
    for tok in sim.access.values():
        if tok.alive and tok.exp > past:
            tok.exp = past
            n += 1
    return {"expired": n}


def c_revoke(sim, arg):
    n = 0
    for g in sim.grants:
        if g.alive:
            sim.revoke_grant(g)
            n += 1
    return {"revoked": n}


def c_issue(sim, arg):
    """Tokens without the browser dance, for tests that only need data."""
    scope = arg.get("scope", " ".join(SCOPES)).split()
    if any(s not in SCOPES for s in scope):
        raise ValueError("unknown scope")
    user = int(arg.get("user", 1))
    sim.user(user)
    return sim.issue(sim.new_grant(user, sim.client_id, scope))


# ---------------------------------------------------------------- data shapes
#
# Switches for what the real API leaves open or varies, kept apart from the
# faithful default (with every switch off the service behaves as before):
#
#   --sleep-lead MINUTES   each main sleep (and so its recovery, which WHOOP
#                          orders by the sleep's start) begins that long
#                          before its cycle, so a window start can fall
#                          between the two.
#   POST /_sim/move_sleep  {"user","id","start"[,"end"]}: an edited sleep;
#                          its recovery's order key moves with it.
#   POST /_sim/patch       {"user","type","id","set":{"a.b":v},"unset":["a"]}
#                          or {"...","clear":true}: the record is served with
#                          these JSON changes (any value, wrong types, a
#                          missing id); the service's own data is unchanged.
#   POST /_sim/implausible {"user"[,"nth"]}: canned odd values on the nth
#                          newest scored record of each type (sleep awake
#                          time -68192, strain 25, heart rate 400,
#                          percentages above 100).
#   POST /_sim/future      {"user"[,"type","start","minutes","stray"]}: a
#                          record dated in the future (default a workout on
#                          2099-11-13), served whatever the window asked
#                          unless "stray" is false.
#   POST /_sim/stray       {"user","type","id"[,"on"]}: a record served on
#                          the first page of every walk of its type, even
#                          when it lies outside the start/end asked.
#   config repeat_token    a type or null: that collection's last page carries
#                          a next_token that leads to the same page again (a
#                          token already given in the walk).
#   config endless_tokens  a type or null: that collection never ends; every
#                          page carries a new token (empty pages past the end).

ODD_VALUES = {
    "sleep": {"score.stage_summary.total_awake_time_milli": -68192,
              "score.sleep_efficiency_percentage": 104.5},
    "cycle": {"score.strain": 25.0, "score.max_heart_rate": 400},
    "recovery": {"score.recovery_score": 140.0,
                 "score.spo2_percentage": 101.5},
    "workout": {"score.strain": 25.0, "score.max_heart_rate": 400,
                "score.percent_recorded": 180.0},
}


def _path_set(d, path, value):
    parts = path.split(".")
    for p in parts[:-1]:
        if not isinstance(d.get(p), dict):
            d[p] = {}
        d = d[p]
    d[parts[-1]] = value


def _path_unset(d, path):
    parts = path.split(".")
    for p in parts[:-1]:
        d = d.get(p)
        if not isinstance(d, dict):
            return
    d.pop(parts[-1], None)


def shape_render(e, d):
    """The rendered record with its /_sim/patch changes, on a copy."""
    if not e.patch:
        return d
    d = json.loads(json.dumps(d))
    for path, value in e.patch.get("set", {}).items():
        _path_set(d, path, value)
    for path in e.patch.get("unset", []):
        _path_unset(d, path)
    return d


def shape_night(sim, cycle, sleep, recovery):
    """--sleep-lead: the main sleep begins before its cycle."""
    if not sim.sleep_lead:
        return
    sleep.start -= sim.sleep_lead
    sleep.end -= sim.sleep_lead
    sleep.key = recovery.key = sleep.start


def shape_rows(u, kind, start, end):
    """The records a walk of [start, end) serves: the window, newest
    first, after any stray record the window does not hold."""
    rows = u.window(kind, start, end)
    strays = [e for e in u.entries[kind].values()
              if e.stray and not start <= e.key < end]
    if not strays:
        return rows
    strays.sort(key=lambda e: (e.key, str(e.id)), reverse=True)
    return strays + rows


def shape_token(cfg, kind, out, offset, limit, bind):
    if out.get("next_token") is not None:
        return
    if cfg.get("repeat_token") == kind:
        # leads back to this page: the walk sees a token twice
        out["next_token"] = encode_page_token(offset, bind)
    elif cfg.get("endless_tokens") == kind:
        out["next_token"] = encode_page_token(offset + limit, bind)


def _entry(sim, arg, kinds=KINDS):
    kind = arg.get("type", "workout")
    if kind not in kinds:
        raise ValueError("type must be one of %s" % ", ".join(kinds))
    u = sim.user(int(arg.get("user", 1)))
    e = u.get(kind, record_id(kind, arg["id"]))
    if e is None:
        raise KeyError("no such record")
    return u, e


def c_move_sleep(sim, arg):
    u, e = _entry(sim, dict(arg, type="sleep"))
    start = parse_time(arg["start"])
    end = parse_time(arg["end"]) if "end" in arg else e.end
    if not start < end:
        raise ValueError("move_sleep: start must be before end")
    e.start, e.end, e.key = start, end, start
    e.updated = max(e.updated + SEC, u.now)
    for r in u.entries["recovery"].values():
        if r.sleep_id == e.id:
            r.key = start
    u.touch("sleep")
    u.touch("recovery")
    return {"record": e.render()}


def c_patch(sim, arg):
    u, e = _entry(sim, arg)
    if arg.get("clear"):
        e.patch = None
    else:
        st, un = arg.get("set", {}), arg.get("unset", [])
        if not isinstance(st, dict) or not isinstance(un, list):
            raise ValueError("patch: set is an object, unset a list")
        e.patch = {"set": st, "unset": [str(x) for x in un]}
    u.touch(e.kind)
    return {"record": e.render()}


def c_implausible(sim, arg):
    u = sim.user(int(arg.get("user", 1)))
    nth = int(arg.get("nth", 0))
    done = []
    for kind in KINDS:
        scored = [e for e in u.ordered(kind)[0]
                  if e.state == SCORED and isinstance(e.score, dict)]
        if nth < len(scored):
            e = scored[nth]
            e.patch = {"set": dict(ODD_VALUES[kind]), "unset": []}
            u.touch(kind)
            done.append({"type": kind, "id": e.id})
    return {"patched": done}


def c_future(sim, arg):
    kind = arg.get("type", "workout")
    if kind not in ("workout", "sleep"):
        raise ValueError("future: type must be workout or sleep")
    u = sim.user(int(arg.get("user", 1)))
    start = parse_time(arg.get("start", "2099-11-13T07:00:00.000Z"))
    end = start + int(arg.get("minutes", 45)) * MIN
    r = random.Random("%s:future:%d:%s" % (u.tag, start, kind))
    common = dict(user_id=u.user_id, created=u.now, updated=u.now,
                  start=start, end=end, tz="Z", key=start, reveal=u.now,
                  scored_at=u.now, final=SCORED, state=SCORED,
                  stray=bool(arg.get("stray", True)))
    if kind == "sleep":
        oc = u.open_cycle
        e = Entry("sleep", id=uuid_from(r), nap=True,
                  cycle_id=oc.id if oc else None,
                  score=u.sleep_score(r, start, end, True), **common)
    else:
        e = Entry("workout", id=uuid_from(r), sport_name="running",
                  sport_id=SPORT_BY_NAME["running"][1],
                  score=u.workout_score(r, start, end, True), **common)
    u.add(e)
    return {"record": e.render()}


def c_stray(sim, arg):
    u, e = _entry(sim, arg)
    e.stray = bool(arg.get("on", True))
    u.touch(e.kind)
    return {"record": e.render()}


def c_profile(sim, arg):
    """Change a user's profile text (issue 12: an email holding terminal
    escapes).  Only the text fields WHOOP lets a person edit."""
    u = sim.user(int(arg.get("user", 1)))
    for k in ("email", "first_name", "last_name"):
        if k in arg:
            if not isinstance(arg[k], str):
                raise ValueError("%s must be a string" % k)
            u.profile[k] = arg[k]
    return dict(u.profile)


CONTROL = {
    ("GET", "/_sim/health"): c_health,
    ("GET", "/_sim/client"): c_client,
    ("GET", "/_sim/dataset"): c_dataset,
    ("GET", "/_sim/stats"): c_stats,
    ("GET", "/_sim/config"): c_get_config,
    ("POST", "/_sim/config"): c_config,
    ("POST", "/_sim/fault"): c_fault,
    ("POST", "/_sim/fault/clear"): c_fault_clear,
    ("POST", "/_sim/rescore"): c_rescore,
    ("POST", "/_sim/delete"): c_delete,
    ("POST", "/_sim/advance"): c_advance,
    ("POST", "/_sim/late"): c_late,
    ("POST", "/_sim/expire"): c_expire,
    ("POST", "/_sim/revoke"): c_revoke,
    ("POST", "/_sim/issue"): c_issue,
    ("POST", "/_sim/move_sleep"): c_move_sleep,
    ("POST", "/_sim/patch"): c_patch,
    ("POST", "/_sim/implausible"): c_implausible,
    ("POST", "/_sim/future"): c_future,
    ("POST", "/_sim/stray"): c_stray,
    ("POST", "/_sim/profile"): c_profile,
}


# ---------------------------------------------------------------- model test
#
# Control endpoints for the model-based test (t/0320-model.t,
# t/model/model.py), kept apart from the rest so that other switches can
# be added elsewhere without conflict.  They expose the service's whole
# state with each record's sort key, and make the odd shapes a faithful
# WHOOP can produce: a sleep edited to start before its cycle, a record
# re-scored at any age, an implausible value, a record whose own start
# lies far outside the window it was served for.

def model_key(e):
    """The key a client stores the record under."""
    return e.cycle_id if e.kind == "recovery" else e.id


def c_model_state(sim, arg):
    u = sim.user(int(arg.get("user", 1)))
    out = {"now": iso(sim.now), "now_ms": sim.now,
           "user_id": u.user_id, "profile": u.profile, "body": u.body,
           "refresh_reuse": sim.stats["refresh_reuse"],
           "token_requests": sim.stats["token_requests"],
           "grants_live": sum(1 for g in sim.grants if g.alive),
           "faults_pending": len(sim.faults),
           "faults_applied": sim.stats["faults_applied"], "kinds": {}}
    for kind in KINDS:
        # every record, also those whose key lies after `now`
        out["kinds"][kind] = [
            {"key": model_key(e), "t": e.key, "record": e.render()}
            for e in u.ordered(kind)[0]]
    return out


def model_entry(sim, arg):
    u = sim.user(int(arg.get("user", 1)))
    kind = arg["type"]
    if kind not in KINDS:
        raise ValueError("unknown type")
    e = u.get(kind, record_id(kind, arg["id"]))
    if e is None:
        raise KeyError("no such record")
    return u, e


def c_model_edit_sleep(sim, arg):
    """The member edits a sleep to begin `minutes` earlier: its start,
    and the order key of its recovery, move before the cycle's start."""
    u, e = model_entry(sim, dict(arg, type="sleep"))
    minutes = int(arg.get("minutes", 60))
    if not 1 <= minutes <= 12 * 60:
        raise ValueError("minutes must be 1..720")
    e.start -= minutes * MIN
    e.key = e.start
    e.updated = max(e.updated + SEC, sim.now)
    u.touch("sleep")
    rec = u.get("recovery", e.cycle_id)
    if rec is not None and rec.sleep_id == e.id:
        rec.key = e.start
        u.touch("recovery")
    return {"record": e.render()}


def c_model_rescore(sim, arg):
    """WHOOP scores one record again, however old: a PENDING_SCORE one
    gets its score, a scored one a slightly different value."""
    u, e = model_entry(sim, arg)
    if e.state == PENDING or e.state == UNSCORABLE:
        e.stuck, e.state = False, SCORED
        u.fresh.discard(e)
    elif isinstance(e.score, dict):
        for k in ("strain", "recovery_score", "respiratory_rate"):
            if isinstance(e.score.get(k), (int, float)):
                e.score[k] = f7(e.score[k] * 0.97 + 0.1)
                break
    e.updated = max(e.updated + SEC, sim.now)
    u.touch(e.kind)
    return {"record": e.render()}


def c_model_odd(sim, arg):
    """Set one score field (a dotted path below "score") to a value no
    documentation rules out, e.g. a negative awake time."""
    u, e = model_entry(sim, arg)
    path = str(arg["field"]).split(".")
    if not isinstance(e.score, dict):
        raise ValueError("record has no score")
    d = e.score
    for p in path[:-1]:
        d = d.get(p)
        if not isinstance(d, dict):
            raise KeyError("no such field")
    if path[-1] not in d:
        raise KeyError("no such field")
    d[path[-1]] = arg["value"]
    e.stuck, e.state = False, SCORED
    u.fresh.discard(e)
    e.updated = max(e.updated + SEC, sim.now)
    u.touch(e.kind)
    return {"record": e.render()}


def c_model_future(sim, arg):
    """A workout served among the newest records although its own start
    is `start` (default 2099-11-13): a clock fault at WHOOP."""
    u = sim.user(int(arg.get("user", 1)))
    start = parse_time(arg.get("start", "2099-11-13T07:00:00.000Z"))
    r = random.Random("%s:future:%d:%d" % (u.tag, start, sim.now))
    e = Entry("workout", id=uuid_from(r), user_id=u.user_id,
              created=sim.now, start=start, end=start + 40 * MIN, tz="Z",
              sport_name="running", sport_id=0, key=sim.now - HOUR,
              reveal=sim.now, scored_at=sim.now, final=SCORED, stuck=False,
              score=u.workout_score(r, start, start + 40 * MIN, True))
    e.state, e.updated = SCORED, sim.now
    u.add(e)
    return {"record": e.render()}


CONTROL.update({
    ("GET", "/_sim/model/state"): c_model_state,
    ("POST", "/_sim/model/edit_sleep"): c_model_edit_sleep,
    ("POST", "/_sim/model/rescore"): c_model_rescore,
    ("POST", "/_sim/model/odd"): c_model_odd,
    ("POST", "/_sim/model/future"): c_model_future,
})


# ---------------------------------------------------------------- server

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, sim, ctx):
        self.address_family = socket.AF_INET6 if ":" in addr[0] \
            else socket.AF_INET
        self.sim = sim
        self.aborted = set()
        super().__init__(addr, Handler)
        if ctx is not None:
            self.socket = ctx.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)

    def server_bind(self):
        # HTTPServer.server_bind would do a reverse DNS lookup: skip it
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def shutdown_request(self, request):
        if id(request) in self.aborted:
            # no shutdown(): close() with SO_LINGER 0 sends the RST
            self.aborted.discard(id(request))
            request.close()
            return
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (Quiet, ConnectionError, ssl.SSLError,
                          TimeoutError, OSError)):
            return
        sys.stderr.write("whoopsim: connection error %s\n" % type(e).__name__)


class Stop(Exception):
    pass


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="whoopsim.py",
        description="Simulated WHOOP API for tests.  The client secret is "
        "taken from --client-secret, else $WHOOPSIM_CLIENT_SECRET, else "
        "derived from the seed; GET /_sim/client reports it.")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--users", type=int, default=1)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--now", default="2026-02-18T14:00:00Z")
    p.add_argument("--client-id", default="sim-client-id")
    p.add_argument("--client-secret", help="prefer $WHOOPSIM_CLIENT_SECRET")
    p.add_argument("--redirect-uri", action="append")
    p.add_argument("--test-mode", action="store_true")
    p.add_argument("--token-ttl", type=int, default=3600)
    p.add_argument("--rate-minute", type=int, default=100)
    p.add_argument("--rate-day", type=int, default=10000)
    p.add_argument("--retry-after", default="seconds",
                   choices=("none", "seconds", "httpdate"))
    p.add_argument("--pkce", default="required",
                   choices=("required", "optional"))
    p.add_argument("--cycle-id-base", type=int, default=1_300_000_000,
                   help="raise above 2^31 to catch int32 ids in clients")
    p.add_argument("--sleep-lead", type=int, default=0, metavar="MINUTES",
                   help="each main sleep starts this long before its cycle "
                   "(0..600; WHOOP's own data: 0)")
    p.add_argument("--plain", action="store_true",
                   help="plain HTTP (to test that clients refuse it)")
    net_add_args(p)
    a = p.parse_args(argv)
    try:
        parse_time(a.now)
    except ValueError:
        p.error("--now: not an RFC 3339 date-time")
    if a.users < 1 or a.days < 1:
        p.error("--users and --days must be at least 1")
    if not 0 <= a.sleep_lead <= 600:
        p.error("--sleep-lead: 0..600 minutes")
    return a


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.state_dir, mode=0o700, exist_ok=True)
    ctx = None
    if not args.plain:
        cert = args.cert or os.path.join(args.state_dir, "server.pem")
        key = args.key or os.path.join(args.state_dir, "server.key")
        try:
            ctx = tls_context(cert, key)
        except (OSError, ssl.SSLError) as e:
            sys.stderr.write("whoopsim: cannot load %s / %s: %s\n" %
                             (cert, key, e.__class__.__name__))
            return 1
    sim = Sim(args)
    try:
        server = Server((args.host, args.port), sim, ctx)
    except OSError as e:
        sys.stderr.write("whoopsim: cannot listen on %s:%d: %s\n" %
                         (args.host, args.port, e.strerror))
        return 1

    def stop(signum, frame):
        raise Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    portfile = os.path.join(args.state_dir, "port")
    pidfile = os.path.join(args.state_dir, "pid")
    write_atomic(pidfile, "%d\n" % os.getpid())
    # the port file appears only once we listen: tests wait for it
    write_atomic(portfile, "%d\n" % server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.2)
    except Stop:
        pass
    finally:
        server.server_close()
        for f in (portfile, pidfile):
            try:
                os.unlink(f)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
