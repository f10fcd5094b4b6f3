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

PKGS	:= libcurl sqlite3 libcrypto libcjson
deb_libcurl	:= libcurl4-openssl-dev
deb_sqlite3	:= libsqlite3-dev
deb_libcrypto	:= libssl-dev
deb_libcjson	:= libcjson-dev

# Targets that must work before the libraries are installed.
NOPKG_GOALS := clean demo deps lint help
ifneq ($(filter-out $(NOPKG_GOALS),$(or $(MAKECMDGOALS),all)),)
PKG_MISSING := $(strip $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) 2>/dev/null && echo y),,$(p))))
ifneq ($(PKG_MISSING),)
$(error pkg-config cannot find $(PKG_MISSING); install them with: apt-get install pkg-config $(foreach p,$(PKG_MISSING),$(deb_$(p))))
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS)) -lm
endif

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
	$(TESTENV) $(PROVE) $(PROVE_J) --exec '' $(UNITS) $(SHTESTS)

# Figures side by side with sqlite3, curl and jq; no assertions.
bench: all $(TOOLS)
	for b in t/bench/*.sh; do $(TESTENV) sh $$b || exit 1; done

check-asan:
	$(MAKE) B=build-asan SAN=1 CFLAGS='-O1 -g' check

clean:
	rm -rf build-asan lib/*.o lib/*.d lib/libwhoop.a cmd/*.o cmd/*.d \
	    t/unit/*.o t/unit/*.d t/tools/*.o t/tools/*.d \
	    $(CMD_SRC:%.c=%) $(UNIT_SRC:%.c=%) $(TOOL_SRC:%.c=%)

# share/: examples, views and cookbook under SHAREDIR; the files that
# name the binaries (crontab, systemd units) get @BINDIR@ replaced.  The
# units also go where the systemd user manager looks, the completions
# where bash-completion and zsh do: one bash file, linked under each name.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
SHARE_PLAIN := config.example cookbook.md sql/views.sql
SHARE_SUBST := crontab.example systemd/whoop-sync.service \
	   systemd/whoop-sync.timer
USER_UNITS := whoop-sync.service whoop-sync.timer
COMPLETE_LINKS := whoop-sync whoop-export whoop-revoke

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(CMDS) $(DESTDIR)$(BINDIR)
	for m in $(MANS); do \
		s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s; \
	done
	install -d $(DESTDIR)$(SHAREDIR)/sql $(DESTDIR)$(SHAREDIR)/systemd \
	    $(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(ZSHCOMPDIR)
	for f in $(SHARE_PLAIN); do \
		install -m 0644 share/$$f $(DESTDIR)$(SHAREDIR)/$$f || exit 1; \
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
	for f in $(SHARE_PLAIN) $(SHARE_SUBST); do \
		rm -f $(DESTDIR)$(SHAREDIR)/$$f; \
	done
	rmdir $(DESTDIR)$(SHAREDIR)/sql $(DESTDIR)$(SHAREDIR)/systemd \
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
	mandoc -Tlint -Wwarning $(MANS)

help:
	@echo 'targets: all check check-asan install uninstall clean lint demo'

-include $(LIB_OBJ:.o=.d) $(CMDS:=.d) $(UNITS:=.d) $(TOOLS:=.d)
