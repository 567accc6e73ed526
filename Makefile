# Top-level entry points. `make` builds; `make test` installs missing
# packages, builds the normal and the sanitizer configurations and runs
# every test in both through ctest.

BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local

.PHONY: all deps build test test-normal test-sanitize demo install bench bench-scheduler bench-cdr format clean

all: build

deps:
	./scripts/install-deps

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)

$(SANITIZE_DIR)/CMakeCache.txt:
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DCONVENE_SANITIZE=ON

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

test-normal: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

test-sanitize: deps $(SANITIZE_DIR)/CMakeCache.txt
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	cd $(SANITIZE_DIR) && ctest --output-on-failure -j $(JOBS)

test: test-normal test-sanitize

# Benchmarks (bench/, docs/benchmarks.md): never part of `make test`.
bench: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target convene-bridge
	python3 bench/bridge.py --build-dir $(BUILD_DIR)
	$(MAKE) bench-scheduler

# convened's bookings and meeting starts (bench/scheduler.py); Python only.
bench-scheduler: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target convened convene-bridge
	python3 bench/scheduler.py --build-dir $(BUILD_DIR)

# convened's CDR receiver and utilisation report (bench/cdr.py); Python only.
bench-cdr: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target convened convene-bridge
	python3 bench/cdr.py --build-dir $(BUILD_DIR)

# The whole story of the seed on throw-away daemons (convene demo --help).
# KEEP_CONSOLE=1 leaves them running with the web console open (Ctrl-C ends).
demo: build
	$(BUILD_DIR)/src/cli/convene demo $(if $(KEEP_CONSOLE),--keep-console --console-dir $(CURDIR)/console)

# PREFIX and DESTDIR honoured: the build is configured for PREFIX (the
# systemd units name the installed paths), then staged under DESTDIR.
install: deps $(BUILD_DIR)/CMakeCache.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD_DIR) -j $(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
