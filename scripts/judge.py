#!/usr/bin/env python3
"""Judge the serial console log of one harness boot.

A run passes only if all of these hold:
  - the boot reached the runner ("harness: runner start");
  - the runner reached its end ("harness: runner end"), else the test that
    was running is named (it crashed or hung the guest);
  - every test that was asked for reported a TAP result, and none failed
    unless the stored baseline says the unpatched base fails it the same
    way (the same exit code and the same failing cases); a test whose
    only failing cases are QEMU's known artifacts (EMULATOR_ARTIFACTS,
    each with the evidence that the base shows it too) passes, noted;
  - the tests the series adds or enables (--must-pass) passed: a skip is
    a failure there;
  - the kernel printed no splat (WARNING, BUG, Oops, lockdep and RCU
    reports, KASAN, panics...), apart from the short ALLOWED list below;
  - the kernel log has no line at level emerg, alert, crit or err (the
    guest prints them as "harness: errlog <N>..." at the end) that is not
    on the ALLOWED_ERRLOG list, each with its reason;
  - /proc/sys/kernel/tainted is 0 and lockdep is still on.

Prints a per-test table and ends with "N passed, N failed, N skipped".
Exit status 0 when the run passed, 1 when it did not, 2 on bad usage.

  judge.py LOG [--expected FILE] [--tests FILE] [--must-pass FILE]
               [--exact] [--write-baseline FILE]
"""
import argparse
import re
import sys

# Kernel log lines carry a printk timestamp (CONFIG_PRINTK_TIME); test
# output does not (the runner prefixes it with "# "), so only timestamped
# text is searched for splats and harness markers.
KLINE = re.compile(r'\[\s*\d+\.\d+\]\s?(.*)$')

SPLATS = [
    r'WARNING:',
    r'BUG:',
    r'kernel BUG at',
    r'Oops',
    r'general protection fault',
    r'Kernel panic',
    r'Unable to handle kernel',
    r'double fault',
    r'unchecked MSR access error',
    r'possible circular locking',
    r'possible recursive locking',
    r'inconsistent lock state',
    r'lock held when returning to user space',
    r'bad unlock balance',
    r'held lock freed',
    r'suspicious RCU usage',
    r'RCU used illegally from extended quiescent state',
    r'INFO: task .* blocked',
    r'INFO: .*detected.*stall',
    r'^BUG \S+ \(',                 # SLUB: "BUG kmalloc-64 (Not tainted): ..."
    r'No irq handler for',
    r'NMI received for unknown reason',
    r'spurious APIC interrupt',
    r'Unknown interrupt or fault at',
    r'irq \d+: nobody cared',
    r'page allocation failure',
    r'Bad pagetable',
    r'list_add corruption|list_del corruption',
    r'stack guard page was hit|kernel stack overflow',
    r'soft lockup',
    r'hard LOCKUP',
    r'KASAN',
    r'UBSAN',
    r'objtool:',
    r'DEBUG_LOCKS_WARN_ON',
    r'Call Trace:',
]
SPLAT = re.compile('|'.join(SPLATS))

# User-caused lines that tests provoke on purpose. Each is printed by
# show_signal_msg() and friends for a *user-mode* fault: "comm[pid]: ...".
ALLOWED = [
    # pseries: QEMU's NVRAM is blank, and the kernel says so with a
    # pr_warn that starts with "WARNING:" (not a WARN(): no trace, no taint).
    re.compile(r'^WARNING: nvram corruption detected: 0-length partition$'),
    # A user-mode #GP (sigreturn, sysret_rip, ldt_gdt... do this on purpose;
    # the sigreturn fuzzer's children die of it), with or without the
    # "traps: " prefix that some paths of show_signal() print.
    re.compile(r'^(traps: )?\S+\[\d+\]:? general protection fault ip:\S+ sp:\S+ error:'),
]

# Lines at level err or worse that are expected, each with its reason.
ALLOWED_ERRLOG = [
    # x86's fixup_iopl_exception(), pr_err: a task with iopl(3) emulation
    # ran CLI/STI in user mode, which iopl_32/64 do on purpose.
    (re.compile(r"^<3>traps: \S+\[\d+\] attempts to use CLI/STI, pretending it's a NOP"),
     'user-mode CLI/STI under iopl(3) emulation (iopl_32/64)'),
    # pseries: QEMU's NVRAM is blank, so no partition for RTAS or oops logs.
    (re.compile(r'^<3>nvram: (Failed to find or create (ibm,rtas-log|lnx,oops-log) partition|'
                r'Failed to initialize oops partition)'),
     "QEMU pseries' blank NVRAM"),
    # powerpc's bad_kernel_fault() for a user access to a kernel address,
    # which powerpc/signal's sigreturn_kernel makes on purpose.
    (re.compile(r'^<2>sigreturn_kerne\[\d+\]: User access of kernel address \(\w+\) - exploit attempt\?'),
     'sigreturn_kernel returns to a kernel address on purpose'),
]

# printk's own note that console lines were lost: whatever they said is
# not in the log, so the run cannot be judged clean.
DROPPED = re.compile(r'\*\* \d+ printk messages dropped \*\*')
ERRLOG = re.compile(r'harness: errlog (.*)$')
# A failing case: the x86 tests' "[FAIL]" lines, kselftest_harness's
# "FAIL  global.case" and the powerpc harness's "failure: test".
CASE = re.compile(r'^# (\[FAIL\].*|# +FAIL +\S+|failure: .*)$')
# A test's own output line, not the runner's nor the shell's report of a
# signal: the last one before a crash says where the test died.
OUTPUT = re.compile(r'^# (?!selftests: |overriding timeout|timeout set|Totals: |'
                    r'Segmentation fault|Killed|Illegal instruction|Bus error|Aborted|'
                    r'Trace/breakpoint trap|Floating point exception)(.+)$')
NUMBER = re.compile(r'(0x)?[0-9a-fA-F]*[0-9][0-9a-fA-F]*')

TAP = re.compile(r'(not )?ok \d+ selftests: [^:]+: (\S+)(.*)$')


def rf_only(test, m):
    """The register is EFLAGS and the two values differ in RF alone."""
    efl = {'sigreturn_64': 17, 'sigreturn_32': 16}[test]
    req, got = int(m.group('req'), 16), int(m.group('got'), 16)
    return int(m.group('reg')) == efl and got == req | 0x10000 and got != req


# Failing cases that are QEMU's doing, not the kernel's: when every failing
# case of a test is one of these, the test counts as passed, with a note.
# (tests, [FAIL] line, a check of the match, why).
EMULATOR_ARTIFACTS = [
    # The unpatched base does it too: the x86_64 guest, 1 boot in 10 that
    # each ran sigreturn_64 and _32 five times, in the case "64-bit CS,
    # 16-bit SS" (the espfix64 return). TCG leaves RF set past the first
    # instruction after an IRET whose image has it, so the int3 that ends
    # the case may report RF, depending on where a timer interrupt lands.
    # The kernel sets RF in a user frame only on FRED (TCG has none) and
    # for kernel hardware breakpoints.
    ({'sigreturn_64', 'sigreturn_32'},
     re.compile(r'\[FAIL\]\tReg (?P<reg>\d+) mismatch: '
                r'requested 0x(?P<req>[0-9a-f]+); got 0x(?P<got>[0-9a-f]+)$'),
     rf_only, "TCG's stale RF (EFLAGS differs in RF alone)"),
]


def artifact(test, line):
    """Why a test's failing case is QEMU's doing, or None."""
    for tests, pattern, check, why in EMULATOR_ARTIFACTS:
        m = pattern.match(line) if test in tests else None
        if m and check(test, m):
            return why
    return None


KNOWN_SPLATS = ' splats'     # keys that no test name can be
KNOWN_TAINT = ' tainted'
KNOWN_NOLOCKDEP = ' debug_locks'


def case_key(line):
    """A failing case's line with its numbers masked (addresses, pids)."""
    return NUMBER.sub('N', line.strip())


def parse_expected(path):
    """Return {test: (result, reason, signature)} from a baseline file.

    A line is "TEST skip REASON" or "TEST fail exit=N REASON"; a failure's
    failing cases follow it as "TEST case [FAIL]...". The signature of a
    failure is (exit code, failing cases). "TEST omit REASON": the harness
    does not run it at all (./run leaves it out of the list).
    "splat LINE": a splat line the base prints (numbers masked); its
    "Call Trace:" goes with it. "tainted N REASON": the taint that the
    base's known splats leave; "debug_locks 0 REASON": they turn lockdep
    off.
    """
    expected = {}
    if not path:
        return expected
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('splat '):
                expected.setdefault(KNOWN_SPLATS, set()).add(case_key(line[6:]))
                continue
            m = re.match(r'tainted (\d+) ', line)
            if m:
                expected[KNOWN_TAINT] = m.group(1)
                continue
            if re.match(r'debug_locks 0 ', line):
                expected[KNOWN_NOLOCKDEP] = True
                continue
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[1] == 'case' and parts[0] in expected:
                expected[parts[0]][2][1].add(case_key(parts[2]))
                continue
            if len(parts) == 3 and parts[1] in ('skip', 'omit'):
                expected[parts[0]] = (parts[1], parts[2], None)
                continue
            m = re.match(r'exit=(\d+|timeout)\s+(.*)', parts[2]) if len(parts) == 3 and parts[1] == 'fail' else None
            if not m:
                raise SystemExit(f'{path}:{n}: want "TEST skip|omit REASON", '
                                 '"TEST fail exit=N|timeout REASON" or "TEST case [FAIL]..."')
            expected[parts[0]] = ('fail', m.group(2), (m.group(1), set()))
    return expected


def parse_names(path):
    """The test names of a list file: COLLECTION:TEST or TEST first on a line."""
    with open(path) as f:
        return [l.split()[0].split(':', 1)[-1] for l in f
                if l.strip() and not l.startswith('#')]


class Run:
    def __init__(self, text, known_splats=frozenset()):
        self.known_splats = known_splats    # masked splat lines the base prints too
        self.known_seen = set()
        self.skip_trace = False
        self.results = {}       # test -> (result, note)
        self.order = []
        self.splats = []        # (test or None, line)
        self.started = False
        self.ended = False
        self.running = None     # test begun but not ended
        self.begun = []         # tests whose start marker was seen
        self.tainted = None
        self.debug_locks = None
        self.timed_out = False
        self.panic = None
        self.warn_msg = None    # text between "cut here" and WARNING:
        self.cases = {}         # test -> set of its [FAIL] lines, masked
        self.artifacts = {}     # test -> its EMULATOR_ARTIFACTS lines
        self.last_output = {}   # test -> its last output line
        self.errlog = []        # (test or None, line) at level err or worse
        self.dropped = None
        self.parse(text)

    def parse(self, text):
        for raw in text.splitlines():
            raw = raw.rstrip('\r')
            if 'harness: qemu killed after' in raw:
                self.timed_out = True
            m = ERRLOG.search(raw)
            if m:
                line = KLINE.sub(lambda k: k.group(1), m.group(1))
                if not any(a.search(line) for a, _ in ALLOWED_ERRLOG):
                    self.errlog.append(line)
                continue
            if DROPPED.search(raw) and self.dropped is None:
                self.dropped = DROPPED.search(raw).group(0)
            m = CASE.match(raw)
            if m and self.running:
                why = artifact(self.running, m.group(1))
                if why:
                    self.artifacts.setdefault(self.running, []).append(f'{why}: {m.group(1)}')
                else:
                    self.cases.setdefault(self.running, set()).add(case_key(m.group(1)))
            m = OUTPUT.match(raw)
            if m and self.running:
                self.last_output[self.running] = m.group(1)
            m = KLINE.search(raw)
            if m:
                # User output and printk share the console, and a kernel
                # line can start in the middle of a test's line.
                t = TAP.search(raw[:m.start()])
                if t:
                    self.tap(t)
                self.kernel_line(m.group(1))
                continue
            m = TAP.search(raw)
            if m:
                self.tap(m)

    def kernel_line(self, line):
        m = re.match(r'harness: (\S+)\s*(.*)', line)
        if m:
            what, arg = m.groups()
            if what == 'runner' and arg == 'start':
                self.started = True
            elif what == 'runner' and arg == 'end':
                self.ended = True
            elif what == 'begin':
                self.running = arg if arg.startswith('lkdtm:') else arg.split(':', 1)[-1]
                self.begun.append(self.running)
            elif what == 'end':
                self.running = None
            elif what == 'tainted':
                self.tainted = arg
            elif what == 'debug_locks':
                self.debug_locks = arg
            return
        # A WARN()'s own message comes between "cut here" and "WARNING:";
        # quote it with the WARNING, it says what went wrong.
        if 'cut here' in line:
            self.warn_msg = ''
            return
        if self.warn_msg == '' and not SPLAT.search(line):
            self.warn_msg = line
            return
        if SPLAT.search(line) and not any(a.search(line) for a in ALLOWED):
            if case_key(line) in self.known_splats:
                # The base's own splat (its baseline lists it): not the
                # series' doing. Its trace goes with it.
                self.known_seen.add(case_key(line))
                self.skip_trace = True
                self.warn_msg = None
                return
            if line.startswith('Call Trace:') and self.skip_trace:
                self.skip_trace = False
                return
            self.skip_trace = False
            if line.startswith('WARNING:') and self.warn_msg:
                line = f'{line} [{self.warn_msg}]'
            self.warn_msg = None
            self.splats.append((self.running, line))
            if 'Kernel panic' in line and self.panic is None:
                self.panic = line

    def tap(self, m):
        failed, name, rest = m.group(1), m.group(2), m.group(3)
        if failed:
            note = rest.strip().lstrip('#').strip()
            result = 'fail'
        elif re.search(r'#\s*SKIP', rest):
            result, note = 'skip', ''
        else:
            result, note = 'pass', ''
        if result == 'fail' and name in self.artifacts and name not in self.cases \
                and exit_code(note) == '1':
            # It failed only by QEMU's doing: say so, and count it passed.
            result, note = 'pass', 'passes but for ' + '; '.join(self.artifacts[name])
        if name not in self.results:
            self.order.append(name)
        self.results[name] = (result, note)
        code = exit_code(note)
        if result == 'fail' and code and code.isdigit() and int(code) > 128 and name in self.last_output:
            # Died of a signal: where it died is part of how it failed.
            self.cases.setdefault(name, set()).add(
                '[died after] ' + case_key(self.last_output[name]))


def exit_code(note):
    if re.search(r'TIMEOUT', note):
        return 'timeout'
    m = re.search(r'exit=(\d+)', note)
    return m.group(1) if m else None


def judge(run, expected, wanted, exact, must_pass=()):
    """Return (rows, checks, passed, failed, skipped)."""
    rows = []
    passed = failed = skipped = 0
    names = list(run.order)
    for name in run.begun + (wanted or []):
        if name not in names and not name.startswith('lkdtm'):
            names.append(name)
    splat_by_test = {}
    for test, line in run.splats:
        splat_by_test.setdefault(test, []).append(line)

    for name in names:
        base, reason, signature = expected.get(name, ('pass', '', None))
        result, note = run.results.get(name, ('missing', ''))
        if result == 'fail' and base == 'fail':
            code, cases = exit_code(note), run.cases.get(name, set())
            if (code, cases) != signature:
                # A known failure, but not the known one: as bad as a new one.
                base = 'fail differently'
                reason = (f'base: exit={signature[0]}, cases {sorted(signature[1]) or "none"}; '
                          f'now: exit={code}, cases {sorted(cases) or "none"}')
        if result == 'missing':
            if name == run.running:
                note = 'crashed or hung the guest' if not run.timed_out else 'hung: QEMU timed out'
            else:
                note = 'did not run'
        if name in splat_by_test:
            verdict = 'FAIL'
            note = (note + '; ' if note else '') + 'kernel splat: ' + splat_by_test[name][0]
        elif name in must_pass and result != 'pass':
            verdict = 'FAIL'
            note = (f'{note}; ' if note else '') + 'the series adds or enables this test: it must pass'
        elif result == 'pass':
            verdict = 'PASS'
            if base != 'pass':
                note = f'passes, base {base}s' + (f' ({reason})' if reason else '')
                if exact:
                    verdict = 'FAIL'
                    note = 'differs from the stored baseline: ' + note
        elif result == base:
            verdict = 'SKIP'
            note = (f'{note}; ' if note else '') + ('known on base: ' if result == 'fail' else '') + reason
        else:
            verdict = 'FAIL'
            note = (f'{note}; ' if note else '') + (
                f'base: {base}' if base == 'pass' else
                f'fails otherwise than on the base: {reason}' if base == 'fail differently' else
                f'base {base}s: {reason}')
            if exact:
                note = 'differs from the stored baseline: ' + note
        rows.append((name, result, verdict, note))
        if verdict == 'PASS':
            passed += 1
        elif verdict == 'SKIP':
            skipped += 1
        else:
            failed += 1

    checks = []
    def check(ok, what, detail=''):
        checks.append((ok, what, detail))
    check(run.started, 'boot reached the runner',
          '' if run.started else (run.panic or ('QEMU timed out' if run.timed_out else 'no "harness: runner start"')))
    check(run.ended, 'runner reached its end',
          '' if run.ended else f'stopped in {run.running or "?"}' + (' (QEMU timed out)' if run.timed_out else '') +
          (f': {run.panic}' if run.panic else ''))
    check(not run.splats, 'no kernel splat',
          f'{len(run.splats)} splat line(s); first: {run.splats[0][1]}' +
          (f' (during {run.splats[0][0]})' if run.splats[0][0] else ' (outside any test)') if run.splats else '')
    check(not run.errlog, 'no kernel log line at level err or worse',
          f'{len(run.errlog)} line(s); first: {run.errlog[0]}' if run.errlog else '')
    check(run.dropped is None, 'no console lines dropped', run.dropped or '')
    known_taint = expected.get(KNOWN_TAINT)
    if known_taint and run.known_seen:
        check(run.tainted in ('0', known_taint), 'kernel not tainted, or only by the known splats',
              f'tainted={run.tainted}, the known splats leave {known_taint}')
    else:
        check(run.tainted == '0', 'kernel not tainted', f'tainted={run.tainted}')
    if exact:
        missing = expected.get(KNOWN_SPLATS, set()) - run.known_seen
        check(not missing, 'the baseline\'s known splats appeared',
              f'not seen: {sorted(missing)}')
    if run.known_seen:
        checks.append((True, f'known splats of the base, as in the baseline: {len(run.known_seen)}', ''))
    if expected.get(KNOWN_NOLOCKDEP) and run.known_seen:
        check(run.debug_locks in ('0', '1'), 'lockdep on, or off only after the known splats',
              f'debug_locks={run.debug_locks}')
    else:
        check(run.debug_locks == '1', 'lockdep still on', f'debug_locks={run.debug_locks}')
    for ok, _, _ in checks:
        if not ok:
            failed += 1
    return rows, checks, passed, failed, skipped


def write_baseline(path, run, old):
    """A draft baseline from a base run: each entry needs its evidence."""
    with open(path, 'w') as f:
        f.write('# Results of the UNPATCHED base under the harness (QEMU TCG), one\n'
                '# non-passing test a line: "TEST skip REASON" or\n'
                '# "TEST fail exit=N REASON" followed by its failing cases\n'
                '# ("TEST case [FAIL]...", numbers masked). Tests not listed pass.\n'
                '# The patched kernel may not fail a test that passes here.\n')
        for name in sorted(run.results):
            result, note = run.results[name]
            if result == 'pass':
                continue
            reason = old.get(name, (None, 'TODO: find out why'))[1]
            if result == 'skip':
                f.write(f'{name} skip {reason}\n')
                continue
            f.write(f'{name} fail exit={exit_code(note)} {reason}\n')
            for case in sorted(run.cases.get(name, ())):
                f.write(f'{name} case {case}\n')
        for _, line in run.splats:
            if not line.startswith('Call Trace:'):
                f.write(f'splat {case_key(line)}\n')
        if run.tainted not in (None, '0'):
            f.write(f'tainted {run.tainted} TODO: the splats above\n')


def main():
    ap = argparse.ArgumentParser(description='Judge a harness console log.')
    ap.add_argument('log')
    ap.add_argument('--expected', help='baseline file: tests the base fails or skips')
    ap.add_argument('--tests', help='file of tests that should have run (COLLECTION:TEST a line)')
    ap.add_argument('--must-pass', help='file of tests the series adds or enables: they must pass')
    ap.add_argument('--exact', action='store_true',
                    help='this is a base run: any difference from the baseline fails')
    ap.add_argument('--write-baseline', metavar='FILE',
                    help='write the non-passing tests of this run as a baseline')
    a = ap.parse_args()

    try:
        with open(a.log, errors='replace') as f:
            text = f.read()
    except OSError as e:
        print(f'judge: {e}', file=sys.stderr)
        return 2
    expected = parse_expected(a.expected)
    try:
        wanted = parse_names(a.tests) if a.tests else None
        must_pass = parse_names(a.must_pass) if a.must_pass else ()
    except OSError as e:
        print(f'judge: {e}', file=sys.stderr)
        return 2

    run = Run(text, frozenset(expected.get(KNOWN_SPLATS, ())))
    if a.write_baseline:
        write_baseline(a.write_baseline, run, expected)
    rows, checks, passed, failed, skipped = judge(run, expected, wanted, a.exact, must_pass)

    width = max([len(r[0]) for r in rows] + [4])
    print(f'{"test":<{width}}  {"result":<7} {"verdict":<7} note')
    for name, result, verdict, note in rows:
        print(f'{name:<{width}}  {result:<7} {verdict:<7} {note}')
    print()
    for ok, what, detail in checks:
        print(f'{"ok  " if ok else "FAIL"} {what}' + (f': {detail}' if detail and not ok else ''))
    if run.errlog:
        print('\nkernel log lines at level err or worse:')
        for line in run.errlog[:20]:
            print(f'  {line}')
    if run.splats:
        print('\nkernel splats (test: line):')
        for test, line in run.splats[:40]:
            print(f'  {test or "-"}: {line}')
    omitted = [(n, v[1]) for n, v in expected.items() if isinstance(v, tuple) and v[0] == 'omit']
    if omitted:
        print('\nnot run (omitted by the baseline):')
        for name, reason in omitted:
            print(f'  {name}: {reason}')
    print(f'\n{passed} passed, {failed} failed, {skipped} skipped')
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
