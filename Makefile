# whoop: plain GNU make.  See README for the targets.
#
# B is the build directory: "." for the normal build (lib/libwhoop.a and
# cmd/whoop-* in the tree), another for the sanitizer build.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/whoop
DESTDIR	?=

CC	?= cc
CFLAGS	?= -O2 -g
B	?= .
SAN	?=

PKGS	:= libcurl sqlite3 libcrypto libcjson zlib

# The Debian packages: share/packages is the only list (share/packages.sh
# reads it).  Before anything is built, make names what is missing, the
# compiler included; check and its kin need the suite's tools too, and
# install them all when run as root, as make demo does.
NOPKG_GOALS := clean clean-verify demo deps lint help
PKG_GOALS := $(filter-out $(NOPKG_GOALS),$(or $(MAKECMDGOALS),all))
PKG_KINDS := build $(if $(filter check check-asan check-valgrind bench,$(PKG_GOALS)),test)
ifneq ($(PKG_GOALS),)
ifeq ($(MAKELEVEL),0)
ifeq ($(shell id -u),0)
ifneq ($(filter test,$(PKG_KINDS)),)
PKG_INSTALL := $(shell sh share/packages.sh need 'make $(PKG_GOALS)' $(PKG_KINDS) >&2 || echo failed)
ifneq ($(PKG_INSTALL),)
$(error installing the packages failed: see apt-get's messages above)
endif
endif
endif
PKG_MISSING := $(shell sh share/packages.sh missing $(PKG_KINDS))
ifneq ($(PKG_MISSING),)
define PKG_MESSAGE
make $(PKG_GOALS) needs Debian packages that are not installed (share/packages lists them). As root, run:

    apt-get install --no-install-recommends $(PKG_MISSING)

then run make $(PKG_GOALS) again
endef
$(error $(PKG_MESSAGE))
endif
endif
ifeq ($(shell command -v $(firstword $(CC)) 2>/dev/null),)
$(error no C compiler: $(firstword $(CC)) is not installed (Debian package build-essential))
endif
PKG_NOTFOUND := $(strip $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) 2>/dev/null && echo y),,$(p))))
ifneq ($(PKG_NOTFOUND),)
$(error pkg-config cannot find $(PKG_NOTFOUND): see share/packages for the Debian packages)
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS)) -lm
endif

# $(call need_cmd,PROGRAM,PACKAGE): stop unless an optional component is there.
need_cmd = command -v $(firstword $(1)) >/dev/null 2>&1 || { echo \
	"make $@: $(firstword $(1)) is not installed (Debian package $(2), see share/packages)" >&2; exit 1; }

# Project flags, kept apart from the user's CFLAGS.
STD	:= -std=c11 -D_DEFAULT_SOURCE
WARN	:= -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-unused-parameter
ifeq ($(SAN),)
HARDEN	:= -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	   -fstack-clash-protection -fPIE
HLDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed
else
HARDEN	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer -fstack-protector-strong -fPIE
HLDFLAGS := -fsanitize=address,undefined -pie -Wl,--as-needed
endif
ALL_CFLAGS := $(STD) $(WARN) $(HARDEN) $(PKG_CFLAGS) -Ilib $(CFLAGS) -MMD -MP
ALL_LDFLAGS := $(HLDFLAGS) $(LDFLAGS)

LIB_SRC	:= $(sort $(wildcard lib/*.c))
LIB_OBJ	:= $(LIB_SRC:%.c=$(B)/%.o)
LIBA	:= $(B)/lib/libwhoop.a
CMD_SRC	:= $(sort $(wildcard cmd/*.c))
CMDS	:= $(CMD_SRC:%.c=$(B)/%)
UNIT_SRC := $(sort $(wildcard t/unit/*.c))
UNITS	:= $(UNIT_SRC:%.c=$(B)/%)
# Programs the shell tests drive; built, not run by prove themselves.
TOOL_SRC := $(sort $(wildcard t/tools/*.c))
TOOLS	:= $(TOOL_SRC:%.c=$(B)/%)
SHTESTS	:= $(sort $(wildcard t/*.t))
# Objects are kept: without them a later make relinks, and make check
# would end with a long rm line.
.SECONDARY: $(CMDS:=.o) $(UNITS:=.o) $(TOOLS:=.o)
MANS	:= $(sort $(wildcard man/*.[1-9]))

.PHONY: all check check-asan bench clean install uninstall demo deps lint help
.DEFAULT_GOAL := all

all: $(LIBA) $(CMDS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(B)/cmd/%: $(B)/cmd/%.o $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS)

$(B)/t/unit/%: $(B)/t/unit/%.o $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS)

$(B)/t/tools/%: $(B)/t/tools/%.o $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS)

# The tests find what they run through these variables.
TESTENV	= WHOOP_TOP=$(CURDIR) WHOOP_BIN=$(abspath $(B))/cmd \
	  WHOOP_UNIT=$(abspath $(B))/t/unit WHOOP_TOOLS=$(abspath $(B))/t/tools
PROVE	?= prove
PROVE_J	?= -j2

check: all $(UNITS) $(TOOLS)
	@# -- canary scan (issue 8): see "Verification" below --
	@mkdir -p $(dir $(CANARY_LOG)) && : >$(CANARY_LOG)
	@# -- end canary scan --
	$(TESTENV) $(PROVE) $(PROVE_J) --exec '' $(UNITS) $(SHTESTS)
	@# -- canary scan (issue 8) --
	@if [ -s $(CANARY_LOG) ]; then \
		echo "canary secrets left in the tests' files:"; \
		cat $(CANARY_LOG); exit 1; fi
	@# -- end canary scan --

# Figures side by side with sqlite3, curl and jq; no assertions.  The
# scripts are bash.  BENCH_SMALL=1 runs them at small sizes in a minute
# or two (CI does, so they cannot break unseen); the full sizes take a
# while, and keep their generated databases in build-bench/.
BENCH_SMALL ?=
bench: all $(TOOLS)
	for b in t/bench/*.sh; do \
		$(TESTENV) BENCH_SMALL=$(BENCH_SMALL) \
		    BENCH_CACHE=$(abspath $(B))/build-bench nice bash $$b || \
		    exit 1; \
	done

check-asan:
	$(MAKE) B=build-asan SAN=1 CFLAGS='-O1 -g' check

# --- Verification (issue 8): fuzzing, valgrind, static analysis ----------
#
# t/fuzz/fuzz-NAME.c are libFuzzer targets.  Each is also linked with
# t/fuzz/driver.c into $(B)/t/fuzz/replay-NAME, a plain program that
# t/0900-fuzz-replay.t runs over t/fuzz/corpus/NAME, so that check,
# check-asan and check-valgrind replay the corpora.  make fuzz builds the
# targets with clang and libFuzzer into build-fuzz/ (the library too,
# instrumented) and runs each for FUZZ_SECONDS; new inputs go to
# build-fuzz/corpus/NAME, crashes to t/fuzz/crashes/NAME/, from where a
# fixed one is moved into the corpus as a regression test.
FUZZ_SRC := $(sort $(wildcard t/fuzz/fuzz-*.c))
FUZZ_NAMES := $(FUZZ_SRC:t/fuzz/fuzz-%.c=%)
REPLAYS	:= $(FUZZ_NAMES:%=$(B)/t/fuzz/replay-%)
REPLAY_OBJ := $(B)/t/fuzz/driver.o $(FUZZ_SRC:%.c=$(B)/%.o)
.SECONDARY: $(REPLAY_OBJ)

# Shell tests log leftover canaries here (t/lib.sh, WHOOP_CANARY_LOG).
CANARY_LOG = $(abspath $(B))/t/canary.log
TESTENV	+= WHOOP_FUZZ=$(abspath $(B))/t/fuzz WHOOP_CANARY_LOG=$(CANARY_LOG)

check: $(REPLAYS)

$(B)/t/fuzz/replay-%: $(B)/t/fuzz/driver.o $(B)/t/fuzz/fuzz-%.o $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(B)/t/fuzz/driver.o $(B)/t/fuzz/fuzz-$*.o \
	    $(LIBA) $(PKG_LIBS)

FUZZ_CC	?= clang
FUZZ_B	:= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
FUZZ_CFLAGS = $(STD) $(WARN) $(PKG_CFLAGS) -Ilib -g -O1 $(FUZZ_SAN) \
	   -fsanitize=fuzzer-no-link -MMD -MP
FUZZ_LIBOBJ := $(LIB_SRC:%.c=$(FUZZ_B)/%.o)
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_B)/fuzz-%)
# -timeout: seconds for one input; -rss_limit_mb: memory, as libFuzzer's
# default; FUZZ_FLAGS adds more (e.g. -jobs=2 -workers=2).
FUZZ_RUNFLAGS = -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	   -rss_limit_mb=2048 -print_final_stats=1 $(FUZZ_FLAGS)

$(FUZZ_B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_B)/lib/libwhoop.a: $(FUZZ_LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_LIBOBJ)

$(FUZZ_B)/fuzz-%: $(FUZZ_B)/t/fuzz/fuzz-%.o $(FUZZ_B)/lib/libwhoop.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_B)/lib/libwhoop.a $(PKG_LIBS)

# Every target runs even when one fails; the run fails if any did.
fuzz: $(FUZZ_BINS)
	@st=0; for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_B)/corpus/$$n t/fuzz/crashes/$$n; \
		dict=; [ -f t/fuzz/$$n.dict ] && dict=-dict=t/fuzz/$$n.dict; \
		echo "fuzz-$$n: $(FUZZ_SECONDS) s," \
		    "log in $(FUZZ_B)/fuzz-$$n.log"; \
		if $(FUZZ_B)/fuzz-$$n $(FUZZ_RUNFLAGS) $$dict \
		    -artifact_prefix=t/fuzz/crashes/$$n/ \
		    $(FUZZ_B)/corpus/$$n t/fuzz/corpus/$$n \
		    >$(FUZZ_B)/fuzz-$$n.log 2>&1; then \
			grep -E 'DONE' \
			    $(FUZZ_B)/fuzz-$$n.log | sed 's/^/  /'; \
		else \
			st=1; echo "fuzz-$$n: FAILED"; \
			grep -E 'ERROR|invariant|SUMMARY|Test unit written' \
			    $(FUZZ_B)/fuzz-$$n.log | sed 's/^/  /'; \
		fi; \
	done; exit $$st

# Unit tests, the replays and the shell tests under valgrind: zero
# errors and zero definite leaks.  Unit tests run under prove --exec;
# the shell tests' whoop-* programs through t/lib.sh's WHOOP_WRAP and
# t/vgwrap.sh, with one log file a process (a wrong exit status alone
# could go unseen in a test that expects a failure), and any non-empty
# log fails the run.
# VG_SKIP names shell tests to leave out.  Under valgrind posix_spawn
# cannot report a failed exec (the vfork child runs as a fork), so the
# "not found" messages that VG_NOTAP's tests check read "exited with
# status 127": those run for valgrind's findings only, their TAP being
# checked by check and check-asan.
VALGRIND ?= valgrind
VG_FLAGS := --leak-check=full --show-leak-kinds=definite \
	   --errors-for-leak-kinds=definite --error-exitcode=1 -q
VG_LOG	= $(abspath $(B))/t/valgrind
VG_SKIP	?=
VG_NOTAP ?= $(B)/t/unit/test-cmd $(B)/t/unit/test-key
VG_WRAP	= WHOOP_VG='$(VALGRIND) $(VG_FLAGS)' WHOOP_VG_LOG=$(VG_LOG) \
	  WHOOP_WRAP='sh $(CURDIR)/t/vgwrap.sh'

check-valgrind: all $(UNITS) $(TOOLS) $(REPLAYS)
	@$(call need_cmd,$(VALGRIND),valgrind)
	rm -rf $(VG_LOG) && mkdir -p $(VG_LOG) && : >$(CANARY_LOG)
	$(TESTENV) $(PROVE) $(PROVE_J) --exec '$(VALGRIND) $(VG_FLAGS)' \
	    $(filter-out $(VG_NOTAP),$(UNITS))
	for u in $(VG_NOTAP); do \
		$(TESTENV) $(VALGRIND) $(VG_FLAGS) \
		    --log-file=$(VG_LOG)/$${u##*/}.%p.log $$u >/dev/null || :; \
	done; echo "$(VG_NOTAP): valgrind logs in $(VG_LOG)"
	$(TESTENV) $(VG_WRAP) $(PROVE) $(PROVE_J) \
	    $(filter-out $(VG_SKIP),$(SHTESTS))
	@bad=$$(find $(VG_LOG) -type f -size +0); \
	if [ -n "$$bad" ]; then echo "valgrind reported:"; cat $$bad; \
		exit 1; fi
	@if [ -s $(CANARY_LOG) ]; then cat $(CANARY_LOG); exit 1; fi

# cppcheck, gcc's -fanalyzer and clang-tidy (.clang-tidy) over lib and
# cmd; each must be silent.  A suppression says why where it is made.
# cppcheck checks the first 12 #if configurations of a file and says so
# (toomanyconfigs) for sandbox.c; --force would check them all, but it
# cannot evaluate __has_include.
CPPCHECK ?= cppcheck
CLANG_TIDY ?= clang-tidy
ANALYZE_CC ?= gcc
ANALYZE_SRC = $(LIB_SRC) $(CMD_SRC)

analyze:
	@$(call need_cmd,$(CPPCHECK),cppcheck)
	@$(call need_cmd,$(CLANG_TIDY),clang-tidy)
	$(CPPCHECK) -q --enable=warning,portability,performance \
	    --error-exitcode=1 --inline-suppr --suppress=toomanyconfigs \
	    -I lib lib cmd
	@echo "$(ANALYZE_CC) -fanalyzer $(words $(ANALYZE_SRC)) files"
	@log=$$(mktemp) || exit 1; for f in $(ANALYZE_SRC); do \
		$(ANALYZE_CC) -fanalyzer $(STD) $(WARN) $(PKG_CFLAGS) -Ilib \
		    -O1 -c -o /dev/null $$f 2>>$$log || { cat $$log; \
		    rm -f $$log; exit 1; }; \
	done; if [ -s $$log ]; then cat $$log; rm -f $$log; exit 1; fi; \
	rm -f $$log
	@echo "$(CLANG_TIDY) $(words $(ANALYZE_SRC)) files"
	@log=$$(mktemp) || exit 1; \
	$(CLANG_TIDY) --quiet $(ANALYZE_SRC) -- $(STD) $(PKG_CFLAGS) -Ilib \
	    >$$log 2>&1; st=$$?; \
	grep -v '^[0-9]* warnings* generated\.$$' $$log; rm -f $$log; \
	exit $$st

clean: clean-verify
clean-verify:
	rm -rf build-fuzz t/fuzz/*.o t/fuzz/*.d t/fuzz/replay-* \
	    t/canary.log t/valgrind

.PHONY: fuzz check-valgrind analyze clean-verify
-include $(REPLAY_OBJ:.o=.d) $(FUZZ_LIBOBJ:.o=.d) \
	$(FUZZ_BINS:$(FUZZ_B)/fuzz-%=$(FUZZ_B)/t/fuzz/fuzz-%.d)
# --- end of verification -------------------------------------------------

clean:
	rm -rf build-asan build-bench lib/*.o lib/*.d lib/libwhoop.a cmd/*.o cmd/*.d \
	    t/unit/*.o t/unit/*.d t/tools/*.o t/tools/*.d \
	    $(CMD_SRC:%.c=%) $(UNIT_SRC:%.c=%) $(TOOL_SRC:%.c=%)

# share/: examples, views, cookbook and plots under SHAREDIR; the files that
# name the binaries (crontab, systemd units) get @BINDIR@ replaced.  The
# units also go where the systemd user manager looks, the completions
# where bash-completion and zsh do: one bash file, linked under each name.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
SHARE_PLAIN := config.example cookbook.md sql/views.sql \
	   postgresql/schema.sql postgresql/refresh.sql postgresql/README
SHARE_SUBST := crontab.example systemd/whoop-sync.service \
	   systemd/whoop-sync.timer
# share/plot: the gnuplot scripts and what they load, and the report.
SHARE_PLOT := common.gp recovery.gp hrv.gp sleep.gp strain.gp workouts.gp \
	   prep.awk
SHARE_PLOT_EXE := report.sh
USER_UNITS := whoop-sync.service whoop-sync.timer
COMPLETE_LINKS := whoop-sync whoop-export whoop-revoke whoop-import

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(CMDS) $(DESTDIR)$(BINDIR)
	for m in $(MANS); do \
		s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s; \
	done
	install -d $(DESTDIR)$(SHAREDIR)/sql $(DESTDIR)$(SHAREDIR)/systemd \
	    $(DESTDIR)$(SHAREDIR)/postgresql $(DESTDIR)$(SHAREDIR)/plot \
	    $(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(ZSHCOMPDIR)
	for f in $(SHARE_PLAIN); do \
		install -m 0644 share/$$f $(DESTDIR)$(SHAREDIR)/$$f || exit 1; \
	done
	for f in $(SHARE_PLOT); do \
		install -m 0644 share/plot/$$f $(DESTDIR)$(SHAREDIR)/plot/$$f \
		    || exit 1; \
	done
	for f in $(SHARE_PLOT_EXE); do \
		install -m 0755 share/plot/$$f $(DESTDIR)$(SHAREDIR)/plot/$$f \
		    || exit 1; \
	done
	for f in $(SHARE_SUBST); do \
		sed 's|@BINDIR@|$(BINDIR)|g' share/$$f \
		    >$(DESTDIR)$(SHAREDIR)/$$f && \
		chmod 0644 $(DESTDIR)$(SHAREDIR)/$$f || exit 1; \
	done
	for u in $(USER_UNITS); do \
		install -m 0644 $(DESTDIR)$(SHAREDIR)/systemd/$$u \
		    $(DESTDIR)$(USERUNITDIR)/$$u || exit 1; \
	done
	install -m 0644 share/completions/whoop.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/whoop-auth
	for c in $(COMPLETE_LINKS); do \
		ln -sf whoop-auth $(DESTDIR)$(BASHCOMPDIR)/$$c || exit 1; \
	done
	install -m 0644 share/completions/_whoop $(DESTDIR)$(ZSHCOMPDIR)/_whoop

uninstall:
	for c in $(notdir $(CMDS)); do rm -f $(DESTDIR)$(BINDIR)/$$c; done
	for m in $(notdir $(MANS)); do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$$m; \
	done
	for f in $(SHARE_PLAIN) $(SHARE_SUBST) \
	    $(SHARE_PLOT:%=plot/%) $(SHARE_PLOT_EXE:%=plot/%); do \
		rm -f $(DESTDIR)$(SHAREDIR)/$$f; \
	done
	rmdir $(DESTDIR)$(SHAREDIR)/sql $(DESTDIR)$(SHAREDIR)/systemd \
	    $(DESTDIR)$(SHAREDIR)/postgresql $(DESTDIR)$(SHAREDIR)/plot \
	    $(DESTDIR)$(SHAREDIR) 2>/dev/null || :
	for u in $(USER_UNITS); do rm -f $(DESTDIR)$(USERUNITDIR)/$$u; done
	for c in whoop-auth $(COMPLETE_LINKS); do \
		rm -f $(DESTDIR)$(BASHCOMPDIR)/$$c; \
	done
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_whoop

# The whole job against the simulated service; installs missing packages
# when run as root.
demo:
	sh share/demo.sh

lint:
	@$(call need_cmd,mandoc,mandoc)
	mandoc -Tlint -Wwarning $(MANS)

help:
	@echo 'targets: all check check-asan check-valgrind analyze fuzz install uninstall clean lint demo'

-include $(LIB_OBJ:.o=.d) $(CMDS:=.d) $(UNITS:=.d) $(TOOLS:=.d)
