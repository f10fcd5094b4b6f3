# sleep.gp: each night's sleep as stacked stages (light, slow wave, REM,
# awake), against the sleep WHOOP said was needed.
#
#	whoop-export -f tsv -s 90d sleep |
#	    gnuplot -c sleep.gp [FILE ...] [svg | png] > sleep.svg
#
# Input: whoop-export sleep, CSV or TSV, on standard input or in FILE.
# A bar per night (date_local of the sleep; naps left out, two sleeps of
# one day added up), in hours; the need (baseline, debt, strain and naps)
# as a dashed line that breaks at nights without data.  No scored sleep:
# a message on standard error, no picture, exit status 1.
#
# SVG groups, for tests: gnuplot_plot_1 to _4 the stages (light, slow
# wave, REM, awake), one <polygon> per night each; gnuplot_plot_5 the
# need, one <use> per night with a need.
plot_name = "sleep.gp"
plot_what = "sleep"
plot_dir = ARG0[1:strlen(ARG0) - strlen(plot_name)]
plot_argc = ARGC
array plot_argv[ARGC + 1]
do for [i = 1:ARGC] { plot_argv[i] = value("ARG" . i) }
plot_w = 900
plot_h = 400
load plot_dir . "common.gp"

if (nrows == 0) {
	print plot_nothing("scored sleep")
	exit status 1
}

plot_light = 0x9ecae1
plot_sws = 0x2166ac
plot_rem = 0x7b3294
plot_awake = 0xf4a582
eval plot_start
eval plot_dates
set title sprintf("Sleep per night, %s", plot_period)
set ylabel "hours"
set yrange [0 : ymax > 0 ? ceil(ymax) + 1 : 1]
set key outside right top vertical Left reverse samplen 2
set rmargin 20
set label 1 sprintf("%s%s%s", plot_n(nrows, "night", "nights"), \
    naps ? sprintf("; %d naps left out", naps) : "", \
    unscored ? sprintf("; %d sleeps not scored", unscored) : "") @plot_note
set style fill solid 1.0 noborder
w = 0.4 * plot_day

plot $D using 1:2:($1 - w):($1 + w):(0):2 with boxxyerror \
	lc rgb plot_light notitle, \
    $D using 1:3:($1 - w):($1 + w):2:3 with boxxyerror \
	lc rgb plot_sws notitle, \
    $D using 1:4:($1 - w):($1 + w):3:4 with boxxyerror \
	lc rgb plot_rem notitle, \
    $D using 1:5:($1 - w):($1 + w):4:5 with boxxyerror \
	lc rgb plot_awake notitle, \
    $D using 1:6 with linespoints dt 2 lw 1.5 pt 1 ps 0.6 \
	lc rgb plot_ink notitle, \
    keyentry with boxes lc rgb plot_awake title "awake", \
    keyentry with boxes lc rgb plot_rem title "REM", \
    keyentry with boxes lc rgb plot_sws title "slow wave", \
    keyentry with boxes lc rgb plot_light title "light", \
    keyentry with linespoints dt 2 lw 1.5 pt 1 lc rgb plot_ink \
	title "needed"
