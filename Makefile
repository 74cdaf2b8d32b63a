# flume: one non-recursive makefile.  CFLAGS, LDFLAGS, CC, PREFIX and DESTDIR
# belong to the user; our own flags live in FL_* variables.
#
#   make            build libcommon/libcommon.a and every program into bin/
#   make check      build and run every test (unit, fuzz corpus replay, bats)
#   make asan       the same under AddressSanitizer + UBSan, in build-san/
#   make install    PREFIX=/usr/local DESTDIR=...
#   make deps       install the Debian (and npm) packages builds and tests need
#   make bench-storage / bench / bench-repl / bench-groups / fuzz / lint
#                   (bench runs bench.sh, then bench-repl.sh)
#   make cluster    three brokers and a controller in ./cluster (bin/flume-cluster)
#   make trials     one fault trial per nemesis (netns ones too when root)
#   make soak MINUTES=N   fault trials in a loop for N minutes, then totals
#   make sim-check  the simulator catches each planted bug (flume-sim(1))
#   make sim-soak MINUTES=N   simulated scenarios for N minutes, then totals

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
CC ?= cc
CFLAGS ?= -O2 -g
VERSION = 0.1.0

SAN ?=
ifeq ($(SAN),1)
OUT     = build-san
LIB     = $(OUT)/libcommon.a
BINOUT  = $(OUT)/bin
FL_SAN  = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
OUT     = build
LIB     = libcommon/libcommon.a
BINOUT  = bin
FL_SAN  =
endif
# make PLANT=NAME: a build with one of the simulator's planted bugs
# (FL_PLANT_NAME in libcommon, flume-sim(1) PLANTED BUGS), in its own tree
PLANT ?=
ifneq ($(PLANT),)
OUT     = build-plant/$(PLANT)
LIB     = $(OUT)/libcommon.a
BINOUT  = $(OUT)/bin
FL_PLANT = -DFL_PLANT_$(PLANT)
endif

DEPS     = libsodium libpipeline zlib liblz4 libzstd
# snappy has no pkg-config file in Debian 12 (codec/compress: Kafka's snappy)
DEPS_LIBS = -lsnappy
WARN     = -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
FL_CPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DFL_VERSION='"$(VERSION)"' \
           -Ilibcommon -MMD -MP $(FL_PLANT)
# Asked when a recipe runs (recursive '='), never when the Makefile is parsed:
# on a fresh machine the first 'make' installs libsodium-dev and libpipeline-dev
# (deps-quiet) before anything compiles, and a ':=' would have seen nothing.
# The first use stores the answer, so pkg-config runs once per make, not per file.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEPS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(DEPS)) $(DEPS_LIBS))$(PKG_LIBS)
FL_CFLAGS = -std=c11 $(WARN) $(FL_SAN) $(PKG_CFLAGS) $(CPPFLAGS) $(FL_CPPFLAGS) $(CFLAGS)
FL_LDLIBS = $(FL_SAN) $(LDFLAGS) $(LIB) $(PKG_LIBS) -lpthread $(LDLIBS)

LIB_SRC  = $(wildcard libcommon/*/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(OUT)/%.o)
PROGS    = $(patsubst %/,%,$(dir $(wildcard flume-*/main.c)))
PROG_BIN = $(PROGS:%=$(BINOUT)/%)
UNIT_SRC = $(wildcard t/unit/test-*.c)
UNIT_BIN = $(UNIT_SRC:t/unit/%.c=$(OUT)/unit/%)
TOOL_BIN = $(if $(wildcard t/tool/test-tool.c),$(BINOUT)/flume-test-tool)
BENCH_BIN = $(patsubst bench/%.c,$(OUT)/benchbin/%,$(wildcard bench/*.c))
FUZZ_SRC = $(wildcard fuzz/fuzz-*.c)
FUZZ_REPLAY = $(FUZZ_SRC:fuzz/%.c=$(OUT)/fuzz/%-replay)
SCRIPTS  = $(filter-out $(PROG_BIN) bin/flume-test-tool,$(wildcard bin/flume-*))

ALL_OBJ  = $(LIB_OBJ) $(foreach p,$(PROGS),$(patsubst %.c,$(OUT)/%.o,$(wildcard $(p)/*.c)))

RUN_LISTEN ?= 127.0.0.1:9092

.PHONY: run all deps check asan unit bats install uninstall clean lint fuzz bench bench-metrics bench-repl bench-storage bench-groups cluster trials soak sim-check sim-soak
all: deps-quiet $(LIB) $(PROG_BIN) $(TOOL_BIN)

deps:
	@sh mk/deps.sh

deps-quiet:
	@sh mk/deps.sh --quiet

$(OUT)/%.o: %.c | deps-quiet
	@mkdir -p $(dir $@)
	$(CC) $(FL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# keep objects that chained rules build (make would delete them as intermediates)
.SECONDARY:

.SECONDEXPANSION:
prog_objs = $(patsubst %.c,$(OUT)/%.o,$(wildcard $(1)/*.c))
$(BINOUT)/flume-%: $$(call prog_objs,flume-$$*) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(FL_CFLAGS) -o $@ $(filter %.o,$^) $(FL_LDLIBS)

$(TOOL_BIN): $(OUT)/t/tool/test-tool.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(FL_CFLAGS) -o $@ $< $(FL_LDLIBS)

$(OUT)/unit/%: $(OUT)/t/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(FL_CFLAGS) -o $@ $< $(FL_LDLIBS)

$(OUT)/benchbin/%: $(OUT)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(FL_CFLAGS) -o $@ $< $(FL_LDLIBS)

# Fuzz targets, replayed over their corpus by a plain main() in make check.
$(OUT)/fuzz/%-replay: $(OUT)/fuzz/%.o $(OUT)/fuzz/replay.o $(LIB)
	$(CC) $(FL_CFLAGS) -o $@ $(filter %.o,$^) $(FL_LDLIBS)

# flume-sim scenarios in t/50-sim.bats: 10,000; under ASan (8x slower) 2,000
SIM_SCENARIOS = $(if $(filter 1,$(SAN)),2000,10000)

check: all $(UNIT_BIN) $(FUZZ_REPLAY)
	@FLUME_BIN=$(CURDIR)/$(BINOUT) FLUME_UNIT=$(CURDIR)/$(OUT)/unit \
	    FLUME_SIM_SCENARIOS=$(SIM_SCENARIOS) \
	    FLUME_FUZZ=$(CURDIR)/$(OUT)/fuzz sh t/run-tests.sh

# the main job: a one-node broker on 127.0.0.1 with its data in ./data
run: all
	$(BINOUT)/flume-serve --data ./data --listen $(RUN_LISTEN)

# three brokers on 127.0.0.1 and a controller, everything under ./cluster
cluster: all
	PATH="$(CURDIR)/$(BINOUT):$$PATH" bin/flume-cluster up 3 --dir ./cluster

# netns variants when root and ip(8) is there
TRIAL_NETNS = $$( [ "$$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 && command -v socat >/dev/null 2>&1 && echo --netns)
MINUTES ?= 10

trials: all
	PATH="$(CURDIR)/$(BINOUT):$$PATH" bin/flume-trial --dir $(OUT)/trials $(TRIAL_NETNS)

soak: all
	PATH="$(CURDIR)/$(BINOUT):$$PATH" bin/flume-trial --dir $(OUT)/soak --minutes $(MINUTES) $(TRIAL_NETNS)

sim-check: all
	@sh mk/sim-check.sh

# new seeds each time (from the clock, printed), unless SIM_SEED=N says where to start
sim-soak: all
	$(BINOUT)/flume-sim --minutes $(MINUTES) --seed $${SIM_SEED:-$$(date +%s)000}

unit: all $(UNIT_BIN)
	@FLUME_BIN=$(CURDIR)/$(BINOUT) FLUME_UNIT=$(CURDIR)/$(OUT)/unit sh t/run-tests.sh --unit-only

asan:
	@$(MAKE) --no-print-directory SAN=1 check

fuzz:
	sh mk/fuzz.sh

bench-groups: all $(OUT)/benchbin/group-load
	sh bench/bench-groups.sh $(BINOUT) $(OUT)/benchbin/group-load

bench: all $(OUT)/benchbin/flume-load
	sh bench/bench.sh $(OUT)/benchbin/flume-load $(BINOUT)
	sh bench/bench-repl.sh $(OUT)/benchbin/flume-load $(BINOUT)

bench-metrics: all $(OUT)/benchbin/flume-load
	sh bench/bench-metrics.sh $(OUT)/benchbin/flume-load $(BINOUT)

bench-repl: all $(OUT)/benchbin/flume-load
	sh bench/bench-repl.sh $(OUT)/benchbin/flume-load $(BINOUT)

bench-storage: all $(OUT)/benchbin/bench-storage
	sh bench/bench-storage.sh $(OUT)/benchbin/bench-storage

lint:
	@for m in man/man*/*.[0-9]; do mandoc -T lint -W warning "$$m" || exit 1; done
	@sh mk/layers.sh
	@! grep -n 'fl_die' libcommon/*/*.c flume-*/*.c | grep -v -e '^libcommon/os/diag.c' -e '/main.c:' || \
	    { echo "lint: fl_die* outside a program's main.c" >&2; exit 1; }
	@! grep -nE '_?exit\(([2-9]|[1-9][0-9]+)\)|return (6[4-9]|7[0-8]);|exit_code = [0-9]' \
	    libcommon/*/*.c flume-*/*.c || \
	    { echo "lint: a literal exit code (use the <sysexits.h> names)" >&2; exit 1; }

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(PROG_BIN) $(SCRIPTS) $(DESTDIR)$(BINDIR)
	install -m 0644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 0644 man/man5/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 man/man7/*.7 $(DESTDIR)$(MANDIR)/man7

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(BINDIR)/%) $(SCRIPTS:bin/%=$(DESTDIR)$(BINDIR)/%)
	for f in man/man*/*.[0-9]; do rm -f $(DESTDIR)$(MANDIR)/$${f#man/}; done

clean:
	rm -rf build build-san build-fuzz build-plant libcommon/libcommon.a $(PROGS:%=bin/%) bin/flume-test-tool

-include $(ALL_OBJ:.o=.d) $(wildcard $(OUT)/t/unit/*.d $(OUT)/t/tool/*.d $(OUT)/fuzz/*.d $(OUT)/bench/*.d)
