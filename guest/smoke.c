// SPDX-License-Identifier: GPL-2.0
/*
 * The /init of the smoke guests (guests.tsv: riscv64, s390x, ppc32): no busybox, no selftest
 * runner, only the entries that the series changes on every architecture.
 * Each case takes one kind of kernel entry many times and checks what
 * user space can see of it:
 *
 *   pagefault  first-touch and copy-on-write page faults
 *   sigsegv    a fault turned into a signal, whose handler fixes the
 *              mapping and returns through sigreturn to retry the access
 *   signals    signals sent to self, delivered on return from a syscall,
 *              some on an alternate signal stack
 *   timer      timer interrupts taken from user mode (a SIGALRM-counting
 *              busy loop) and from the idle task (nanosleep)
 *   syscalls   plain syscalls, and fork/exit/wait
 *   sas        the sigaltstack kselftest (tools/testing/selftests/
 *              signal/sas.c), run as a child
 *
 * It speaks the harness's protocol (scripts/judge.py): markers in the
 * kernel log, "ok N selftests: smoke: NAME" lines on the console, taint
 * and lockdep state at the end, and every kernel log line at level err
 * or worse ("harness: errlog <N>TEXT", as guest/init prints them). Then
 * it powers the machine off. With harness.lkdtm=WHAT on the kernel command
 * line (./run --lkdtm WHAT) it first provokes LKDTM's WHAT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PAGES		4096
#define ROUNDS		2000

static long page_size;

static void kmsg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, n;

	n = snprintf(buf, sizeof(buf), "harness: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	/* Without its newline, the kernel holds a record back for more. */
	buf[n++] = '\n';
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd < 0 || write(fd, buf, n) != n)
		printf("# cannot write to /dev/kmsg: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

/* First-touch faults on fresh anonymous memory, then copy-on-write in a child. */
static int test_pagefault(void)
{
	unsigned char *p;
	long i, sum = 0;
	pid_t pid;
	int status;

	p = mmap(NULL, PAGES * page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap: %s", strerror(errno));
	for (i = 0; i < PAGES; i++)
		p[i * page_size] = (unsigned char)i;
	for (i = 0; i < PAGES; i++)
		sum += p[i * page_size];
	if (sum != (PAGES / 256) * (255 * 256 / 2))
		return fail("first touch: sum %ld", sum);

	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (pid == 0) {
		for (i = 0; i < PAGES; i++)
			p[i * page_size] = 0xaa;
		for (i = 0; i < PAGES; i++)
			if (p[i * page_size] != 0xaa)
				_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return fail("copy-on-write child: status %#x", status);
	for (i = 0; i < PAGES; i++)
		if (p[i * page_size] != (unsigned char)i)
			return fail("parent page %ld changed by the child's writes", i);
	printf("# %d pages touched, %d copied on write\n", PAGES, PAGES);
	munmap(p, PAGES * page_size);
	return 0;
}

static volatile unsigned char *segv_page;
static volatile long segv_count;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	if (((uintptr_t)si->si_addr & -page_size) != (uintptr_t)segv_page) {
		static const char msg[] = "# SIGSEGV at an unexpected address\n";

		write(1, msg, sizeof(msg) - 1);
		_exit(2);
	}
	segv_count++;
	/* Grant access and return: sigreturn restarts the faulting store. */
	mprotect((void *)segv_page, page_size, PROT_READ | PROT_WRITE);
}

static int test_sigsegv(void)
{
	struct sigaction sa = { .sa_sigaction = segv_handler, .sa_flags = SA_SIGINFO };
	long i;

	segv_page = mmap(NULL, page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (segv_page == MAP_FAILED)
		return fail("mmap: %s", strerror(errno));
	sigaction(SIGSEGV, &sa, NULL);
	for (i = 0; i < ROUNDS; i++) {
		mprotect((void *)segv_page, page_size, PROT_NONE);
		segv_page[i % page_size] = (unsigned char)i;
		if (segv_page[i % page_size] != (unsigned char)i)
			return fail("round %ld: the retried store did not land", i);
	}
	signal(SIGSEGV, SIG_DFL);
	if (segv_count != ROUNDS)
		return fail("%ld faults for %d rounds", segv_count, ROUNDS);
	printf("# %ld faults handled and retried\n", segv_count);
	munmap((void *)segv_page, page_size);
	return 0;
}

static char altstack[1 << 16];
static volatile long usr1_count, usr2_count, usr2_off_stack;

static void usr1_handler(int sig)
{
	usr1_count++;
}

static void usr2_handler(int sig)
{
	char here;

	usr2_count++;
	if (&here < altstack || &here >= altstack + sizeof(altstack))
		usr2_off_stack++;
}

static int test_signals(void)
{
	struct sigaction sa1 = { .sa_handler = usr1_handler };
	struct sigaction sa2 = { .sa_handler = usr2_handler, .sa_flags = SA_ONSTACK };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	long i;

	if (sigaltstack(&ss, NULL))
		return fail("sigaltstack: %s", strerror(errno));
	sigaction(SIGUSR1, &sa1, NULL);
	sigaction(SIGUSR2, &sa2, NULL);
	for (i = 0; i < ROUNDS; i++) {
		kill(getpid(), SIGUSR1);
		kill(getpid(), SIGUSR2);
	}
	if (usr1_count != ROUNDS || usr2_count != ROUNDS)
		return fail("delivered %ld SIGUSR1, %ld SIGUSR2 of %d each",
			    usr1_count, usr2_count, ROUNDS);
	if (usr2_off_stack)
		return fail("%ld SA_ONSTACK handlers ran off the alternate stack",
			    usr2_off_stack);
	printf("# %ld + %ld signals delivered, the SA_ONSTACK ones on the alternate stack\n",
	       usr1_count, usr2_count);
	return 0;
}

static volatile long alarms;

static void alrm_handler(int sig)
{
	alarms++;
}

static int test_timer(void)
{
	struct sigaction sa = { .sa_handler = alrm_handler };
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	struct itimerval off = { 0 };
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	volatile unsigned long spin = 0;
	int i;

	sigaction(SIGALRM, &sa, NULL);
	if (setitimer(ITIMER_REAL, &it, NULL))
		return fail("setitimer: %s", strerror(errno));
	/* Busy in user mode: the timer interrupts arrive there. */
	while (alarms < 200)
		spin++;
	setitimer(ITIMER_REAL, &off, NULL);
	/* Idle: the timer interrupts arrive in the idle task. */
	for (i = 0; i < 100; i++)
		nanosleep(&ts, NULL);
	printf("# %ld SIGALRMs while spinning in user mode, 100 sleeps\n", alarms);
	return 0;
}

static int test_syscalls(void)
{
	pid_t self = getpid(), pid;
	int i, status;

	for (i = 0; i < 100000; i++)
		if (syscall(SYS_getpid) != self)
			return fail("getpid() changed");
	for (i = 0; i < 200; i++) {
		pid = fork();
		if (pid < 0)
			return fail("fork: %s", strerror(errno));
		if (pid == 0)
			_exit(i & 0x7f);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != (i & 0x7f))
			return fail("child %d: status %#x", i, status);
	}
	printf("# 100000 getpid, 200 fork/exit/wait\n");
	return 0;
}

static int test_sas(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/sas", "sas", NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return fail("cannot run /sas");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail("sas: status %#x", status);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "pagefault", test_pagefault },
	{ "sigsegv", test_sigsegv },
	{ "signals", test_signals },
	{ "timer", test_timer },
	{ "syscalls", test_syscalls },
	{ "sas", test_sas },
};

/*
 * Print the kernel log's lines at level emerg..err on the console, for the
 * judge's log-level gate: those lines carry no "WARNING:" or trace, so
 * only their level marks them. syslog's raw read gives "<N>" prefixes.
 */
static void print_errlog(void)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	char *line, *next;

	if (n < 0) {
		printf("harness: errlog unreadable: %s\n", strerror(errno));
		return;
	}
	log[n] = '\0';
	for (line = log; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (line[0] == '<' && line[1] >= '0' && line[1] <= '3' && line[2] == '>')
			printf("harness: errlog %s\n", line);
	}
}

static void finish(void)
{
	char buf[64] = "?";
	FILE *f;

	print_errlog();

	f = fopen("/proc/sys/kernel/tainted", "r");
	if (f && fscanf(f, "%63s", buf) == 1)
		kmsg("tainted %s", buf);
	else
		kmsg("tainted unknown");
	if (f)
		fclose(f);

	strcpy(buf, "absent");
	f = fopen("/proc/lockdep_stats", "r");
	if (f) {
		char line[128];

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, " debug_locks: %63s", buf) == 1)
				break;
		fclose(f);
	}
	kmsg("debug_locks %s", buf);
	kmsg("runner end");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/*
 * harness.lkdtm=WHAT on the kernel command line: provoke LKDTM's WHAT
 * before the tests, as guest/init does for the kselftest guests.
 */
static void provoke_lkdtm(void)
{
	static const char key[] = "harness.lkdtm=";
	char cmdline[4096], *what;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	cmdline[n] = 0;
	what = strstr(cmdline, key);
	if (!what)
		return;
	what += sizeof(key) - 1;
	what[strcspn(what, " \n")] = 0;

	mkdir("/debug", 0755);
	if (mount("debugfs", "/debug", "debugfs", 0, NULL))
		printf("# mount debugfs: %s\n", strerror(errno));
	kmsg("begin lkdtm:%s", what);
	fd = open("/debug/provoke-crash/DIRECT", O_WRONLY);
	if (fd < 0 || write(fd, what, strlen(what)) < 0)
		printf("# LKDTM %s: %s\n", what, strerror(errno));
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	unsigned int i, n = sizeof(tests) / sizeof(tests[0]);
	pid_t pid;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir("/proc", 0755);
	mkdir("/dev", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL))
		printf("# mount /proc: %s\n", strerror(errno));
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) && errno != EBUSY)
		printf("# mount /dev: %s\n", strerror(errno));
	page_size = sysconf(_SC_PAGESIZE);

	kmsg("runner start");
	provoke_lkdtm();
	printf("TAP version 13\n1..%u\n", n);
	for (i = 0; i < n; i++) {
		kmsg("begin smoke:%s", tests[i].name);
		/* A case that crashes takes only itself down. */
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(tests[i].fn());
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			status = -1;
		if (status == 0)
			printf("ok %u selftests: smoke: %s\n", i + 1, tests[i].name);
		else
			printf("not ok %u selftests: smoke: %s # exit=%d%s\n", i + 1,
			       tests[i].name,
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			       WIFSIGNALED(status) ? " (killed by a signal)" : "");
		/* Let the console show the result before the kernel's marker. */
		tcdrain(STDOUT_FILENO);
		kmsg("end smoke:%s", tests[i].name);
	}
	finish();
	return 0;
}
