// SPDX-License-Identifier: GPL-2.0
/*
 * Only CAP_SYS_TIME in the user namespace that owns a time namespace may
 * set or steer that namespace's clocks.  The host's clocks belong to the
 * initial user namespace: an unprivileged task, and a task that is
 * privileged only in a user namespace of its own, get EPERM from every
 * setter, while reading the NTP state stays allowed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "tkns.h"

#ifndef ADJ_SETOFFSET
#define ADJ_SETOFFSET	0x0100
#endif

#define NOBODY	65534
#define MAX_RESULTS	16

struct result {
	char name[96];
	int ok;
	int err;
};

/* Shared with the children, which fill it in. */
static struct {
	int n;
	struct result r[MAX_RESULTS];
} *results;

static void record(const char *prefix, const char *what, bool ok)
{
	struct result *r = &results->r[results->n++];

	snprintf(r->name, sizeof(r->name), "%s: %s", prefix, what);
	r->ok = ok;
	r->err = errno;
}

/* Every setter refused with EPERM, every reader allowed. */
static void try_setters(const char *who)
{
	struct timespec ts;
	struct timeval tv;
	struct timezone tz = { .tz_minuteswest = 60 };
	struct timex tx;

	clock_gettime(CLOCK_REALTIME, &ts);
	tv.tv_sec = ts.tv_sec + 3600;
	tv.tv_usec = 0;
	ts.tv_sec += 3600;

	record(who, "clock_settime(REALTIME) is EPERM",
	       FAILS_WITH(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts), EPERM));
	record(who, "settimeofday(tv) is EPERM",
	       FAILS_WITH(syscall(SYS_settimeofday, &tv, NULL), EPERM));
	record(who, "settimeofday(tz) is EPERM",
	       FAILS_WITH(syscall(SYS_settimeofday, NULL, &tz), EPERM));

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = 3600;
	record(who, "adjtimex(ADJ_SETOFFSET) is EPERM",
	       FAILS_WITH(syscall(SYS_adjtimex, &tx), EPERM));

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 100 << 16;
	record(who, "clock_adjtime(REALTIME, ADJ_FREQUENCY) is EPERM",
	       FAILS_WITH(syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx), EPERM));

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_TAI;
	tx.constant = 100;
	record(who, "adjtimex(ADJ_TAI) is EPERM",
	       FAILS_WITH(syscall(SYS_adjtimex, &tx), EPERM));

	memset(&tx, 0, sizeof(tx));
	record(who, "adjtimex(read) is allowed", syscall(SYS_adjtimex, &tx) >= 0);
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY);
}

/* Run @fn in a child; its results land in the shared array. */
static void in_child(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		ksft_exit_fail_msg("child failed (status %x)\n", status);
}

static void unprivileged(void)
{
	if (drop_to_nobody()) {
		record("nobody", "drop privileges", false);
		return;
	}
	try_setters("nobody");
}

static void own_userns(void)
{
	if (drop_to_nobody() || unshare(CLONE_NEWUSER)) {
		record("own userns", "unshare(CLONE_NEWUSER) as nobody", false);
		return;
	}
	try_setters("own userns, host timens");
}

int main(void)
{
	int64_t before;
	int i;

	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("needs root\n");

	results = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));

	before = realtime_offset_ns();
	in_child(unprivileged);
	in_child(own_userns);

	/* Seven checks in each of the two children. */
	ksft_set_plan(2 * 7 + 1);
	for (i = 0; i < results->n; i++) {
		struct result *r = &results->r[i];

		if (r->ok)
			ksft_test_result_pass("%s\n", r->name);
		else
			ksft_test_result_fail("%s (errno %d)\n", r->name, r->err);
	}
	ksft_test_result(realtime_unchanged_since(before), "host CLOCK_REALTIME unchanged\n");
	ksft_finished();
}
