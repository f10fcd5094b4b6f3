# strain.gp: each day's strain against the next morning's recovery, as a
# scatter, with the number of days and their correlation.
#
#	whoop-export -f tsv -s 90d cycle > cycle.tsv
#	whoop-export -f tsv -s 90d recovery |
#	    gnuplot -c strain.gp cycle.tsv - [svg | png] > strain.svg
#
# Input: whoop-export cycle and whoop-export recovery, CSV or TSV, one of
# them may be standard input (-), in either order.  A point per scored
# cycle whose next cycle (starting within an hour of its end) has a
# scored recovery, coloured in that recovery's band.  No such pair: a
# message on standard error, no picture, exit status 1.
#
# SVG groups, for tests: gnuplot_plot_1 one <use> per day.
plot_name = "strain.gp"
plot_what = "strain"
plot_dir = ARG0[1:strlen(ARG0) - strlen(plot_name)]
plot_argc = ARGC
array plot_argv[ARGC + 1]
do for [i = 1:ARGC] { plot_argv[i] = value("ARG" . i) }
plot_w = 700
plot_h = 480
load plot_dir . "common.gp"

if (nrows == 0) {
	print plot_nothing("day strain followed by a scored recovery")
	exit status 1
}

eval plot_start
set title sprintf("Day strain and the next morning's recovery, %s", \
    plot_period)
set xlabel "day strain"
set ylabel "next morning's recovery (%)"
set xrange [0:21]
set xtics 0, 3, 21
set yrange [0:100]
set ytics 0, 10, 100
set bmargin 5
set key outside right top vertical Left reverse samplen 2
set label 1 sprintf("%s%s", plot_n(nrows, "day", "days"), \
    corr == corr ? sprintf(", r = %.2f", corr) : "") \
    at graph 0.02, graph 0.95 textcolor rgb plot_ink front
set label 2 sprintf("%s%s%s", plot_n(ncycles, "cycle", "cycles"), \
    unpaired ? sprintf("; %d without a next recovery", unpaired) : "", \
    unscored ? sprintf("; %d not scored", unscored) : "") @plot_note

plot $D using 1:2:(plot_band($3)) with points pt 7 ps 0.9 \
	lc rgb variable notitle, \
    keyentry with points pt 7 lc rgb plot_green title "67-100", \
    keyentry with points pt 7 lc rgb plot_yellow title "34-66", \
    keyentry with points pt 7 lc rgb plot_red title "0-33"
