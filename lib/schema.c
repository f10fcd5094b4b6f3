/*
 * The schema, as a list of forward-only migrations.  Migration N takes a
 * database from user_version N-1 to N.  Never edit a released migration:
 * add a new one.  The tables and columns are documented in whoop.7.
 */
#include "extern.h"

/*
 * Version 1.  Times are text in one canonical form,
 * YYYY-MM-DDTHH:MM:SS.mmmZ (whoop_time_format), so that text order is
 * time order.  Each record table keeps the record's raw JSON as WHOOP sent
 * it, so a field this build does not know is never lost.  Secret columns
 * are BLOBs sealed by seal.c; this file never sees their plaintext.
 */
static const char v1[] =
"CREATE TABLE accounts ("
"  account_id INTEGER PRIMARY KEY,"	/* WHOOP user_id */
"  status TEXT NOT NULL DEFAULT 'active'"
"    CHECK (status IN ('active', 'needs_login', 'revoked')),"
"  scopes TEXT,"
"  created_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL"
");"
"CREATE TABLE credentials ("
"  account_id INTEGER PRIMARY KEY"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  key_id BLOB NOT NULL CHECK (length(key_id) = 8),"
"  client_id TEXT NOT NULL,"
"  client_secret BLOB,"			/* sealed */
"  access_token BLOB NOT NULL,"		/* sealed */
"  refresh_token BLOB,"			/* sealed */
"  token_type TEXT NOT NULL,"
"  scope TEXT,"
"  expires_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL"
");"
"CREATE TABLE profile ("
"  account_id INTEGER PRIMARY KEY"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  user_id INTEGER NOT NULL,"
"  email TEXT,"
"  first_name TEXT,"
"  last_name TEXT,"
"  raw TEXT NOT NULL,"
"  synced_at TEXT NOT NULL"
");"
/* A new row only when a measurement changes: a history of them. */
"CREATE TABLE body_measurement ("
"  id INTEGER PRIMARY KEY,"
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  height_meter REAL,"
"  weight_kilogram REAL,"
"  max_heart_rate INTEGER,"
"  raw TEXT NOT NULL,"
"  synced_at TEXT NOT NULL"
");"
"CREATE INDEX body_measurement_account ON body_measurement(account_id, id);"
"CREATE TABLE cycle ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  id INTEGER NOT NULL,"
"  user_id INTEGER NOT NULL,"
"  created_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  start TEXT NOT NULL,"
"  end TEXT,"				/* NULL: the current cycle */
"  timezone_offset TEXT NOT NULL,"
"  score_state TEXT NOT NULL,"
"  strain REAL,"
"  kilojoule REAL,"
"  average_heart_rate INTEGER,"
"  max_heart_rate INTEGER,"
"  raw TEXT NOT NULL,"
"  synced_at TEXT NOT NULL,"
"  PRIMARY KEY (account_id, id)"
");"
"CREATE INDEX cycle_start ON cycle(account_id, start);"
/* A recovery has no id of its own: it is keyed by its cycle. */
"CREATE TABLE recovery ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  cycle_id INTEGER NOT NULL,"
"  sleep_id TEXT,"
"  user_id INTEGER NOT NULL,"
"  created_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  score_state TEXT NOT NULL,"
"  user_calibrating INTEGER,"
"  recovery_score REAL,"
"  resting_heart_rate REAL,"
"  hrv_rmssd_milli REAL,"
"  spo2_percentage REAL,"
"  skin_temp_celsius REAL,"
"  raw TEXT NOT NULL,"
"  synced_at TEXT NOT NULL,"
"  PRIMARY KEY (account_id, cycle_id)"
");"
"CREATE INDEX recovery_sleep ON recovery(account_id, sleep_id);"
"CREATE TABLE sleep ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  id TEXT NOT NULL,"
"  cycle_id INTEGER,"
"  user_id INTEGER NOT NULL,"
"  created_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  start TEXT NOT NULL,"
"  end TEXT NOT NULL,"
"  timezone_offset TEXT NOT NULL,"
"  nap INTEGER NOT NULL,"
"  score_state TEXT NOT NULL,"
"  total_in_bed_time_milli INTEGER,"
"  total_awake_time_milli INTEGER,"
"  total_no_data_time_milli INTEGER,"
"  total_light_sleep_time_milli INTEGER,"
"  total_slow_wave_sleep_time_milli INTEGER,"
"  total_rem_sleep_time_milli INTEGER,"
"  sleep_cycle_count INTEGER,"
"  disturbance_count INTEGER,"
"  baseline_milli INTEGER,"
"  need_from_sleep_debt_milli INTEGER,"
"  need_from_recent_strain_milli INTEGER,"
"  need_from_recent_nap_milli INTEGER,"
"  respiratory_rate REAL,"
"  sleep_performance_percentage REAL,"
"  sleep_consistency_percentage REAL,"
"  sleep_efficiency_percentage REAL,"
"  raw TEXT NOT NULL,"
"  synced_at TEXT NOT NULL,"
"  PRIMARY KEY (account_id, id)"
");"
"CREATE INDEX sleep_start ON sleep(account_id, start);"
"CREATE TABLE workout ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  id TEXT NOT NULL,"
"  user_id INTEGER NOT NULL,"
"  created_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  start TEXT NOT NULL,"
"  end TEXT NOT NULL,"
"  timezone_offset TEXT NOT NULL,"
"  sport_name TEXT,"
"  sport_id INTEGER,"
"  score_state TEXT NOT NULL,"
"  strain REAL,"
"  average_heart_rate INTEGER,"
"  max_heart_rate INTEGER,"
"  kilojoule REAL,"
"  percent_recorded REAL,"
"  distance_meter REAL,"
"  altitude_gain_meter REAL,"
"  altitude_change_meter REAL,"
"  zone_zero_milli INTEGER,"
"  zone_one_milli INTEGER,"
"  zone_two_milli INTEGER,"
"  zone_three_milli INTEGER,"
"  zone_four_milli INTEGER,"
"  zone_five_milli INTEGER,"
"  raw TEXT NOT NULL,"
"  synced_at TEXT NOT NULL,"
"  PRIMARY KEY (account_id, id)"
");"
"CREATE INDEX workout_start ON workout(account_id, start);"
/*
 * Per account and collection: high_water is the newest record start
 * seen; a pass walks pages newest first from pass_end down to
 * pass_start, and cursor is the oldest start committed so far in that
 * pass, so an interrupted pass resumes below it.
 */
"CREATE TABLE sync_state ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  collection TEXT NOT NULL,"
"  high_water TEXT,"
"  pass_start TEXT,"
"  pass_end TEXT,"
"  cursor TEXT,"
"  last_success TEXT,"
"  last_error TEXT,"
"  PRIMARY KEY (account_id, collection)"
");"
/* Security events and run summaries; append-only, never a secret. */
"CREATE TABLE audit ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  at TEXT NOT NULL,"
"  account_id INTEGER,"
"  event TEXT NOT NULL,"
"  detail TEXT"
");"
"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;";

/*
 * Start order across accounts.  (account_id, start) serves one account;
 * with several in one file, an export filtered by -s or -u alone, or one
 * in start order, would otherwise read and sort every row.  A recovery
 * is ordered and filtered by its cycle's start, so it takes cycle's.
 */
static const char v_start_indexes[] =
"CREATE INDEX cycle_start_all ON cycle(start);"
"CREATE INDEX sleep_start_all ON sleep(start);"
"CREATE INDEX workout_start_all ON workout(start);";

/*
 * WHOOP fetches recoveries by the start of their sleep, not of their
 * cycle: the recovery keeps that time so that "missing from the window"
 * is decided by the key the window was fetched by.  NULL: not known (the
 * sleep is not stored), and such a recovery is never deleted as missing.
 */
static const char v_recovery_sleep_start[] =
"ALTER TABLE recovery ADD COLUMN sleep_start TEXT;"
"UPDATE recovery SET sleep_start = (SELECT s.start FROM sleep s"
"  WHERE s.account_id = recovery.account_id AND s.id = recovery.sleep_id);"
"CREATE INDEX recovery_sleep_start ON recovery(account_id, sleep_start);";

/*
 * A value outside its plausible range (colspec.c) is stored as sent;
 * implausible says which ("path: why; ..."), NULL when none.
 */
static const char v_implausible[] =
"ALTER TABLE profile ADD COLUMN implausible TEXT;"
"ALTER TABLE body_measurement ADD COLUMN implausible TEXT;"
"ALTER TABLE cycle ADD COLUMN implausible TEXT;"
"ALTER TABLE recovery ADD COLUMN implausible TEXT;"
"ALTER TABLE sleep ADD COLUMN implausible TEXT;"
"ALTER TABLE workout ADD COLUMN implausible TEXT;";

/*
 * Records WHOOP sent that cannot be stored in their table (no readable
 * key or start, a NOT NULL value missing), kept as sent until a later
 * run stores them or WHOOP stops sending them.  record_key is NULL when
 * unreadable; window_start and window_end are the window asked for when
 * it came (NULL: open), which later passes fetch again.
 */
static const char v_rejects[] =
"CREATE TABLE rejects ("
"  id INTEGER PRIMARY KEY,"
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  collection TEXT NOT NULL,"
"  record_key TEXT,"
"  raw TEXT NOT NULL,"
"  reason TEXT NOT NULL,"
"  window_start TEXT,"
"  window_end TEXT,"
"  first_seen TEXT NOT NULL,"
"  last_seen TEXT NOT NULL,"
"  UNIQUE (account_id, collection, raw)"
");";

/*
 * The WHOOP app's own export (whoop-import): its cycles, sleeps,
 * workouts and journal answers, apart from the API's tables because the
 * export has no WHOOP ids.  A row is keyed by its start (a journal answer
 * by its cycle's start and question), keeps its CSV row as JSON (header
 * -> text) in raw, and links to the API's record with the same start to
 * the second (cycle_id, sleep_id, workout_id; NULL until one is synced).
 * Columns follow colspec.c; whoop.7 documents them.
 */
#define APP_SLEEP_COLS \
"  sleep_performance_percentage REAL," \
"  respiratory_rate REAL," \
"  asleep_minutes REAL," \
"  in_bed_minutes REAL," \
"  light_sleep_minutes REAL," \
"  slow_wave_sleep_minutes REAL," \
"  rem_sleep_minutes REAL," \
"  awake_minutes REAL," \
"  sleep_need_minutes REAL," \
"  sleep_debt_minutes REAL," \
"  sleep_efficiency_percentage REAL," \
"  sleep_consistency_percentage REAL,"
#define APP_CYCLE_TIMES \
"  cycle_start TEXT NOT NULL," \
"  cycle_end TEXT," \
"  timezone_offset TEXT NOT NULL,"
#define APP_TAIL \
"  raw TEXT NOT NULL," \
"  imported_at TEXT NOT NULL,"

static const char v_app_export[] =
"CREATE TABLE app_cycle ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
"  start TEXT NOT NULL,"
"  end TEXT,"
"  timezone_offset TEXT NOT NULL,"
"  date_local TEXT NOT NULL,"
"  recovery_score REAL,"
"  resting_heart_rate REAL,"
"  hrv_rmssd_milli REAL,"
"  skin_temp_celsius REAL,"
"  spo2_percentage REAL,"
"  strain REAL,"
"  kilocalorie REAL,"
"  max_heart_rate REAL,"
"  average_heart_rate REAL,"
"  sleep_start TEXT,"
"  sleep_end TEXT,"
APP_SLEEP_COLS
"  cycle_id INTEGER,"
APP_TAIL
"  PRIMARY KEY (account_id, start)"
");"
"CREATE INDEX app_cycle_date ON app_cycle(account_id, date_local);"
"CREATE TABLE app_sleep ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
APP_CYCLE_TIMES
"  start TEXT NOT NULL,"
"  end TEXT,"
"  date_local TEXT NOT NULL,"
"  nap INTEGER,"
APP_SLEEP_COLS
"  sleep_id TEXT,"
APP_TAIL
"  PRIMARY KEY (account_id, start)"
");"
"CREATE INDEX app_sleep_cycle ON app_sleep(account_id, cycle_start);"
"CREATE TABLE app_workout ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
APP_CYCLE_TIMES
"  start TEXT NOT NULL,"
"  end TEXT,"
"  date_local TEXT NOT NULL,"
"  duration_minutes REAL,"
"  sport_name TEXT,"
"  strain REAL,"
"  kilocalorie REAL,"
"  max_heart_rate REAL,"
"  average_heart_rate REAL,"
"  zone_one_percent REAL,"
"  zone_two_percent REAL,"
"  zone_three_percent REAL,"
"  zone_four_percent REAL,"
"  zone_five_percent REAL,"
"  gps_enabled INTEGER,"
"  distance_meter REAL,"
"  altitude_gain_meter REAL,"
"  altitude_change_meter REAL,"
"  workout_id TEXT,"
APP_TAIL
"  PRIMARY KEY (account_id, start)"
");"
"CREATE INDEX app_workout_cycle ON app_workout(account_id, cycle_start);"
"CREATE TABLE journal ("
"  account_id INTEGER NOT NULL"
"    REFERENCES accounts(account_id) ON DELETE CASCADE,"
APP_CYCLE_TIMES
"  date_local TEXT NOT NULL,"
"  question TEXT NOT NULL,"
"  answered_yes INTEGER,"
"  notes TEXT,"
"  cycle_id INTEGER,"
APP_TAIL
"  PRIMARY KEY (account_id, cycle_start, question)"
");"
"CREATE INDEX journal_date ON journal(account_id, date_local);";

const char *const whoop_migrations[] = {
	v1,
	v_start_indexes,
	v_recovery_sleep_start,
	v_implausible,
	v_rejects,
	v_app_export,
};

const int whoop_nmigrations =
    (int)(sizeof(whoop_migrations) / sizeof(whoop_migrations[0]));
