# Intake: the two commands are `make demo` and `make test`. Both install missing system packages first.
SWIFT ?= swift
CONFIGURATION ?= debug

.PHONY: demo test deps build samples bench bench-http bench-queue bench-reprocess fuzz clean format lint

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIGURATION)

# Sample application documents: the small ones are committed, the large scans are generated.
samples: deps
	@SampleDocs/make-samples.sh

demo: build samples
	$(SWIFT) run -c $(CONFIGURATION) --skip-build intake demo
	@INTAKE=.build/$(CONFIGURATION)/intake scripts/demo-http.sh

# The house format (.swift-format: 4 spaces, 120 columns, ordered imports); `make test` fails on a drift.
format:
	$(SWIFT) format format --in-place --recursive Sources Tests Benchmarks Fuzz Package.swift

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks Fuzz Package.swift

test: deps lint
	@scripts/ensure-test-tools.sh >/dev/null
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The issue-15 table (Benchmarks/run-table.sh: every goal beside its peer or baseline, processes timed from
# outside), then the in-process view of `check` with its stage costs (Benchmarks/run.sh: `intake-bench check`, the
# benchmarks' own executable). Release builds in .build-bench unless INTAKE / INTAKE_BENCH name binaries; pikepdf
# and img2pdf from pip in .venv/. `make bench QUICK=1` runs fewer rounds. Both parts run even if one fails.
bench: deps
	@status=0; \
	Benchmarks/run-table.sh $(if $(QUICK),--quick) || status=$$?; \
	echo; \
	Benchmarks/run.sh $(if $(QUICK),--rounds 3) || status=$$?; \
	exit $$status

# intake serve under a bounded load from a second process on loopback (release build in .build-bench).
bench-http: deps
	@Benchmarks/run-http.sh

# The queue on PostgreSQL beside procrastinate, on a PostgreSQL 15 the script starts (release build in .build-bench).
bench-queue: deps
	@Benchmarks/run-queue.sh

# `intake reprocess --all` after a limit change on SQLite, and its dry run (release build in .build-bench).
bench-reprocess: deps
	@Benchmarks/run-reprocess.sh

# libFuzzer targets for Intake's own parsers, each for FUZZ_SECONDS (default 60) from Fuzz/Corpus; built by swiftc
# into .build-fuzz, apart from the product build. `make fuzz FUZZ_TARGETS="archive pdf-syntax"` runs only those.
fuzz: deps
	@Fuzz/run.sh $(FUZZ_TARGETS)

clean:
	rm -rf .build .build-fuzz .intake .venv SampleDocs/generated
