-- PostgreSQL tables for the CSV of whoop-export(1): one table per record
-- type, with its columns in the order whoop-export writes them, so that
--
--	\copy cycle FROM PROGRAM 'whoop-export -f csv cycle' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
--
-- loads a type.  For dashboards (Grafana and the like) kept on
-- PostgreSQL; the whoop tools themselves never talk to PostgreSQL.  See
-- README beside this file for loading, and refresh.sql for keeping the
-- tables up to date from cron.
--
--	psql -X -v ON_ERROR_STOP=1 -d whoop -f schema.sql
--
-- creates them in the first schema of the search_path (CREATE SCHEMA
-- whoop; SET search_path = whoop; first, to keep them apart).  Running it
-- again changes nothing (IF NOT EXISTS).
--
-- Types: the UTC times WHOOP sends (2026-03-28T04:10:00.000Z) are
-- timestamptz; start_local and end_local, the same instants at the
-- record's own offset, are timestamp (without time zone): the local wall
-- clock, whose offset is in timezone_offset; date_local is a date.  Ids
-- and counts are bigint, measurements double precision, nap and
-- user_calibrating boolean; ids that are UUIDs stay text, as WHOOP sends
-- them.  whoop-export writes NULL and the empty string alike as an empty
-- field, which COPY reads as NULL.  The keys are those of the SQLite
-- tables (whoop(7)): per account, cycles by id, recoveries by their
-- cycle, sleeps and workouts by their UUID.  Columns match the current
-- whoop-export; a column added to it later needs one here too (ALTER
-- TABLE ... ADD COLUMN, at the same place in the order: COPY matches by
-- position, or give a column list).

CREATE TABLE IF NOT EXISTS cycle (
	account_id bigint NOT NULL,
	id bigint NOT NULL,
	user_id bigint NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	start timestamptz NOT NULL,
	"end" timestamptz,			-- NULL: the current cycle
	timezone_offset text NOT NULL,
	score_state text NOT NULL,
	strain double precision,
	kilojoule double precision,
	average_heart_rate bigint,
	max_heart_rate bigint,
	start_local timestamp,
	end_local timestamp,
	date_local date,
	PRIMARY KEY (account_id, id)
);

CREATE TABLE IF NOT EXISTS recovery (
	account_id bigint NOT NULL,
	cycle_id bigint NOT NULL,
	sleep_id text,
	user_id bigint NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	score_state text NOT NULL,
	user_calibrating boolean,
	recovery_score double precision,
	resting_heart_rate double precision,
	hrv_rmssd_milli double precision,
	spo2_percentage double precision,
	skin_temp_celsius double precision,
	cycle_start timestamptz,		-- NULL: the cycle is not stored
	date_local date,
	PRIMARY KEY (account_id, cycle_id)
);

CREATE TABLE IF NOT EXISTS sleep (
	account_id bigint NOT NULL,
	id text NOT NULL,
	cycle_id bigint,
	user_id bigint NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	start timestamptz NOT NULL,
	"end" timestamptz NOT NULL,
	timezone_offset text NOT NULL,
	nap boolean NOT NULL,
	score_state text NOT NULL,
	total_in_bed_time_milli bigint,
	total_awake_time_milli bigint,
	total_no_data_time_milli bigint,
	total_light_sleep_time_milli bigint,
	total_slow_wave_sleep_time_milli bigint,
	total_rem_sleep_time_milli bigint,
	sleep_cycle_count bigint,
	disturbance_count bigint,
	baseline_milli bigint,
	need_from_sleep_debt_milli bigint,
	need_from_recent_strain_milli bigint,
	need_from_recent_nap_milli bigint,
	respiratory_rate double precision,
	sleep_performance_percentage double precision,
	sleep_consistency_percentage double precision,
	sleep_efficiency_percentage double precision,
	start_local timestamp,
	end_local timestamp,
	date_local date,
	PRIMARY KEY (account_id, id)
);

CREATE TABLE IF NOT EXISTS workout (
	account_id bigint NOT NULL,
	id text NOT NULL,
	user_id bigint NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	start timestamptz NOT NULL,
	"end" timestamptz NOT NULL,
	timezone_offset text NOT NULL,
	sport_name text,
	sport_id bigint,
	score_state text NOT NULL,
	strain double precision,
	average_heart_rate bigint,
	max_heart_rate bigint,
	kilojoule double precision,
	percent_recorded double precision,
	distance_meter double precision,
	altitude_gain_meter double precision,
	altitude_change_meter double precision,
	zone_zero_milli bigint,
	zone_one_milli bigint,
	zone_two_milli bigint,
	zone_three_milli bigint,
	zone_four_milli bigint,
	zone_five_milli bigint,
	start_local timestamp,
	end_local timestamp,
	date_local date,
	PRIMARY KEY (account_id, id)
);

-- Dashboards ask for time ranges.
CREATE INDEX IF NOT EXISTS cycle_start_idx ON cycle (start);
CREATE INDEX IF NOT EXISTS recovery_cycle_start_idx ON recovery (cycle_start);
CREATE INDEX IF NOT EXISTS sleep_start_idx ON sleep (start);
CREATE INDEX IF NOT EXISTS workout_start_idx ON workout (start);
