-- Views over a whoop database, for sqlite3(1) and anything else that
-- reads SQLite.  Load them once into the database whoop-sync fills:
--
--	sqlite3 ~/.local/share/whoop/whoop.db < views.sql
--
-- then, for example:
--
--	sqlite3 -header -column ~/.local/share/whoop/whoop.db \
--	    'SELECT * FROM recovery_weekly ORDER BY week DESC LIMIT 8'
--
-- They read the record tables only (never the credentials), change
-- nothing, and can be loaded again safely (IF NOT EXISTS); remove one
-- with DROP VIEW.  The tools neither create nor need them.  Window
-- functions need SQLite 3.25 or later.
--
-- Times are stored in UTC.  A "local" day is the day in the time zone
-- the record was made in: its start moved by its timezone_offset, which
-- WHOOP sends as "Z", "+hh:mm", "+hhmm" or "+hh" (or with "-").  That is
-- the date_local of whoop-export.  The offset in minutes, for a row x:
--
--	CASE WHEN upper(x.timezone_offset) = 'Z' THEN 0
--	ELSE (CASE substr(x.timezone_offset, 1, 1) WHEN '-' THEN -1 ELSE 1 END)
--	    * (CAST(substr(x.timezone_offset, 2, 2) AS INTEGER) * 60
--	    + CAST(substr(replace(x.timezone_offset, ':', ''), 4, 2) AS INTEGER))
--	END
--
-- and date(x.start, offset || ' minutes') is the local date.

-- Weekly recovery, per account: the average of the scored recoveries of
-- each week, Monday to Sunday.  A recovery belongs to the local day its
-- cycle starts on (a cycle runs from one sleep to the next: WHOOP's day);
-- recoveries whose cycle is not stored are left out.
--
--	account_id	the WHOOP user id
--	week		the Monday, YYYY-MM-DD
--	recoveries	scored recoveries that week
--	recovery_score	average recovery, percent
--	resting_heart_rate, hrv_rmssd_milli
--			their averages: beats per minute, milliseconds
CREATE VIEW IF NOT EXISTS recovery_weekly AS
WITH r AS (
	SELECT r.account_id, r.recovery_score, r.resting_heart_rate,
	    r.hrv_rmssd_milli,
	    date(c.start, (CASE WHEN upper(c.timezone_offset) = 'Z' THEN 0
	    ELSE (CASE substr(c.timezone_offset, 1, 1) WHEN '-' THEN -1
	    ELSE 1 END) * (CAST(substr(c.timezone_offset, 2, 2) AS INTEGER)
	    * 60 + CAST(substr(replace(c.timezone_offset, ':', ''), 4, 2)
	    AS INTEGER)) END) || ' minutes') AS day
	FROM recovery AS r
	JOIN cycle AS c ON c.account_id = r.account_id AND c.id = r.cycle_id
	WHERE r.score_state = 'SCORED' AND r.recovery_score IS NOT NULL
)
SELECT account_id,
    date(day, '-6 days', 'weekday 1') AS week,
    count(*) AS recoveries,
    round(avg(recovery_score), 1) AS recovery_score,
    round(avg(resting_heart_rate), 1) AS resting_heart_rate,
    round(avg(hrv_rmssd_milli), 1) AS hrv_rmssd_milli
FROM r
GROUP BY account_id, week
ORDER BY account_id, week;

-- Sleep debt, per account and night: how much extra sleep WHOOP said was
-- needed to pay back recent sleep debt, in hours, with the average of the
-- last seven nights as the trend.  Naps are left out, and so are sleeps
-- without a sleep need (not scored yet).
--
--	account_id	the WHOOP user id
--	date_local	the local date the sleep started on
--	sleep_id	the sleep, a UUID
--	debt_hours	need_from_sleep_debt_milli, in hours
--	debt_hours_7	the average of debt_hours over this night and the
--			six before it (fewer at the start)
--	need_hours	all the sleep needed: baseline, debt, strain, naps
--	slept_hours	light, slow wave and REM sleep together
CREATE VIEW IF NOT EXISTS sleep_debt_trend AS
WITH s AS (
	SELECT account_id, id, start,
	    date(start, (CASE WHEN upper(timezone_offset) = 'Z' THEN 0
	    ELSE (CASE substr(timezone_offset, 1, 1) WHEN '-' THEN -1
	    ELSE 1 END) * (CAST(substr(timezone_offset, 2, 2) AS INTEGER)
	    * 60 + CAST(substr(replace(timezone_offset, ':', ''), 4, 2)
	    AS INTEGER)) END) || ' minutes') AS date_local,
	    need_from_sleep_debt_milli / 3600000.0 AS debt,
	    (baseline_milli + need_from_sleep_debt_milli
	    + coalesce(need_from_recent_strain_milli, 0)
	    + coalesce(need_from_recent_nap_milli, 0)) / 3600000.0 AS need,
	    (total_light_sleep_time_milli + total_slow_wave_sleep_time_milli
	    + total_rem_sleep_time_milli) / 3600000.0 AS slept
	FROM sleep
	WHERE nap = 0 AND need_from_sleep_debt_milli IS NOT NULL
)
SELECT account_id, date_local, id AS sleep_id,
    round(debt, 2) AS debt_hours,
    round(avg(debt) OVER (PARTITION BY account_id ORDER BY start
    ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 2) AS debt_hours_7,
    round(need, 2) AS need_hours,
    round(slept, 2) AS slept_hours
FROM s
ORDER BY account_id, start;

-- Strain by sport, per account and month: how often each activity was
-- done and how hard.  The month is that of the local start; workouts not
-- scored count in workouts but not in the strain columns.
--
--	account_id	the WHOOP user id
--	month		YYYY-MM
--	sport_name	as WHOOP names it: running, cycling, activity, ...
--	workouts	workouts that month
--	scored		those with a strain
--	strain_sum	their strains added up
--	strain_avg	their average strain, 0 to 21
--	minutes		time spent, all workouts
CREATE VIEW IF NOT EXISTS strain_by_sport AS
WITH w AS (
	SELECT account_id, coalesce(sport_name, 'unknown') AS sport_name,
	    strain,
	    strftime('%Y-%m', start, (CASE WHEN upper(timezone_offset) = 'Z'
	    THEN 0 ELSE (CASE substr(timezone_offset, 1, 1) WHEN '-' THEN -1
	    ELSE 1 END) * (CAST(substr(timezone_offset, 2, 2) AS INTEGER)
	    * 60 + CAST(substr(replace(timezone_offset, ':', ''), 4, 2)
	    AS INTEGER)) END) || ' minutes') AS month,
	    (julianday("end") - julianday(start)) * 1440 AS minutes
	FROM workout
)
SELECT account_id, month, sport_name,
    count(*) AS workouts,
    count(strain) AS scored,
    round(sum(strain), 2) AS strain_sum,
    round(avg(strain), 2) AS strain_avg,
    CAST(round(sum(minutes)) AS INTEGER) AS minutes
FROM w
GROUP BY account_id, month, sport_name
ORDER BY account_id, month, strain_sum DESC;

-- The Journal of the app's own export (whoop-import), with each morning's
-- recovery: one row per answer.  A Journal answer belongs to a cycle: the
-- day before its sleep (alcohol, caffeine, a screen in bed), and the
-- recovery measured by that sleep, the next morning, is the cycle's.  The
-- recovery is the API's when whoop-sync has the cycle (linked by
-- whoop-import: the same start to the second), else the export's own.
--
--	account_id	the WHOOP user id (0: imported with no login)
--	date_local	the day the app shows the answers on: the morning
--	question	the question, exactly as exported
--	answered_yes	1 or 0
--	notes		the cycle's note, if any
--	recovery_score	that morning's recovery, percent; NULL if none
--	source		api or export: where recovery_score comes from
CREATE VIEW IF NOT EXISTS journal_recovery AS
SELECT j.account_id, j.date_local, j.question, j.answered_yes, j.notes,
    coalesce(r.recovery_score, c.recovery_score) AS recovery_score,
    CASE WHEN r.recovery_score IS NOT NULL THEN 'api'
    WHEN c.recovery_score IS NOT NULL THEN 'export' END AS source
FROM journal AS j
LEFT JOIN app_cycle AS c ON c.account_id = j.account_id
    AND c.start = j.cycle_start
LEFT JOIN recovery AS r ON r.account_id = j.account_id
    AND r.cycle_id = j.cycle_id AND r.score_state = 'SCORED';

-- Recovery after yes against after no, per account and question: what a
-- habit costs or gives, in recovery points.  Mornings without a recovery
-- are left out.
--
--	account_id	the WHOOP user id
--	question	as exported
--	mornings_yes	mornings after a yes, with a recovery
--	mornings_no	the same after a no
--	recovery_yes	average recovery after a yes, percent
--	recovery_no	average recovery after a no, percent
--	difference	recovery_yes - recovery_no, points
CREATE VIEW IF NOT EXISTS journal_effect AS
SELECT account_id, question,
    sum(answered_yes = 1) AS mornings_yes,
    sum(answered_yes = 0) AS mornings_no,
    round(avg(CASE WHEN answered_yes = 1 THEN recovery_score END), 1)
	AS recovery_yes,
    round(avg(CASE WHEN answered_yes = 0 THEN recovery_score END), 1)
	AS recovery_no,
    round(avg(CASE WHEN answered_yes = 1 THEN recovery_score END)
	- avg(CASE WHEN answered_yes = 0 THEN recovery_score END), 1)
	AS difference
FROM journal_recovery
WHERE recovery_score IS NOT NULL
GROUP BY account_id, question
ORDER BY account_id, question;
