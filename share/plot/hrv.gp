# hrv.gp: heart rate variability (rmssd) and resting heart rate of each
# day, on two axes.
#
#	whoop-export -f tsv -s 90d recovery |
#	    gnuplot -c hrv.gp [FILE ...] [svg | png] > hrv.svg
#
# Input: whoop-export recovery, CSV or TSV, on standard input or in
# FILE.  A point per scored recovery at its date_local, HRV in
# milliseconds on the left axis, resting heart rate in beats per minute on
# the right; the lines between them break at days without a recovery.  No
# scored recovery: a message on standard error, no picture, exit status 1.
#
# SVG groups, for tests: gnuplot_plot_1 HRV, gnuplot_plot_2 resting heart
# rate, each with one <use> per point and one M per run of days.
plot_name = "hrv.gp"
plot_what = "hrv"
plot_dir = ARG0[1:strlen(ARG0) - strlen(plot_name)]
plot_argc = ARGC
array plot_argv[ARGC + 1]
do for [i = 1:ARGC] { plot_argv[i] = value("ARG" . i) }
plot_w = 900
plot_h = 380
load plot_dir . "common.gp"

if (nrows == 0) {
	print plot_nothing("scored recovery")
	exit status 1
}

plot_hrv = 0x1f77b4
plot_rhr = 0xc0392b
eval plot_start
eval plot_dates
set title sprintf("Heart rate variability and resting heart rate, %s", \
    plot_period)
set ylabel "HRV, rmssd (ms)" textcolor rgb plot_hrv
set y2label "resting heart rate (bpm)" textcolor rgb plot_rhr
set ytics nomirror textcolor rgb plot_hrv
set y2tics textcolor rgb plot_rhr
# Ranges from the data, never empty (gnuplot would warn of a flat one).
set yrange [0 : hrv_max > 0 ? hrv_max * 1.08 : 1]
set y2range [rhr_min - (rhr_max - rhr_min) * 0.08 - 1 : \
    rhr_max + (rhr_max - rhr_min) * 0.08 + 1]
set key outside right top vertical Left reverse samplen 2
set rmargin 22
set label 1 sprintf("%s%s%s", plot_n(nrows, "recovery", "recoveries"), \
    unscored ? sprintf("; %d not scored", unscored) : "", \
    nodate ? sprintf("; %d without their cycle", nodate) : "") @plot_note

plot $D using 1:2 with linespoints pt 7 ps 0.6 lw 1.5 lc rgb plot_hrv \
	notitle, \
    $D using 1:3 axes x1y2 with linespoints pt 5 ps 0.5 lw 1.5 \
	lc rgb plot_rhr notitle, \
    keyentry with linespoints pt 7 lw 1.5 lc rgb plot_hrv title "HRV", \
    keyentry with linespoints pt 5 lw 1.5 lc rgb plot_rhr \
	title "resting HR"
