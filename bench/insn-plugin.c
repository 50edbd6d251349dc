// SPDX-License-Identifier: GPL-2.0
/*
 * insn-plugin: a QEMU TCG plugin (API version 1, QEMU 7.2) that counts,
 * per entry event, the guest kernel instructions executed and the RDMSR
 * and WRMSR instructions among them (all MSRs, and those on IA32_PKRS).
 *
 * The guest driver (entry-bench.c) delimits the events with marker
 * instructions, "nopl DISP32(%rax)" = 0f 1f 80 <disp32>, disp32 =
 * 0x5eb0XXXX:
 *
 *   0x00kk  begin region kk, iteration mode: an event is what the kernel
 *           executes between two consecutive ticks (or the last tick and
 *           the end marker)
 *   0x01kk  begin region kk, episode mode: an event is each maximal run
 *           of kernel instructions between two user instructions
 *   0x02kk  begin region kk, scoped mode: an event is an exception or
 *           interrupt taken in kernel mode whose stub starts at scopeKK,
 *           up to the iretq that returns from it, nested ones included
 *   0x0300  tick (iteration boundary)
 *   0x0400  end of the open region
 *
 * Arguments (-plugin insn-plugin.so,NAME=VALUE,...; addresses in hex,
 * lists colon-separated):
 *
 *   out=FILE      the result, written when QEMU exits (required)
 *   pkrs=A:B:...  the WRMSR/RDMSR instructions that access IA32_PKRS
 *   stubs=A:B:... first instructions of every exception/interrupt stub
 *                 (asm_exc_*, asm_sysvec_*, asm_common_interrupt), for
 *                 the nesting depth of scoped events
 *   iret=A:...    the iretq that returns to the kernel
 *                 (native_irq_return_iret)
 *   scopeKK=A     the stub that opens an event of scoped region KK
 *   raw=FILE      also every event, one line each: "KK insns wrmsr rdmsr
 *                 pkrs_wr pkrs_rd", in the order they happened
 *
 * Result: '#' lines are comments; then one line per region, KEY=VALUE
 * separated by spaces, in this order:
 *   event=KK mode=iteration|episode|scoped n=EVENTS
 *   min= median= mode_insns= mode_count= max= mean=  kernel instructions
 *   wrmsr= rdmsr= pkrs_wr= pkrs_rd=  the MSR counts of the mode's events
 *   msr_varies=0|1  1: the mode's events did not all have those counts
 *   max_wrmsr= max_rdmsr= max_pkrs_wr= max_pkrs_rd=  over all events
 *   begun= ended=  markers seen (1 and 1 for a clean run)
 *   aborted=  scoped events dropped (user mode ran before their iretq)
 *   conflicts=  region begun while another was open, or in two modes
 *   scope=ADDR  (scoped regions only)
 * The fields from min to max_pkrs_rd are absent when n=0. The mode is
 * the most frequent instruction count, the smallest on a tie.
 *
 * What is counted: a "kernel instruction" is one at a virtual address
 * in the upper half (>= 0xffff800000000000). Each is counted by an
 * inline add QEMU runs before the instruction, not by a per-block add:
 * a block cut short by an exception would be counted in full, and entry
 * code takes exceptions mid-block (first touches in clear_user()). So an
 * instruction that faults counts once for the attempt and once more when
 * it is retried. A REP string instruction is one instruction, however
 * many iterations it makes (TCG runs each iteration as a new execution
 * of the instruction); it counts again when resumed after an interrupt.
 *
 * The guest must run with one vCPU: all the state below is global, and
 * with -icount TCG runs the vCPU in one thread, so no locking is needed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Debian ships no qemu-plugin.h: the declarations we use, as QEMU 7.2's
 * include/qemu/qemu-plugin.h has them (API version 1). The functions
 * are resolved against the QEMU binary when it loads the plugin.
 */
typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
						enum qemu_plugin_op op,
						void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define KERNEL_START	0xffff800000000000ULL
#define MARK_MAGIC	0x5eb0U		/* high 16 bits of the marker's disp32 */

enum { MODE_ITER, MODE_EPISODE, MODE_SCOPED, MODE_NONE };
static const char *const mode_name[] = { "iteration", "episode", "scoped" };

/* The counters: advanced by inline adds, or by callbacks (see count_insn) */
struct ctr {
	uint64_t insns, wrmsr, rdmsr, pkrs_wr, pkrs_rd;
};
static struct ctr now;

/* One event; the MSR counts of an entry event are small */
struct event {
	uint64_t insns;
	uint32_t wrmsr, rdmsr, pkrs_wr, pkrs_rd;
};

struct region {
	int mode;			/* MODE_NONE: never begun */
	uint64_t scope;			/* scoped mode: the opening stub */
	unsigned int begun, ended;	/* begin and end markers seen */
	unsigned int aborted;		/* scoped events left without their iretq */
	unsigned int conflicts;		/* begun again in another mode, or nested */
	struct event *ev;
	size_t n, cap;
};
static struct region regions[256];
static struct region *cur;		/* the open region, if any */
static unsigned int stray_markers;	/* tick/end/unknown outside a region */

static struct ctr base;			/* iteration: last tick; episode: last user block */
static bool have_base;
static uint64_t last_user_insns;	/* now.insns when the last user block began */
static unsigned int depth;		/* scoped: exception nesting */
static struct ctr scope_base;		/* scoped: before the opening stub */
static uint64_t last_rep_va, last_rep_insns;

/* Sorted address lists from the arguments */
struct addrs {
	uint64_t *a;
	size_t n;
};
static struct addrs pkrs_sites, stubs, irets;
static uint64_t scope_of[256];
static FILE *out, *raw;
static char *out_name, *raw_name;

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		fprintf(stderr, "insn-plugin: out of memory\n");
		abort();
	}
	return p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool in_list(const struct addrs *l, uint64_t va)
{
	return l->n && bsearch(&va, l->a, l->n, sizeof(*l->a), cmp_u64);
}

static bool is_scope(uint64_t va)
{
	for (int i = 0; i < 256; i++)
		if (scope_of[i] == va)
			return true;
	return false;
}

/* "a:b:c", hex, into a sorted list */
static bool parse_list(struct addrs *l, const char *s)
{
	char *end;

	while (*s) {
		errno = 0;
		uint64_t va = strtoull(s, &end, 16);

		if (end == s || errno || (*end && *end != ':'))
			return false;
		l->a = xrealloc(l->a, (l->n + 1) * sizeof(*l->a));
		l->a[l->n++] = va;
		s = *end ? end + 1 : end;
	}
	qsort(l->a, l->n, sizeof(*l->a), cmp_u64);
	return true;
}

static void snap(struct ctr *c)
{
	*c = now;
}

static void record(struct region *r, const struct ctr *from, const struct ctr *to)
{
	struct event *e;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 4096;
		r->ev = xrealloc(r->ev, r->cap * sizeof(*r->ev));
	}
	e = &r->ev[r->n++];
	e->insns = to->insns - from->insns;
	e->wrmsr = to->wrmsr - from->wrmsr;
	e->rdmsr = to->rdmsr - from->rdmsr;
	e->pkrs_wr = to->pkrs_wr - from->pkrs_wr;
	e->pkrs_rd = to->pkrs_rd - from->pkrs_rd;
}

/*
 * Start of every user-mode block. Every kernel instruction since the
 * previous one ran between two user instructions: that is an episode.
 * (A block whose first instruction faults still marks a return to user
 * mode: the fault is taken from user mode, a new round trip.)
 */
static void user_block(unsigned int vcpu, void *udata)
{
	if (cur) {
		if (cur->mode == MODE_EPISODE) {
			if (now.insns != base.insns)
				record(cur, &base, &now);
			snap(&base);
		} else if (cur->mode == MODE_SCOPED && depth) {
			/*
			 * Back in user mode with a scoped event open: the
			 * kernel switched tasks (CONFIG_PREEMPT) and another
			 * task's iretq did not balance ours. Drop the event.
			 */
			cur->aborted++;
			depth = 0;
		}
	}
	last_user_insns = now.insns;
}

static void marker(unsigned int vcpu, void *udata)
{
	unsigned int code = (uintptr_t)udata, op = code >> 8, kk = code & 0xff;
	struct region *r;

	switch (op) {
	case MODE_ITER:
	case MODE_EPISODE:
	case MODE_SCOPED:
		r = &regions[kk];
		if (cur)
			cur->conflicts++;	/* never ended */
		if (r->mode != MODE_NONE && r->mode != (int)op)
			r->conflicts++;
		r->mode = op;
		r->scope = scope_of[kk];
		r->begun++;
		cur = r;
		depth = 0;
		/* Episodes start after the marker; iterations at the first tick */
		snap(&base);
		have_base = op == MODE_EPISODE;
		break;
	case 3:
		if (!cur) {
			stray_markers++;
		} else if (cur->mode == MODE_ITER) {
			if (have_base)
				record(cur, &base, &now);
			snap(&base);
			have_base = true;
		}
		break;
	case 4:
		if (!cur) {
			stray_markers++;
			break;
		}
		/* The end closes the last iteration; an episode closed already */
		if (cur->mode == MODE_ITER && have_base)
			record(cur, &base, &now);
		cur->ended++;
		cur = NULL;
		have_base = false;
		break;
	default:
		stray_markers++;
	}
}

/*
 * A kernel instruction that opens or closes scoped events: an exception
 * stub's first instruction or the iretq. Counted here rather than inline,
 * so that "was the previous instruction a kernel one" is decided before
 * this one counts: it was if a kernel instruction ran since the last
 * user block began, i.e. the exception was taken from kernel mode. (A
 * user block whose first instruction faults counts as user mode: the
 * iretq before it had returned there.)
 */
static void special(unsigned int vcpu, void *udata)
{
	uint64_t va = (uintptr_t)udata;
	bool from_kernel = now.insns != last_user_insns;
	struct ctr before = now;

	now.insns++;
	if (!cur || cur->mode != MODE_SCOPED)
		return;
	if (in_list(&irets, va)) {
		if (depth && --depth == 0)
			record(cur, &scope_base, &now);
		return;
	}
	if (depth) {
		if (va == cur->scope || in_list(&stubs, va))
			depth++;
		return;
	}
	if (va == cur->scope && from_kernel) {
		scope_base = before;
		depth = 1;
	}
}

/*
 * A kernel REP string instruction: TCG runs each iteration as another
 * execution of it. Count it once unless another kernel instruction ran
 * in between (a new execution, or a resumption after an interrupt).
 */
static void rep_insn(unsigned int vcpu, void *udata)
{
	uint64_t va = (uintptr_t)udata;

	if (va != last_rep_va || now.insns != last_rep_insns)
		now.insns++;
	last_rep_va = va;
	last_rep_insns = now.insns;
}

/* REP/REPNE followed by a string opcode (INS, OUTS, MOVS, CMPS, STOS, LODS, SCAS) */
static bool is_rep_string(const uint8_t *p, size_t len)
{
	bool rep = false;
	size_t i;

	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case 0xf2: case 0xf3:
			rep = true;
			continue;
		case 0x66: case 0x67: case 0x2e: case 0x36: case 0x3e:
		case 0x26: case 0x64: case 0x65: case 0xf0:
			continue;
		}
		break;
	}
	if (i < len && (p[i] & 0xf0) == 0x40)	/* REX */
		i++;
	if (!rep || i >= len)
		return false;
	return (p[i] >= 0x6c && p[i] <= 0x6f) || (p[i] >= 0xa4 && p[i] <= 0xa7) ||
	       (p[i] >= 0xaa && p[i] <= 0xaf);
}

static void translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);

	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);
		const uint8_t *p = qemu_plugin_insn_data(insn);
		size_t len = qemu_plugin_insn_size(insn);

		if (va < KERNEL_START) {
			/* A block never spans both halves: check it once */
			if (i == 0)
				qemu_plugin_register_vcpu_tb_exec_cb(tb, user_block,
					QEMU_PLUGIN_CB_NO_REGS, NULL);
			if (len == 7 && p[0] == 0x0f && p[1] == 0x1f && p[2] == 0x80 &&
			    (p[5] | p[6] << 8) == MARK_MAGIC)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, marker,
					QEMU_PLUGIN_CB_NO_REGS,
					(void *)(uintptr_t)(p[3] | p[4] << 8));
			continue;
		}

		if (in_list(&stubs, va) || in_list(&irets, va) || is_scope(va))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, special,
				QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)va);
		else if (is_rep_string(p, len))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, rep_insn,
				QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)va);
		else
			qemu_plugin_register_vcpu_insn_exec_inline(insn,
				QEMU_PLUGIN_INLINE_ADD_U64, &now.insns, 1);

		/* WRMSR is 0f 30, RDMSR 0f 32; the kernel uses no prefix */
		if (len == 2 && p[0] == 0x0f && (p[1] == 0x30 || p[1] == 0x32)) {
			bool wr = p[1] == 0x30, pkrs = in_list(&pkrs_sites, va);

			qemu_plugin_register_vcpu_insn_exec_inline(insn,
				QEMU_PLUGIN_INLINE_ADD_U64, wr ? &now.wrmsr : &now.rdmsr, 1);
			if (pkrs)
				qemu_plugin_register_vcpu_insn_exec_inline(insn,
					QEMU_PLUGIN_INLINE_ADD_U64,
					wr ? &now.pkrs_wr : &now.pkrs_rd, 1);
		}
	}
}

/* Events in the order: instructions, then the MSR counts */
static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->insns != y->insns)
		return x->insns < y->insns ? -1 : 1;
	return memcmp(&x->wrmsr, &y->wrmsr, 4 * sizeof(x->wrmsr));
}

static bool same_msrs(const struct event *x, const struct event *y)
{
	return !memcmp(&x->wrmsr, &y->wrmsr, 4 * sizeof(x->wrmsr));
}

#define MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * The mode is the most frequent instruction count (the smallest one on
 * a tie); its MSR counts are those of the most frequent MSR tuple among
 * the mode's events, and msr_varies=1 says the tuple was not unique.
 */
static void write_region(int kk, struct region *r)
{
	struct event *ev = r->ev, *mode = NULL, max = { 0 };
	size_t mode_count = 0;
	bool varies = false;
	double sum = 0;

	qsort(ev, r->n, sizeof(*ev), cmp_event);
	for (size_t i = 0, j; i < r->n; i = j) {
		for (j = i; j < r->n && ev[j].insns == ev[i].insns; j++)
			;
		if (j - i <= mode_count)
			continue;
		/* The most frequent MSR tuple of this count: sorted, so runs */
		mode = &ev[i];
		for (size_t k = i, run = 0, best = 0; k < j; k++) {
			run = k > i && same_msrs(&ev[k], &ev[k - 1]) ? run + 1 : 1;
			if (run > best) {
				best = run;
				mode = &ev[k];
			}
		}
		mode_count = j - i;
		varies = !same_msrs(&ev[i], &ev[j - 1]);
	}
	for (size_t i = 0; i < r->n; i++) {
		sum += ev[i].insns;
		max.wrmsr = MAX(max.wrmsr, ev[i].wrmsr);
		max.rdmsr = MAX(max.rdmsr, ev[i].rdmsr);
		max.pkrs_wr = MAX(max.pkrs_wr, ev[i].pkrs_wr);
		max.pkrs_rd = MAX(max.pkrs_rd, ev[i].pkrs_rd);
	}

	fprintf(out, "event=%02x mode=%s n=%zu", kk, mode_name[r->mode], r->n);
	if (r->n)
		fprintf(out, " min=%" PRIu64 " median=%" PRIu64 " mode_insns=%" PRIu64
			" mode_count=%zu max=%" PRIu64 " mean=%.1f"
			" wrmsr=%u rdmsr=%u pkrs_wr=%u pkrs_rd=%u msr_varies=%d"
			" max_wrmsr=%u max_rdmsr=%u max_pkrs_wr=%u max_pkrs_rd=%u",
			ev[0].insns, ev[r->n / 2].insns, mode->insns, mode_count,
			ev[r->n - 1].insns, sum / r->n,
			mode->wrmsr, mode->rdmsr, mode->pkrs_wr, mode->pkrs_rd, varies,
			max.wrmsr, max.rdmsr, max.pkrs_wr, max.pkrs_rd);
	fprintf(out, " begun=%u ended=%u aborted=%u conflicts=%u",
		r->begun, r->ended, r->aborted, r->conflicts);
	if (r->mode == MODE_SCOPED)
		fprintf(out, " scope=%" PRIx64, r->scope);
	fprintf(out, "\n");
}

static void write_results(qemu_plugin_id_t id, void *udata)
{
	if (raw) {
		for (int kk = 0; kk < 256; kk++)
			for (size_t i = 0; i < regions[kk].n; i++) {
				struct event *e = &regions[kk].ev[i];

				fprintf(raw, "%02x %" PRIu64 " %u %u %u %u\n", kk, e->insns,
					e->wrmsr, e->rdmsr, e->pkrs_wr, e->pkrs_rd);
			}
		if (fclose(raw))
			fprintf(stderr, "insn-plugin: cannot write %s\n", raw_name);
	}
	fprintf(out, "# insn-plugin: kernel_insns=%" PRIu64 " wrmsr=%" PRIu64
		" rdmsr=%" PRIu64 " pkrs_wr=%" PRIu64 " pkrs_rd=%" PRIu64
		" pkrs_sites=%zu stubs=%zu irets=%zu stray_markers=%u open=%s\n",
		now.insns, now.wrmsr, now.rdmsr, now.pkrs_wr, now.pkrs_rd,
		pkrs_sites.n, stubs.n, irets.n, stray_markers, cur ? "yes" : "no");
	for (int kk = 0; kk < 256; kk++)
		if (regions[kk].mode != MODE_NONE)
			write_region(kk, &regions[kk]);
	if (fclose(out))
		fprintf(stderr, "insn-plugin: cannot write %s\n", out_name);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	for (int i = 0; i < 256; i++)
		regions[i].mode = MODE_NONE;

	for (int i = 0; i < argc; i++) {
		char *a = argv[i], *v = strchr(a, '=');
		bool ok = v != NULL;

		if (ok) {
			size_t klen = v++ - a;

			if (klen == 3 && !strncmp(a, "out", 3)) {
				out_name = v;
			} else if (klen == 3 && !strncmp(a, "raw", 3)) {
				raw_name = v;
			} else if (klen == 4 && !strncmp(a, "pkrs", 4)) {
				ok = parse_list(&pkrs_sites, v);
			} else if (klen == 5 && !strncmp(a, "stubs", 5)) {
				ok = parse_list(&stubs, v);
			} else if (klen == 4 && !strncmp(a, "iret", 4)) {
				ok = parse_list(&irets, v);
			} else if (klen == 7 && !strncmp(a, "scope", 5)) {
				char kk[3] = { a[5], a[6], 0 }, *end;
				unsigned long k = strtoul(kk, &end, 16);

				ok = !*end && k < 256;
				if (ok) {
					errno = 0;
					scope_of[k] = strtoull(v, &end, 16);
					ok = !errno && end != v && !*end;
				}
			} else {
				ok = false;
			}
		}
		if (!ok) {
			fprintf(stderr, "insn-plugin: bad argument '%s'\n", a);
			return -1;
		}
	}
	if (!out_name) {
		fprintf(stderr, "insn-plugin: out=FILE is required\n");
		return -1;
	}
	if (info->system_emulation && info->system.max_vcpus != 1) {
		fprintf(stderr, "insn-plugin: needs -smp 1 (global state)\n");
		return -1;
	}
	/* Open now, so that a bad path fails before the guest runs */
	out = fopen(out_name, "w");
	if (!out) {
		fprintf(stderr, "insn-plugin: cannot open %s: %s\n", out_name,
			strerror(errno));
		return -1;
	}
	raw = raw_name ? fopen(raw_name, "w") : NULL;
	if (raw_name && !raw) {
		fprintf(stderr, "insn-plugin: cannot open %s: %s\n", raw_name,
			strerror(errno));
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translate);
	qemu_plugin_register_atexit_cb(id, write_results, NULL);
	return 0;
}
