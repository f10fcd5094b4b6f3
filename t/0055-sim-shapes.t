#!/bin/sh
# The simulated WHOOP service's data-shape switches check themselves:
# sleeps before their cycle, edited sleeps, patched and implausible
# records, future and stray records, repeated and endless next_token.
top=${WHOOP_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
exec sh "$top/t/sim/test-sim-shapes.sh"
