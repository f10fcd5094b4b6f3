#!/bin/sh
# The simulated WHOOP service checks itself: pagination walks equal the
# generated data, PKCE, code reuse, refresh rotation and reuse detection,
# revocation, rate limits, faults and a log without secrets.
top=${WHOOP_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
exec sh "$top/t/sim/test-sim.sh"
