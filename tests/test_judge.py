"""Unit tests of scripts/judge.py on stored console logs."""
import os
import subprocess
import sys
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


if __name__ == '__main__':
    unittest.main()
