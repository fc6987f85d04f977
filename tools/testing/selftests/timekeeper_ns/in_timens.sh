#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# in_timens.sh TEST [ARGS...]: run TEST in a new time namespace, owned by
# a new user namespace in which TEST runs as root, so that the namespace
# has a clock of its own, and check that the clocks of the namespace it
# was started from did not change: CLOCK_REALTIME (to 50 ms), the TAI
# offset, the timezone and the NTP frequency, status and tick. Exit: the
# test's status, 1 if it changed the outer clocks, 4 (skip) without time
# or user namespaces.
here=$(cd "$(dirname "$0")" && pwd)
[ -e /proc/self/ns/time ] && [ -e /proc/self/ns/user ] || exit 4

before=$("$here/host_clock_state") || exit 1
unshare --user --map-root-user --time --fork -- "$@"
rc=$?
"$here/host_clock_state" $before || { echo "in_timens: the outer clocks changed"; exit 1; }
exit $rc
