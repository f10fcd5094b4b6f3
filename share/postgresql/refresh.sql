-- refresh.sql: bring the tables of schema.sql up to date from
-- whoop-export(1), for cron, after whoop-sync(1):
--
--	psql -X -q -d whoop -f /usr/local/share/whoop/postgresql/refresh.sql
--
-- Each type's records of the last WHOOP_REFRESH_DAYS days (default 14;
-- an empty value counts as unset) go into a temporary staging table,
-- then into the real one with an upsert (a row that did not change is
-- left alone); a row of that window that the export no longer has
-- (whoop-sync removed it: WHOOP deleted or merged it) is deleted.  Older
-- rows are not touched.  A recovery's window is its cycle's start, and a
-- recovery whose cycle is not stored is only loaded by a full \copy (see
-- README).  It all happens in one transaction, and a failed export stops
-- the script before anything changes (ON_ERROR_STOP: whoop-export's exit
-- status is an error for \copy).
--
-- whoop-export runs on the client, as the user running psql, with psql's
-- environment: PATH must find it, and WHOOP_DB or WHOOP_DATA_DIR say
-- which database it reads (whoop(7)).  Needs psql 15 or later (\getenv).
-- Keep WHOOP_REFRESH_DAYS above whoop-sync's re-score window (7 days).
\set ON_ERROR_STOP on
\set days ''
\getenv days WHOOP_REFRESH_DAYS
-- A bad value stops here, before anything runs.
SELECT coalesce(nullif(:'days', ''), '14')::integer AS days \gset

BEGIN;
CREATE TEMPORARY TABLE cycle_in (LIKE cycle) ON COMMIT DROP;
CREATE TEMPORARY TABLE recovery_in (LIKE recovery) ON COMMIT DROP;
CREATE TEMPORARY TABLE sleep_in (LIKE sleep) ON COMMIT DROP;
CREATE TEMPORARY TABLE workout_in (LIKE workout) ON COMMIT DROP;

-- (\copy takes its whole line as it is: no psql variables in it; the
-- shell that runs the program reads the environment.)
\copy cycle_in FROM PROGRAM 'whoop-export -f csv -s "${WHOOP_REFRESH_DAYS:-14}d" cycle' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
\copy recovery_in FROM PROGRAM 'whoop-export -f csv -s "${WHOOP_REFRESH_DAYS:-14}d" recovery' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
\copy sleep_in FROM PROGRAM 'whoop-export -f csv -s "${WHOOP_REFRESH_DAYS:-14}d" sleep' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
\copy workout_in FROM PROGRAM 'whoop-export -f csv -s "${WHOOP_REFRESH_DAYS:-14}d" workout' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')

-- Taken after the exports, so that the window they covered starts no
-- later than this: nothing is deleted that an export could have held.
SELECT clock_timestamp() - make_interval(days => :days) AS cut \gset

INSERT INTO cycle SELECT * FROM cycle_in
ON CONFLICT (account_id, id) DO UPDATE SET (
	user_id, created_at, updated_at, start, "end", timezone_offset,
	score_state, strain, kilojoule, average_heart_rate, max_heart_rate,
	start_local, end_local, date_local
) = ROW(
	EXCLUDED.user_id, EXCLUDED.created_at, EXCLUDED.updated_at,
	EXCLUDED.start, EXCLUDED."end", EXCLUDED.timezone_offset,
	EXCLUDED.score_state, EXCLUDED.strain, EXCLUDED.kilojoule,
	EXCLUDED.average_heart_rate, EXCLUDED.max_heart_rate,
	EXCLUDED.start_local, EXCLUDED.end_local, EXCLUDED.date_local
)
WHERE (cycle.*) IS DISTINCT FROM (EXCLUDED.*);
DELETE FROM cycle t WHERE t.start >= :'cut' AND NOT EXISTS
    (SELECT FROM cycle_in i WHERE i.account_id = t.account_id AND i.id = t.id);
INSERT INTO recovery SELECT * FROM recovery_in
ON CONFLICT (account_id, cycle_id) DO UPDATE SET (
	sleep_id, user_id, created_at, updated_at, score_state,
	user_calibrating, recovery_score, resting_heart_rate, hrv_rmssd_milli,
	spo2_percentage, skin_temp_celsius, cycle_start, date_local
) = ROW(
	EXCLUDED.sleep_id, EXCLUDED.user_id, EXCLUDED.created_at,
	EXCLUDED.updated_at, EXCLUDED.score_state, EXCLUDED.user_calibrating,
	EXCLUDED.recovery_score, EXCLUDED.resting_heart_rate,
	EXCLUDED.hrv_rmssd_milli, EXCLUDED.spo2_percentage,
	EXCLUDED.skin_temp_celsius, EXCLUDED.cycle_start, EXCLUDED.date_local
)
WHERE (recovery.*) IS DISTINCT FROM (EXCLUDED.*);
DELETE FROM recovery t WHERE t.cycle_start >= :'cut' AND NOT EXISTS
    (SELECT FROM recovery_in i WHERE i.account_id = t.account_id AND i.cycle_id = t.cycle_id);
INSERT INTO sleep SELECT * FROM sleep_in
ON CONFLICT (account_id, id) DO UPDATE SET (
	cycle_id, user_id, created_at, updated_at, start, "end",
	timezone_offset, nap, score_state, total_in_bed_time_milli,
	total_awake_time_milli, total_no_data_time_milli,
	total_light_sleep_time_milli, total_slow_wave_sleep_time_milli,
	total_rem_sleep_time_milli, sleep_cycle_count, disturbance_count,
	baseline_milli, need_from_sleep_debt_milli,
	need_from_recent_strain_milli, need_from_recent_nap_milli,
	respiratory_rate, sleep_performance_percentage,
	sleep_consistency_percentage, sleep_efficiency_percentage, start_local,
	end_local, date_local
) = ROW(
	EXCLUDED.cycle_id, EXCLUDED.user_id, EXCLUDED.created_at,
	EXCLUDED.updated_at, EXCLUDED.start, EXCLUDED."end",
	EXCLUDED.timezone_offset, EXCLUDED.nap, EXCLUDED.score_state,
	EXCLUDED.total_in_bed_time_milli, EXCLUDED.total_awake_time_milli,
	EXCLUDED.total_no_data_time_milli,
	EXCLUDED.total_light_sleep_time_milli,
	EXCLUDED.total_slow_wave_sleep_time_milli,
	EXCLUDED.total_rem_sleep_time_milli, EXCLUDED.sleep_cycle_count,
	EXCLUDED.disturbance_count, EXCLUDED.baseline_milli,
	EXCLUDED.need_from_sleep_debt_milli,
	EXCLUDED.need_from_recent_strain_milli,
	EXCLUDED.need_from_recent_nap_milli, EXCLUDED.respiratory_rate,
	EXCLUDED.sleep_performance_percentage,
	EXCLUDED.sleep_consistency_percentage,
	EXCLUDED.sleep_efficiency_percentage, EXCLUDED.start_local,
	EXCLUDED.end_local, EXCLUDED.date_local
)
WHERE (sleep.*) IS DISTINCT FROM (EXCLUDED.*);
DELETE FROM sleep t WHERE t.start >= :'cut' AND NOT EXISTS
    (SELECT FROM sleep_in i WHERE i.account_id = t.account_id AND i.id = t.id);
INSERT INTO workout SELECT * FROM workout_in
ON CONFLICT (account_id, id) DO UPDATE SET (
	user_id, created_at, updated_at, start, "end", timezone_offset,
	sport_name, sport_id, score_state, strain, average_heart_rate,
	max_heart_rate, kilojoule, percent_recorded, distance_meter,
	altitude_gain_meter, altitude_change_meter, zone_zero_milli,
	zone_one_milli, zone_two_milli, zone_three_milli, zone_four_milli,
	zone_five_milli, start_local, end_local, date_local
) = ROW(
	EXCLUDED.user_id, EXCLUDED.created_at, EXCLUDED.updated_at,
	EXCLUDED.start, EXCLUDED."end", EXCLUDED.timezone_offset,
	EXCLUDED.sport_name, EXCLUDED.sport_id, EXCLUDED.score_state,
	EXCLUDED.strain, EXCLUDED.average_heart_rate, EXCLUDED.max_heart_rate,
	EXCLUDED.kilojoule, EXCLUDED.percent_recorded, EXCLUDED.distance_meter,
	EXCLUDED.altitude_gain_meter, EXCLUDED.altitude_change_meter,
	EXCLUDED.zone_zero_milli, EXCLUDED.zone_one_milli,
	EXCLUDED.zone_two_milli, EXCLUDED.zone_three_milli,
	EXCLUDED.zone_four_milli, EXCLUDED.zone_five_milli,
	EXCLUDED.start_local, EXCLUDED.end_local, EXCLUDED.date_local
)
WHERE (workout.*) IS DISTINCT FROM (EXCLUDED.*);
DELETE FROM workout t WHERE t.start >= :'cut' AND NOT EXISTS
    (SELECT FROM workout_in i WHERE i.account_id = t.account_id AND i.id = t.id);
COMMIT;
