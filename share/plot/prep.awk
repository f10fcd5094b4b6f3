# prep.awk: whoop-export CSV or TSV in, gnuplot commands out.
#
#	awk -v what=KIND -v prog=NAME -f prep.awk [FILE...]
#
# The plot scripts beside this file run it through gnuplot's load "< ...",
# so that the input (a file, or standard input) is read exactly once and
# the arithmetic gnuplot is poor at (local days, gaps, running means,
# weeks, joining cycles to the next morning's recovery) is done here.
# KIND is recovery, hrv, sleep, strain or workouts; NAME prefixes the
# messages.  KIND weekly is for report.sh: it writes TSV, not gnuplot
# code (see out_weekly).
#
# What it writes is loaded as gnuplot code, so it writes only datablocks
# whose every line starts with a number, and assignments of numbers:
# nothing read from the input is ever written where gnuplot would read it
# as a command.  Text from the input (sport names) goes into datablock
# lines only, with control characters replaced.  It ends with prep_ok = 1
# on success; on failure a message is on standard error, and prep_ok is 0
# or never set.
#
# The format is told by the header line: a tab makes it TSV (whoop-export
# -f tsv: escapes undone), otherwise CSV (RFC 4180, CR LF or LF, quoted
# fields that may span lines).  Columns are found by name, so any column
# order and extra columns will do.  Days are the date_local column, the
# day a record belongs to in its own time zone; x values are seconds
# since 1970 at noon UTC of that day, which gnuplot shows as that date
# whatever the time zone of the machine.  Days without data are left out,
# and a blank line (a break in any line gnuplot draws) separates days
# that are not next to each other.

function fail(msg) {
	print prog ": " msg | "cat 1>&2"
	close("cat 1>&2")
	failed = 1
	exit 1
}

# Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
# days_from_civil), or "" for anything that is not YYYY-MM-DD.
function days(s,    y, m, d, era, yoe, doy, doe) {
	if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/)
		return ""
	y = substr(s, 1, 4) + 0; m = substr(s, 6, 2) + 0; d = substr(s, 9, 2) + 0
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return ""
	if (m <= 2)
		y--
	era = int((y >= 0 ? y : y - 399) / 400)
	yoe = y - era * 400
	doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
	doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
	return era * 146097 + doe - 719468
}

# Seconds since 1970 of an RFC 3339 time (2026-03-28T04:10:00.000Z, or
# with an offset), or "".
function secs(s,    d, t, off, sign, rest) {
	d = days(s)
	if (d == "" || substr(s, 11, 1) !~ /[Tt ]/ ||
	    substr(s, 12, 8) !~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/)
		return ""
	t = d * 86400 + substr(s, 12, 2) * 3600 + substr(s, 15, 2) * 60 + \
	    substr(s, 18, 2)
	rest = substr(s, 20)
	sub(/^\.[0-9]*/, "", rest)
	if (rest ~ /^[+-][0-9][0-9]:?[0-9][0-9]$/) {
		sign = substr(rest, 1, 1) == "-" ? -1 : 1
		gsub(/:/, "", rest)
		off = substr(rest, 2, 2) * 3600 + substr(rest, 4, 2) * 60
		t -= sign * off
	} else if (rest != "" && rest != "Z" && rest != "z")
		return ""
	return t
}

# Monday of the week of day d (1970-01-01 was a Thursday).
function monday(d) {
	return d - ((d % 7) + 7 + 3) % 7
}

function noon(d) {
	return d * 86400 + 43200
}

function num(s) {
	return s ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/
}

# The record that starts with line $0 into F[1..nf], from TSV or CSV.
function record(    line, i, c, f, q) {
	line = $0
	sub(/\r$/, "", line)
	if (tsv) {
		nf = split(line, F, "\t")
		for (i = 1; i <= nf; i++) {
			gsub(/\\[tnr]/, " ", F[i])
			gsub(/\\\\/, "\\", F[i])
		}
		return
	}
	# CSV: a field in double quotes may hold commas, "" and line breaks.
	nf = 0; f = ""; q = 0; i = 1
	for (;;) {
		if (i > length(line)) {
			if (q) {
				if ((getline line) <= 0)
					fail(where() " ends inside a quoted field")
				sub(/\r$/, "", line)
				f = f " "; i = 1
				continue
			}
			F[++nf] = f
			return
		}
		c = substr(line, i, 1)
		if (q) {
			if (c == "\"") {
				if (substr(line, i + 1, 1) == "\"") {
					f = f "\""; i++
				} else
					q = 0
			} else
				f = f c
		} else if (c == "\"")
			q = 1
		else if (c == ",") {
			F[++nf] = f; f = ""
		} else
			f = f c
		i++
	}
}

function where() {
	return FILENAME == "" || FILENAME == "-" ? "standard input" : FILENAME
}

function col(name) {
	return name in C ? F[C[name]] : ""
}

# The columns a kind needs, comma-separated, checked against the header.
function need(names,    n, i, N) {
	n = split(names, N, ",")
	for (i = 1; i <= n; i++)
		if (!(N[i] in C))
			fail(where() " has no column " N[i] ": feed it " \
			    "whoop-export's output with its own columns")
}

function has(name) {
	return name in C
}

# Text from the input for a datablock line: printable, no tabs, and no
# double quotes, which gnuplot's data reader takes for delimiters: they
# become single ones.
function text(s) {
	gsub(/[\001-\037\177]/, " ", s)
	gsub(/"/, "'", s)
	return s
}

function account() {
	if (!has("account_id"))
		return
	a = col("account_id")
	if (acct == "")
		acct = a
	else if (a != acct)
		fail("records of more than one account: pick one with " \
		    "whoop-export -a")
}

# Sorts the indices 1..n of key[] into ord[] by key (insertion sort:
# whoop-export's rows are in order already, or nearly so).
function order(key, n, ord,    i, j, t) {
	for (i = 1; i <= n; i++) {
		t = i
		for (j = i - 1; j >= 1 && key[ord[j]] > key[t]; j--)
			ord[j + 1] = ord[j]
		ord[j + 1] = t
	}
}

function band(score) {
	return score < 34 ? 1 : score < 67 ? 2 : 3
}

# A blank line before day d when the day before it had no data.
function gap(d) {
	if (prev != "" && d > prev + 1)
		print ""
	prev = d
}

function header() {
	if (what == "recovery")
		need("recovery_score,date_local")
	else if (what == "hrv")
		need("hrv_rmssd_milli,resting_heart_rate,date_local")
	else if (what == "sleep")
		need("nap,total_light_sleep_time_milli," \
		    "total_slow_wave_sleep_time_milli," \
		    "total_rem_sleep_time_milli,total_awake_time_milli," \
		    "baseline_milli,need_from_sleep_debt_milli," \
		    "need_from_recent_strain_milli," \
		    "need_from_recent_nap_milli,date_local")
	else if (what == "workouts")
		need("sport_name,start,end,strain,date_local")
	else if (what == "weekly")
		header_weekly()
	else if ("recovery_score" in C) {
		kind = "recovery"
		need("cycle_id,recovery_score")
		nrecfiles++
	} else {
		kind = "cycle"
		need("id,start,end,strain")
		ncycfiles++
	}
}

function row() {
	if (what == "recovery")
		row_recovery()
	else if (what == "hrv")
		row_hrv()
	else if (what == "sleep")
		row_sleep()
	else if (what == "workouts")
		row_workout()
	else if (what == "weekly")
		row_weekly()
	else if (kind == "recovery")
		row_strain_recovery()
	else
		row_strain_cycle()
}

function out() {
	if (what == "recovery")
		out_recovery()
	else if (what == "hrv")
		out_hrv()
	else if (what == "sleep")
		out_sleep()
	else if (what == "workouts")
		out_workouts()
	else if (what == "weekly")
		out_weekly()
	else
		out_strain()
}

function span(first, last) {
	print "first_x = " (first == "" ? 0 : noon(first))
	print "last_x = " (last == "" ? 0 : noon(last))
}

# --- recovery: a point per scored recovery, the 7-day mean per day -------
# Rows without a score (PENDING_SCORE, UNSCORABLE) and rows whose cycle is
# not stored (no date_local) are counted, not drawn.
function row_recovery(    d, v) {
	d = days(col("date_local"))
	v = col("recovery_score")
	if (d == "") {
		nodate++
		return
	}
	if (!num(v)) {
		unscored++
		return
	}
	n++
	X[n] = d
	V[n] = v + 0
}

# The mean of day d is that of the recoveries of d and the six days
# before it: fewer at the start and after a gap, never a zero for a
# missing day.
function out_recovery(    i, j, k, d, s, c, nd, first, last) {
	order(X, n, O)
	print "$POINTS << EOD"
	for (i = 1; i <= n; i++) {
		k = O[i]
		print noon(X[k]), V[k], band(V[k])
		S[X[k]] += V[k]
		N[X[k]]++
	}
	print "EOD"
	print "$MEAN << EOD"
	prev = ""
	nd = 0
	for (i = 1; i <= n; i++) {
		d = X[O[i]]
		if (d == prev)
			continue
		gap(d)
		nd++
		s = c = 0
		for (j = 0; j < 7; j++)
			if ((d - j) in N) {
				s += S[d - j]
				c += N[d - j]
			}
		print noon(d), s / c
	}
	print "EOD"
	print "nrows = " n + 0
	print "ndays = " nd
	print "unscored = " unscored + 0
	print "nodate = " nodate + 0
	span(n ? X[O[1]] : "", n ? X[O[n]] : "")
}

# --- hrv: HRV (rmssd) and resting heart rate per recovery ---------------
function row_hrv(    d, h, r) {
	d = days(col("date_local"))
	h = col("hrv_rmssd_milli")
	r = col("resting_heart_rate")
	if (d == "") {
		nodate++
		return
	}
	if (!num(h) && !num(r)) {
		unscored++
		return
	}
	n++
	X[n] = d
	H[n] = num(h) ? h + 0 : "NaN"
	R[n] = num(r) ? r + 0 : "NaN"
	if (num(h)) {
		nh++
		if (nh == 1 || h + 0 < hmin) hmin = h + 0
		if (nh == 1 || h + 0 > hmax) hmax = h + 0
	}
	if (num(r)) {
		nr++
		if (nr == 1 || r + 0 < rmin) rmin = r + 0
		if (nr == 1 || r + 0 > rmax) rmax = r + 0
	}
}

function out_hrv(    i, k) {
	order(X, n, O)
	print "$D << EOD"
	prev = ""
	for (i = 1; i <= n; i++) {
		k = O[i]
		gap(X[k])
		print noon(X[k]), H[k], R[k]
	}
	print "EOD"
	print "nrows = " n + 0
	print "nhrv = " nh + 0
	print "nrhr = " nr + 0
	print "hrv_min = " hmin + 0
	print "hrv_max = " hmax + 0
	print "rhr_min = " rmin + 0
	print "rhr_max = " rmax + 0
	print "unscored = " unscored + 0
	print "nodate = " nodate + 0
	span(n ? X[O[1]] : "", n ? X[O[n]] : "")
}

# --- sleep: the stages of each night, stacked, and the sleep needed -----
# Naps are left out; two sleeps (not naps) of one local day are one night,
# their stages added up, the need the larger of the two.
function row_sleep(    d, l, w, r, a, b, h, nap) {
	nap = col("nap")
	if (nap == "true" || nap == "1") {
		naps++
		return
	}
	d = days(col("date_local"))
	if (d == "") {
		nodate++
		return
	}
	l = col("total_light_sleep_time_milli")
	w = col("total_slow_wave_sleep_time_milli")
	r = col("total_rem_sleep_time_milli")
	a = col("total_awake_time_milli")
	if (!num(l) || !num(w) || !num(r)) {
		unscored++
		return
	}
	nsleeps++
	if (!(d in L)) {
		n++
		X[n] = d
		NEED[d] = "NaN"
	}
	L[d] += l / 3600000
	W[d] += w / 3600000
	R[d] += r / 3600000
	A[d] += num(a) ? a / 3600000 : 0
	b = col("baseline_milli")
	if (num(b)) {
		h = b + num0(col("need_from_sleep_debt_milli")) + \
		    num0(col("need_from_recent_strain_milli")) + \
		    num0(col("need_from_recent_nap_milli"))
		h /= 3600000
		if (NEED[d] == "NaN" || h > NEED[d])
			NEED[d] = h
	}
}

function num0(s) {
	return num(s) ? s + 0 : 0
}

function out_sleep(    i, d, t1, t2, t3, t4) {
	order(X, n, O)
	print "$D << EOD"
	prev = ""
	for (i = 1; i <= n; i++) {
		d = X[O[i]]
		gap(d)
		t1 = L[d]
		t2 = t1 + W[d]
		t3 = t2 + R[d]
		t4 = t3 + A[d]
		print noon(d), t1, t2, t3, t4, NEED[d]
		if (t4 > ymax)
			ymax = t4
		if (NEED[d] != "NaN" && NEED[d] > ymax)
			ymax = NEED[d]
	}
	print "EOD"
	print "nrows = " n + 0
	print "nsleeps = " nsleeps + 0
	print "ymax = " ymax + 0
	print "naps = " naps + 0
	print "unscored = " unscored + 0
	print "nodate = " nodate + 0
	span(n ? X[O[1]] : "", n ? X[O[n]] : "")
}

# --- strain: day strain against the next morning's recovery -------------
# A cycle's day strain is followed by the recovery of the next cycle, the
# one that starts when it ends (a cycle runs from falling asleep to
# falling asleep).  Cycles are paired only when the next one starts
# within an hour of the end of the first, so that a cycle missing from
# the input pairs nothing rather than the wrong morning.
function row_strain_cycle(    st) {
	st = secs(col("start"))
	if (st == "") {
		nodate++
		return
	}
	nc++
	CI[nc] = col("id")
	CS[nc] = st
	CE[nc] = secs(col("end"))
	CX[nc] = col("strain")
}

function row_strain_recovery(    v) {
	v = col("recovery_score")
	if (num(v))
		REC[col("cycle_id")] = v + 0
}

function out_strain(    i, k, j, dt, sx, sy, sxx, syy, sxy, r) {
	if (!ncycfiles || !nrecfiles)
		fail("needs two inputs: whoop-export cycle and whoop-export " \
		    "recovery, in either order")
	order(CS, nc, O)
	print "$D << EOD"
	for (i = 1; i < nc; i++) {
		k = O[i]
		j = O[i + 1]
		if (!num(CX[k])) {
			unscored++
			continue
		}
		dt = CS[j] - CE[k]
		if (CE[k] == "" || dt < -3600 || dt > 3600 || !(CI[j] in REC)) {
			unpaired++
			continue
		}
		n++
		print CX[k] + 0, REC[CI[j]], band(REC[CI[j]])
		sx += CX[k]; sy += REC[CI[j]]
		sxx += CX[k] * CX[k]; syy += REC[CI[j]] * REC[CI[j]]
		sxy += CX[k] * REC[CI[j]]
	}
	print "EOD"
	# The last cycle has no next morning yet.
	if (nc > 0 && num(CX[O[nc]]))
		unpaired++
	# Pearson's r, when it is defined.
	r = "NaN"
	if (n > 2 && (n * sxx - sx * sx) > 0 && (n * syy - sy * sy) > 0)
		r = (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * \
		    (n * syy - sy * sy))
	print "nrows = " n + 0
	print "ncycles = " nc + 0
	print "unpaired = " unpaired + 0
	print "unscored = " unscored + 0
	print "corr = " r
	span(nc ? int(CS[O[1]] / 86400) : "", nc ? int(CS[O[nc]] / 86400) : "")
}

# --- workouts: minutes and strain per sport and week --------------------
# Weeks run from Monday, by the local day each workout started.  Minutes
# are end - start, for every workout; strain is the mean of the scored
# ones.  The nine sports with the most minutes keep their names; the
# rest, if any, are "other".
function row_workout(    st, en, d, sp, key, w, s) {
	st = secs(col("start"))
	en = secs(col("end"))
	d = days(col("date_local"))
	if (d == "" || st == "" || en == "" || en < st) {
		nodate++
		return
	}
	sp = text(col("sport_name"))
	if (sp == "")
		sp = "unknown"
	w = monday(d)
	n++
	WS[n] = w
	WSP[n] = sp
	WM[n] = (en - st) / 60
	s = col("strain")
	WX[n] = num(s) ? s + 0 : ""
	if (!(sp in TOT)) {
		ns++
		SPN[ns] = sp
	}
	TOT[sp] += WM[n]
}

function out_workouts(    i, j, k, t, key, w, idx, nw, bottom, x) {
	# Sports by their minutes, most first, then by name.
	for (i = 1; i <= ns; i++) {
		t = SPN[i]
		for (j = i - 1; j >= 1 && (TOT[SPN[j]] < TOT[t] ||
		    (TOT[SPN[j]] == TOT[t] && SPN[j] > t)); j--)
			SPN[j + 1] = SPN[j]
		SPN[j + 1] = t
	}
	nsp = ns > 10 ? 10 : ns
	for (i = 1; i <= ns; i++)
		IDX[SPN[i]] = i < 10 || ns == 10 ? i : 10
	print "$SPORTS << EOD"
	for (i = 1; i <= nsp; i++)
		print i, (i == 10 && ns > 10 ? "other" : SPN[i])
	print "EOD"
	for (i = 1; i <= n; i++) {
		idx = IDX[WSP[i]]
		key = WS[i] SUBSEP idx
		if (!(key in MIN))
			npairs++
		MIN[key] += WM[i]
		if (WX[i] != "") {
			SX[key] += WX[i]
			SN[key]++
		}
		if (!(WS[i] in WEEK)) {
			WEEK[WS[i]] = 1
			nw++
			WL[nw] = WS[i]
		}
	}
	order(WL, nw, O)
	print "$D << EOD"
	for (i = 1; i <= nw; i++) {
		w = WL[O[i]]
		bottom = 0
		for (idx = 1; idx <= nsp; idx++) {
			key = w SUBSEP idx
			if (!(key in MIN))
				continue
			x = w * 86400 + 86400 * (0.5 + 6 * (idx - 0.5) / nsp)
			print noon(w + 3), idx, w * 86400 + 43200, \
			    (w + 7) * 86400 - 43200, bottom, bottom + MIN[key], \
			    MIN[key], x, (key in SN) ? SX[key] / SN[key] : "NaN"
			bottom += MIN[key]
			if (key in SN)
				nstrain++
		}
		if (bottom > ymax)
			ymax = bottom
	}
	print "EOD"
	print "nrows = " n + 0
	print "nweeks = " nw + 0
	print "npairs = " npairs + 0
	print "nsports = " nsp + 0
	print "nstrain = " nstrain + 0
	print "ymax = " ymax + 0
	print "nodate = " nodate + 0
	span(nw ? WL[O[1]] : "", nw ? WL[O[nw]] + 6 : "")
}

# --- weekly: the report's table, TSV, not gnuplot code -----------------
# Any of whoop-export's cycle, recovery, sleep and workout, told apart by
# their columns.  A line per Monday-to-Sunday week (by date_local) with
# data: the week's Monday, then the means of recovery, HRV, resting heart
# rate, hours asleep per night (naps left out) and day strain, the
# number of workouts and their minutes; a mean without data is empty.
function header_weekly() {
	if ("recovery_score" in C)
		kind = "recovery"
	else if ("sport_name" in C)
		kind = "workout"
	else if ("nap" in C)
		kind = "sleep"
	else if ("strain" in C)
		kind = "cycle"
	else
		fail(where() ": not whoop-export cycle, recovery, sleep " \
		    "or workout")
	if (kind == "recovery")
		need("recovery_score,hrv_rmssd_milli,resting_heart_rate," \
		    "date_local")
	else if (kind == "workout")
		need("start,end,date_local")
	else if (kind == "sleep")
		need("nap,total_light_sleep_time_milli," \
		    "total_slow_wave_sleep_time_milli," \
		    "total_rem_sleep_time_milli,date_local")
	else
		need("strain,date_local")
}

function add(w, what, v) {
	if (!num(v))
		return
	WSUM[w, what] += v
	WCNT[w, what]++
}

function row_weekly(    d, w, st, en, nap, l, s, r) {
	d = days(col("date_local"))
	if (d == "")
		return
	w = monday(d)
	if (!(w in WEEK)) {
		WEEK[w] = 1
		nw++
		WL[nw] = w
	}
	if (kind == "recovery") {
		add(w, "rec", col("recovery_score"))
		add(w, "hrv", col("hrv_rmssd_milli"))
		add(w, "rhr", col("resting_heart_rate"))
	} else if (kind == "cycle")
		add(w, "strain", col("strain"))
	else if (kind == "sleep") {
		nap = col("nap")
		l = col("total_light_sleep_time_milli")
		s = col("total_slow_wave_sleep_time_milli")
		r = col("total_rem_sleep_time_milli")
		if (nap == "true" || nap == "1" || !num(l) || !num(s) ||
		    !num(r))
			return
		# Hours per night: two sleeps of one day are one night.
		if (!((w, d) in NIGHT)) {
			NIGHT[w, d] = 1
			WCNT[w, "sleep"]++
		}
		WSUM[w, "sleep"] += (l + s + r) / 3600000
	} else {
		WCNT[w, "workouts"]++
		st = secs(col("start"))
		en = secs(col("end"))
		if (st != "" && en != "" && en >= st)
			WSUM[w, "minutes"] += (en - st) / 60
	}
}

function mean(w, what, fmt) {
	return WCNT[w, what] ? sprintf(fmt, WSUM[w, what] / WCNT[w, what]) : ""
}

function out_weekly(    i, w) {
	order(WL, nw, O)
	for (i = 1; i <= nw; i++) {
		w = WL[O[i]]
		print date(w), mean(w, "rec", "%.0f"), mean(w, "hrv", "%.0f"),
		    mean(w, "rhr", "%.0f"), mean(w, "sleep", "%.1f"),
		    mean(w, "strain", "%.1f"), WCNT[w, "workouts"] + 0,
		    sprintf("%.0f", WSUM[w, "minutes"])
	}
}

# YYYY-MM-DD of a day number (H. Hinnant's civil_from_days).
function date(z,    era, doe, yoe, y, doy, mp, d, m) {
	z += 719468
	era = int((z >= 0 ? z : z - 146096) / 146097)
	doe = z - era * 146097
	yoe = int((doe - int(doe / 1460) + int(doe / 36524) - \
	    int(doe / 146096)) / 365)
	y = yoe + era * 400
	doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
	mp = int((5 * doy + 2) / 153)
	d = doy - int((153 * mp + 2) / 5) + 1
	m = mp + (mp < 10 ? 3 : -9)
	return sprintf("%04d-%02d-%02d", y + (m <= 2), m, d)
}

BEGIN {
	OFS = "\t"
	if (prog == "")
		prog = "prep.awk"
	if (what !~ /^(recovery|hrv|sleep|strain|workouts|weekly)$/)
		fail("what=" what ": not recovery, hrv, sleep, strain, " \
		    "workouts or weekly")
}

# A header line: the format, and the columns by name.
FNR == 1 {
	if (failed)
		exit 1
	files++
	tsv = index($0, "\t") > 0
	record()
	split("", C)
	for (i = 1; i <= nf; i++)
		C[F[i]] = i
	header()
	next
}

{
	if (failed)
		exit 1
	record()
	if (nf == 1 && F[1] == "")
		next
	account()
	row()
}

END {
	if (!failed && files == 0)
		fail(where() " is empty: not whoop-export output")
	if (!failed)
		out()
	if (what != "weekly")
		print failed ? "prep_ok = 0" : "prep_ok = 1"
	exit failed
}
