# Top-level targets of the timekeeper_ns project; see README.md.
.PHONY: all kernel check check-quick lint bench demo deps clean

all: kernel

deps:
	harness/deps

kernel: deps
	harness/build-kernel

check:
	harness/check

check-quick:
	harness/check --quick

lint: kernel
	harness/lint

bench: deps
	harness/bench

demo: kernel
	harness/vm-run --timeout 120 -- harness/demo-guest

clean:
	rm -rf build
