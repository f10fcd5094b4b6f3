# recovery.gp: the recovery score of each day, coloured in WHOOP's three
# bands (0-33 red, 34-66 yellow, 67-100 green), with its 7-day mean.
#
#	whoop-export -f tsv -s 90d recovery |
#	    gnuplot -c recovery.gp [FILE ...] [svg | png] > recovery.svg
#
# Input: whoop-export recovery, CSV or TSV, on standard input or in
# FILE.  A point per scored recovery at its date_local; the mean of a day
# is over the recoveries of that day and the six before it.  Days without
# a recovery are gaps in the mean, never zeros; recoveries not scored yet
# are counted below the plot.  No scored recovery: a message on standard
# error, no picture, exit status 1.
#
# SVG groups, for tests: gnuplot_plot_1 one <use> per point,
# gnuplot_plot_2 the mean, a path with one M per run of days.
plot_name = "recovery.gp"
plot_what = "recovery"
plot_dir = ARG0[1:strlen(ARG0) - strlen(plot_name)]
plot_argc = ARGC
array plot_argv[ARGC + 1]
do for [i = 1:ARGC] { plot_argv[i] = value("ARG" . i) }
load plot_dir . "common.gp"

if (nrows == 0) {
	print plot_nothing("scored recovery")
	exit status 1
}

eval plot_start
eval plot_dates
set title sprintf("Recovery, %s", plot_period)
set ylabel "recovery (%)"
set yrange [0:100]
set ytics 0, 10, 100
set key outside right top vertical Left reverse samplen 2
# The three bands, behind everything.
set object 1 rect from graph 0, first 0 to graph 1, first 33.5 \
    behind fc rgb plot_red fs transparent solid 0.07 noborder
set object 2 rect from graph 0, first 33.5 to graph 1, first 66.5 \
    behind fc rgb plot_yellow fs transparent solid 0.07 noborder
set object 3 rect from graph 0, first 66.5 to graph 1, first 100 \
    behind fc rgb plot_green fs transparent solid 0.07 noborder
set label 1 sprintf("%s on %s%s%s", \
    plot_n(nrows, "recovery", "recoveries"), plot_n(ndays, "day", "days"), \
    unscored ? sprintf("; %d not scored", unscored) : "", \
    nodate ? sprintf("; %d without their cycle", nodate) : "") \
    @plot_note

plot $POINTS using 1:2:(plot_band($3)) with points pt 7 ps 0.8 \
	lc rgb variable notitle, \
    $MEAN using 1:2 with lines lw 2 lc rgb plot_ink notitle, \
    keyentry with points pt 7 lc rgb plot_green title "67-100", \
    keyentry with points pt 7 lc rgb plot_yellow title "34-66", \
    keyentry with points pt 7 lc rgb plot_red title "0-33", \
    keyentry with lines lw 2 lc rgb plot_ink title "7-day mean"
