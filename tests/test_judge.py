"""Unit tests of scripts/judge.py on stored console logs."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, 'logs')
JUDGE = os.path.join(HERE, '..', 'scripts', 'judge.py')


def judge(log, tests='tests.list', expected='expected.txt', *extra):
    args = [sys.executable, JUDGE, os.path.join(LOGS, log)]
    if tests:
        args += ['--tests', os.path.join(LOGS, tests)]
    if expected:
        args += ['--expected', os.path.join(LOGS, expected)]
    p = subprocess.run(args + list(extra), capture_output=True, text=True)
    return p.returncode, p.stdout


def row(out, test):
    for line in out.splitlines():
        if line.split()[:1] == [test]:
            return line
    return ''


class Judge(unittest.TestCase):
    def test_clean_run_passes(self):
        rc, out = judge('clean.log')
        self.assertEqual(rc, 0, out)
        self.assertEqual(out.splitlines()[-1], '1 passed, 0 failed, 2 skipped')
        self.assertIn('known on base', row(out, 'mov_ss_trap_64'))

    def test_user_mode_gp_is_allowed(self):
        rc, out = judge('clean.log')
        self.assertNotIn('kernel splats', out)

    def test_user_mode_gp_with_traps_prefix_is_allowed(self):
        rc, out = judge('clean-traps.log')
        self.assertEqual(rc, 0, out)
        self.assertNotIn('kernel splats', out)

    def test_known_failure_needs_the_baseline(self):
        rc, out = judge('clean.log', expected=None)
        self.assertEqual(rc, 1)
        self.assertIn('FAIL', row(out, 'mov_ss_trap_64'))
        self.assertIn('FAIL', row(out, 'amx_64'))   # skips where base passes

    def test_oops_fails_and_names_test(self):
        rc, out = judge('oops.log')
        self.assertEqual(rc, 1)
        self.assertIn('Oops: general protection fault', row(out, 'ldt_gdt_64'))
        self.assertIn('FAIL runner reached its end: stopped in ldt_gdt_64', out)
        self.assertIn('Kernel panic - not syncing: Fatal exception', out)

    def test_lockdep_splat_fails(self):
        rc, out = judge('lockdep.log', tests='lockdep.list')
        self.assertEqual(rc, 1)
        self.assertIn('possible circular locking', row(out, 'ptrace_syscall_64'))
        self.assertIn('FAIL lockdep still on: debug_locks=0', out)

    def test_hang_names_running_test(self):
        rc, out = judge('hang.log', tests='hang.list')
        self.assertEqual(rc, 1)
        self.assertIn('hung: QEMU timed out', row(out, 'syscall_numbering_64'))
        self.assertIn('did not run', row(out, 'amx_64'))
        self.assertIn('stopped in syscall_numbering_64 (QEMU timed out)', out)

    def test_crashed_test_binary_is_its_failure(self):
        rc, out = judge('testcrash.log')
        self.assertEqual(rc, 1)
        self.assertIn('exit=139', row(out, 'sigreturn_64'))
        self.assertIn('ok   runner reached its end', out)
        self.assertEqual(out.splitlines()[-1], '0 passed, 1 failed, 2 skipped')

    def test_boot_panic_is_a_boot_failure(self):
        rc, out = judge('bootpanic.log')
        self.assertEqual(rc, 1)
        self.assertIn('FAIL boot reached the runner: Kernel panic - not syncing: VFS', out)

    def test_base_run_must_match_baseline_exactly(self):
        rc, out = judge('clean.log', 'tests.list', 'expected-pass.txt', '--exact')
        self.assertEqual(rc, 1)
        self.assertIn('differs from the stored baseline', row(out, 'mov_ss_trap_64') +
                      row(out, 'amx_64'))

    def test_real_lkdtm_warning(self):
        """A real console log: LKDTM's WARNING provoked in a real boot."""
        rc, out = judge('lkdtm-warning.log', tests='lkdtm-warning.list')
        self.assertEqual(rc, 1)
        self.assertIn('FAIL no kernel splat', out)
        self.assertIn('lkdtm', out)
        self.assertIn('WARNING:', out)

    def test_warn_message_is_quoted(self):
        """A real console log: the series' DEBUG_ENTRY check, via LKDTM."""
        rc, out = judge('unembedded.log', tests='lkdtm-warning.list')
        self.assertEqual(rc, 1)
        self.assertIn('WARNING: CPU: 0 PID: 1 at ../../src/kernel/entry/common.c', out)
        self.assertIn('[entry: pt_regs from lkdtm_UNEMBEDDED_PT_REGS', out)
        self.assertIn('(during lkdtm:UNEMBEDDED_PT_REGS)', out)

    def test_tap_line_cut_by_a_kernel_line(self):
        """A real riscv64 log: a printk began in the middle of a TAP line."""
        rc, out = judge('riscv64-interleaved.log', tests='smoke.list', expected=None)
        self.assertEqual(rc, 0, out)
        self.assertIn('PASS', row(out, 'timer'))
        self.assertEqual(out.splitlines()[-1], '6 passed, 0 failed, 0 skipped')


def judge_text(text, expected_text=None, *extra):
    """Judge a log given as text (clean.log's runner around it)."""
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, 'x.log')
        with open(log, 'w') as f:
            f.write(text)
        args = [sys.executable, JUDGE, log]
        if expected_text is not None:
            exp = os.path.join(d, 'expected.txt')
            with open(exp, 'w') as f:
                f.write(expected_text)
            args += ['--expected', exp]
        for i, e in enumerate(extra):
            if e.startswith('file:'):
                path = os.path.join(d, f'f{i}')
                with open(path, 'w') as f:
                    f.write(e[5:])
                e = path
            args.append(e)
        p = subprocess.run(args, capture_output=True, text=True)
        return p.returncode, p.stdout


def one_test(name, body, kernel=''):
    """A whole run of one test: its output lines, then kernel lines."""
    return ('[    1.0] harness: runner start\n'
            f'[    1.1] harness: begin x86:{name}\n'
            f'# selftests: x86: {name}\n{body}'
            f'[    1.2] harness: end x86:{name}\n{kernel}'
            '[    1.3] harness: tainted 0\n[    1.4] harness: debug_locks 1\n'
            '[    1.5] harness: runner end\n')


MOVSS_BASE = ('mov_ss_trap_64 fail exit=139 TCG\n'
              'mov_ss_trap_64 case [FAIL]\tMOV SS; SYSCALL at 0x1234\n'
              'mov_ss_trap_64 case [died after] [FAIL]\tMOV SS; SYSCALL at 0x1234\n')


class Harness(unittest.TestCase):
    """What the judge learnt on 7.3: signatures, must-pass, log levels."""

    def test_known_failure_the_same_way_is_known(self):
        rc, out = judge_text(one_test('mov_ss_trap_64', '# [FAIL]\tMOV SS; SYSCALL at 0x5678\n'
                                      'not ok 1 selftests: x86: mov_ss_trap_64 # exit=139\n'), MOVSS_BASE)
        self.assertEqual(rc, 0, out)
        self.assertIn('known on base', row(out, 'mov_ss_trap_64'))

    def test_known_failure_with_another_exit_code_fails(self):
        rc, out = judge_text(one_test('mov_ss_trap_64', '# [FAIL]\tMOV SS; SYSCALL at 0x5678\n'
                                      'not ok 1 selftests: x86: mov_ss_trap_64 # exit=1\n'), MOVSS_BASE)
        self.assertEqual(rc, 1, out)
        self.assertIn('now: exit=1', row(out, 'mov_ss_trap_64'))

    def test_known_failure_at_another_case_fails(self):
        rc, out = judge_text(one_test('mov_ss_trap_64', '# [FAIL]\tMOV SS; INT 1\n'
                                      '# [FAIL]\tMOV SS; SYSCALL at 0x5678\n'
                                      'not ok 1 selftests: x86: mov_ss_trap_64 # exit=139\n'), MOVSS_BASE)
        self.assertEqual(rc, 1, out)
        self.assertIn('MOV SS; INT N', row(out, 'mov_ss_trap_64'))

    def test_must_pass_test_may_not_skip(self):
        log = one_test('test_pks_64', 'ok 1 selftests: x86: test_pks_64 # SKIP\n')
        rc, out = judge_text(log, 'test_pks_64 skip the base has no PKS\n')
        self.assertEqual(rc, 0, out)
        rc, out = judge_text(log, 'test_pks_64 skip the base has no PKS\n',
                             '--must-pass', 'file:test_pks_64 the series adds it\n')
        self.assertEqual(rc, 1, out)
        self.assertIn('must pass', row(out, 'test_pks_64'))

    def test_errlog_line_fails(self):
        log = one_test('sigreturn_64', 'ok 1 selftests: x86: sigreturn_64\n')
        log = log.replace('[    1.5] harness: runner end',
                          'harness: errlog <0>[    1.2] No irq handler for 0.55\n[    1.5] harness: runner end')
        rc, out = judge_text(log, '')
        self.assertEqual(rc, 1, out)
        self.assertIn('FAIL no kernel log line at level err or worse: 1 line(s); first: <0>No irq handler', out)

    def test_messages_without_trace_are_splats(self):
        for line in ['rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks:',
                     'BUG kmalloc-64 (Not tainted): Poison overwritten',
                     'Uhhuh. NMI received for unknown reason 2c on CPU 0.',
                     'spurious APIC interrupt through vector ff on CPU#0, should never happen.']:
            log = one_test('sigreturn_64', 'ok 1 selftests: x86: sigreturn_64\n', f'[    1.25] {line}\n')
            rc, out = judge_text(log, '')
            self.assertEqual(rc, 1, line)
            self.assertIn('FAIL no kernel splat', out)

    def test_dropped_console_lines_fail(self):
        log = one_test('sigreturn_64', 'ok 1 selftests: x86: sigreturn_64\n', '** 12 printk messages dropped **\n')
        rc, out = judge_text(log, '')
        self.assertEqual(rc, 1, out)
        self.assertIn('FAIL no console lines dropped', out)

    def test_known_splat_of_the_base_is_known(self):
        warn = ('[    1.25] ------------[ cut here ]------------\n'
                '[    1.26] WARNING: ../../src/include/linux/irq-entry-common.h:555 at irqentry_exit+0x958/0xb24, CPU#0: init/1\n'
                '[    1.27] Call Trace:\n')
        log = one_test('sigreturn_64', 'ok 1 selftests: x86: sigreturn_64\n', warn).replace(
            'harness: tainted 0', 'harness: tainted 512')
        base = ('splat WARNING: ../../src/include/linux/irq-entry-common.h:N at irqentry_exit+N/N, CPU#N: init/N\n'
                'tainted 512 TAINT_WARN\n')
        rc, out = judge_text(log, base, '--exact')
        self.assertEqual(rc, 0, out)
        rc, out = judge_text(log.replace('init/1', 'sh/7'), base)
        self.assertEqual(rc, 1, out)    # the same WARNING in another task is new
        rc, out = judge_text(log.replace(warn, ''), base, '--exact')
        self.assertEqual(rc, 1, out)    # a base run must show it
        self.assertIn("FAIL the baseline's known splats appeared", out)

    def test_rf_alone_in_sigreturn_is_qemus(self):
        rf = '# [FAIL]\tReg {} mismatch: requested 0x246; got 0x{}\n'
        fail = 'not ok 1 selftests: x86: {} # exit=1\n'
        rc, out = judge_text(one_test('sigreturn_32', rf.format(16, '10246') +
                                      fail.format('sigreturn_32')), '', '--exact')
        self.assertEqual(rc, 0, out)
        self.assertIn("passes but for TCG's stale RF", row(out, 'sigreturn_32'))
        for body in (rf.format(17, '10246'),    # not EFLAGS on 32-bit
                     rf.format(16, '10346'),    # more than RF
                     rf.format(16, '10246') + '# [FAIL]\tSP mismatch\n'):
            rc, out = judge_text(one_test('sigreturn_32', body + fail.format('sigreturn_32')))
            self.assertEqual(rc, 1, body)
        rc, out = judge_text(one_test('sigreturn_64', rf.format(17, '10246') +
                                      fail.format('sigreturn_64')))
        self.assertEqual(rc, 0, out)


if __name__ == '__main__':
    unittest.main()
