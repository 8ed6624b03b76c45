# Makefile - the front door: make run, make test, make bench (see README.md).
BUILD ?= build
ASAN ?= build-asan
VMGR = $(BUILD)/src/vmgr/vmgr
B ?=

.PHONY: all setup build build-asan build-clang run test test-fast bench fuzz format clean

all: build

setup:
	@scripts/setup

build: setup
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) --buildtype=debugoptimized
	@ninja -C $(BUILD)

# The address- and undefined-behaviour-sanitized build runs the whole suite too.
build-asan: setup
	@[ -f $(ASAN)/build.ninja ] || meson setup $(ASAN) --buildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all
	@ninja -C $(ASAN)

# The same code must build warning-free with clang (tests run in the gcc builds).
build-clang: setup
	@[ -f build-clang/build.ninja ] || CC=clang meson setup build-clang
	@ninja -C build-clang

# The main job: vmgrd with the seed's platform (1 core, 1 GiB) runs the
# seed's VMs A and B as real guests; first the offline placement of the
# same scenario.
run: build
	$(VMGR) place examples/seed.json
	@scripts/run-seed $(BUILD)

# Every test, in the normal build and again under ASan+UBSan.
test: build build-asan build-clang
	@rc=0; \
	meson test -C $(BUILD) --print-errorlogs || rc=1; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C $(ASAN) --print-errorlogs --no-suite lint || rc=1; \
	exit $$rc

# The normal build's tests only (quick local loop).
test-fast: build
	@meson test -C $(BUILD) --print-errorlogs

# Benchmarks print one JSON object per measurement; B=NAME runs one.
bench: build
	@ninja -C $(BUILD) tests/guest/vmlinuz >/dev/null
	@scripts/bench $(BUILD) $(B)

# libFuzzer binaries (clang) in build-fuzz/; corpora live in tests/fuzz/corpus/.
fuzz: setup
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz \
		-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
	@ninja -C build-fuzz

format:
	@clang-format -i $$(find src tests bench -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(ASAN) build-clang build-fuzz
