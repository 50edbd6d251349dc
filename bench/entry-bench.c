// SPDX-License-Identifier: GPL-2.0
/*
 * entry-bench: the guest half of the entry benchmark. Runs each entry
 * event N times between marker instructions that insn-plugin.c (the
 * QEMU half) recognises, and says on stdout what it ran. Built static,
 * 64-bit and 32-bit from this one file; each build runs its own events.
 *
 *   kk  build  event                                     plugin mode
 *   01  64     syscall getpid                            iteration
 *   02  32     int $0x80 getpid                          iteration
 *   03  32     __kernel_vsyscall getpid (AT_SYSINFO:     iteration
 *              SYSENTER on Intel, SYSCALL on AMD)
 *   04  64     first-touch page fault from user mode     iteration
 *   05  64     ud2 -> SIGILL handler -> rt_sigreturn      iteration
 *   06  64     int3 -> SIGTRAP handler -> rt_sigreturn    iteration
 *   07  64     timer interrupt from user mode            episode
 *   08  64     page fault from kernel mode (read() from  scoped: asm_exc_page_fault
 *              /dev/zero into fresh pages; --pks: PKS
 *              test 6, clear_user() with a key open)
 *   09  64     timer interrupt from kernel mode (large   scoped: asm_sysvec_apic_timer_interrupt
 *              read()s from /dev/zero; --pks: PKS test 6)
 *
 * Markers: "nopl DISP32(%rax)" (bytes 0f 1f 80 <disp32>, the same in
 * 32-bit code), disp32 = 0x5eb0XXXX, XXXX: 00kk/01kk/02kk begin region
 * kk in iteration/episode/scoped mode, 0300 tick, 0400 end. A tick and
 * the instruction that enters the kernel share one asm statement, so
 * that the compiler can put nothing between them.
 *
 * Usage: entry-bench [-n N] [-e KK,KK...] [--pks]
 *   -n N     events per kind (default 10000)
 *   -e LIST  only these events (hex kk)
 *   --pks    events 08 and 09 through /sys/kernel/debug/x86/pks_test
 * Exit status 0 when every event ran, 1 otherwise ("entry-bench: FAIL").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define STR_(x)	#x
#define STR(x)	STR_(x)

#define M_BEGIN_ITER	0x000
#define M_BEGIN_EPISODE	0x100
#define M_BEGIN_SCOPED	0x200
#define M_TICK		0x300
#define M_END		0x400

/* The marker as bytes: an assembler could pick a shorter displacement */
#define MARKER(v)	".byte 0x0f, 0x1f, 0x80; .long 0x5eb00000 + (" STR(v) ")\n\t"
#define MARK(v)		asm volatile(MARKER(v) ::: "memory")
#define TICK		MARKER(M_TICK)

#define PAGE		4096UL
#define PKS_TEST	"/sys/kernel/debug/x86/pks_test"

static unsigned long n_events = 10000;
static int use_pks;
static int failed;
static unsigned char only[256];		/* -e: the events to run */
static int have_only;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("entry-bench: FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	failed = 1;
}

static int want(int kk)
{
	return !have_only || only[kk];
}

static void ran(int kk, const char *name, const char *mode, unsigned long runs,
		const char *extra)
{
	printf("entry-bench: event=%02x name=%s mode=%s runs=%lu%s%s\n",
	       kk, name, mode, runs, *extra ? " " : "", extra);
	fflush(stdout);
}

#ifdef __x86_64__

/*
 * Local APIC timer interrupts so far ("LOC:" in /proc/interrupts), the
 * truth about how many ticks a loop has seen.
 */
static unsigned long timer_irqs(void)
{
	static char buf[65536];
	unsigned long sum = 0;
	ssize_t len, got = 0;
	char *p, *end;
	int fd;

	fd = open("/proc/interrupts", O_RDONLY);
	if (fd < 0)
		return 0;
	while ((len = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += len;
	close(fd);
	buf[got] = '\0';
	p = strstr(buf, "LOC:");
	if (!p)
		return 0;
	for (p += 4; ; p = end) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p)
			break;
		sum += v;
	}
	return sum;
}

static void *map_pages(unsigned long pages)
{
	void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* One fault per page: no huge page behind the first touch */
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	return p;
}


static void ev_syscall64(void)
{
	unsigned long i;
	long ret = 0;

	MARK(M_BEGIN_ITER | 0x01);
	for (i = 0; i < n_events; i++)
		asm volatile(TICK "syscall"
			     : "=a" (ret) : "0" ((long)SYS_getpid)
			     : "rcx", "r11", "memory");
	MARK(M_END);
	if (ret != getpid())
		fail("syscall getpid returned %ld", ret);
	ran(0x01, "syscall64-getpid", "iteration", i, "");
}

static void ev_user_fault(void)
{
	char *buf = map_pages(n_events);
	unsigned long i;

	if (!buf) {
		fail("mmap of %lu pages: %s", n_events, strerror(errno));
		return;
	}
	MARK(M_BEGIN_ITER | 0x04);
	for (i = 0; i < n_events; i++)
		asm volatile(TICK "movb $1, (%0)" : : "r" (buf + i * PAGE) : "memory");
	MARK(M_END);
	munmap(buf, n_events * PAGE);
	ran(0x04, "user-page-fault", "iteration", i, "");
}

static volatile unsigned long sigs;

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	uc->uc_mcontext.gregs[REG_RIP] += 2;	/* over the ud2 */
	sigs++;
}

static void on_sigtrap(int sig, siginfo_t *si, void *ctx)
{
	sigs++;					/* RIP is past the int3 already */
}

static int handle(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

static void ev_signals(void)
{
	unsigned long i;

	if (want(0x05)) {
		if (handle(SIGILL, on_sigill))
			fail("sigaction SIGILL: %s", strerror(errno));
		sigs = 0;
		MARK(M_BEGIN_ITER | 0x05);
		for (i = 0; i < n_events; i++)
			asm volatile(TICK "ud2" ::: "memory");
		MARK(M_END);
		if (sigs != n_events)
			fail("ud2: %lu SIGILL for %lu", sigs, n_events);
		ran(0x05, "ud2-sigill", "iteration", i, "");
	}
	if (want(0x06)) {
		if (handle(SIGTRAP, on_sigtrap))
			fail("sigaction SIGTRAP: %s", strerror(errno));
		sigs = 0;
		MARK(M_BEGIN_ITER | 0x06);
		for (i = 0; i < n_events; i++)
			asm volatile(TICK "int3" ::: "memory");
		MARK(M_END);
		if (sigs != n_events)
			fail("int3: %lu SIGTRAP for %lu", sigs, n_events);
		ran(0x06, "int3-sigtrap", "iteration", i, "");
	}
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return (uint64_t)hi << 32 | lo;
}

/*
 * Spin in user mode until the timer has interrupted us n_events times
 * (plus a margin for the interrupts that are not ticks). The TSC shows
 * where the kernel ran: a step far above the loop's own. Those gaps only
 * say when to look at the interrupt count, which costs a few syscalls
 * (episodes that are not ticks; the mode is what counts); a check every
 * 2^24 turns covers a TSC whose steps we misjudge.
 */
static void ev_user_timer(void)
{
	unsigned long target = n_events + n_events / 32 + 16;
	unsigned long start = timer_irqs(), seen = 0, gaps = 0, next = 16;
	uint64_t prev, t, d, min = ~0ULL;
	unsigned long turns = 0;
	char extra[64];

	if (!start) {
		fail("no LOC line in /proc/interrupts");
		return;
	}
	MARK(M_BEGIN_EPISODE | 0x07);
	prev = rdtsc();
	while (seen < target) {
		t = rdtsc();
		d = t - prev;
		prev = t;
		if (d < min)
			min = d ? d : 1;
		else if (d > 64 * min)
			gaps++;
		if (gaps >= next || !(++turns & ((1UL << 24) - 1))) {
			seen = timer_irqs() - start;
			next = gaps + (seen < target ? (target - seen) / 2 + 1 : 1);
		}
	}
	MARK(M_END);
	snprintf(extra, sizeof(extra), "ticks=%lu", timer_irqs() - start);
	ran(0x07, "user-timer", "episode", gaps, extra);
}

/* Run PKS test 6 on [buf, buf + len) "rounds" times, check it passed */
static int pks_load(void *buf, unsigned long len, unsigned long rounds)
{
	char cmd[96], res[300];
	ssize_t got;
	int fd, ok;

	fd = open(PKS_TEST, O_RDWR);
	if (fd < 0) {
		fail("%s: %s", PKS_TEST, strerror(errno));
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "6 %lx %lu %lu", (unsigned long)buf, len, rounds);
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		fail("%s: write '%s': %s (no test 6 in this kernel?)", PKS_TEST, cmd,
		     strerror(errno));
		close(fd);
		return -1;
	}
	got = pread(fd, res, sizeof(res) - 1, 0);
	close(fd);
	res[got > 0 ? got : 0] = '\0';
	ok = !strncmp(res, "PASS", 4);
	if (!ok)
		fail("%s: test '%s' said: %s", PKS_TEST, cmd, strtok(res, "\n") ?: "nothing");
	return ok ? 0 : -1;
}

/* read() exactly len bytes of zeroes into buf */
static int read_zero(int fd, char *buf, unsigned long len)
{
	while (len) {
		ssize_t got = read(fd, buf, len);

		if (got <= 0) {
			fail("read /dev/zero: %s", got ? strerror(errno) : "EOF");
			return -1;
		}
		buf += got;
		len -= got;
	}
	return 0;
}

/* Each first touch, in clear_user(), is a page fault from kernel mode */
static void ev_kernel_fault(int zero)
{
	char *buf = map_pages(n_events);
	int err;

	if (!buf) {
		fail("mmap of %lu pages: %s", n_events, strerror(errno));
		return;
	}
	MARK(M_BEGIN_SCOPED | 0x08);
	if (use_pks)
		err = pks_load(buf, n_events * PAGE, 1);
	else
		err = read_zero(zero, buf, n_events * PAGE);
	MARK(M_END);
	munmap(buf, n_events * PAGE);
	if (!err)
		ran(0x08, "kernel-page-fault", "scoped", n_events,
		    use_pks ? "via=pks_test" : "via=/dev/zero");
}

/*
 * Clear a touched buffer from the kernel until n_events ticks (and a
 * margin) have come: nearly all of them interrupt the clearing. The
 * interrupt count is read every 16 rounds, inside the region: timer
 * interrupts in those reads are kernel-mode ticks too.
 */
static void ev_kernel_timer(int zero)
{
	const unsigned long chunk = 64 * PAGE, rounds = 16;
	unsigned long target = n_events + n_events / 32 + 16;
	unsigned long start = timer_irqs(), seen = 0, calls = 0;
	char *buf = map_pages(chunk / PAGE), extra[64];
	int err = 0;

	if (!buf || !start) {
		fail("kernel timer: %s", buf ? "no LOC line in /proc/interrupts" : "mmap");
		return;
	}
	memset(buf, 1, chunk);
	MARK(M_BEGIN_SCOPED | 0x09);
	while (!err && seen < target) {
		if (use_pks) {
			err = pks_load(buf, chunk, rounds);
		} else {
			for (unsigned long i = 0; !err && i < rounds; i++)
				err = read_zero(zero, buf, chunk);
		}
		calls++;
		seen = timer_irqs() - start;
	}
	MARK(M_END);
	munmap(buf, chunk);
	snprintf(extra, sizeof(extra), "ticks=%lu calls=%lu via=%s", seen, calls,
		 use_pks ? "pks_test" : "/dev/zero");
	if (!err)
		ran(0x09, "kernel-timer", "scoped", seen, extra);
}

static void run_all(void)
{
	int zero = open("/dev/zero", O_RDONLY);

	if (zero < 0)
		fail("/dev/zero: %s", strerror(errno));
	if (want(0x01))
		ev_syscall64();
	if (want(0x04))
		ev_user_fault();
	ev_signals();
	if (want(0x07))
		ev_user_timer();
	if (want(0x08) && zero >= 0)
		ev_kernel_fault(zero);
	if (want(0x09) && zero >= 0)
		ev_kernel_timer(zero);
	close(zero);
}

#else /* 32-bit */

static void ev_int80(void)
{
	unsigned long i;
	long ret = 0;

	MARK(M_BEGIN_ITER | 0x02);
	for (i = 0; i < n_events; i++)
		asm volatile(TICK "int $0x80"
			     : "=a" (ret) : "0" ((long)SYS_getpid) : "memory");
	MARK(M_END);
	if (ret != getpid())
		fail("int $0x80 getpid returned %ld", ret);
	ran(0x02, "int80-getpid", "iteration", i, "");
}

/*
 * What __kernel_vsyscall enters the kernel with: the first of SYSENTER
 * (0f 34), SYSCALL (0f 05) or INT $0x80 (cd 80) in its code; the
 * alternatives have patched the unused sequences to NOPs.
 */
static const char *vsyscall_kind(const unsigned char *p)
{
	for (int i = 0; i < 64; i++) {
		if (p[i] == 0x0f && p[i + 1] == 0x34)
			return "sysenter";
		if (p[i] == 0x0f && p[i + 1] == 0x05)
			return "syscall";
		if (p[i] == 0xcd && p[i + 1] == 0x80)
			return "int80";
	}
	return "unknown";
}

static void ev_vsyscall(void)
{
	unsigned long vsys = getauxval(AT_SYSINFO), i;
	char extra[32];
	long ret = 0;

	if (!vsys) {
		fail("no AT_SYSINFO: no 32-bit vDSO");
		return;
	}
	MARK(M_BEGIN_ITER | 0x03);
	for (i = 0; i < n_events; i++)
		asm volatile(TICK "call *%1"
			     : "=a" (ret) : "r" (vsys), "0" ((long)SYS_getpid)
			     : "memory");
	MARK(M_END);
	if (ret != getpid())
		fail("__kernel_vsyscall getpid returned %ld", ret);
	snprintf(extra, sizeof(extra), "entry=%s", vsyscall_kind((void *)vsys));
	ran(0x03, "vsyscall32-getpid", "iteration", i, extra);
}

static void run_all(void)
{
	if (want(0x02))
		ev_int80();
	if (want(0x03))
		ev_vsyscall();
}

#endif

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			n_events = strtoul(argv[++i], &end, 0);
			if (*end || !n_events)
				goto usage;
		} else if (!strcmp(argv[i], "-e") && i + 1 < argc) {
			for (char *s = argv[++i]; *s; s = *end ? end + 1 : end) {
				unsigned long kk = strtoul(s, &end, 16);

				if (end == s || kk > 255 || (*end && *end != ','))
					goto usage;
				only[kk] = have_only = 1;
			}
		} else if (!strcmp(argv[i], "--pks")) {
			use_pks = 1;
		} else {
			goto usage;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("entry-bench: %d-bit n=%lu%s\n", (int)sizeof(long) * 8, n_events,
	       use_pks ? " pks" : "");
	run_all();
	printf("entry-bench: %s\n", failed ? "FAIL" : "done");
	return failed;
usage:
	fprintf(stderr, "usage: %s [-n N] [-e KK,KK...] [--pks]\n", argv[0]);
	return 2;
}
