/*
 * The column tables of WHOOP's record types: which JSON field of a v2
 * record fills which SQL column, its type, whether WHOOP's spec requires
 * it, and the range a sane value lies in.  The mapper (record.c), the
 * store (store.c) and whoop-export all read these tables, so a column
 * is described once.  No JSON library here: whoop-export links this file
 * without the network code.
 *
 * Every column of a record table in schema.c is here except account_id
 * and synced_at (the store sets them), raw (the record's text) and the
 * body_measurement row id; t/unit/test-store.c checks that the two agree.
 *
 * "Required" means WHOOP's spec requires it.  Nothing under "score" is
 * required: score may be absent or null even when score_state is SCORED.
 * NN marks a NOT NULL column: a record without a readable value there
 * cannot be stored in its table (it is kept as a reject instead).
 *
 * The ranges are not WHOOP's (its spec states none but strain 0..21 and
 * percentages): they say what is plausible, and a value outside them is
 * stored as sent and reported, never a reason to leave a record out.
 */
#include <float.h>
#include <string.h>

#include "extern.h"

#define NONE		DBL_MAX		/* one side of a range left open */
#define ANY		1, -1		/* min > max: no range */
#define GE(x)		(x), NONE
#define LE(x)		-NONE, (x)
#define ID		GE(1)
#define HR		0, 300		/* heart rate, beats per minute */
#define PCT		0, 100
#define NN		1		/* the column is NOT NULL */

static const struct whoop_field profile_f[] = {
	{ "user_id",		"user_id",	WHOOP_F_INT,	1, ID, NN },
	{ "email",		"email",	WHOOP_F_TEXT,	1, ANY, 0 },
	{ "first_name",		"first_name",	WHOOP_F_TEXT,	1, ANY, 0 },
	{ "last_name",		"last_name",	WHOOP_F_TEXT,	1, ANY, 0 },
};

static const struct whoop_field body_f[] = {
	{ "height_meter",	"height_meter",	WHOOP_F_REAL,	1, 0, 5, 0 },
	{ "weight_kilogram",	"weight_kilogram", WHOOP_F_REAL, 1, 0, 1000, 0 },
	{ "max_heart_rate",	"max_heart_rate", WHOOP_F_INT,	1, HR, 0 },
};

static const struct whoop_field cycle_f[] = {
	{ "id",			"id",		WHOOP_F_INT,	1, ID, NN },
	{ "user_id",		"user_id",	WHOOP_F_INT,	1, ID, NN },
	{ "created_at",		"created_at",	WHOOP_F_TIME,	1, ANY, NN },
	{ "updated_at",		"updated_at",	WHOOP_F_TIME,	1, ANY, NN },
	{ "start",		"start",	WHOOP_F_TIME,	1, ANY, NN },
	/* Absent or null: the current cycle. */
	{ "end",		"end",		WHOOP_F_TIME,	0, ANY, 0 },
	{ "timezone_offset",	"timezone_offset", WHOOP_F_TZ,	1, ANY, NN },
	{ "score_state",	"score_state",	WHOOP_F_STATE,	1, ANY, NN },
	{ "strain",		"score.strain",	WHOOP_F_REAL,	0, 0, 21, 0 },
	{ "kilojoule",		"score.kilojoule", WHOOP_F_REAL, 0, GE(0), 0 },
	{ "average_heart_rate",	"score.average_heart_rate",
	    WHOOP_F_INT, 0, HR, 0 },
	{ "max_heart_rate",	"score.max_heart_rate", WHOOP_F_INT, 0, HR, 0 },
};

static const struct whoop_field recovery_f[] = {
	{ "cycle_id",		"cycle_id",	WHOOP_F_INT,	1, ID, NN },
	{ "sleep_id",		"sleep_id",	WHOOP_F_UUID,	1, ANY, 0 },
	{ "user_id",		"user_id",	WHOOP_F_INT,	1, ID, NN },
	{ "created_at",		"created_at",	WHOOP_F_TIME,	1, ANY, NN },
	{ "updated_at",		"updated_at",	WHOOP_F_TIME,	1, ANY, NN },
	{ "score_state",	"score_state",	WHOOP_F_STATE,	1, ANY, NN },
	{ "user_calibrating",	"score.user_calibrating",
	    WHOOP_F_BOOL, 0, ANY, 0 },
	{ "recovery_score",	"score.recovery_score", WHOOP_F_REAL, 0, PCT, 0 },
	{ "resting_heart_rate",	"score.resting_heart_rate",
	    WHOOP_F_REAL, 0, HR, 0 },
	{ "hrv_rmssd_milli",	"score.hrv_rmssd_milli",
	    WHOOP_F_REAL, 0, GE(0), 0 },
	{ "spo2_percentage",	"score.spo2_percentage", WHOOP_F_REAL, 0, PCT, 0 },
	/* Wide on purpose: a sensor's odd reading is still a reading. */
	{ "skin_temp_celsius",	"score.skin_temp_celsius",
	    WHOOP_F_REAL, 0, -50, 100, 0 },
};

#define STAGE(f)	\
	{ f, "score.stage_summary." f, WHOOP_F_INT, 0, GE(0), 0 }
#define NEED(f)		\
	{ f, "score.sleep_needed." f, WHOOP_F_INT, 0, GE(0), 0 }

static const struct whoop_field sleep_f[] = {
	{ "id",			"id",		WHOOP_F_UUID,	1, ANY, NN },
	{ "cycle_id",		"cycle_id",	WHOOP_F_INT,	1, ID, 0 },
	{ "user_id",		"user_id",	WHOOP_F_INT,	1, ID, NN },
	{ "created_at",		"created_at",	WHOOP_F_TIME,	1, ANY, NN },
	{ "updated_at",		"updated_at",	WHOOP_F_TIME,	1, ANY, NN },
	{ "start",		"start",	WHOOP_F_TIME,	1, ANY, NN },
	{ "end",		"end",		WHOOP_F_TIME,	1, ANY, NN },
	{ "timezone_offset",	"timezone_offset", WHOOP_F_TZ,	1, ANY, NN },
	{ "nap",		"nap",		WHOOP_F_BOOL,	1, ANY, NN },
	{ "score_state",	"score_state",	WHOOP_F_STATE,	1, ANY, NN },
	STAGE("total_in_bed_time_milli"),
	STAGE("total_awake_time_milli"),
	STAGE("total_no_data_time_milli"),
	STAGE("total_light_sleep_time_milli"),
	STAGE("total_slow_wave_sleep_time_milli"),
	STAGE("total_rem_sleep_time_milli"),
	STAGE("sleep_cycle_count"),
	STAGE("disturbance_count"),
	NEED("baseline_milli"),
	NEED("need_from_sleep_debt_milli"),
	NEED("need_from_recent_strain_milli"),
	/* A recent nap lowers the need: WHOOP sends it as zero or less. */
	{ "need_from_recent_nap_milli",
	    "score.sleep_needed.need_from_recent_nap_milli",
	    WHOOP_F_INT, 0, LE(0), 0 },
	{ "respiratory_rate",	"score.respiratory_rate",
	    WHOOP_F_REAL, 0, 0, 100, 0 },
	{ "sleep_performance_percentage",
	    "score.sleep_performance_percentage", WHOOP_F_REAL, 0, PCT, 0 },
	{ "sleep_consistency_percentage",
	    "score.sleep_consistency_percentage", WHOOP_F_REAL, 0, PCT, 0 },
	{ "sleep_efficiency_percentage",
	    "score.sleep_efficiency_percentage", WHOOP_F_REAL, 0, PCT, 0 },
};

#define ZONE(f)		\
	{ f, "score.zone_durations." f, WHOOP_F_INT, 0, GE(0), 0 }

static const struct whoop_field workout_f[] = {
	{ "id",			"id",		WHOOP_F_UUID,	1, ANY, NN },
	{ "user_id",		"user_id",	WHOOP_F_INT,	1, ID, NN },
	{ "created_at",		"created_at",	WHOOP_F_TIME,	1, ANY, NN },
	{ "updated_at",		"updated_at",	WHOOP_F_TIME,	1, ANY, NN },
	{ "start",		"start",	WHOOP_F_TIME,	1, ANY, NN },
	{ "end",		"end",		WHOOP_F_TIME,	1, ANY, NN },
	{ "timezone_offset",	"timezone_offset", WHOOP_F_TZ,	1, ANY, NN },
	{ "sport_name",		"sport_name",	WHOOP_F_TEXT,	1, ANY, 0 },
	/* Deprecated but still sent; -1 for a generic "activity". */
	{ "sport_id",		"sport_id",	WHOOP_F_INT,	0, GE(-1), 0 },
	{ "score_state",	"score_state",	WHOOP_F_STATE,	1, ANY, NN },
	{ "strain",		"score.strain",	WHOOP_F_REAL,	0, 0, 21, 0 },
	{ "average_heart_rate",	"score.average_heart_rate",
	    WHOOP_F_INT, 0, HR, 0 },
	{ "max_heart_rate",	"score.max_heart_rate", WHOOP_F_INT, 0, HR, 0 },
	{ "kilojoule",		"score.kilojoule", WHOOP_F_REAL, 0, GE(0), 0 },
	/*
	 * The spec says a percentage (0-100) and WHOOP sends a fraction
	 * (0-1): both fit, and the value is stored as sent.
	 */
	{ "percent_recorded",	"score.percent_recorded",
	    WHOOP_F_REAL, 0, PCT, 0 },
	{ "distance_meter",	"score.distance_meter",
	    WHOOP_F_REAL, 0, GE(0), 0 },
	{ "altitude_gain_meter", "score.altitude_gain_meter",
	    WHOOP_F_REAL, 0, GE(0), 0 },
	/* A net change: negative when the workout ends lower. */
	{ "altitude_change_meter", "score.altitude_change_meter",
	    WHOOP_F_REAL, 0, ANY, 0 },
	ZONE("zone_zero_milli"),
	ZONE("zone_one_milli"),
	ZONE("zone_two_milli"),
	ZONE("zone_three_milli"),
	ZONE("zone_four_milli"),
	ZONE("zone_five_milli"),
};

/*
 * The app's own export (whoop-import, see appmap.c): a field's path is
 * its CSV header, verbatim; NULL marks a column the import derives (the
 * local day, the link to the API's record).  Times are converted from
 * the export's local wall time to UTC, the offset to the API's form.
 * Numbers are stored as read, without ranges: the export is what the app
 * showed.  Every column but the row's start may be missing in a file.
 */
#define APP_NUM(c, h)	{ c, h, WHOOP_F_REAL, 0, ANY, 0 }
#define APP_CYCLE_TIMES \
	{ "cycle_start",	"Cycle start time", WHOOP_F_TIME, 1, ANY, NN }, \
	{ "cycle_end",		"Cycle end time", WHOOP_F_TIME,	0, ANY, 0 }, \
	{ "timezone_offset",	"Cycle timezone", WHOOP_F_TZ,	1, ANY, NN }
#define APP_SLEEP_COLS \
	APP_NUM("sleep_performance_percentage", "Sleep performance %"), \
	APP_NUM("respiratory_rate", "Respiratory rate (rpm)"), \
	APP_NUM("asleep_minutes", "Asleep duration (min)"), \
	APP_NUM("in_bed_minutes", "In bed duration (min)"), \
	APP_NUM("light_sleep_minutes", "Light sleep duration (min)"), \
	APP_NUM("slow_wave_sleep_minutes", "Deep (SWS) duration (min)"), \
	APP_NUM("rem_sleep_minutes", "REM duration (min)"), \
	APP_NUM("awake_minutes", "Awake duration (min)"), \
	APP_NUM("sleep_need_minutes", "Sleep need (min)"), \
	APP_NUM("sleep_debt_minutes", "Sleep debt (min)"), \
	APP_NUM("sleep_efficiency_percentage", "Sleep efficiency %"), \
	APP_NUM("sleep_consistency_percentage", "Sleep consistency %")

static const struct whoop_field app_cycle_f[] = {
	{ "start",		"Cycle start time", WHOOP_F_TIME, 1, ANY, NN },
	/* Empty: the current cycle. */
	{ "end",		"Cycle end time", WHOOP_F_TIME,	0, ANY, 0 },
	{ "timezone_offset",	"Cycle timezone", WHOOP_F_TZ,	1, ANY, NN },
	/* The day the cycle's sleep ends on: the app's day. */
	{ "date_local",		NULL,		WHOOP_F_TEXT,	1, ANY, NN },
	APP_NUM("recovery_score", "Recovery score %"),
	APP_NUM("resting_heart_rate", "Resting heart rate (bpm)"),
	APP_NUM("hrv_rmssd_milli", "Heart rate variability (ms)"),
	APP_NUM("skin_temp_celsius", "Skin temp (celsius)"),
	APP_NUM("spo2_percentage", "Blood oxygen %"),
	APP_NUM("strain", "Day Strain"),
	APP_NUM("kilocalorie", "Energy burned (cal)"),
	APP_NUM("max_heart_rate", "Max HR (bpm)"),
	APP_NUM("average_heart_rate", "Average HR (bpm)"),
	{ "sleep_start",	"Sleep onset",	WHOOP_F_TIME,	0, ANY, 0 },
	{ "sleep_end",		"Wake onset",	WHOOP_F_TIME,	0, ANY, 0 },
	APP_SLEEP_COLS,
	/* The API's cycle with the same start, to the second. */
	{ "cycle_id",		NULL,		WHOOP_F_INT,	0, ANY, 0 },
};

static const struct whoop_field app_sleep_f[] = {
	APP_CYCLE_TIMES,
	{ "start",		"Sleep onset",	WHOOP_F_TIME,	1, ANY, NN },
	{ "end",		"Wake onset",	WHOOP_F_TIME,	0, ANY, 0 },
	{ "date_local",		NULL,		WHOOP_F_TEXT,	1, ANY, NN },
	{ "nap",		"Nap",		WHOOP_F_BOOL,	0, ANY, 0 },
	APP_SLEEP_COLS,
	{ "sleep_id",		NULL,		WHOOP_F_UUID,	0, ANY, 0 },
};

static const struct whoop_field app_workout_f[] = {
	APP_CYCLE_TIMES,
	{ "start",		"Workout start time", WHOOP_F_TIME, 1, ANY, NN },
	{ "end",		"Workout end time", WHOOP_F_TIME, 0, ANY, 0 },
	{ "date_local",		NULL,		WHOOP_F_TEXT,	1, ANY, NN },
	APP_NUM("duration_minutes", "Duration (min)"),
	{ "sport_name",		"Activity name", WHOOP_F_TEXT,	0, ANY, 0 },
	APP_NUM("strain", "Activity Strain"),
	APP_NUM("kilocalorie", "Energy burned (cal)"),
	APP_NUM("max_heart_rate", "Max HR (bpm)"),
	APP_NUM("average_heart_rate", "Average HR (bpm)"),
	APP_NUM("zone_one_percent", "HR Zone 1 %"),
	APP_NUM("zone_two_percent", "HR Zone 2 %"),
	APP_NUM("zone_three_percent", "HR Zone 3 %"),
	APP_NUM("zone_four_percent", "HR Zone 4 %"),
	APP_NUM("zone_five_percent", "HR Zone 5 %"),
	{ "gps_enabled",	"GPS enabled",	WHOOP_F_BOOL,	0, ANY, 0 },
	APP_NUM("distance_meter", "Distance (meters)"),
	APP_NUM("altitude_gain_meter", "Altitude gain (meters)"),
	APP_NUM("altitude_change_meter", "Altitude change (meters)"),
	{ "workout_id",		NULL,		WHOOP_F_UUID,	0, ANY, 0 },
};

static const struct whoop_field journal_f[] = {
	APP_CYCLE_TIMES,
	{ "date_local",		NULL,		WHOOP_F_TEXT,	1, ANY, NN },
	/* As exported: trailing spaces are part of it. */
	{ "question",		"Question text", WHOOP_F_TEXT,	1, ANY, NN },
	{ "answered_yes",	"Answered yes",	WHOOP_F_BOOL,	0, ANY, 0 },
	{ "notes",		"Notes",	WHOOP_F_TEXT,	0, ANY, 0 },
	{ "cycle_id",		NULL,		WHOOP_F_INT,	0, ANY, 0 },
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* Indexed by coll - WHOOP_C_APP_CYCLE; key and start index the fields. */
static const struct whoop_colspec app_specs[] = {
	{ WHOOP_C_APP_CYCLE, "app_cycle", "app_cycle", NULL, NULL, 0,
	    app_cycle_f, N(app_cycle_f), 0, 0 },
	{ WHOOP_C_APP_SLEEP, "app_sleep", "app_sleep", NULL, NULL, 0,
	    app_sleep_f, N(app_sleep_f), 3, 3 },
	{ WHOOP_C_APP_WORKOUT, "app_workout", "app_workout", NULL, NULL, 0,
	    app_workout_f, N(app_workout_f), 3, 3 },
	{ WHOOP_C_JOURNAL, "journal", "journal", NULL, NULL, 0,
	    journal_f, N(journal_f), 4, 0 },
};

/* Indexed by enum whoop_coll. */
static const struct whoop_colspec specs[WHOOP_C_COUNT] = {
	{ WHOOP_C_PROFILE, "profile", "profile",
	    "/developer/v2/user/profile/basic", "read:profile", 0,
	    profile_f, N(profile_f), -1, -1 },
	{ WHOOP_C_BODY, "body", "body_measurement",
	    "/developer/v2/user/measurement/body", "read:body_measurement", 0,
	    body_f, N(body_f), -1, -1 },
	{ WHOOP_C_CYCLE, "cycle", "cycle",
	    "/developer/v2/cycle", "read:cycles", 1,
	    cycle_f, N(cycle_f), 0, 4 },
	{ WHOOP_C_RECOVERY, "recovery", "recovery",
	    "/developer/v2/recovery", "read:recovery", 1,
	    recovery_f, N(recovery_f), 0, -1 },
	{ WHOOP_C_SLEEP, "sleep", "sleep",
	    "/developer/v2/activity/sleep", "read:sleep", 1,
	    sleep_f, N(sleep_f), 0, 5 },
	{ WHOOP_C_WORKOUT, "workout", "workout",
	    "/developer/v2/activity/workout", "read:workout", 1,
	    workout_f, N(workout_f), 0, 4 },
};

const struct whoop_colspec *
whoop_colspec(enum whoop_coll coll)
{
	if (coll >= WHOOP_C_APP_CYCLE && coll < WHOOP_C_APP_END)
		return &app_specs[coll - WHOOP_C_APP_CYCLE];
	if ((int)coll < 0 || coll >= WHOOP_C_COUNT)
		return NULL;
	return &specs[coll];
}

const struct whoop_colspec *
whoop_colspec_byname(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < N(specs); i++)
		if (strcmp(specs[i].name, name) == 0)
			return &specs[i];
	for (i = 0; i < N(app_specs); i++)
		if (strcmp(app_specs[i].name, name) == 0)
			return &app_specs[i];
	return NULL;
}
