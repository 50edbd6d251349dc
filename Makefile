# The longer jobs, beside ./run and ./test (README.md). ./test runs the
# gates too; the benchmark and the stress run are not part of CI.
#   make gates                 submission gates on patches/ (BOOT=1: boot every step too)
#   make bench                 the entry benchmark: table in bench/results.md
#   make stress [SECONDS=N]    the stress run, base then series (default 1800 s each)
SECONDS ?= 1800

.PHONY: gates bench stress
gates:
	scripts/gates.sh $(if $(BOOT),--boot)
bench:
	scripts/bench.sh
# The base's verdict is for comparison: the series runs whatever it says.
stress:
	-scripts/stress.sh --base --seconds $(SECONDS)
	scripts/stress.sh --seconds $(SECONDS)
