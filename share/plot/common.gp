# common.gp: what the plot scripts of share/plot share.  Each of them
# sets plot_name (its file name, for messages), plot_what (the kind of
# data, for prep.awk), plot_dir (the directory it was run from) and
# plot_argc and plot_argv[] (its arguments: load hides ARGC and ARGn from
# the file it loads), then loads this file, which
#
#   - reads the arguments: input files (none, or -, for standard input)
#     and the word svg (the default) or png for the picture's format;
#   - runs prep.awk once over the input, which defines the datablocks and
#     numbers the script draws, and stops (status 1) if that failed;
#   - defines plot_start, which the script calls when it has checked that
#     there is something to draw: it sets the terminal (SVG or PNG on
#     standard output, an opaque white background, so that the picture
#     reads the same in light and dark viewers) and the common style.
#
# Nothing read from the input is ever used as gnuplot code: prep.awk
# writes datablocks and numbers only, and file names reach the shell
# single-quoted.

set encoding utf8
# prep.awk's datablocks are TSV: a sport's name may hold spaces and quotes.
set datafile separator "\t"

# A string as one single-quoted shell word.
plot_sq_(s) = strstrt(s, "'") == 0 ? s : \
    s[1:strstrt(s, "'") - 1] . "'\\''" . plot_sq_(s[strstrt(s, "'") + 1:])
plot_sq(s) = "'" . plot_sq_(s) . "'"

plot_format = "svg"
plot_files = ""
do for [plot_i = 1:plot_argc] {
	plot_a = plot_argv[plot_i]
	if (plot_a eq "svg" || plot_a eq "png") {
		plot_format = plot_a
	} else {
		# awk would take "-x" for an option and "a=b" for an
		# assignment: such names get a "./" ("-" stays standard input).
		if (plot_a ne "-" && (plot_a[1:1] eq "-" || \
		    strstrt(plot_a, "=") > 0) && plot_a[1:1] ne "/") {
			plot_a = "./" . plot_a
		}
		plot_files = plot_files . " " . plot_sq(plot_a)
	}
}

load "< awk -v what=" . plot_what . " -v prog=" . plot_sq(plot_name) . \
    " -f " . plot_sq(plot_dir . "prep.awk") . plot_files
if (!exists("prep_ok") || !prep_ok) {
	exit status 1
}

# nothing: the message when there is no data, then exit status 1.
plot_nothing(what) = sprintf("%s: no %s in the input: nothing to plot " . \
    "(an empty period?)", plot_name, what)

# "1 day", "2 days".
plot_n(n, one, many) = sprintf("%d %s", n, n == 1 ? one : many)

# Colours that read on white and keep apart for most colour vision.
plot_red = 0xd7263d
plot_yellow = 0xd99a00
plot_green = 0x1a9850
plot_ink = "#222222"
plot_grey = "#666666"
array plot_pal[10] = [0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, \
    0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac]
plot_band(b) = b == 1 ? plot_red : b == 2 ? plot_yellow : plot_green

# Dates on the x axis: prep.awk gives seconds since 1970 at noon UTC of
# each local day, shown in UTC so that no time zone shifts a day.
plot_day = 86400
plot_date(x) = strftime("%Y-%m-%d", x)
plot_period = sprintf("%s to %s", plot_date(first_x), plot_date(last_x))

# The script may set plot_w and plot_h (pixels) before loading this file.
if (!exists("plot_w")) { plot_w = 900 }
if (!exists("plot_h")) { plot_h = 380 }
if (plot_format eq "png") {
	plot_term = sprintf("pngcairo size %d,%d background '#ffffff' " . \
	    "font 'sans,10' noenhanced", plot_w, plot_h)
} else {
	plot_term = sprintf("svg size %d,%d background '#ffffff' " . \
	    "font 'sans,11' noenhanced name '%s'", plot_w, plot_h, plot_what)
}
# eval plot_start: when the script knows there is something to draw.
plot_start = "set terminal " . plot_term . "; " . \
    "set border lc rgb plot_ink; set tics textcolor rgb plot_ink; " . \
    "set title textcolor rgb plot_ink; " . \
    "set grid lc rgb '#d8d8d8' lw 1; " . \
    "set key textcolor rgb plot_ink"

# eval plot_dates: a date axis from the first to the last day, with a
# day of room each side, and tics at a spacing that suits the span.
plot_span = (last_x - first_x) / plot_day
# About ten tics: every other day up to three weeks, then whole weeks.
plot_step = (plot_span <= 21 ? 2 : 7 * ceil(plot_span / 70.0)) * plot_day
plot_xfmt = plot_span > 400 ? "%b %Y" : "%b %d"
# Tics at midnight of Mondays (1970-01-05 was one).
plot_tic0 = (floor((first_x / plot_day - 4) / 7.0) * 7 + 4) * plot_day
plot_dates = "set xrange [first_x - plot_day : last_x + plot_day]; " . \
    "set format x plot_xfmt timedate; set xtics plot_tic0, plot_step; " . \
    "set bmargin 4"
# The line under the plot that says what was counted.
plot_note = "at screen 0.01, screen 0.025 textcolor rgb plot_grey"
