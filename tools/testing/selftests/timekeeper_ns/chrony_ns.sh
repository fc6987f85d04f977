#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# chrony_ns.sh: Debian's chronyd, unmodified, disciplines the clocks of two
# sibling user+time namespaces from an NTP server on the host's loopback,
# and neither the host's clock nor the other namespace notices.
#
# The server is a chronyd in the host's namespaces with -x (it never
# touches the host's clock) serving its local clock at stratum 5. Each
# client is a chronyd without -x in a namespace of its own whose clock
# starts off by a step and a frequency error (client 1: +5 s, +100 ppm;
# client 2: -7 s, -50 ppm); it must step its clock (makestep) and train
# its frequency through the namespace's own adjtimex() state.
#
# Checked by the test's own measurement, not chronyd's: each namespace's
# CLOCK_REALTIME, against CLOCK_MONOTONIC_RAW (the oscillator, which no
# namespace steers), must come within SYNC_NS of the host's, and its NTP
# frequency within FREQ_PPM of the host's (the server runs at the host's
# rate, so chronyd must remove the error the namespace was given), both
# for SETTLE consecutive samples a second apart, within LIMIT_S seconds.
# The host's CLOCK_REALTIME, TAI offset, timezone and NTP frequency,
# status and tick are compared before and after (host_clock_state).
#
# Exit: 0 pass, 1 fail, 4 skip (no chronyd, no time namespaces).
here=$(cd "$(dirname "$0")" && pwd)
SYNC_NS=1000000
FREQ_PPM=10
SETTLE=5
LIMIT_S=${LIMIT_S:-150}
PORT=11123

command -v chronyd >/dev/null && command -v chronyc >/dev/null ||
	{ echo "chrony_ns: SKIP: chronyd/chronyc not installed"; exit 4; }
[ -e /proc/self/ns/time ] && [ -e /proc/self/ns/user ] ||
	{ echo "chrony_ns: SKIP: no time or user namespaces"; exit 4; }
"$here/clock_ctl" lo-up || { echo "chrony_ns: SKIP: no loopback"; exit 4; }

dir=$(mktemp -d /tmp/chrony_ns.XXXXXX)
chmod 700 "$dir"
cleanup() {
	for p in "$dir"/*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
}
trap cleanup EXIT

cat >"$dir/server.conf" <<EOF
local stratum 5
allow 127.0.0.1
port $PORT
cmdport 0
pidfile $dir/server.pid
driftfile $dir/server.drift
EOF
chronyd -x -u root -f "$dir/server.conf" -L 0 -l "$dir/server.log" ||
	{ echo "chrony_ns: FAIL: the server did not start"; exit 1; }

before=$("$here/host_clock_state") || exit 1
host_off=$("$here/clock_ctl" offset)

# client N STEP_NS PPM: chronyd in a new user+time namespace, and the
# test's own measurement of that namespace's clock; exits 0 once synced.
client() {
	n=$1
	mkdir -p "$dir/c$n"
	chmod 700 "$dir/c$n"
	cat >"$dir/c$n/chrony.conf" <<EOF
server 127.0.0.1 port $PORT iburst minpoll -3 maxpoll -3
makestep 1 -1
port 0
pidfile $dir/c$n.pid
bindcmdaddress $dir/c$n/chronyd.sock
driftfile $dir/c$n/drift
EOF
	unshare --user --map-root-user --time --fork -- sh -c '
		ctl=$1 n=$2 step=$3 ppm=$4 conf=$5 log=$6 host_off=$7
		sync_ns=$8 freq_ppm=$9
		shift 9
		settle=$1 limit=$2
		$ctl step $step && $ctl freq $ppm || exit 1
		echo "client $n: clock set $step ns off, $ppm ppm"
		chronyd -u root -f $conf -L 0 -l $log || exit 1
		good=0 t=0
		sock=${conf%/*}/chronyd.sock
		while [ $t -lt $limit ]; do
			sleep 1
			t=$((t + 1))
			d=$(($($ctl offset) - host_off))
			# The frequency chronyd trained, not its slew of the moment
			f=$(chronyc -h $sock -n tracking | awk "/^Frequency/ {
				print (\$4 == \"slow\" ? -\$3 : \$3) }")
			[ -n "$f" ] || f=999
			[ -n "$VERBOSE" ] && echo "client $n: $t s: $d ns, $f ppm, kernel $($ctl freq) ppm"
			if [ ${d#-} -lt $sync_ns ] &&
			   awk -v f=$f -v m=$freq_ppm "BEGIN { exit !(f < m && f > -m) }"; then
				good=$((good + 1))
			else
				good=0
			fi
			if [ $good -ge $settle ]; then
				echo "client $n: synced after $t s: $d ns from the host, frequency $f ppm"
				exit 0
			fi
		done
		echo "client $n: not synced in $limit s: $d ns from the host, frequency $f ppm"
		exit 1
	' sh "$here/clock_ctl" "$n" "$2" "$3" "$dir/c$n/chrony.conf" "$dir/c$n.log" \
		"$host_off" $SYNC_NS $FREQ_PPM $SETTLE $LIMIT_S
}

client 1 5000000000 100 &
p1=$!
client 2 -7000000000 -50 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?

for n in 1 2; do
	echo "client $n: chronyc tracking:"
	chronyc -h "$dir/c$n/chronyd.sock" -n tracking | sed 's/^/  /'
	sed 's/^/  log: /' "$dir/c$n.log" | grep -E "stepped|wrong|Selected|frequency"
done

rc=0
"$here/host_clock_state" $before || { echo "chrony_ns: FAIL: the host's clock changed"; rc=1; }
[ $r1 = 0 ] && [ $r2 = 0 ] || rc=1
[ $rc = 0 ] && echo "chrony_ns: PASS" || echo "chrony_ns: FAIL"
exit $rc
