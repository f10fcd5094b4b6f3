# workouts.gp: minutes of workouts per sport and week, stacked, and their
# mean strain per sport and week.
#
#	whoop-export -f tsv -s 90d workout |
#	    gnuplot -c workouts.gp [FILE ...] [svg | png] > workouts.svg
#
# Input: whoop-export workout, CSV or TSV, on standard input or in FILE.
# Weeks run from Monday, by date_local; minutes are from start to end of
# every workout, the strain the mean of the scored ones.  The nine sports
# with the most minutes have a colour each, any others are "other".
# Weeks without a workout are gaps.  No workout: a message on standard
# error, no picture, exit status 1.
#
# SVG groups, for tests: gnuplot_plot_1 (the first of the two) one
# <polygon> per sport and week; the second gnuplot_plot_1 one <use> per
# sport and week with a scored workout.
plot_name = "workouts.gp"
plot_what = "workouts"
plot_dir = ARG0[1:strlen(ARG0) - strlen(plot_name)]
plot_argc = ARGC
array plot_argv[ARGC + 1]
do for [i = 1:ARGC] { plot_argv[i] = value("ARG" . i) }
plot_w = 900
plot_h = 560
load plot_dir . "common.gp"

if (nrows == 0) {
	print plot_nothing("workout")
	exit status 1
}

# The sports' names, read as data (never as code) from $SPORTS.
array plot_sport[nsports]
do for [k = 1:nsports] {
	stats $SPORTS every ::k-1::k-1 using (plot_sport[k] = strcol(2), 0) \
	    nooutput
}
plot_col(i) = plot_pal[int(i)]

# Weeks: the first Monday to the last Sunday, tics on Mondays.
last_x = last_x + plot_day
eval plot_start
eval plot_dates
set xtics plot_tic0, (plot_span <= 70 ? 7 : 7 * ceil(plot_span / 70.0)) * \
    plot_day
set multiplot layout 2, 1 title sprintf("Workouts per week, %s", \
    plot_period)
set lmargin 10
set rmargin 24
set ylabel "minutes"
set yrange [0 : ymax > 0 ? ymax * 1.05 : 1]
set format x ""
set bmargin 1
set style fill solid 0.9 noborder
set key outside right top vertical Left reverse samplen 2
plot $D using 1:6:3:4:5:6:(plot_col($2)) with boxxyerror \
	lc rgb variable notitle, \
    for [k = 1:nsports] keyentry with boxes lc rgb plot_col(k) \
	title plot_sport[k]

unset key
set tmargin 1
set bmargin 4
set format x plot_xfmt timedate
set ylabel "strain (mean)"
set yrange [0:21]
set ytics 0, 3, 21
set label 1 sprintf("%s in %s, %s%s", \
    plot_n(nrows, "workout", "workouts"), plot_n(nweeks, "week", "weeks"), \
    plot_n(nsports, "sport", "sports"), \
    nodate ? sprintf("; %d without a start or end", nodate) : "") \
    @plot_note
if (nstrain > 0) {
	plot $D using 8:9:(plot_col($2)) with points pt 7 ps 0.8 \
	    lc rgb variable notitle
} else {
	# Nothing to draw in this panel: its frame and a word, no warning.
	set label 2 "no scored workout" at graph 0.5, graph 0.5 center \
	    textcolor rgb plot_grey
	set xrange [first_x - plot_day : last_x + plot_day]
	plot $D using 1:(NaN) notitle
}
unset multiplot
