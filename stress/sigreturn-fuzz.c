// SPDX-License-Identifier: GPL-2.0
/*
 * sigreturn-fuzz.c - hostile signal frames for rt_sigreturn and sigreturn
 *
 *	sigreturn-fuzz SECONDS [SEED [FRAME]]
 *
 * The parent forks children for SECONDS, a few at a time; each child tries
 * one signal frame and dies of it or exits. A frame is either
 *
 * - a real one: the child takes a signal (tgkill, or int3, ud2 or hlt,
 *   sometimes on a sigaltstack) and its handler rewrites the frame the
 *   kernel built: registers, instruction and stack pointer, flags,
 *   selectors, uc_flags, the signal mask, uc_stack, the FP state pointer
 *   or the FP state itself (MXCSR, the software-reserved bytes and their
 *   magic numbers, the XSAVE header), then returns through the usual
 *   restorer; or
 * - one built from scratch on a raw stack, without any signal, and passed
 *   to rt_sigreturn (SYSCALL), or from int $0x80 to the 32-bit
 *   rt_sigreturn (173) and sigreturn (119), which the 64-bit build also
 *   tries from its 64-bit process.
 *
 * The 32-bit build also takes real frames of the old (non-RT) kind, which
 * return through sigreturn (119).
 *
 * How hostile a frame is, is itself random: each field is replaced with
 * a chance of 5% to 100%. A frame that the kernel accepts resumes either
 * where the signal came from or, often, at "landing", code that calls
 * exit_group(0) through int $0x80 (the same bytes mean the same in 32-
 * and 64-bit code) and needs neither stack nor registers; where the
 * signal came from, code of the same kind exits with 3. Neither uses the
 * stack; the one return through the stack, that of an emulated vsyscall,
 * is only tried with a stack pointer into a page full of landing's
 * address, or to no memory. Code the child may run is only that: random
 * instruction pointers are kept out of its text and vDSO, so nothing else
 * can run with random registers (a random system call could hit the
 * parent).
 *
 * So a child exits with 0 or 3, or is killed by SIGSEGV, SIGBUS (#SS),
 * SIGILL (also a native 32-bit kernel's failed IRET), SIGTRAP (a TF in
 * the frame) or SIGFPE, or by SIGALRM (alarm(); a frame that blocks
 * SIGALRM is killed by the parent instead): those are timeouts. Anything
 * else is "unexpected" and is printed with the frame's number: the
 * kernel let a frame do what none of them can. So is the parent getting
 * a signal, or its MXCSR or x87 control word changing.
 *
 * The seed is printed; the program runs itself again without address
 * space randomization, so that a seed gives the same frames, addresses
 * included. "sigreturn-fuzz 1 SEED FRAME" tries frame number FRAME of
 * that seed alone and prints it.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <asm/ldt.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifdef __x86_64__
# define PROG		"fuzz"
# define MAP_LOW	MAP_32BIT	/* for the 32-bit pointers of ia32 frames */
#else
# define PROG		"fuzz32"
# define MAP_LOW	0		/* everything is below 4 GiB anyway */
#endif

#define EXIT_LANDED	0	/* landing ran */
#define EXIT_RESUMED	3	/* resumed where the signal was taken */
#define EXIT_SETUP	100	/* the child could not prepare its frame */
#define CHILD_ALARM	5	/* seconds */
#define CHILD_KILL	30	/* seconds: then the parent kills it */
#define PAGE		4096UL

#define X86_TF		0x00000100UL
#define X86_DF		0x00000400UL
#define X86_NT		0x00004000UL
#define X86_RF		0x00010000UL
#define X86_VM		0x00020000UL
#define X86_AC		0x00040000UL

#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4
#define FP_XSTATE_MAGIC1	0x46505853U
#define FP_XSTATE_MAGIC2	0x46505845U
#define FSAVE_HEADER		112	/* the i387 part before an ia32 frame's FXSAVE image */

/*
 * The kernel's signal frames, spelled out with fixed-width types so that
 * both builds can build both kinds (glibc's own definitions differ per
 * build and would clash with <asm/sigcontext.h>).
 */
struct ksc64 {			/* struct sigcontext_64 */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t di, si, bp, bx, dx, ax, cx, sp, ip, flags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved1[8];
};

struct kuc64 {			/* struct ucontext, 64-bit */
	uint64_t uc_flags, uc_link;
	struct {
		uint64_t ss_sp;
		int32_t ss_flags;
		uint32_t pad;
		uint64_t ss_size;
	} uc_stack;
	struct ksc64 mc;
	uint64_t sigmask;
};

struct rt_frame64 {		/* struct rt_sigframe */
	uint64_t pretcode;
	struct kuc64 uc;
	uint8_t info[128];
};

struct ksc32 {			/* struct sigcontext_32 */
	uint16_t gs, gsh, fs, fsh, es, esh, ds, dsh;
	uint32_t di, si, bp, sp, bx, dx, cx, ax, trapno, err, ip;
	uint16_t cs, csh;
	uint32_t flags, sp_at_signal;
	uint16_t ss, ssh;
	uint32_t fpstate, oldmask, cr2;
};

struct kuc32 {			/* struct ucontext_ia32 */
	uint32_t uc_flags, uc_link;
	struct {
		uint32_t ss_sp;
		int32_t ss_flags;
		uint32_t ss_size;
	} uc_stack;
	struct ksc32 mc;
	uint32_t sigmask[2];
};

struct rt_frame32 {		/* struct rt_sigframe_ia32 */
	uint32_t pretcode;
	int32_t sig;
	uint32_t pinfo, puc;
	uint8_t info[128];
	struct kuc32 uc;
	uint8_t retcode[8];
};

struct frame32 {		/* struct sigframe_ia32 */
	uint32_t pretcode;
	int32_t sig;
	struct ksc32 sc;
	uint8_t fpstate_unused[624];	/* struct _fpstate_32 */
	uint32_t extramask;
	uint8_t retcode[8];
};

_Static_assert(sizeof(struct ksc64) == 256, "sigcontext_64");
_Static_assert(sizeof(struct ksc32) == 88, "sigcontext_32");
_Static_assert(offsetof(struct rt_frame32, uc) == 144, "rt_sigframe_ia32");
_Static_assert(offsetof(struct frame32, extramask) == 720, "sigframe_ia32");

/*
 * Where an accepted frame may resume. landing: exit_group(0); the bytes
 * b8 fc 00 00 00 31 db cd 80 decode alike in 32- and 64-bit code, and a
 * 64-bit process has int $0x80 too. Then ud2 and int3s, so that running
 * past it traps. The stubs raise the signal of a real frame; after them
 * (resume_point) comes exit_group(3). None needs a stack or a register.
 */
extern char landing[], landing_trap[], resume_point[];
extern char int3_stub[], ud2_stub[], hlt_stub[];
extern void raise_stub(long pid, long tid, long sig);
extern void trap_stub(char *which);
extern void launch_int80(void *sp, long nr) __attribute__((noreturn));
#ifdef __x86_64__
extern void launch64(void *sp) __attribute__((noreturn));
#else
extern void nonrt_thunk(int sig);
#endif

asm(".pushsection .text\n"
    ".balign 64\n"
    ".globl landing\nlanding:\n\t"
    "mov $252, %eax\n\t"
    "xor %ebx, %ebx\n\t"
    "int $0x80\n"
    ".globl landing_trap\nlanding_trap:\n\t"
    "ud2\n\t"
    ".fill 30, 1, 0xcc\n"
#ifdef __x86_64__
    ".globl raise_stub\nraise_stub:\n\t"
    "mov $234, %eax\n\t"		/* tgkill(rdi, rsi, rdx) */
    "syscall\n"
#else
    ".globl raise_stub\nraise_stub:\n\t"
    "mov 4(%esp), %ebx\n\t"
    "mov 8(%esp), %ecx\n\t"
    "mov 12(%esp), %edx\n\t"
    "mov $270, %eax\n\t"		/* tgkill */
    "int $0x80\n"
#endif
    ".globl resume_point\nresume_point:\n\t"
    "mov $252, %eax\n\t"
    "mov $3, %ebx\n\t"
    "int $0x80\n\t"
    "ud2\n\t"
    ".fill 2, 1, 0xcc\n"
    /* The trap stubs: the handler moves past ud2 and hlt */
    ".globl int3_stub\nint3_stub:\n\tint3\n\tjmp resume_point\n"
    ".globl ud2_stub\nud2_stub:\n\tud2\n\tjmp resume_point\n"
    ".globl hlt_stub\nhlt_stub:\n\thlt\n\tjmp resume_point\n"
#ifdef __x86_64__
    ".globl trap_stub\ntrap_stub:\n\tjmp *%rdi\n"
    /* A frame at sp - 8: what rt_sigreturn expects after the ret */
    ".globl launch64\nlaunch64:\n\t"
    "mov %rdi, %rsp\n\t"
    "mov $15, %eax\n\t"
    "syscall\n\t"
    "ud2\n"
    ".globl launch_int80\nlaunch_int80:\n\t"
    "mov %rdi, %rsp\n\t"
    "mov %esi, %eax\n\t"
    "int $0x80\n\t"
    "ud2\n"
#else
    ".globl trap_stub\ntrap_stub:\n\tjmp *4(%esp)\n"
    ".globl launch_int80\nlaunch_int80:\n\t"
    "mov 8(%esp), %eax\n\t"
    "mov 4(%esp), %esp\n\t"
    "int $0x80\n\t"
    "ud2\n"
    /*
     * A handler without SA_SIGINFO gets no pointer to its frame: this one
     * passes its stack pointer (the frame starts with the return address)
     * to capture_nonrt(), on a 16-byte aligned stack.
     */
    ".globl nonrt_thunk\nnonrt_thunk:\n\t"
    "mov %esp, %eax\n\t"
    "push %ebp\n\t"
    "mov %esp, %ebp\n\t"
    "and $-16, %esp\n\t"
    "sub $12, %esp\n\t"
    "push %eax\n\t"
    "call capture_nonrt\n\t"
    "mov %ebp, %esp\n\t"
    "pop %ebp\n\t"
    "ret\n"
#endif
    ".popsection\n");

extern char __executable_start[], etext[];

/* How a frame is made: the first random number of a frame picks it */
enum method {
	M_SIGNAL_RT,		/* tgkill, SA_SIGINFO handler */
	M_TRAP_RT,		/* int3, ud2 or hlt, SA_SIGINFO handler */
#ifdef __x86_64__
	M_SCRATCH_RT,		/* rt_sigreturn through SYSCALL */
#else
	M_SIGNAL_OLD,		/* tgkill, old-style handler: sigreturn */
	M_TRAP_OLD,
#endif
	M_SCRATCH_IA32_RT,	/* 173 through int $0x80 */
	M_SCRATCH_IA32,		/* 119 through int $0x80 */
	NMETHODS
};
static const char * const method_name[NMETHODS] = {
	"signal-rt", "trap-rt",
#ifdef __x86_64__
	"scratch-rt64",
#else
	"signal-old", "trap-old",
#endif
	"scratch-rt32", "scratch-old32",
};


/*
 * What every child starts with, set up once by the parent (fork copies
 * it): the landing stacks, room for scratch frames, valid FP images, an
 * LDT, the selectors in use, and where the vDSO is.
 */
static char *stack64, *stack32;		/* pages of landing's address */
static char *scratch;			/* 3 pages for frames, then a hole */
static uint8_t *fp64, *fp32;		/* valid FP images for scratch frames */
static uint32_t fpsize = 512;		/* their FXSAVE/XSAVE part, w/o magic2 */
static uint64_t xcr0;
static uintptr_t vdso_lo, vdso_hi;
static uint16_t cur_cs, cur_ss, cur_ds, cur_es, cur_fs, cur_gs;
#define NLDT		10		/* LDT entries 0-8 set, 9 left empty */

/* The child's: its random state, how hostile its frame is, whether to print it */
static uint64_t rng;
static unsigned int pct;
static bool verbose;

/* splitmix64: one stream per frame, from the seed and the frame's number */
static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	return splitmix(&rng);
}

static bool chance(unsigned int percent)
{
	return rnd() % 100 < percent;
}

#define PICK(a)		((a)[rnd() % (sizeof(a) / sizeof((a)[0]))])

static uint64_t frame_state(uint64_t seed, long frame)
{
	return seed ^ ((uint64_t)frame * 0xd1b54a32d192ed03ULL);
}

static enum method frame_method(uint64_t seed, long frame)
{
	uint64_t state = frame_state(seed, frame);

	return splitmix(&state) % NMETHODS;
}

/* Addresses that are no user memory: null, the hole above user space, non-canonical, kernel */
static const uint64_t bad64[] = {
	0, 1, 0xfff, 0x1000, 0x00007ffffffff000ULL, 0x00007fffffffffffULL,
	0x0000800000000000ULL, 0xffff800000000000ULL, 0x8000000000000000ULL,
	0xffff888000000000ULL, 0xffffffff81000000ULL, 0xfffffffffffff000ULL,
	~0ULL,
};
static const uint32_t bad32[] = {
	0, 1, 0xfff, 0x1000, 0x7ffff000, 0x80000000, 0xc0000000, 0xffffe000,
	0xfffff000, 0xffffffff,
};
/* Null, GDT kernel and user entries, TSS, LDT, TLS, CPUNODE, beyond */
static const uint16_t sels[] = {
	0, 1, 2, 3, 0x08, 0x0b, 0x10, 0x13, 0x18, 0x1b, 0x23, 0x2b, 0x33, 0x3b,
	0x43, 0x53, 0x63, 0x6b, 0x73, 0x7b, 0x83, 0xfffc, 0xffff,
};

/*
 * An instruction pointer the child may be sent to by chance: nowhere in
 * its text or vDSO, where random registers could make a system call.
 */
static bool safe_ip(uint64_t ip)
{
	if (ip >= (uintptr_t)__executable_start && ip < (uintptr_t)etext + PAGE)
		return false;
	return ip < vdso_lo || ip >= vdso_hi;
}

static uint64_t hostile_word(void)
{
	switch (rnd() % 6) {
	case 0:	return PICK(bad64);
	case 1:	return rnd();
	case 2:	return (uint32_t)rnd();
	case 3:	return rnd() % 256;
	case 4:	return 1ULL << (rnd() % 64);
	default: return (uintptr_t)stack64 + PAGE / 2;
	}
}

static uint64_t landing_sp(bool wide)
{
	uint64_t off = PAGE / 4 + rnd() % (PAGE / 2);

	return wide ? (uintptr_t)stack64 + (off & ~7UL) : (uintptr_t)stack32 + (off & ~3UL);
}

#define VSYSCALL	0xffffffffff600000ULL

static uint64_t pick_ip(uint64_t keep, bool wide)
{
	uint64_t ip;

	switch (rnd() % 12) {
	case 0:	return keep;
	case 1:	return (uintptr_t)landing_trap;
	case 2:	ip = wide ? PICK(bad64) : PICK(bad32); break;
	case 3:	ip = wide ? rnd() : (uint32_t)rnd(); break;
	case 4:	ip = (uint32_t)rnd(); break;
	case 5:	/* the vsyscall page: emulated calls that pop a return address */
		if (wide)
			return VSYSCALL + 0x400 * (rnd() % 3);
		ip = PICK(bad32);
		break;
	default:
		return (uintptr_t)landing;
	}
	while (!safe_ip(ip))
		ip = (uint32_t)rnd();
	return ip;
}

/*
 * A stack pointer: the landing stack (aligned, or not: then every word
 * read is far from the text), where the frame had it, invalid, random,
 * or at the hole after the scratch pages.
 */
static uint64_t pick_sp(uint64_t keep, bool wide)
{
	switch (rnd() % 10) {
	case 0: case 1: case 2: case 3:
		return landing_sp(wide);
	case 4:	return keep;
	case 5:	return wide ? PICK(bad64) : PICK(bad32);
	case 6:	return wide ? rnd() : (uint32_t)rnd();
	case 7:	return landing_sp(true) + 1 + rnd() % 7;
	case 8:	return (uintptr_t)scratch + 3 * PAGE - 8;
	default: return 0;
	}
}

/* TF, NT, AC, VM, DF/RF, IOPL, reserved bits, everything, nothing */
static uint64_t pick_flags(uint64_t keep, bool wide)
{
	switch (rnd() % 10) {
	case 0:	return wide ? rnd() : (uint32_t)rnd();
	case 1:	return keep ^ (1ULL << (rnd() % 32));
	case 2:	return keep | X86_TF;
	case 3:	return keep | X86_NT;
	case 4:	return keep | X86_AC;
	case 5:	return keep | X86_VM;
	case 6:	return keep | X86_DF | X86_RF;
	case 7:	return 0;
	case 8:	return wide ? ~0ULL : ~0U;
	default: return keep ^ (rnd() & 0x3f7fd7);
	}
}

static uint16_t pick_sel(uint16_t keep)
{
	switch (rnd() % 8) {
	case 0:	return keep;
	case 1: case 2:	/* LDT, any RPL */
		return (rnd() % NLDT) << 3 | 4 | (rnd() % 4);
	case 3:	return rnd();
	default: return PICK(sels);
	}
}

static uint64_t pick_mask(uint64_t keep)
{
	switch (rnd() % 5) {
	case 0:	return keep;
	case 1:	return 0;
	case 2:	return ~0ULL;
	case 3:	return 1ULL << (SIGALRM - 1);	/* then the parent has to kill it */
	default: return rnd();
	}
}

static uint32_t pick_uc_flags(uint32_t keep)
{
	return rnd() % 10 < 8 ? rnd() % 8 : (rnd() & 1 ? keep : rnd());
}

/* The room an FP image claims for itself: XSAVE with magic2, or FXSAVE */
static size_t fx_room(const uint8_t *fx)
{
	const uint32_t *sw = (const uint32_t *)(fx + 464);

	if (sw[0] == FP_XSTATE_MAGIC1 && sw[4] >= 576 && sw[4] <= 64 * 1024)
		return sw[4] + 4;
	return 512;
}

/*
 * Break an FXSAVE/XSAVE image in place, a few fields at a time: MXCSR,
 * the x87 control words, the software-reserved bytes (magic1, sizes,
 * features), magic2, the XSAVE header (xfeatures, xcomp_bv, the reserved
 * bytes), any byte.
 */
static void mutate_fx(uint8_t *fx, size_t room)
{
	uint32_t *sw = (uint32_t *)(fx + 464);
	uint64_t *hdr = (uint64_t *)(fx + 512);
	uint64_t v;

	for (int n = 1 + rnd() % 4; n; n--) {
		switch (rnd() % 12) {
		case 0:	*(uint32_t *)(fx + 24) = rnd(); break;
		case 1:	*(uint32_t *)(fx + 24) ^= 1U << (rnd() % 32); break;
		case 2:	sw[0] = rnd() & 1 ? 0 : rnd(); break;
		case 3:	/* extended_size */
			switch (rnd() % 4) {
			case 0:	sw[1] = 0; break;
			case 1:	sw[1] = sw[4] - 1; break;
			case 2:	sw[1] = ~0U; break;
			default: sw[1] = rnd(); break;
			}
			break;
		case 4:	/* xfeatures */
			switch (rnd() % 4) {
			case 0:	v = 0; break;
			case 1:	v = ~0ULL; break;
			case 2:	v = xcr0 | 1ULL << (rnd() % 64); break;
			default: v = rnd(); break;
			}
			memcpy(&sw[2], &v, sizeof(v));
			break;
		case 5:	/* xstate_size */
			switch (rnd() % 5) {
			case 0:	sw[4] = 0; break;
			case 1:	sw[4] = 575; break;
			case 2:	sw[4] = 576; break;
			case 3:	sw[4] = sw[4] + 64; break;
			default: sw[4] = rnd(); break;
			}
			break;
		case 6:	/* magic2, where xstate_size says */
			if (sw[4] <= room - 4)
				*(uint32_t *)(fx + sw[4]) = rnd();
			break;
		case 7:
			if (room >= 576)
				hdr[0] = rnd() & 1 ? rnd() : 1ULL << (rnd() % 64);
			break;
		case 8:
			if (room >= 576)
				hdr[1] = rnd() | (rnd() & 1 ? 1ULL << 63 : 0);
			break;
		case 9:
			if (room >= 576)
				hdr[2 + rnd() % 6] = rnd();
			break;
		case 10: *(uint16_t *)(fx + 2 * (rnd() % 3)) = rnd(); break;
		default: fx[rnd() % room] = rnd(); break;
		}
	}
}

/*
 * The FP state pointer: none, garbage, not user memory, misaligned,
 * a page that is no FP image, one that runs into a hole, or (mostly) the
 * image it pointed to, broken in place. ia32 images start with the i387
 * header, the FXSAVE/XSAVE part follows.
 */
static uint64_t pick_fp(uint64_t keep, bool wide, bool ia32)
{
	uint8_t *fx = keep ? (uint8_t *)(uintptr_t)keep + (ia32 ? FSAVE_HEADER : 0) : NULL;

	switch (rnd() % 10) {
	case 0:	return 0;
	case 1:	return wide ? rnd() : (uint32_t)rnd();
	case 2:	return wide ? PICK(bad64) : PICK(bad32);
	case 3:	return keep + 1 + rnd() % 63;
	case 4:	return (uintptr_t)stack64;
	case 5:	return (uintptr_t)scratch + 3 * PAGE - 256;
	default:
		if (fx) {
			if (ia32 && rnd() & 1)	/* cw, sw, tag, ..., magic */
				((uint8_t *)(uintptr_t)keep)[rnd() % FSAVE_HEADER] = rnd();
			mutate_fx(fx, fx_room(fx));
		}
		return keep;
	}
}

#ifdef __x86_64__
static void dump64(const char *what, const struct kuc64 *uc)
{
	const struct ksc64 *m = &uc->mc;

	printf(PROG ": %s: uc_flags %#lx sigmask %#lx uc_stack %#lx/%d/%#lx\n", what,
	       uc->uc_flags, uc->sigmask, uc->uc_stack.ss_sp, uc->uc_stack.ss_flags,
	       uc->uc_stack.ss_size);
	printf("  rip %#lx rsp %#lx rflags %#lx cs %#x ss %#x fs %#x gs %#x fpstate %#lx\n",
	       m->ip, m->sp, m->flags, m->cs, m->ss, m->fs, m->gs, m->fpstate);
	printf("  rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx rbp %#lx\n",
	       m->ax, m->bx, m->cx, m->dx, m->si, m->di, m->bp);
	printf("  r8 %#lx r9 %#lx r10 %#lx r11 %#lx r12 %#lx r13 %#lx r14 %#lx r15 %#lx\n",
	       m->r8, m->r9, m->r10, m->r11, m->r12, m->r13, m->r14, m->r15);
	fflush(stdout);
}

/* Every field of a 64-bit frame, each hostile with a chance of pct% */
static void fuzz_uc64(struct kuc64 *uc)
{
	struct ksc64 *m = &uc->mc;
	uint64_t *gpr = &m->r8;		/* r8 ... rcx: 15 in a row */

	for (int i = 0; i < 15; i++)
		if (chance(pct))
			gpr[i] = hostile_word();
	if (chance(pct))
		m->ip = pick_ip(m->ip, true);
	if (chance(pct))
		m->sp = pick_sp(m->sp, true);
	/*
	 * An emulated vsyscall returns through the word at rsp: that must
	 * be landing's address or no memory at all.
	 */
	if ((m->ip & ~0xfffULL) == VSYSCALL &&
	    (m->sp < (uintptr_t)stack64 || m->sp >= (uintptr_t)stack64 + PAGE))
		m->sp = rnd() & 1 ? landing_sp(true) : PICK(bad64);
	if (chance(pct))
		m->flags = pick_flags(m->flags, true);
	if (chance(pct))
		m->cs = pick_sel(m->cs);
	if (chance(pct))
		m->ss = pick_sel(m->ss);
	if (chance(pct))
		m->fs = pick_sel(m->fs);
	if (chance(pct))
		m->gs = pick_sel(m->gs);
	if (chance(pct))
		m->err = rnd();
	if (chance(pct))
		m->trapno = rnd();
	if (chance(pct))
		m->oldmask = rnd();
	if (chance(pct))
		m->cr2 = rnd();
	for (int i = 0; i < 8; i++)
		if (chance(pct / 4))
			m->reserved1[i] = rnd();
	if (chance(pct))
		m->fpstate = pick_fp(m->fpstate, true, false);
	if (chance(pct))
		uc->uc_flags = pick_uc_flags(uc->uc_flags);
	if (chance(pct))
		uc->sigmask = pick_mask(uc->sigmask);
	if (chance(pct)) {
		uc->uc_stack.ss_sp = rnd() & 1 ? hostile_word() : (uintptr_t)stack64;
		uc->uc_stack.ss_flags = rnd() & 1 ? rnd() % 4 : (int32_t)rnd();
		uc->uc_stack.ss_size = rnd() & 1 ? rnd() % (1 << 20) : rnd();
	}
	if (chance(pct))
		uc->uc_link = rnd();
}
#endif

static void dump32(const char *what, const struct ksc32 *m, uint32_t uc_flags,
		   uint32_t mask_lo, uint32_t mask_hi)
{
	printf(PROG ": %s: uc_flags %#x sigmask %#x:%#x\n", what, uc_flags, mask_hi, mask_lo);
	printf("  eip %#x esp %#x eflags %#x cs %#x ss %#x ds %#x es %#x fs %#x gs %#x fpstate %#x\n",
	       m->ip, m->sp, m->flags, m->cs, m->ss, m->ds, m->es, m->fs, m->gs, m->fpstate);
	printf("  eax %#x ebx %#x ecx %#x edx %#x esi %#x edi %#x ebp %#x\n",
	       m->ax, m->bx, m->cx, m->dx, m->si, m->di, m->bp);
	fflush(stdout);
}

/* Every field of an ia32 sigcontext, and the signal mask it comes with */
static void fuzz_sc32(struct ksc32 *m, uint32_t *mask_lo, uint32_t *mask_hi)
{
	uint32_t *gpr = &m->di;		/* di si bp sp bx dx cx ax */
	uint16_t *seg = &m->gs;		/* gs fs es ds and their high halves */
	uint64_t mask;

	for (int i = 0; i < 8; i++)
		if (i != 3 && chance(pct))
			gpr[i] = hostile_word();
	if (chance(pct))
		m->ip = pick_ip(m->ip, false);
	if (chance(pct))
		m->sp = pick_sp(m->sp, false);
	if (chance(pct))
		m->flags = pick_flags(m->flags, false);
	for (int i = 0; i < 8; i += 2) {
		if (chance(pct))
			seg[i] = pick_sel(seg[i]);
		if (chance(pct / 4))
			seg[i + 1] = rnd();
	}
	if (chance(pct))
		m->cs = pick_sel(m->cs);
	if (chance(pct))
		m->ss = pick_sel(m->ss);
	if (chance(pct / 4))
		m->csh = rnd();
	if (chance(pct / 4))
		m->ssh = rnd();
	if (chance(pct))
		m->trapno = rnd();
	if (chance(pct))
		m->err = rnd();
	if (chance(pct))
		m->sp_at_signal = rnd();
	if (chance(pct))
		m->cr2 = rnd();
	if (chance(pct))
		m->fpstate = pick_fp(m->fpstate, false, true);
	if (chance(pct)) {
		mask = pick_mask((uint64_t)*mask_hi << 32 | *mask_lo);
		*mask_lo = mask;
		*mask_hi = mask >> 32;
	}
}

static void fuzz_uc32(struct kuc32 *uc)
{
	if (chance(pct))
		uc->uc_flags = pick_uc_flags(uc->uc_flags);
	if (chance(pct)) {
		uc->uc_stack.ss_sp = rnd() & 1 ? hostile_word() : (uintptr_t)stack32;
		uc->uc_stack.ss_flags = rnd() & 1 ? rnd() % 4 : (int32_t)rnd();
		uc->uc_stack.ss_size = rnd() & 1 ? rnd() % (1 << 20) : rnd();
	}
	if (chance(pct))
		uc->mc.oldmask = rnd();		/* rt_sigreturn ignores it */
	fuzz_sc32(&uc->mc, &uc->sigmask[0], &uc->sigmask[1]);
}

/*
 * The real frames' handlers: move past ud2 and hlt as a handler that
 * deals with them would, then break the frame and return through the
 * restorer the C library set up (rt_sigreturn, or 32-bit sigreturn for
 * the old-style handler).
 */
#ifdef __x86_64__
static void capture64(int sig, siginfo_t *si, void *ucv)
{
	struct kuc64 *uc = ucv;

	uc->mc.ip += sig == SIGILL ? 2 : sig == SIGSEGV ? 1 : 0;
	fuzz_uc64(uc);
	if (verbose)
		dump64("real frame", uc);
}
#else
static void capture_rt32(int sig, siginfo_t *si, void *ucv)
{
	struct kuc32 *uc = ucv;

	uc->mc.ip += sig == SIGILL ? 2 : sig == SIGSEGV ? 1 : 0;
	fuzz_uc32(uc);
	if (verbose)
		dump32("real rt frame", &uc->mc, uc->uc_flags, uc->sigmask[0], uc->sigmask[1]);
}

void capture_nonrt(struct frame32 *f);
void capture_nonrt(struct frame32 *f)
{
	f->sc.ip += f->sig == SIGILL ? 2 : f->sig == SIGSEGV ? 1 : 0;
	fuzz_sc32(&f->sc, &f->sc.oldmask, &f->extramask);
	if (verbose)
		dump32("real old-style frame", &f->sc, 0, f->sc.oldmask, f->extramask);
}
#endif

static void __attribute__((noreturn)) real_frame(bool rt, bool trap)
{
	struct sigaction sa;
	int sig = SIGUSR1;
	char *stub = NULL;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (trap) {
		static char * const stubs[] = { int3_stub, ud2_stub, hlt_stub };
		static const int sigs[] = { SIGTRAP, SIGILL, SIGSEGV };
		int i = rnd() % 3;

		stub = stubs[i];
		sig = sigs[i];
		/* The next such fault kills */
		sa.sa_flags |= SA_RESETHAND;
	}
	if (chance(33)) {
		stack_t ss = { .ss_size = 64 * 1024 };

		ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL))
			_exit(EXIT_SETUP + 1);
		sa.sa_flags |= SA_ONSTACK;
	}
#ifdef __x86_64__
	sa.sa_sigaction = capture64;
	sa.sa_flags |= SA_SIGINFO;
#else
	if (rt) {
		sa.sa_sigaction = capture_rt32;
		sa.sa_flags |= SA_SIGINFO;
	} else {
		sa.sa_handler = nonrt_thunk;
	}
#endif
	if (sigaction(sig, &sa, NULL))
		_exit(EXIT_SETUP + 2);
	if (verbose) {
		printf(PROG ": real frame, signal %d%s\n", sig,
		       sa.sa_flags & SA_ONSTACK ? ", on a sigaltstack" : "");
		fflush(stdout);
	}
	if (trap)
		trap_stub(stub);
	else
		raise_stub(getpid(), syscall(SYS_gettid), SIGUSR1);
	_exit(EXIT_SETUP + 3);		/* the stubs do not return */
}

/*
 * Where a scratch frame goes: inside the scratch pages, right before
 * the hole after them, or across it; sometimes misaligned.
 */
static char *place(size_t size)
{
	char *hole = scratch + 3 * PAGE;
	char *at;

	switch (rnd() % 4) {
	case 0:	at = hole - size / 2; break;
	case 1:	at = hole - size; break;
	default: at = scratch + rnd() % (2 * PAGE); break;
	}
	at = (char *)((uintptr_t)at & ~15UL);
	if (chance(pct / 4))
		at += 1 + rnd() % 15;
	return at;
}

/* Copy what fits in front of the hole, then return through the frame */
static char *put_frame(const void *frame, size_t size)
{
	char *at = place(size);
	size_t room = scratch + 3 * PAGE - at;

	memcpy(at, frame, size < room ? size : room);
	return at;
}

/* A valid ia32 sigcontext for landing, before fuzz_sc32() */
static void sane_sc32(struct ksc32 *m)
{
	uint32_t *gpr = &m->di;

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < 8; i++)
		gpr[i] = rnd();
#ifdef __x86_64__
	/* From a 64-bit process, into 32- or 64-bit code */
	m->cs = rnd() & 1 ? 0x23 : cur_cs;
	m->ds = m->es = rnd() & 1 ? 0 : cur_ss;
#else
	m->cs = cur_cs;
	m->ds = cur_ds;
	m->es = cur_es;
#endif
	m->ss = cur_ss;
	m->fs = cur_fs;
	m->gs = cur_gs;
	m->ip = (uintptr_t)landing;
	m->sp = landing_sp(false);
	m->flags = 0x202 | (rnd() & 0x8d5);
	m->fpstate = rnd() % 4 ? (uintptr_t)fp32 : 0;
}

static void __attribute__((noreturn)) scratch_ia32(bool rt)
{
	char *at;

	if (rt) {
		struct rt_frame32 f;

		memset(&f, 0, sizeof(f));
		f.sig = SIGUSR1;
		sane_sc32(&f.uc.mc);
		f.uc.uc_flags = f.uc.mc.fpstate ? UC_FP_XSTATE : 0;
		f.uc.uc_stack.ss_flags = SS_DISABLE;
		fuzz_uc32(&f.uc);
		if (verbose)
			dump32("scratch rt frame (173)", &f.uc.mc, f.uc.uc_flags,
			       f.uc.sigmask[0], f.uc.sigmask[1]);
		at = put_frame(&f, sizeof(f));
		launch_int80(at + 4, 173);	/* after the ret of pretcode */
	} else {
		struct frame32 f;

		memset(&f, 0, sizeof(f));
		f.sig = SIGUSR1;
		sane_sc32(&f.sc);
		fuzz_sc32(&f.sc, &f.sc.oldmask, &f.extramask);
		if (verbose)
			dump32("scratch old-style frame (119)", &f.sc, 0, f.sc.oldmask,
			       f.extramask);
		at = put_frame(&f, sizeof(f));
		launch_int80(at + 8, 119);	/* after the ret and the pop of sig */
	}
}

#ifdef __x86_64__
static void __attribute__((noreturn)) scratch_rt64(void)
{
	struct rt_frame64 f;
	uint64_t *gpr = &f.uc.mc.r8;
	char *at;

	memset(&f, 0, sizeof(f));
	for (int i = 0; i < 15; i++)
		gpr[i] = rnd();
	f.uc.mc.ip = (uintptr_t)landing;
	f.uc.mc.sp = landing_sp(true);
	f.uc.mc.flags = 0x202 | (rnd() & 0x8d5);
	f.uc.mc.cs = cur_cs;
	f.uc.mc.ss = cur_ss;
	f.uc.mc.fpstate = rnd() % 4 ? (uintptr_t)fp64 : 0;
	f.uc.uc_flags = (f.uc.mc.fpstate ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS |
			UC_STRICT_RESTORE_SS;
	f.uc.uc_stack.ss_flags = SS_DISABLE;
	fuzz_uc64(&f.uc);
	if (verbose)
		dump64("scratch rt frame", &f.uc);
	at = put_frame(&f, sizeof(f));
	launch64(at + 8);
}
#endif

static void __attribute__((noreturn)) child(uint64_t seed, long frame)
{
	static const unsigned int hostility[] = { 5, 10, 25, 50, 100 };
	enum method method;
	sigset_t none;

	/* The parent's handlers and blocked SIGCHLD are not for the child */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	alarm(CHILD_ALARM);

	rng = frame_state(seed, frame);
	method = rnd() % NMETHODS;
	pct = PICK(hostility);
	if (verbose) {
		printf(PROG ": frame %ld: %s, fields hostile with %u%%\n", frame,
		       method_name[method], pct);
		fflush(stdout);
	}
	switch (method) {
	case M_SIGNAL_RT:	real_frame(true, false);
	case M_TRAP_RT:		real_frame(true, true);
#ifdef __x86_64__
	case M_SCRATCH_RT:	scratch_rt64();
#else
	case M_SIGNAL_OLD:	real_frame(false, false);
	case M_TRAP_OLD:	real_frame(false, true);
#endif
	case M_SCRATCH_IA32_RT:	scratch_ia32(true);
	case M_SCRATCH_IA32:	scratch_ia32(false);
	default:		_exit(EXIT_SETUP);
	}
}

/* An LDT to point selectors at: flat, 16-bit, not present, expand-down, 64-bit code */
static void setup_ldt(void)
{
	static const struct {
		unsigned int limit, seg32, contents, rx, pages, np, lm;
	} d[NLDT - 1] = {
		{ 0xfffff, 1, 2, 0, 1, 0, 0 },	/* flat 32-bit code */
		{ 0xfffff, 1, 0, 0, 1, 0, 0 },	/* flat 32-bit data */
		{ 0xffff, 0, 2, 0, 0, 0, 0 },	/* 16-bit code */
		{ 0xffff, 0, 0, 0, 0, 0, 0 },	/* 16-bit data */
		{ 0xfffff, 1, 2, 0, 1, 1, 0 },	/* not present code */
		{ 0xfffff, 1, 0, 0, 1, 1, 0 },	/* not present data */
		{ 0xfff, 1, 1, 0, 0, 0, 0 },	/* expand-down data */
		{ 0xfffff, 1, 3, 1, 1, 0, 0 },	/* execute-only conforming code */
		{ 0xfffff, 0, 2, 0, 1, 0, 1 },	/* 64-bit code */
	};

	for (int i = 0; i < NLDT - 1; i++) {
		struct user_desc u;

		memset(&u, 0, sizeof(u));
		u.entry_number = i;
		u.limit = d[i].limit;
		u.seg_32bit = d[i].seg32;
		u.contents = d[i].contents;
		u.read_exec_only = d[i].rx;
		u.limit_in_pages = d[i].pages;
		u.seg_not_present = d[i].np;
#ifdef __x86_64__
		u.lm = d[i].lm;
#endif
		/* Some may be refused (64-bit code in a 32-bit kernel): fine */
		syscall(SYS_modify_ldt, 1, &u, sizeof(u));
	}
}

static void *map32(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOW, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

/* Everything below 4 GiB: ia32 frames hold 32-bit pointers */
static void setup(void)
{
	uint64_t *w64;
	uint32_t *w32, a, b, c, d;
	uintptr_t vdso;
	uint8_t *fp;

	stack64 = map32(2 * PAGE);
	stack32 = stack64 + PAGE;
	w64 = (uint64_t *)stack64;
	w32 = (uint32_t *)stack32;
	for (unsigned int i = 0; i < PAGE / 8; i++)
		w64[i] = (uintptr_t)landing;
	for (unsigned int i = 0; i < PAGE / 4; i++)
		w32[i] = (uintptr_t)landing;

	scratch = map32(4 * PAGE);
	munmap(scratch + 3 * PAGE, PAGE);

	/*
	 * FP images that restore: XSAVE of this state with the software
	 * bytes sigreturn wants (magic1, sizes, features; magic2 after
	 * it), or FXSAVE without XSAVE. fp32 has the i387 header in front,
	 * and its FXSAVE part 64-byte aligned like fp64.
	 */
	fp = map32(16 * PAGE);
	fp64 = fp;
	fp32 = fp + 8 * PAGE + 128 - FSAVE_HEADER;
	__cpuid(1, a, b, c, d);
	if (c & bit_OSXSAVE) {
		asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
		xcr0 = (uint64_t)d << 32 | a;
		__cpuid_count(0xd, 0, a, b, c, d);
		if (b >= 576 && b + 4 <= 7 * PAGE)
			fpsize = b;
	}
	if (fpsize > 512) {
#ifdef __x86_64__
		asm volatile("xsave64 (%0)" : : "r"(fp64), "a"((uint32_t)xcr0),
			     "d"((uint32_t)(xcr0 >> 32)) : "memory");
#else
		asm volatile("xsave (%0)" : : "r"(fp64), "a"((uint32_t)xcr0),
			     "d"((uint32_t)(xcr0 >> 32)) : "memory");
#endif
		w32 = (uint32_t *)(fp64 + 464);
		w32[0] = FP_XSTATE_MAGIC1;
		w32[1] = fpsize + 4;
		memcpy(&w32[2], &xcr0, sizeof(xcr0));
		w32[4] = fpsize;
		*(uint32_t *)(fp64 + fpsize) = FP_XSTATE_MAGIC2;
	} else {
#ifdef __x86_64__
		asm volatile("fxsave64 (%0)" : : "r"(fp64) : "memory");
#else
		asm volatile("fxsave (%0)" : : "r"(fp64) : "memory");
#endif
	}
	memcpy(fp32 + FSAVE_HEADER, fp64, fpsize + 4);
	w32 = (uint32_t *)fp32;
	w32[0] = 0xffff037f;		/* cw: the default */
	w32[1] = 0xffff0000;		/* sw */
	w32[2] = 0xffffffff;		/* tag: all empty */
	*(uint16_t *)(fp32 + 110) = 0;	/* magic: FXSR data follows */

	setup_ldt();
	asm volatile("mov %%cs, %0" : "=r"(cur_cs));
	asm volatile("mov %%ss, %0" : "=r"(cur_ss));
	asm volatile("mov %%ds, %0" : "=r"(cur_ds));
	asm volatile("mov %%es, %0" : "=r"(cur_es));
	asm volatile("mov %%fs, %0" : "=r"(cur_fs));
	asm volatile("mov %%gs, %0" : "=r"(cur_gs));

	/* The vDSO and the vvar pages around it */
	vdso = getauxval(AT_SYSINFO_EHDR);
	if (vdso) {
		vdso_lo = vdso - 8 * PAGE;
		vdso_hi = vdso + 8 * PAGE;
	}
}

/* The parent's bookkeeping */
struct slot {
	pid_t pid;
	long frame;
	struct timespec start;
	bool killed;
};

static unsigned long frames, killed, exited, timeouts, unexpected;
static unsigned long by_signal[NSIG], landed, resumed;
static unsigned long m_frames[NMETHODS], m_exited[NMETHODS];
static uint64_t seed;
static int seconds;
static uint32_t parent_mxcsr;
static uint16_t parent_fcw;

static void summary(void)
{
	printf(PROG ": summary seconds=%d frames=%lu killed=%lu exited=%lu timeouts=%lu unexpected=%lu\n",
	       seconds, frames, killed, exited, timeouts, unexpected);
}

/* A kernel bug that reaches the parent: report it, and stop */
static void parent_fault(int sig, siginfo_t *si, void *uc)
{
	char buf[160];
	int len;

	len = snprintf(buf, sizeof(buf),
		       PROG ": UNEXPECTED: the parent got signal %d (code %d, addr %p)\n",
		       sig, si->si_code, si->si_addr);
	if (write(1, buf, len) < 0)
		_exit(2);
	unexpected++;
	summary();
	fflush(stdout);
	_exit(1);
}

static void report_unexpected(long frame, const char *fmt, int val)
{
	unexpected++;
	if (unexpected > 20)
		return;
	printf(PROG ": UNEXPECTED: frame %ld (%s, seed %llu): ", frame,
	       method_name[frame_method(seed, frame)], (unsigned long long)seed);
	printf(fmt, val);
	printf("\n");
}

static void classify(struct slot *s, int status)
{
	enum method m = frame_method(seed, s->frame);

	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		if (code == EXIT_LANDED || code == EXIT_RESUMED) {
			exited++;
			m_exited[m]++;
			if (code == EXIT_LANDED)
				landed++;
			else
				resumed++;
		} else {
			report_unexpected(s->frame, "exit status %d", code);
		}
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGALRM || (sig == SIGKILL && s->killed)) {
			timeouts++;
		} else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
			   sig == SIGTRAP || sig == SIGFPE) {
			killed++;
			by_signal[sig]++;
		} else {
			report_unexpected(s->frame, "killed by signal %d", sig);
		}
	} else {
		report_unexpected(s->frame, "wait status %#x", status);
	}
}

/*
 * The parent's own FP control state: a child's frame must never leak
 * into it. (Not MXCSR's exception flags: the parent's own arithmetic
 * sets "inexact".)
 */
#define MXCSR_FLAGS	0x3f

static void check_parent(void)
{
	uint32_t mxcsr;
	uint16_t fcw;

	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	asm volatile("fnstcw %0" : "=m"(fcw));
	mxcsr &= ~MXCSR_FLAGS;
	if (mxcsr != parent_mxcsr || fcw != parent_fcw) {
		unexpected++;
		printf(PROG ": UNEXPECTED: the parent's MXCSR/FCW changed from %#x/%#x to %#x/%#x\n",
		       parent_mxcsr, parent_fcw, mxcsr, fcw);
		parent_mxcsr = mxcsr;
		parent_fcw = fcw;
	}
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	struct slot slots[32];
	struct timespec t0, tick = { 0, 100 * 1000 * 1000 };
	struct rlimit nocore = { 0, 0 };
	struct sigaction sa;
	sigset_t chld;
	long next = 0, replay = -1;
	int nslots, running = 0, pers;
	char self[4096];
	ssize_t len;
	double last_progress = 0;
	cpu_set_t cpus;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 4 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s SECONDS [SEED [FRAME]]\n", argv[0]);
		return 2;
	}
	/*
	 * Without address space randomization the same seed makes the same
	 * frames, addresses included: run again that way, if allowed.
	 */
	pers = personality(0xffffffff);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (pers != -1 && !(pers & ADDR_NO_RANDOMIZE) && len > 0 &&
	    personality(pers | ADDR_NO_RANDOMIZE) != -1) {
		self[len] = '\0';
		execv(self, argv);
	}
	seconds = atoi(argv[1]);
	seed = argc > 2 ? strtoull(argv[2], NULL, 0) :
	       (uint64_t)time(NULL) * 1000003 ^ getpid();
	if (argc > 3) {
		replay = atol(argv[3]);
		verbose = true;
	}
	printf(PROG ": seed %llu\n", (unsigned long long)seed);

	/* Thousands of crashing children: no core files */
	setrlimit(RLIMIT_CORE, &nocore);
	setup();

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = parent_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	asm volatile("stmxcsr %0" : "=m"(parent_mxcsr));
	asm volatile("fnstcw %0" : "=m"(parent_fcw));
	parent_mxcsr &= ~MXCSR_FLAGS;

	/* SIGCHLD is waited for, with a timeout, by sigtimedwait() */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	nslots = 2;
	if (!sched_getaffinity(0, sizeof(cpus), &cpus))
		nslots = 2 * CPU_COUNT(&cpus);
	if (nslots > 32)
		nslots = 32;
	if (replay >= 0)
		nslots = 1;
	memset(slots, 0, sizeof(slots));
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (;;) {
		bool more = replay >= 0 ? next == 0 : since(&t0) < seconds;
		int status;
		pid_t pid;

		/* Fill the free slots */
		for (int i = 0; more && i < nslots; i++) {
			if (slots[i].pid)
				continue;
			fflush(stdout);
			pid = fork();
			if (pid < 0) {
				perror("fork");
				break;
			}
			if (pid == 0)
				child(seed, replay >= 0 ? replay : next);
			slots[i].pid = pid;
			slots[i].frame = replay >= 0 ? replay : next;
			slots[i].killed = false;
			clock_gettime(CLOCK_MONOTONIC, &slots[i].start);
			m_frames[frame_method(seed, slots[i].frame)]++;
			frames++;
			next++;
			running++;
			if (replay >= 0)
				break;
		}
		if (!running && !more)
			break;

		sigtimedwait(&chld, NULL, &tick);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < nslots; i++) {
				if (slots[i].pid != pid)
					continue;
				classify(&slots[i], status);
				if (replay >= 0)
					printf(PROG ": frame %ld: wait status %#x\n",
					       slots[i].frame, status);
				slots[i].pid = 0;
				running--;
			}
		}
		for (int i = 0; i < nslots; i++) {
			if (slots[i].pid && !slots[i].killed &&
			    since(&slots[i].start) > CHILD_KILL) {
				kill(slots[i].pid, SIGKILL);
				slots[i].killed = true;
			}
		}
		check_parent();
		if (since(&t0) - last_progress >= 10) {
			last_progress = since(&t0);
			printf(PROG ": progress t=%.0f frames=%lu killed=%lu exited=%lu timeouts=%lu unexpected=%lu\n",
			       last_progress, frames, killed, exited, timeouts, unexpected);
		}
	}

	printf(PROG ": outcomes landed=%lu resumed=%lu", landed, resumed);
	for (int sig = 1; sig < NSIG; sig++)
		if (by_signal[sig])
			printf(" SIG%s=%lu", sigabbrev_np(sig), by_signal[sig]);
	printf("\n" PROG ": methods");
	for (int m = 0; m < NMETHODS; m++)
		printf(" %s=%lu/%lu", method_name[m], m_exited[m], m_frames[m]);
	printf(" (exited/frames)\n");
	summary();
	return unexpected ? 1 : 0;
}
