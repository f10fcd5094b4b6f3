#!/usr/bin/env python3
"""Invented exports of the WHOOP app, in the shape whoop-app-export.md
describes, for t/0420-import.t and t/bench/import.sh.  No real data.

  mkexport.py folder DIR VARIANT     DIR/my_whoop_data_2026_03_09/*.csv
      VARIANT: older, newer, 2022, 2026, spanish, german, semicolon
  mkexport.py zip DIR OUT.zip [flat|mac]  the folder as the app mails it
                                     (with its top folder, or the files at
                                     the top, or re-zipped on a Mac)
  mkexport.py bomb OUT.zip           an entry that inflates past its size
  mkexport.py bigdecl OUT.zip        an entry declaring 3 GB
  mkexport.py truncate IN OUT N      the first N bytes of IN
  mkexport.py bigfield OUT.csv MB    a journal with one field of MB MiB
  mkexport.py nul OUT.csv            a journal with a NUL byte
  mkexport.py big DIR YEARS          a YEARS-long archive (benchmark)
"""
import os
import struct
import sys
import zipfile
import datetime as dt

CYC_H = ("Cycle start time,Cycle end time,Cycle timezone,Recovery score %,"
         "Resting heart rate (bpm),Heart rate variability (ms),"
         "Skin temp (celsius),Blood oxygen %,Day Strain,Energy burned (cal),"
         "Max HR (bpm),Average HR (bpm),Sleep onset,Wake onset,"
         "Sleep performance %,Respiratory rate (rpm),Asleep duration (min),"
         "In bed duration (min),Light sleep duration (min),"
         "Deep (SWS) duration (min),REM duration (min),"
         "Awake duration (min),Sleep need (min),Sleep debt (min),"
         "Sleep efficiency %,Sleep consistency %")
SLP_H = ("Cycle start time,Cycle end time,Cycle timezone,Sleep onset,"
         "Wake onset,Sleep performance %,Respiratory rate (rpm),"
         "Asleep duration (min),In bed duration (min),"
         "Light sleep duration (min),Deep (SWS) duration (min),"
         "REM duration (min),Awake duration (min),Sleep need (min),"
         "Sleep debt (min),Sleep efficiency %,Sleep consistency %,Nap")
WKO_H = ("Cycle start time,Cycle end time,Cycle timezone,Workout start time,"
         "Workout end time,Duration (min),Activity name,Activity Strain,"
         "Energy burned (cal),Max HR (bpm),Average HR (bpm),HR Zone 1 %,"
         "HR Zone 2 %,HR Zone 3 %,HR Zone 4 %,HR Zone 5 %,GPS enabled,"
         "Distance (meters),Altitude gain (meters),Altitude change (meters)")
JRN_H = "Cycle start time,Cycle end time,Cycle timezone,Question text,Answered yes,Notes"
JRN_ES = ('Hora de inicio del ciclo,Hora de finalizaci\u00f3n del ciclo,'
          'Zona horaria del ciclo,Texto de la pregunta,'
          '"Respondi\u00f3 ""S\u00ed""",Notas')

QS = ["Have any alcoholic drinks?", "Have any caffeine? ",
      "Hydrated sufficiently?", "Viewed a screen device in bed?"]
NOTE = 'Late dinner, "two" glasses\nthen bed '


def q(s):
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def line(fields):
    return ",".join(q(f) for f in fields)


def cycles(newer):
    # Newest first.  C1 is open in the older export, closed in the newer.
    # C2 starts in UTC-04:00 the moment C3 ends in UTC-05:00 (DST); C4 is
    # in UTCZ; C3, the oldest with a recovery missing, starts at 00:00.
    sleep = ["90", "14.8", "420", "495", "200", "100", "120", "75", "480",
             "30", "88", "75"]
    rows = []
    if newer:
        rows.append(["2026-03-09 23:05:00", "", "UTC-04:00", "64", "51", "70",
                     "33.52", "96.40", "", "", "", "",
                     "2026-03-09 23:05:00", "2026-03-10 06:35:00"] + sleep)
        rows.append(["2026-03-08 22:30:00", "2026-03-09 23:05:00", "UTC-04:00",
                     "71", "50", "65", "33.41", "96.20", "10.2", "2210",
                     "160", "66", "2026-03-08 22:30:00",
                     "2026-03-09 06:45:00"] + sleep)
    else:
        rows.append(["2026-03-08 22:30:00", "", "UTC-04:00", "71", "50", "65",
                     "33.41", "96.20", "", "", "", "", "2026-03-08 22:30:00",
                     "2026-03-09 06:45:00"] + sleep)
    rows.append(["2026-03-08 04:40:18", "2026-03-08 22:30:00", "UTC-04:00",
                 "40", "58", "42", "33.90", "95.10", "12.3", "2450", "171",
                 "70", "2026-03-08 04:40:18", "2026-03-08 09:30:00"] + sleep)
    rows.append(["2026-03-07 00:00:00", "2026-03-08 03:40:18", "UTC-05:00",
                 "", "", "", "", "", "8.1", "1900", "150", "64", "", ""] +
                [""] * 12)
    rows.append(["2026-03-05 22:00:00", "2026-03-07 05:00:00", "UTCZ", "55",
                 "54", "50", "33.70", "97.00", "14.0", "2600", "180", "72",
                 "2026-03-05 22:00:00", "2026-03-06 06:00:00"] + sleep)
    return rows


def sleeps(newer):
    s = ["91", "15.0", "400", "470", "190", "95", "115", "70", "470", "20",
         "85"]
    rows = []
    if newer:
        rows.append(["2026-03-09 23:05:00", "", "UTC-04:00",
                     "2026-03-09 23:05:00", "2026-03-10 06:35:00"] + s +
                    ["80", "false"])
    c1end = "2026-03-09 23:05:00" if newer else ""
    rows.append(["2026-03-08 22:30:00", c1end, "UTC-04:00",
                 "2026-03-08 22:30:00", "2026-03-09 06:45:00"] + s +
                ["78", "false"])
    # A nap: no consistency.
    rows.append(["2026-03-08 04:40:18", "2026-03-08 22:30:00", "UTC-04:00",
                 "2026-03-08 15:00:00", "2026-03-08 15:40:00", "100", "14.0",
                 "35", "40", "20", "5", "10", "5", "0", "0", "88", "",
                 "true"])
    rows.append(["2026-03-08 04:40:18", "2026-03-08 22:30:00", "UTC-04:00",
                 "2026-03-08 04:40:18", "2026-03-08 09:30:00"] + s +
                ["70", "false"])
    rows.append(["2026-03-05 22:00:00", "2026-03-07 05:00:00", "UTCZ",
                 "2026-03-05 22:00:00", "2026-03-06 06:00:00"] + s +
                ["72", "false"])
    return rows


def workouts():
    c = ["2026-03-08 04:40:18", "2026-03-08 22:30:00", "UTC-04:00"]
    return [
        c + ["2026-03-08 18:00:00", "2026-03-08 18:45:00", "45",
             "Walking, Dog", "6.2", "250.0", "130", "101", "30", "40", "20",
             "10", "0", "true", "3900.5", "40.2", "-3.1"],
        c + ["2026-03-08 07:10:00", "2026-03-08 07:55:00", "45", "Running",
             "11.8", "480.0", "178", "152", "5", "10", "35", "40", "10",
             "true", "8200.0", "95.0", "2.0"],
    ]


def journal(newer):
    rows = []
    def cyc(start, end, tz, yes, note):
        for i, qq in enumerate(QS):
            rows.append([start, end, tz, qq, "true" if yes[i] else "false",
                         note])
    if newer:
        cyc("2026-03-09 23:05:00", "", "UTC-04:00", [0, 1, 1, 1], "")
    cyc("2026-03-08 22:30:00", "2026-03-09 23:05:00" if newer else "",
        "UTC-04:00", [0, 1, 0, 1], "")
    cyc("2026-03-08 04:40:18", "2026-03-08 22:30:00", "UTC-04:00",
        [1, 1, 0, 0], NOTE)
    cyc("2026-03-05 22:00:00", "2026-03-07 05:00:00", "UTCZ", [1, 0, 1, 0],
        "jet lag")
    return rows


def write(path, header, rows, eol="\n", bom=False):
    with open(path, "w", encoding="utf-8", newline="") as f:
        if bom:
            f.write("\ufeff")
        f.write(header + eol)
        for r in rows:
            f.write(line(r) + eol)


def drop(header, rows, names):
    h = header.split(",")
    keep = [i for i, n in enumerate(h) if n not in names]
    return (",".join(h[i] for i in keep),
            [[r[i] for i in keep] for r in rows])


def folder(d, variant):
    top = os.path.join(d, "my_whoop_data_2026_03_09")
    os.makedirs(top, exist_ok=True)
    newer = variant == "newer"
    ch, cr = CYC_H, cycles(newer)
    sh, sr = SLP_H, sleeps(newer)
    wh, wr = WKO_H, workouts()
    if variant == "2022":
        ch, cr = drop(ch, cr, ["Sleep consistency %"])
        sh, sr = drop(sh, sr, ["Sleep consistency %"])
    if variant == "2026":
        wh, wr = drop(wh, wr, ["Distance (meters)", "Altitude gain (meters)",
                               "Altitude change (meters)"])
    names = ["physiological_cycles.csv", "sleeps.csv", "workouts.csv",
             "journal_entries.csv"]
    if variant == "german":
        names = ["physiologische_zyklen.csv", "Schlaf.csv", "Trainings.csv",
                 "logbuch_eintraege.csv"]
        ch = "Startzeit des Zyklus" + ch[len("Cycle start time"):]
    write(os.path.join(top, names[0]), ch, cr)
    # CRLF line ends in one file, a BOM in another.
    write(os.path.join(top, names[1]), sh, sr, eol="\r\n")
    write(os.path.join(top, names[2]), wh, wr, bom=True)
    jh = JRN_ES if variant == "spanish" else JRN_H
    write(os.path.join(top, names[3]), jh, journal(newer))
    if variant == "semicolon":
        with open(os.path.join(top, names[3]), "w", encoding="utf-8") as f:
            f.write(JRN_H.replace(",", ";") + "\n")
            for r in journal(newer):
                f.write(";".join(x.replace("\n", " ") for x in r) + "\n")
    # Not ours: skipped.
    with open(os.path.join(top, "ecg_readme.txt"), "w") as f:
        f.write("not a CSV\n")
    with open(os.path.join(top, "gps_points.csv"), "w") as f:
        f.write("lat,lon\n51.5,-0.1\n")


def mkzip(d, out, flat=False, mac=False):
    top = os.path.join(d, "my_whoop_data_2026_03_09")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in sorted(os.listdir(top)):
            arc = n if flat else "my_whoop_data_2026_03_09/" + n
            z.write(os.path.join(top, n), arc)
            if mac:
                # What a re-zip on a Mac adds: AppleDouble files, binary.
                fork = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X" + bytes(40)
                z.writestr("__MACOSX/my_whoop_data_2026_03_09/._" + n, fork)
                z.writestr("my_whoop_data_2026_03_09/._" + n, fork)


def patch_sizes(path, name, usize):
    # Rewrite the declared uncompressed size of one entry in its local
    # header and its central directory entry.
    data = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    lho = info.header_offset
    struct.pack_into("<I", data, lho + 22, usize)
    cd = data.rfind(b"PK\x01\x02")
    while cd != -1:
        nlen = struct.unpack_from("<H", data, cd + 28)[0]
        if data[cd + 46:cd + 46 + nlen] == name.encode():
            struct.pack_into("<I", data, cd + 24, usize)
        cd = data.rfind(b"PK\x01\x02", 0, cd)
    open(path, "wb").write(bytes(data))


def bomb(out, declared=1000):
    body = JRN_H + "\n" + ("2026-03-08 04:40:18,,UTCZ,Q?,true," + "x" * 1000
                           + "\n") * 20000
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("journal_entries.csv", body)
    patch_sizes(out, "journal_entries.csv", declared)


def big(d, years):
    top = os.path.join(d, "my_whoop_data_2026_03_09")
    os.makedirs(top, exist_ok=True)
    ndays = int(365 * years)
    t0 = dt.datetime(2026, 3, 1, 23, 0, 0)
    sleep = ["90", "14.8", "420", "495", "200", "100", "120", "75", "480",
             "30", "88", "75"]
    cyc = open(os.path.join(top, "physiological_cycles.csv"), "w")
    slp = open(os.path.join(top, "sleeps.csv"), "w")
    wko = open(os.path.join(top, "workouts.csv"), "w")
    jrn = open(os.path.join(top, "journal_entries.csv"), "w")
    cyc.write(CYC_H + "\n")
    slp.write(SLP_H + "\n")
    wko.write(WKO_H + "\n")
    jrn.write(JRN_H + "\n")
    f = "%Y-%m-%d %H:%M:%S"
    nq = 0
    for i in range(ndays):
        s = t0 - dt.timedelta(days=i + 1, minutes=i % 7)
        e = t0 - dt.timedelta(days=i, minutes=(i - 1) % 7) if i else None
        st, en = s.strftime(f), (e.strftime(f) if e else "")
        w = (s + dt.timedelta(hours=8)).strftime(f)
        cyc.write(line([st, en, "UTC+01:00", str(30 + i % 60), "50", "60",
                        "33.50", "96.10", "" if not e else "11.1", "" if
                        not e else "2300", "" if not e else "165", "" if
                        not e else "68", st, w] + sleep) + "\n")
        slp.write(line([st, en, "UTC+01:00", st, w] + sleep[:11] +
                       ["80", "false"]) + "\n")
        if i % 11 == 0:
            n0 = (s + dt.timedelta(hours=15)).strftime(f)
            n1 = (s + dt.timedelta(hours=15, minutes=30)).strftime(f)
            slp.write(line([st, en, "UTC+01:00", n0, n1] + sleep[:11] +
                           ["", "true"]) + "\n")
        if i % 6 != 0:
            a = (s + dt.timedelta(hours=10)).strftime(f)
            b = (s + dt.timedelta(hours=11)).strftime(f)
            wko.write(line([st, en, "UTC+01:00", a, b, "60", "Running",
                            "10.5", "600.0", "175", "150", "5", "10", "30",
                            "40", "15", "true", "9000.0", "80.0", "1.0"])
                      + "\n")
        k = 27 if i % 3 == 0 else 28
        for j in range(k):
            jrn.write(line([st, en, "UTC+01:00", "Question %d?%s" %
                            (j, " " if j % 5 == 0 else ""),
                            "true" if (i + j) % 2 else "false",
                            "note, day %d" % i if j == 0 and i % 4 == 0
                            else ""]) + "\n")
            nq += 1
    for x in (cyc, slp, wko, jrn):
        x.close()


def main(a):
    if a[0] == "folder":
        folder(a[1], a[2])
    elif a[0] == "zip":
        mkzip(a[1], a[2], len(a) > 3 and a[3] == "flat",
              len(a) > 3 and a[3] == "mac")
    elif a[0] == "bomb":
        bomb(a[1])
    elif a[0] == "bigdecl":
        with zipfile.ZipFile(a[1], "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("journal_entries.csv", JRN_H + "\n")
        patch_sizes(a[1], "journal_entries.csv", 3 * 10**9)
    elif a[0] == "truncate":
        data = open(a[1], "rb").read()
        open(a[2], "wb").write(data[:int(a[3])])
    elif a[0] == "bigfield":
        with open(a[1], "w") as f:
            f.write(JRN_H + "\n")
            f.write("2026-03-08 04:40:18,,UTCZ,Q?,true,\"" +
                    "y" * (int(a[2]) << 20) + "\"\n")
    elif a[0] == "nul":
        with open(a[1], "wb") as f:
            f.write((JRN_H + "\n").encode())
            f.write(b"2026-03-08 04:40:18,,UTCZ,Q?,true,a\x00b\n")
    elif a[0] == "big":
        big(a[1], float(a[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
