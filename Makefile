# Builds and installs memtop: the binary, its manual page, the bundled themes, and shell
# completions for bash, zsh and fish.
#
#   make install PREFIX=/usr/local          # builds in release mode first
#   make install DESTDIR=/tmp/pkg PREFIX=/usr
#   make install PREFIX=~/.local MEMTOP_BIN=.build/debug/memtop   # install a built binary
#   make uninstall PREFIX=/usr/local
#
# Themes go to PREFIX/share/memtop/themes, which memtop searches relative to its own binary
# (PREFIX/bin/../share/memtop/themes), so any PREFIX works without configuration.

PREFIX ?= /usr/local
DESTDIR ?=
CONFIG ?= release
SCRATCH ?= .build
SWIFT ?= swift
# The Swift runtime and Foundation linked in: memtop runs on a machine without a Swift
# toolchain, and its own resident memory is ~5 MB smaller (only the code it uses is mapped).
SWIFTFLAGS ?= --static-swift-stdlib
INSTALL ?= install

bindir := $(DESTDIR)$(PREFIX)/bin
mandir := $(DESTDIR)$(PREFIX)/share/man/man1
themedir := $(DESTDIR)$(PREFIX)/share/memtop/themes
bashdir := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
zshdir := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
fishdir := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
themes := $(notdir $(wildcard Themes/*.theme))

# With MEMTOP_BIN given, that binary is installed as it is; otherwise memtop is built first.
ifdef MEMTOP_BIN
build_first :=
else
MEMTOP_BIN := $(SCRATCH)/$(CONFIG)/memtop
build_first := build
endif

.PHONY: all build install uninstall

all: build

build:
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS) --scratch-path $(SCRATCH) --product memtop

install: $(build_first)
	$(INSTALL) -d $(bindir) $(mandir) $(themedir) $(bashdir) $(zshdir) $(fishdir)
	$(INSTALL) -m 755 $(MEMTOP_BIN) $(bindir)/memtop
	$(INSTALL) -m 644 man/memtop.1 $(mandir)/memtop.1
	$(INSTALL) -m 644 $(addprefix Themes/,$(themes)) $(themedir)/
	$(MEMTOP_BIN) --generate-completion-script bash > $(bashdir)/memtop
	$(MEMTOP_BIN) --generate-completion-script zsh > $(zshdir)/_memtop
	$(MEMTOP_BIN) --generate-completion-script fish > $(fishdir)/memtop.fish

uninstall:
	rm -f $(bindir)/memtop $(mandir)/memtop.1 $(bashdir)/memtop $(zshdir)/_memtop $(fishdir)/memtop.fish
	rm -f $(addprefix $(themedir)/,$(themes))
	-rmdir $(themedir) $(DESTDIR)$(PREFIX)/share/memtop 2>/dev/null
