// SPDX-License-Identifier: GPL-2.0
/*
 * entry-stress.c - many kinds of kernel entry at once, each checking that
 * the user state it entered with is the state it comes back to
 *
 *	entry-stress SECONDS [THREADS]
 *
 * For SECONDS, THREADS workers (default: twice the online CPUs, at least
 * four) loop over rounds. In each round a worker:
 *
 * - makes system calls (64-bit: SYSCALL and int $0x80; 32-bit: int $0x80
 *   and __kernel_vsyscall, i.e. SYSENTER) with every register loaded with
 *   a fresh pattern, and checks that each register the ABI preserves came
 *   back unchanged, and the return value;
 * - takes page faults (first read of an anonymous page, then the write
 *   that replaces the zero page) from the same kind of register-loaded
 *   instruction, and checks registers and memory;
 * - executes int3 and ud2: the SIGTRAP/SIGILL handler checks the
 *   instruction pointer, trap number and si_code it was given, records
 *   the registers it saw (compared to the patterns afterwards), and for
 *   ud2 moves the instruction pointer past the instruction;
 * - single-steps a short sequence with EFLAGS.TF (one SIGTRAP per step)
 *   and checks the number of steps and where they stopped, once over
 *   plain instructions and once over a system call;
 * - executes hlt (a #GP, so SIGSEGV) whose handler rewrites the
 *   ucontext: other register values, a flag, an instruction pointer past
 *   an instruction that would have clobbered a register; the code checks
 *   after sigreturn that exactly the rewritten state came back;
 * - sends SIGUSR1 (handled on the sigaltstack) and SIGUSR2 (handled on
 *   the current stack) to random workers with tgkill(); the handler
 *   checks which stack it runs on and what the kernel said about it;
 * - pins itself to the next online CPU (or unpins) and checks with
 *   getcpu that it runs there.
 *
 * When the kernel has CONFIG_PKS_TEST and PKS is enabled, two more
 * threads run the kernel's PKS tests 1 to 4 through debugfs meanwhile,
 * each on another CPU every time (test 5 counts IA32_PKRS writes
 * exactly, which other entries on the same CPU, NMIs included, make
 * unreliable).
 *
 * Every failed check prints "stress: FAIL <kind>: expected <x>, saw <y>"
 * (the first 20 of each kind; all are counted). The last line is the
 * summary; the exit status is 0 if and only if nothing failed. The 32-bit
 * build prints "stress32:" instead of "stress:".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>

#ifdef __x86_64__
# define PROG		"stress"
#else
# define PROG		"stress32"
#endif

#define PKS_TEST_FILE	"/sys/kernel/debug/x86/pks_test"
#define MAX_WORKERS	64
#define FAIL_SHOWN	20		/* failure lines printed per kind */
#define ALT_SIZE	(64 * 1024)	/* roomy: the xstate can be large */
#define PAGE		4096UL
#define FAULT_PAGES	8		/* pages faulted in per round */
#define X86_CF		0x0001UL
#define X86_TF		0x0100UL

/*
 * The arithmetic flags and DF: loaded with a pattern before each
 * operation and compared after it. DF is in on purpose: the kernel must
 * clear it for itself and for a signal handler, and give it back.
 */
#define FLAGS_CHECK	0x0cd5UL

typedef unsigned long reg_t;

/*
 * The register block the operations below load before and store after
 * their instruction. The offsets are spelled out in the assembly, hence
 * the assertions.
 */
#ifdef __x86_64__
enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_8, R_9, R_10, R_11,
       R_12, R_13, R_14, R_15, NGPR };
static const char * const reg_name[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
	"r11", "r12", "r13", "r14", "r15", "rsp", "rflags",
};
static const int reg_greg[] = {
	REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_R8,
	REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RSP,
	REG_EFL,
};
# define REG_IP		REG_RIP
#else
enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, NGPR };
static const char * const reg_name[] = {
	"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eflags",
};
static const int reg_greg[] = {
	REG_EAX, REG_EBX, REG_ECX, REG_EDX, REG_ESI, REG_EDI, REG_EBP, REG_ESP,
	REG_EFL,
};
# define REG_IP		REG_EIP
#endif
/* R_SP: the stack pointer after the instruction; R_SP0: before it */
enum { R_SP = NGPR, R_FLAGS, R_SP0, NREGS };
#define BIT(r)		(1UL << (r))

#ifdef __x86_64__
_Static_assert(R_SP == 15 && R_FLAGS == 16 && R_SP0 == 17, "asm offsets");
#else
_Static_assert(R_SP == 7 && R_FLAGS == 8 && R_SP0 == 9, "asm offsets");
#endif

/*
 * Scratch for the operations: where to store the result, and the stack
 * pointer and accumulator while every other register is still untouched.
 * Thread-local so that the operations need no register to find them.
 */
__thread reg_t op_out, op_sp0, op_sp1, op_ax;
/* 32-bit: the vDSO's __kernel_vsyscall, called through memory */
reg_t vsys_entry;

/*
 * An operation, in assembly: op(in, out) loads the flags and every
 * general register from in[] (rax/eax too: the system call number or an
 * address), runs its instruction(s), and stores every register, the
 * flags and the stack pointer before and after to out[]. name_insn and
 * name_after label the instructions, for the signal handlers' checks.
 */
#ifdef __x86_64__
#define OP_PROLOGUE							\
	"push %rbx\n\tpush %rbp\n\tpush %r12\n\t"			\
	"push %r13\n\tpush %r14\n\tpush %r15\n\t"			\
	"mov %rsi, %fs:op_out@tpoff\n\t"				\
	"mov %rsp, %fs:op_sp0@tpoff\n\t"				\
	"pushq 128(%rdi)\n\tpopfq\n\t"					\
	"mov 0(%rdi), %rax\n\tmov 8(%rdi), %rbx\n\t"			\
	"mov 16(%rdi), %rcx\n\tmov 24(%rdi), %rdx\n\t"			\
	"mov 32(%rdi), %rsi\n\tmov 48(%rdi), %rbp\n\t"			\
	"mov 56(%rdi), %r8\n\tmov 64(%rdi), %r9\n\t"			\
	"mov 72(%rdi), %r10\n\tmov 80(%rdi), %r11\n\t"			\
	"mov 88(%rdi), %r12\n\tmov 96(%rdi), %r13\n\t"			\
	"mov 104(%rdi), %r14\n\tmov 112(%rdi), %r15\n\t"		\
	"mov 40(%rdi), %rdi\n"
/* Save rsp and rax first, then get a known-good stack back */
#define OP_EPILOGUE							\
	"mov %rsp, %fs:op_sp1@tpoff\n\t"				\
	"mov %rax, %fs:op_ax@tpoff\n\t"					\
	"mov %fs:op_sp0@tpoff, %rsp\n\t"				\
	"pushfq\n\tcld\n\t"						\
	"mov %fs:op_out@tpoff, %rax\n\t"				\
	"popq 128(%rax)\n\t"						\
	"mov %rbx, 8(%rax)\n\tmov %rcx, 16(%rax)\n\t"			\
	"mov %rdx, 24(%rax)\n\tmov %rsi, 32(%rax)\n\t"			\
	"mov %rdi, 40(%rax)\n\tmov %rbp, 48(%rax)\n\t"			\
	"mov %r8, 56(%rax)\n\tmov %r9, 64(%rax)\n\t"			\
	"mov %r10, 72(%rax)\n\tmov %r11, 80(%rax)\n\t"			\
	"mov %r12, 88(%rax)\n\tmov %r13, 96(%rax)\n\t"			\
	"mov %r14, 104(%rax)\n\tmov %r15, 112(%rax)\n\t"		\
	"mov %fs:op_ax@tpoff, %rcx\n\tmov %rcx, 0(%rax)\n\t"		\
	"mov %fs:op_sp1@tpoff, %rcx\n\tmov %rcx, 120(%rax)\n\t"	\
	"mov %fs:op_sp0@tpoff, %rcx\n\tmov %rcx, 136(%rax)\n\t"	\
	"pop %r15\n\tpop %r14\n\tpop %r13\n\t"				\
	"pop %r12\n\tpop %rbp\n\tpop %rbx\n\tret\n"
#else
#define OP_PROLOGUE							\
	"push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"		\
	"mov 20(%esp), %eax\n\t"					\
	"mov 24(%esp), %ecx\n\t"					\
	"mov %ecx, %gs:op_out@ntpoff\n\t"				\
	"mov %esp, %gs:op_sp0@ntpoff\n\t"				\
	"pushl 32(%eax)\n\tpopfl\n\t"					\
	"mov 4(%eax), %ebx\n\tmov 8(%eax), %ecx\n\t"			\
	"mov 12(%eax), %edx\n\tmov 16(%eax), %esi\n\t"			\
	"mov 20(%eax), %edi\n\tmov 24(%eax), %ebp\n\t"			\
	"mov 0(%eax), %eax\n"
#define OP_EPILOGUE							\
	"mov %esp, %gs:op_sp1@ntpoff\n\t"				\
	"mov %eax, %gs:op_ax@ntpoff\n\t"				\
	"mov %gs:op_sp0@ntpoff, %esp\n\t"				\
	"pushfl\n\tcld\n\t"						\
	"mov %gs:op_out@ntpoff, %eax\n\t"				\
	"popl 32(%eax)\n\t"						\
	"mov %ebx, 4(%eax)\n\tmov %ecx, 8(%eax)\n\t"			\
	"mov %edx, 12(%eax)\n\tmov %esi, 16(%eax)\n\t"			\
	"mov %edi, 20(%eax)\n\tmov %ebp, 24(%eax)\n\t"			\
	"mov %gs:op_ax@ntpoff, %ecx\n\tmov %ecx, 0(%eax)\n\t"		\
	"mov %gs:op_sp1@ntpoff, %ecx\n\tmov %ecx, 28(%eax)\n\t"	\
	"mov %gs:op_sp0@ntpoff, %ecx\n\tmov %ecx, 36(%eax)\n\t"	\
	"pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\tret\n"
#endif

#define DEFINE_OP(name, insns)						\
	extern void name(const reg_t *in, reg_t *out);			\
	extern char name##_insn[], name##_after[];			\
	asm(".pushsection .text\n"					\
	    ".globl " #name "\n.type " #name ", @function\n"		\
	    #name ":\n\t" OP_PROLOGUE					\
	    ".globl " #name "_insn\n" #name "_insn:\n\t"		\
	    insns "\n"							\
	    ".globl " #name "_after\n" #name "_after:\n\t" OP_EPILOGUE	\
	    ".size " #name ", . - " #name "\n"				\
	    ".popsection\n")

/*
 * Single-step: set TF with popf; the first trap comes after the
 * instruction that follows the popf, then one per instruction, the last
 * after the popf that clears TF again (TF was set when it began).
 */
#ifdef __x86_64__
# define TF_ON		"pushfq\n\torq $0x100, (%rsp)\n\tpopfq\n\t"
# define TF_OFF		"pushfq\n\tandq $~0x100, (%rsp)\n\tpopfq"
#else
# define TF_ON		"pushfl\n\torl $0x100, (%esp)\n\tpopfl\n\t"
# define TF_OFF		"pushfl\n\tandl $~0x100, (%esp)\n\tpopfl"
#endif
/* nop x4, then pushf, and, popf */
#define STEPS_PLAIN	7

#ifdef __x86_64__
DEFINE_OP(op_syscall, "syscall");
DEFINE_OP(op_load, "mov (%rax), %rax");
DEFINE_OP(op_store, "mov %rbx, (%rax)");
/* The handler moves rip past the xor: r13 and CF must show it did */
DEFINE_OP(op_hlt, "hlt\n\txor %r13d, %r13d");
DEFINE_OP(op_stepsys, TF_ON "nop\n\tsyscall\n\tnop\n\t" TF_OFF);
#else
DEFINE_OP(op_vsys, "call *vsys_entry");
DEFINE_OP(op_load, "mov (%eax), %eax");
DEFINE_OP(op_store, "mov %ebx, (%eax)");
DEFINE_OP(op_hlt, "hlt\n\txor %edi, %edi");
DEFINE_OP(op_stepsys, TF_ON "nop\n\tint $0x80\n\tnop\n\t" TF_OFF);
#endif
DEFINE_OP(op_int80, "int $0x80");
DEFINE_OP(op_int3, "int3");
DEFINE_OP(op_ud2, "ud2");
DEFINE_OP(op_step, TF_ON "nop\n\tnop\n\tnop\n\tnop\n\t" TF_OFF);
/*
 * nop, nop, pushf, and, popf: the system call instruction itself gives
 * no trap. Its entry clears TF; the return restores it, so the next trap
 * is after the instruction that follows (the kernel reports a step over
 * the system call only to a ptracer).
 */
#define STEPS_SYS	5

/* What the kinds of event are called, in failures and in the summary */
enum kind { K_SYSCALL64, K_INT80, K_VSYSCALL, K_PAGEFAULT, K_INT3, K_UD,
	    K_SINGLESTEP, K_SIGNAL, K_ALTSTACK, K_SIGRETURN, K_MIGRATE, K_PKS,
	    K_SETUP, NKINDS };
static const char * const kind_name[NKINDS] = {
	"syscall64", "int80", "vsyscall", "pagefault", "int3", "ud",
	"singlestep", "signal", "altstack", "sigreturn", "migrate", "pks",
	"setup",
};

/* What the current thread is doing, for the synchronous signal handlers */
enum mode { MODE_NONE, MODE_INT3, MODE_UD2, MODE_HLT, MODE_STEP };

/*
 * Per-thread state the signal handlers fill in. The handlers only count
 * and record (printing from a handler is not safe); the thread checks the
 * records in normal context.
 */
struct hstate {
	enum mode mode;
	reg_t step_start, step_end;	/* the window MODE_STEP traps may hit */
	/* the last synchronous trap */
	int hits;
	reg_t seen[NREGS];
	reg_t seen_ip, seen_trapno, seen_addr;
	int seen_code;
	/* single-steps */
	int steps, step_bad_code;
	reg_t step_last, step_stray;
	/* SIGTRAPs nothing asked for (a leaked TF, a stray int3) */
	unsigned long stray;
	reg_t stray_ip, stray_flags;
	/* tgkill()ed signals */
	unsigned long sigs, alts, sig_bad, alt_bad;
	int sig_bad_code, sig_bad_pid, alt_bad_want, alt_bad_saw;
	reg_t alt_bad_sp, alt_bad_ss_sp;
	reg_t alt_base;
};
static __thread struct hstate hs;

struct worker {
	pthread_t th;
	int id;
	volatile pid_t tid;
	uint64_t rng;
	unsigned long round;
	unsigned long n[NKINDS];
	/* how many of the handlers' findings were reported already */
	unsigned long seen_stray, seen_sig_bad, seen_alt_bad;
};

static struct worker workers[MAX_WORKERS];
static int nworkers;
static volatile int stop;
static pid_t pid, ppid;
static int cpus[1024], ncpus;
static cpu_set_t all_cpus;
static pthread_barrier_t start_line;
static unsigned long failures[NKINDS];
static unsigned long pks_runs;
static int seconds;

static void fail(enum kind kind, const char *fmt, ...)
{
	unsigned long n = __atomic_add_fetch(&failures[kind], 1, __ATOMIC_RELAXED);
	char buf[512];
	va_list ap;

	if (n > FAIL_SHOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf(PROG ": FAIL %s: %s\n", kind_name[kind], buf);
	if (n == FAIL_SHOWN)
		printf(PROG ": further %s failures are counted, not shown\n",
		       kind_name[kind]);
}

static unsigned long total(enum kind kind)
{
	unsigned long sum = kind == K_PKS ? pks_runs : 0;

	for (int i = 0; i < nworkers; i++)
		sum += workers[i].n[kind];
	return sum;
}

/*
 * The summary, written with one write(): it is also printed from the
 * handler of a fatal signal, where stdio could be locked.
 */
static void summary(void)
{
	unsigned long nfail = 0;
	char buf[512];
	int len;

	for (int k = 0; k < NKINDS; k++)
		nfail += failures[k];
#ifdef __x86_64__
	len = snprintf(buf, sizeof(buf),
		       PROG ": summary seconds=%d failures=%lu syscall64=%lu int80=%lu",
		       seconds, nfail, total(K_SYSCALL64), total(K_INT80));
#else
	len = snprintf(buf, sizeof(buf),
		       PROG ": summary seconds=%d failures=%lu int80=%lu vsyscall=%lu",
		       seconds, nfail, total(K_INT80), total(K_VSYSCALL));
#endif
	len += snprintf(buf + len, sizeof(buf) - len,
			" pagefault=%lu int3=%lu ud=%lu singlestep=%lu signal=%lu"
			" altstack=%lu sigreturn=%lu migrate=%lu pks=%lu\n",
			total(K_PAGEFAULT), total(K_INT3), total(K_UD),
			total(K_SINGLESTEP), total(K_SIGNAL), total(K_ALTSTACK),
			total(K_SIGRETURN), total(K_MIGRATE), total(K_PKS));
	fflush(stdout);
	if (write(1, buf, len) != len)
		_exit(2);
}

/* splitmix64: cheap, and good enough to make every pattern different */
static uint64_t rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Fresh patterns for every register, made distinct by their low byte,
 * and a random choice of the checked flags.
 */
static void fill(struct worker *w, reg_t *in)
{
	for (int r = 0; r < NGPR; r++)
		in[r] = ((reg_t)rnd(&w->rng) & ~(reg_t)0xff) | (r + 1);
	in[R_SP] = in[R_SP0] = 0;
	in[R_FLAGS] = 0x202 | (rnd(&w->rng) & FLAGS_CHECK);
}

/*
 * Compare registers (all general ones but those in skip, the stack
 * pointer against got[R_SP0], the checked flags) and report differences.
 * Returns the number of differences.
 */
static int check_regs(enum kind kind, const char *what, const reg_t *want,
		      const reg_t *got, unsigned long skip)
{
	int bad = 0;

	for (int r = 0; r < NGPR; r++) {
		if (skip & BIT(r) || got[r] == want[r])
			continue;
		fail(kind, "expected %s=%#lx %s, saw %#lx", reg_name[r],
		     want[r], what, got[r]);
		bad++;
	}
	if (!(skip & BIT(R_SP)) && got[R_SP] != got[R_SP0]) {
		fail(kind, "expected %s=%#lx %s, saw %#lx", reg_name[R_SP],
		     got[R_SP0], what, got[R_SP]);
		bad++;
	}
	if (!(skip & BIT(R_FLAGS)) && (got[R_FLAGS] ^ want[R_FLAGS]) & FLAGS_CHECK) {
		fail(kind, "expected %s&%#lx=%#lx %s, saw %#lx", reg_name[R_FLAGS],
		     FLAGS_CHECK, want[R_FLAGS] & FLAGS_CHECK, what,
		     got[R_FLAGS] & FLAGS_CHECK);
		bad++;
	}
	return bad;
}

/* Record what a handler was shown of the interrupted context */
static void record(ucontext_t *uc, siginfo_t *si)
{
	greg_t *g = uc->uc_mcontext.gregs;

	for (int r = 0; r < NGPR; r++)
		hs.seen[r] = g[reg_greg[r]];
	hs.seen[R_SP] = g[reg_greg[R_SP]];
	hs.seen[R_FLAGS] = g[reg_greg[R_FLAGS]];
	hs.seen_ip = g[REG_IP];
	hs.seen_trapno = g[REG_TRAPNO];
	hs.seen_code = si->si_code;
	hs.seen_addr = (reg_t)si->si_addr;
	hs.hits++;
}

static void fatal_signal(int sig, siginfo_t *si, ucontext_t *uc)
{
	char buf[200];
	int len;

	/* Not async-signal-safe in theory; this process is about to exit */
	len = snprintf(buf, sizeof(buf),
		       PROG ": FAIL signal: expected no signal %d, saw it at ip %#lx, addr %#lx, code %d, mode %d\n",
		       sig, (reg_t)uc->uc_mcontext.gregs[REG_IP],
		       (reg_t)si->si_addr, si->si_code, hs.mode);
	fflush(stdout);
	if (write(1, buf, len) < 0)
		_exit(2);
	__atomic_add_fetch(&failures[K_SIGNAL], 1, __ATOMIC_RELAXED);
	summary();
	_exit(1);
}

static void on_sigtrap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	reg_t ip = g[REG_IP];

	if (hs.mode == MODE_INT3 && ip == (reg_t)op_int3_after) {
		record(uc, si);
		return;
	}
	if (hs.mode == MODE_STEP && (g[REG_EFL] & X86_TF || si->si_code == TRAP_TRACE)) {
		hs.steps++;
		hs.step_last = ip;
		if (si->si_code != TRAP_TRACE)
			hs.step_bad_code = si->si_code;
		if (ip <= hs.step_start || ip > hs.step_end)
			hs.step_stray = ip;
		return;
	}
	/*
	 * Nothing asked for this trap. If TF leaked into this context,
	 * clear it, or every instruction from here on would trap.
	 */
	hs.stray++;
	hs.stray_ip = ip;
	hs.stray_flags = g[REG_EFL];
	g[REG_EFL] &= ~X86_TF;
}

static void on_sigill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;

	if (hs.mode != MODE_UD2 || g[REG_IP] != (greg_t)op_ud2_insn)
		fatal_signal(sig, si, uc);
	record(uc, si);
	g[REG_IP] += 2;		/* ud2 is 0f 0b */
}

/*
 * The ucontext rewrite: the values below must be what the interrupted
 * code finds after sigreturn, and it must resume after the instruction
 * that follows hlt.
 */
#ifdef __x86_64__
# define MAGIC_A	0x5a5a1111a5a5a5a5UL	/* rbx */
# define MAGIC_B	0x0123456789abcdefUL	/* r12 */
# define MAGIC_AX	0xfeedfacecafebeefUL	/* rax */
# define R_MAGIC_A	R_BX
# define R_MAGIC_B	R_12
# define R_FLIP		R_15	/* inverted */
# define R_SKIPPED	R_13	/* cleared by the instruction skipped */
#else
# define MAGIC_A	0x5a5a1111UL
# define MAGIC_B	0x89abcdefUL
# define MAGIC_AX	0xcafebeefUL
# define R_MAGIC_A	R_BX
# define R_MAGIC_B	R_SI
# define R_FLIP		R_BP
# define R_SKIPPED	R_DI
#endif

static void on_sigsegv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;

	if (sig != SIGSEGV || hs.mode != MODE_HLT || g[REG_IP] != (greg_t)op_hlt_insn)
		fatal_signal(sig, si, uc);
	record(uc, si);
	g[REG_IP] = (greg_t)op_hlt_after;
	g[reg_greg[R_MAGIC_A]] = MAGIC_A;
	g[reg_greg[R_MAGIC_B]] = MAGIC_B;
	g[reg_greg[R_FLIP]] = ~g[reg_greg[R_FLIP]];
	g[reg_greg[R_AX]] = MAGIC_AX;
	g[REG_EFL] |= X86_CF;
}

static bool on_alt(reg_t sp)
{
	return sp - hs.alt_base < ALT_SIZE;
}

/*
 * SIGUSR1 has SA_ONSTACK, SIGUSR2 not: SIGUSR2 runs on the alternate
 * stack only when it interrupted code already running there (a SIGUSR1
 * handler).
 */
static void on_sigusr(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	reg_t here = (reg_t)__builtin_frame_address(0);
	reg_t was = uc->uc_mcontext.gregs[reg_greg[R_SP]];
	bool want = sig == SIGUSR1 || on_alt(was), saw = on_alt(here);

	hs.sigs++;
	if (si->si_code != SI_TKILL || si->si_pid != pid) {
		hs.sig_bad++;
		hs.sig_bad_code = si->si_code;
		hs.sig_bad_pid = si->si_pid;
	}
	/* The kernel reports the alternate stack as it is set up */
	if (want != saw || (reg_t)uc->uc_stack.ss_sp != hs.alt_base ||
	    uc->uc_stack.ss_size != ALT_SIZE) {
		hs.alt_bad++;
		hs.alt_bad_want = want;
		hs.alt_bad_saw = saw;
		hs.alt_bad_sp = here;
		hs.alt_bad_ss_sp = (reg_t)uc->uc_stack.ss_sp;
	} else if (saw) {
		hs.alts++;
	}
}

static void sethandler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL)) {
		perror("sigaction");
		exit(2);
	}
}

/* Which value a system call returns here; numbers in the 32-bit table */
static reg_t sysret32(struct worker *w, long nr)
{
	switch (nr) {
	case 20:	return pid;	/* getpid */
	case 64:	return ppid;	/* getppid */
	case 158:	return 0;	/* sched_yield */
	case 224:	return w->tid;	/* gettid */
	}
	return -ENOSYS;
}

static const long nrs32[] = { 20, 64, 158, 224, 1000 };

static void test_int80(struct worker *w)
{
	reg_t in[NREGS], out[NREGS], want[NREGS];
	char what[64];

	for (unsigned int i = 0; i < sizeof(nrs32) / sizeof(nrs32[0]); i++) {
		fill(w, in);
		in[R_AX] = nrs32[i];
		op_int80(in, out);
		memcpy(want, in, sizeof(want));
		want[R_AX] = sysret32(w, nrs32[i]);
		snprintf(what, sizeof(what), "after int $0x80 %ld", nrs32[i]);
		/* int $0x80 gives back every register but the accumulator */
		check_regs(K_INT80, what, want, out, 0);
		w->n[K_INT80]++;
	}
}

#ifdef __x86_64__
static reg_t sysret64(struct worker *w, long nr)
{
	switch (nr) {
	case SYS_getpid:	return pid;
	case SYS_getppid:	return ppid;
	case SYS_sched_yield:	return 0;
	case SYS_gettid:	return w->tid;
	}
	return -ENOSYS;
}

/* The last two: out of range, and getpid with the (unsupported) x32 bit */
static const long nrs64[] = {
	SYS_getpid, SYS_getppid, SYS_sched_yield, SYS_gettid, 500, -1,
	0x40000000 | SYS_getpid,
};

static void test_syscall64(struct worker *w)
{
	reg_t in[NREGS], out[NREGS], want[NREGS];
	char what[64];

	for (unsigned int i = 0; i < sizeof(nrs64) / sizeof(nrs64[0]); i++) {
		fill(w, in);
		in[R_AX] = nrs64[i];
		op_syscall(in, out);
		memcpy(want, in, sizeof(want));
		want[R_AX] = sysret64(w, nrs64[i]);
		snprintf(what, sizeof(what), "after syscall %ld", nrs64[i]);
		/* SYSCALL itself overwrites rcx and r11 */
		check_regs(K_SYSCALL64, what, want, out, BIT(R_CX) | BIT(R_11));
		w->n[K_SYSCALL64]++;
	}
}
#else
static void test_vsyscall(struct worker *w)
{
	reg_t in[NREGS], out[NREGS], want[NREGS];
	char what[64];

	if (!vsys_entry)
		return;
	for (unsigned int i = 0; i < sizeof(nrs32) / sizeof(nrs32[0]); i++) {
		fill(w, in);
		in[R_AX] = nrs32[i];
		op_vsys(in, out);
		memcpy(want, in, sizeof(want));
		want[R_AX] = sysret32(w, nrs32[i]);
		snprintf(what, sizeof(what), "after __kernel_vsyscall %ld", nrs32[i]);
		/* __kernel_vsyscall preserves everything but eax, like int $0x80 */
		check_regs(K_VSYSCALL, what, want, out, 0);
		w->n[K_VSYSCALL]++;
	}
}
#endif

/*
 * Fresh anonymous pages: a read maps the zero page, the write that
 * follows replaces it. Both from instructions that run with every
 * register loaded.
 */
static void test_pagefault(struct worker *w)
{
	reg_t in[NREGS], out[NREGS], want[NREGS];
	char *map;

	map = mmap(NULL, FAULT_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		fail(K_SETUP, "expected mmap to work, saw errno %d", errno);
		return;
	}
	for (int i = 0; i < FAULT_PAGES; i++) {
		reg_t addr = (reg_t)map + i * PAGE +
			     (rnd(&w->rng) % (PAGE / sizeof(reg_t))) * sizeof(reg_t);

		fill(w, in);
		in[R_AX] = addr;
		op_load(in, out);
		memcpy(want, in, sizeof(want));
		want[R_AX] = 0;
		check_regs(K_PAGEFAULT, "after a read fault", want, out, 0);

		fill(w, in);
		in[R_AX] = addr;
		op_store(in, out);
		check_regs(K_PAGEFAULT, "after a write fault", in, out, 0);
		if (*(reg_t *)addr != in[R_BX])
			fail(K_PAGEFAULT, "expected %#lx in memory at %#lx, saw %#lx",
			     in[R_BX], addr, *(reg_t *)addr);
		w->n[K_PAGEFAULT] += 2;
	}
	if (munmap(map, FAULT_PAGES * PAGE))
		fail(K_SETUP, "expected munmap to work, saw errno %d", errno);
}

/* After an op whose handler recorded: one hit, at ip, trap and code as given */
static bool check_hit(enum kind kind, const char *what, reg_t ip, reg_t trapno,
		      int code, const reg_t *in, const reg_t *out)
{
	reg_t seen[NREGS];

	if (hs.hits != 1) {
		fail(kind, "expected 1 signal for %s, saw %d", what, hs.hits);
		return false;
	}
	if (hs.seen_ip != ip)
		fail(kind, "expected ip %#lx in the handler of %s, saw %#lx",
		     ip, what, hs.seen_ip);
	if (hs.seen_trapno != trapno)
		fail(kind, "expected trapno %lu for %s, saw %lu", trapno, what,
		     hs.seen_trapno);
	if (hs.seen_code != code)
		fail(kind, "expected si_code %#x for %s, saw %#x", code, what,
		     hs.seen_code);
	/* What the handler saw is what was loaded; rsp is the op's */
	memcpy(seen, hs.seen, sizeof(seen));
	seen[R_SP0] = out[R_SP0];
	check_regs(kind, what, in, seen, 0);
	return true;
}

static void test_int3(struct worker *w)
{
	reg_t in[NREGS], out[NREGS];

	fill(w, in);
	hs.hits = 0;
	hs.mode = MODE_INT3;
	op_int3(in, out);
	hs.mode = MODE_NONE;
	check_hit(K_INT3, "in the SIGTRAP handler of int3", (reg_t)op_int3_after,
		  3, SI_KERNEL, in, out);
	check_regs(K_INT3, "after int3", in, out, 0);
	w->n[K_INT3]++;
}

static void test_ud2(struct worker *w)
{
	reg_t in[NREGS], out[NREGS];

	fill(w, in);
	hs.hits = 0;
	hs.mode = MODE_UD2;
	op_ud2(in, out);
	hs.mode = MODE_NONE;
	if (check_hit(K_UD, "in the SIGILL handler of ud2", (reg_t)op_ud2_insn,
		      6, ILL_ILLOPN, in, out) &&
	    hs.seen_addr != (reg_t)op_ud2_insn)
		fail(K_UD, "expected si_addr %#lx for ud2, saw %#lx",
		     (reg_t)op_ud2_insn, hs.seen_addr);
	check_regs(K_UD, "after ud2", in, out, 0);
	w->n[K_UD]++;
}

static void test_sigreturn(struct worker *w)
{
	reg_t in[NREGS], out[NREGS], want[NREGS];

	fill(w, in);
	hs.hits = 0;
	hs.mode = MODE_HLT;
	op_hlt(in, out);
	hs.mode = MODE_NONE;
	/* hlt in user mode: #GP, so trap 13, si_code SI_KERNEL */
	check_hit(K_SIGRETURN, "in the SIGSEGV handler of hlt", (reg_t)op_hlt_insn,
		  13, SI_KERNEL, in, out);
	memcpy(want, in, sizeof(want));
	want[R_MAGIC_A] = MAGIC_A;
	want[R_MAGIC_B] = MAGIC_B;
	want[R_FLIP] = ~in[R_FLIP];
	want[R_AX] = MAGIC_AX;
	want[R_FLAGS] |= X86_CF;
	if (!check_regs(K_SIGRETURN, "after sigreturn with a rewritten ucontext",
			want, out, 0))
		w->n[K_SIGRETURN]++;
}

static void test_step(struct worker *w, void (*op)(const reg_t *, reg_t *),
		      char *start, char *end, int steps, const char *what)
{
	reg_t in[NREGS], out[NREGS], want[NREGS];
	unsigned long skip = 0;

	fill(w, in);
	memcpy(want, in, sizeof(want));
	if (op == op_stepsys) {
#ifdef __x86_64__
		in[R_AX] = SYS_getppid;
		skip = BIT(R_CX) | BIT(R_11);
#else
		in[R_AX] = 64;		/* getppid */
#endif
		want[R_AX] = ppid;
	}
	hs.steps = 0;
	hs.step_bad_code = 0;
	hs.step_last = hs.step_stray = 0;
	hs.step_start = (reg_t)start;
	hs.step_end = (reg_t)end;
	hs.mode = MODE_STEP;
	op(in, out);
	hs.mode = MODE_NONE;
	if (hs.steps != steps)
		fail(K_SINGLESTEP, "expected %d steps over %s, saw %d", steps,
		     what, hs.steps);
	if (hs.step_last != (reg_t)end)
		fail(K_SINGLESTEP, "expected the last step over %s at %#lx, saw %#lx",
		     what, (reg_t)end, hs.step_last);
	if (hs.step_stray)
		fail(K_SINGLESTEP, "expected steps over %s in %#lx..%#lx, saw one at %#lx",
		     what, (reg_t)start, (reg_t)end, hs.step_stray);
	if (hs.step_bad_code)
		fail(K_SINGLESTEP, "expected si_code TRAP_TRACE for steps over %s, saw %#x",
		     what, hs.step_bad_code);
	if (out[R_FLAGS] & X86_TF)
		fail(K_SINGLESTEP, "expected TF clear after stepping %s, saw flags %#lx",
		     what, out[R_FLAGS]);
	check_regs(K_SINGLESTEP, what, want, out, skip);
	w->n[K_SINGLESTEP]++;
}

static void send_signals(struct worker *w)
{
	for (int i = 0; i < 2; i++) {
		struct worker *to = &workers[rnd(&w->rng) % nworkers];
		int sig = rnd(&w->rng) & 1 ? SIGUSR1 : SIGUSR2;

		if (syscall(SYS_tgkill, pid, to->tid, sig) && errno != ESRCH)
			fail(K_SIGNAL, "expected tgkill to work, saw errno %d", errno);
	}
}

/* Report what the handlers found since the last look */
static void check_handlers(struct worker *w)
{
	w->n[K_SIGNAL] = hs.sigs;
	w->n[K_ALTSTACK] = hs.alts;
	if (hs.sig_bad != w->seen_sig_bad) {
		w->seen_sig_bad = hs.sig_bad;
		fail(K_SIGNAL, "expected si_code SI_TKILL from pid %d, saw code %d from pid %d",
		     pid, hs.sig_bad_code, hs.sig_bad_pid);
	}
	if (hs.alt_bad != w->seen_alt_bad) {
		w->seen_alt_bad = hs.alt_bad;
		fail(K_ALTSTACK, "expected a handler %s the alternate stack %#lx (+%#x), saw sp %#lx %s it, uc_stack.ss_sp %#lx",
		     hs.alt_bad_want ? "on" : "off", hs.alt_base, ALT_SIZE,
		     hs.alt_bad_sp, hs.alt_bad_saw ? "on" : "off",
		     hs.alt_bad_ss_sp);
	}
	if (hs.stray != w->seen_stray) {
		w->seen_stray = hs.stray;
		fail(hs.stray_flags & X86_TF ? K_SINGLESTEP : K_INT3,
		     "expected no SIGTRAP outside the tests, saw one at ip %#lx, flags %#lx",
		     hs.stray_ip, hs.stray_flags);
	}
}

/*
 * Round robin over the online CPUs: pinned to one in even rounds (the
 * kernel must have moved the thread there before sched_setaffinity()
 * returns), free in odd ones, for the load balancer's own migrations.
 */
static void migrate(struct worker *w)
{
	unsigned int cpu = ~0U;
	cpu_set_t set;
	int target;

	if (w->round & 1) {
		if (sched_setaffinity(0, sizeof(all_cpus), &all_cpus))
			fail(K_MIGRATE, "expected to unpin, saw errno %d", errno);
		return;
	}
	target = cpus[(w->id + w->round / 2) % ncpus];
	CPU_ZERO(&set);
	CPU_SET(target, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fail(K_MIGRATE, "expected to pin to cpu %d, saw errno %d", target, errno);
		return;
	}
	if (syscall(SYS_getcpu, &cpu, NULL, NULL))
		fail(K_MIGRATE, "expected getcpu to work, saw errno %d", errno);
	else if (cpu != (unsigned int)target)
		fail(K_MIGRATE, "expected to run on cpu %d, saw cpu %u", target, cpu);
	else
		w->n[K_MIGRATE]++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	stack_t ss;

	w->tid = syscall(SYS_gettid);
	ss.ss_sp = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL)) {
		fail(K_SETUP, "expected a sigaltstack, saw errno %d", errno);
		exit(2);
	}
	hs.alt_base = (reg_t)ss.ss_sp;
	/* Everyone's tid must be known before the first tgkill() */
	pthread_barrier_wait(&start_line);

	while (!stop) {
#ifdef __x86_64__
		test_syscall64(w);
#else
		test_vsyscall(w);
#endif
		test_int80(w);
		send_signals(w);
		test_pagefault(w);
		test_int3(w);
		test_ud2(w);
		test_step(w, op_step, op_step_insn, op_step_after, STEPS_PLAIN,
			  "nops");
		test_step(w, op_stepsys, op_stepsys_insn, op_stepsys_after,
			  STEPS_SYS, "a system call");
		test_sigreturn(w);
		migrate(w);
		check_handlers(w);
		w->round++;
	}
	/* Signals may still come in; the last counts are taken in main */
	return NULL;
}

/*
 * The kernel's PKS tests, one per write, each checked, from two threads
 * that move to another CPU before each test. The kernel runs one test at
 * a time, so a result read back may be the other writer's, which must
 * say PASS all the same.
 */
#define PKS_THREADS	2
static int pks_fd = -1;

static void *pks_main(void *arg)
{
	long id = (long)arg;

	for (int n = 1 + id, i = id; !stop; n = n % 4 + 1, i++) {
		char cmd[16], buf[300];
		cpu_set_t set;
		ssize_t len;

		CPU_ZERO(&set);
		CPU_SET(cpus[i % ncpus], &set);
		sched_setaffinity(0, sizeof(set), &set);
		snprintf(cmd, sizeof(cmd), "%d", n);
		if (pwrite(pks_fd, cmd, strlen(cmd), 0) < 0) {
			fail(K_PKS, "expected PKS test %d to run, saw errno %d", n, errno);
			continue;
		}
		len = pread(pks_fd, buf, sizeof(buf) - 1, 0);
		buf[len > 0 ? len : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (strncmp(buf, "PASS", 4))
			fail(K_PKS, "expected PASS from PKS test %d, saw \"%s\"", n, buf);
		else
			__atomic_add_fetch(&pks_runs, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static bool pks_usable(void)
{
	char buf[300] = "";
	ssize_t len;

	pks_fd = open(PKS_TEST_FILE, O_RDWR);
	if (pks_fd < 0) {
		printf(PROG ": note: no PKS tests: %s: %s\n", PKS_TEST_FILE, strerror(errno));
		return false;
	}
	if (pwrite(pks_fd, "0", 1, 0) == 1 &&
	    (len = pread(pks_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[len] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (!strncmp(buf, "PASS", 4))
			return true;
	}
	printf(PROG ": note: no PKS tests: test 0 says \"%s\"\n", buf);
	close(pks_fd);
	return false;
}

int main(int argc, char **argv)
{
	pthread_t pks_threads[PKS_THREADS];
	bool pks = false;
	struct timespec deadline;
	uint64_t seed;
	long cpu_count;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 3 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s SECONDS [THREADS]\n", argv[0]);
		return 2;
	}
	seconds = atoi(argv[1]);
	pid = getpid();
	ppid = getppid();

	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus)) {
		perror("sched_getaffinity");
		return 2;
	}
	for (int c = 0; c < CPU_SETSIZE && ncpus < 1024; c++)
		if (CPU_ISSET(c, &all_cpus))
			cpus[ncpus++] = c;
	cpu_count = ncpus;
	nworkers = argc > 2 ? atoi(argv[2]) : (cpu_count * 2 < 4 ? 4 : cpu_count * 2);
	if (nworkers < 1 || nworkers > MAX_WORKERS) {
		fprintf(stderr, "%s: THREADS must be 1..%d\n", argv[0], MAX_WORKERS);
		return 2;
	}

#ifndef __x86_64__
	vsys_entry = getauxval(AT_SYSINFO);
	if (!vsys_entry)
		printf(PROG ": note: no AT_SYSINFO, no __kernel_vsyscall calls\n");
#endif
	sethandler(SIGTRAP, on_sigtrap, 0);
	sethandler(SIGILL, on_sigill, 0);
	sethandler(SIGSEGV, on_sigsegv, 0);
	sethandler(SIGBUS, on_sigsegv, 0);
	sethandler(SIGFPE, on_sigsegv, 0);
	sethandler(SIGUSR1, on_sigusr, SA_ONSTACK | SA_RESTART);
	sethandler(SIGUSR2, on_sigusr, SA_RESTART);

	pks = pks_usable();
	printf(PROG ": %d s, %d threads, %d cpus%s\n", seconds, nworkers, ncpus,
	       pks ? ", PKS tests 1-4" : "");

	seed = (uint64_t)time(NULL) ^ ((uint64_t)pid << 32);
	pthread_barrier_init(&start_line, NULL, nworkers + 1);
	for (int i = 0; i < nworkers; i++) {
		workers[i].id = i;
		workers[i].rng = seed + i * 0x1000193;
		if (pthread_create(&workers[i].th, NULL, worker_main, &workers[i])) {
			fprintf(stderr, "pthread_create failed\n");
			return 2;
		}
	}
	pthread_barrier_wait(&start_line);
	for (long i = 0; pks && i < PKS_THREADS; i++) {
		if (pthread_create(&pks_threads[i], NULL, pks_main, (void *)i)) {
			fprintf(stderr, "pthread_create failed\n");
			return 2;
		}
	}

	sleep(seconds);
	stop = 1;

	/* A thread that does not finish its round in a minute is stuck */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 60;
	for (int i = 0; i < nworkers; i++)
		if (pthread_timedjoin_np(workers[i].th, NULL, &deadline))
			fail(K_SETUP, "expected worker %d to stop, saw it still running after 60 s",
			     i);
	for (int i = 0; pks && i < PKS_THREADS; i++)
		if (pthread_timedjoin_np(pks_threads[i], NULL, &deadline))
			fail(K_PKS, "expected PKS thread %d to stop, saw it still running after 60 s",
			     i);

	summary();
	for (int k = 0; k < NKINDS; k++)
		if (failures[k])
			_exit(1);
	_exit(0);
}
