# SPDX-License-Identifier: Apache-2.0
# moat build. `make` builds build/moatd, build/moatd-api, build/moat-forward,
# build/moat-tree and build/moat.
#   make deps     install the Debian packages (idempotent, quiet)
#   make SAN=1    ASan + UBSan build (in build-san/)
#   make FUZZ=1   clang libFuzzer targets (in build-fuzz/)
#   make lint     banned calls, clang-format, privhelper budget and link line
#   make check    deps, build, unit + integration tests, a short fuzz pass:
#                 the suites from a pool (JOBS=4 at once), the unit tests and
#                 the parser and boundary suites again under ASan + UBSan
#                 (the list and why: tests/run.sh), 10 s per fuzz target
#   make check-full  the same with every suite under ASan + UBSan too and
#                 FUZZ_FULL_SECONDS (default 60) per fuzz target
#   make demo     deps, build, start moatd, show the server
#   make bench    moat against LXD 5.0.2 and Incus 6.0, side by side (bench/run.sh)

CC ?= cc
PKG_CONFIG ?= pkg-config
SAN ?= 0
FUZZ ?= 0
FUZZ_SECONDS ?= 60
FUZZ_FULL_SECONDS ?= 60

ifeq ($(FUZZ),1)
CC := clang
B := build-fuzz
else ifeq ($(SAN),1)
B := build-san
else
B := build
endif

# Flags that this compiler accepts (gcc 12 and clang 14 differ).
probe = $(shell printf 'int main(void){return 0;}' | $(CC) $(1) -Werror -x c - -o /dev/null 2>/dev/null && echo "$(1)")

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wno-unused-parameter
HARDEN := $(call probe,-D_FORTIFY_SOURCE=3 -O2) $(call probe,-fstack-protector-strong) \
	$(call probe,-fstack-clash-protection) $(call probe,-fcf-protection) -fPIE
VERSION := 0.1.0
CFLAGS_BASE := -DMOAT_VERSION='"$(VERSION)"' -std=gnu11 -g -O2 $(WARN) $(HARDEN) -D_GNU_SOURCE -I. -Icommon -I$(B)/gen -Iprivhelper -Ifrontend \
	-DMOAT_POLICY_DEFAULT='"$(CURDIR)/policy/default.policy"'
LDFLAGS_BASE := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack

ifeq ($(SAN),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_BASE += -fsanitize=address,undefined
endif
# FUZZ=1: every object carries libFuzzer's coverage (fuzzer-no-link: the
# targets bring the one main), ASan and UBSan; no fortify or stack-clash
# flags under the sanitizers; clang counts the client's command tables'
# { NULL } ends as missing initializers
ifeq ($(FUZZ),1)
CFLAGS_BASE := $(filter-out -D_FORTIFY_SOURCE=3 -fstack-clash-protection,$(CFLAGS_BASE)) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -Wno-missing-field-initializers
endif

# libnl's headers live in their own directory (moatd's net_link.c includes them)
CFLAGS_BASE += $(shell $(PKG_CONFIG) --cflags-only-I libnl-route-3.0 2>/dev/null)

override CFLAGS := $(CFLAGS_BASE) $(CFLAGS)
override LDFLAGS := $(LDFLAGS_BASE) $(LDFLAGS)

pc = $(shell $(PKG_CONFIG) --cflags --libs $(1) 2>/dev/null)
LIBS_PH := $(call pc,lxc libprotobuf-c libseccomp libcap libkmod libnl-route-3.0 libnftables)
LIBS_FE := $(call pc,libmicrohttpd json-c sqlite3 libprotobuf-c libseccomp gnutls libarchive yaml-0.1 libmnl) -lpthread
LIBS_CLI := $(call pc,libcurl json-c yaml-0.1 libarchive gnutls)

GEN := $(B)/gen/proto/privhelper.pb-c.c
GEN_H := $(B)/gen/proto/privhelper.pb-c.h

COMMON_SRC := common/log.c common/frame.c common/name.c common/buf.c common/cgroup.c common/fd.c common/netaddr.c
# the rules of the security keys' text (raw.lxc, seccomp, sysctls): both daemons
RAWCONF_SRC := common/rawconf.c
# websocket framing: moatd-api and moat only, never moatd (it parses no frame)
WS_SRC := lxd/ws.c
# LXD's objects as field tables: moatd-api and moat, never moatd
LXD_SRC := $(filter-out $(WS_SRC),$(wildcard lxd/*.c))
PH_SRC := $(wildcard privhelper/*.c)
PH_LIB_SRC := $(filter-out privhelper/main.c,$(PH_SRC))
FE_SRC := $(sort $(wildcard frontend/*.c frontend/*/*.c))
FE_LIB_SRC := $(filter-out frontend/main.c,$(FE_SRC))
CLI_SRC := $(wildcard cli/*.c)
# the unit tests link the client too, all but its main()
CLI_LIB_SRC := $(filter-out cli/main.c,$(CLI_SRC))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

BINS := $(B)/moatd $(B)/moatd-api $(B)/moat-forward $(B)/moat-tree $(B)/moat
TEST_BINS := $(B)/tests/unit $(B)/tests/forge $(B)/tests/netop $(B)/bench/rps

.PHONY: all deps lint check check-full demo bench clean fuzz fuzz-build unit integration user

# generated from moat's command table: bash completion and man pages
DOCS := $(B)/share/bash-completion/moat $(B)/share/man/man1/moat.1

ifeq ($(FUZZ),1)
all: # FUZZ=1: the fuzz targets (below)
else
all: $(BINS) $(TEST_BINS) $(DOCS)
endif

$(GEN) $(GEN_H): proto/privhelper.proto
	@mkdir -p $(B)/gen
	protoc-c --c_out=$(B)/gen $<

$(B)/obj/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Wmissing-prototypes -Wshadow,$(CFLAGS)) -c $< -o $@

GEN_OBJ := $(B)/obj/gen/proto/privhelper.pb-c.o

$(B)/moatd: $(call obj,$(PH_SRC) $(COMMON_SRC) common/sandbox.c $(RAWCONF_SRC)) $(GEN_OBJ)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_PH)

$(B)/moatd-api: $(call obj,$(FE_SRC) $(COMMON_SRC) $(WS_SRC) $(LXD_SRC) common/sandbox.c $(RAWCONF_SRC)) $(GEN_OBJ)
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_FE)

# a proxy device's unprivileged relay, exec'd by moatd's forwarder (privhelper/proxy_fwd.c)
$(B)/moat-forward: $(call obj,forward/main.c common/fd.c common/sandbox.c)
	$(CC) $(LDFLAGS) $^ -o $@ $(call pc,libseccomp)

# the confined tree worker, exec'd by moatd pivoted into a pool (privhelper/storage.c):
# static, since no loader or library is there to be found; never built with the
# sanitizers (their runtimes cannot be linked statically)
TREE_CFLAGS := $(filter-out -fsanitize% -fno-sanitize% -fPIE,$(CFLAGS)) -fPIE
$(B)/moat-tree: worker/tree.c worker/file.c worker/btrfs.c common/frame.c worker/tree.h common/cleanup.h common/frame.h
	@mkdir -p $(dir $@)
	$(CC) $(TREE_CFLAGS) -static-pie $(filter %.c,$^) -o $@ -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack \
		$(shell $(PKG_CONFIG) --static --libs libarchive libbtrfsutil)

$(B)/moat: $(call obj,$(CLI_SRC) $(COMMON_SRC) $(WS_SRC) $(LXD_SRC))
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_CLI)

$(B)/share/bash-completion/moat: $(B)/moat
	@mkdir -p $(dir $@)
	$(B)/moat __generate completion >$@.tmp && mv $@.tmp $@

$(B)/share/man/man1/moat.1: $(B)/moat
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(B)/moat __generate man $(dir $@)

UNIT_SRC := $(wildcard tests/unit/*.c)
# hostile requests for the unit and forge tests: encoding, base messages, mutator
TEST_LIB_SRC := $(wildcard tests/lib/*.c)
# (test_storage.c runs moat-tree, which moatd's code finds beside the running binary)
$(B)/tests/unit: $(call obj,$(UNIT_SRC) $(TEST_LIB_SRC) $(PH_LIB_SRC) $(FE_LIB_SRC) $(CLI_LIB_SRC) $(COMMON_SRC) $(WS_SRC) $(LXD_SRC) common/sandbox.c $(RAWCONF_SRC)) $(GEN_OBJ) | $(B)/moat-tree
	@mkdir -p $(dir $@)
	ln -sf ../moat-tree $(dir $@)moat-tree
	$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_PH) $(LIBS_FE) $(LIBS_CLI)

$(B)/tests/forge: $(call obj,tests/forge/forge.c $(TEST_LIB_SRC) $(COMMON_SRC)) $(GEN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(call pc,libprotobuf-c)

# the network ops' positive path against a live moatd (63-netcore)
$(B)/tests/netop: $(call obj,tests/forge/netop.c common/frame.c) $(GEN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(call pc,libprotobuf-c)

# ---- fuzzing (clang, libFuzzer + ASan + UBSan) ---------------------------
# The daemons' and the client's objects are compiled once with clang into
# build-fuzz/obj/ and kept in two archives; each fuzz/fuzz_*.c is compiled
# alone and linked against one of them (the linker takes only the members a
# target needs), so a new target or a touched source costs one compile, not
# a compile of every source per target.
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
FUZZ_BINS := $(patsubst fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))

fuzz-build:
	$(MAKE) FUZZ=1 $(FUZZ_BINS)

ifeq ($(FUZZ),1)
all: $(FUZZ_BINS)

FUZZ_LIB_DAEMONS := $(B)/libmoat-daemons.a
FUZZ_LIB_CLI := $(B)/libmoat-cli.a

$(FUZZ_LIB_DAEMONS): $(call obj,$(PH_LIB_SRC) $(FE_LIB_SRC) $(COMMON_SRC) $(WS_SRC) $(LXD_SRC) common/sandbox.c $(RAWCONF_SRC)) $(GEN_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# the client's archive: all but its main(), for the fuzz_cli_* targets
$(FUZZ_LIB_CLI): $(call obj,$(CLI_LIB_SRC) $(COMMON_SRC) $(WS_SRC) $(LXD_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

# the client's targets (fuzz_cli_*) link the client instead of the daemons
FUZZ_BINS_CLI := $(filter $(B)/fuzz_cli_%,$(FUZZ_BINS))

$(filter-out $(FUZZ_BINS_CLI),$(FUZZ_BINS)): $(B)/%: $(B)/obj/fuzz/%.o $(FUZZ_LIB_DAEMONS)
	$(CC) $(FUZZ_FLAGS) $^ -o $@ $(LIBS_PH) $(LIBS_FE)

$(FUZZ_BINS_CLI): $(B)/%: $(B)/obj/fuzz/%.o $(FUZZ_LIB_CLI)
	$(CC) $(FUZZ_FLAGS) $^ -o $@ $(LIBS_CLI)
endif

fuzz: fuzz-build
	@for f in $(FUZZ_BINS); do t=$$(basename $$f); mkdir -p fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 fuzz/corpus/$$t 2>&1 | \
		grep -E 'stat::number_of_executed_units|cov:|ERROR|SUMMARY' | tail -3 || exit 1; done

# ---- everything a user runs ------------------------------------------------
deps:
	@tools/deps.sh

user:
	@id moat >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin moat
	@id moat-dns >/dev/null 2>&1 || useradd --system --user-group --no-create-home \
		--home-dir /nonexistent --shell /usr/sbin/nologin moat-dns

lint: $(BINS)
	@tools/lint.sh $(B)

check: deps user
	@$(MAKE) --no-print-directory all
	@tests/run.sh

check-full: deps user
	@$(MAKE) --no-print-directory all
	@SAN_SUITES=all FUZZ_CHECK_SECONDS=$(FUZZ_FULL_SECONDS) tests/run.sh

demo: deps user
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

# benchmarks, not tests: figures and ratios against a reference LXD and Incus
$(B)/bench/rps: bench/rps.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ $(call pc,libcurl) -lpthread

bench: deps user
	@$(MAKE) --no-print-directory all $(B)/bench/rps
	@B=$(B) bench/run.sh

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
