# Appliance: the firmware service of a plug-in IPsec VPN box.
# `make demo` runs the box against a real strongSwan peer in network namespaces; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ARCH ?= x64
RID := linux-$(ARCH)
OUT := $(CURDIR)/out
CONFIGURATION ?= Release
DOTNET ?= dotnet
# Cross-compiling to arm64 from x86_64 links with clang and strips with the cross objcopy.
AOT_FLAGS_arm64 := -p:ObjCopyName=aarch64-linux-gnu-objcopy
AOT_FLAGS_x64 :=

# Debian architecture names of the package (make deb).
DEB_ARCH_arm64 := arm64
DEB_ARCH_x64 := amd64
DEB_ARCH := $(DEB_ARCH_$(ARCH))

.PHONY: help deps restore build test aot aot-x64 aot-arm64 selftest demo bench fuzz clean deb deb-package deb-package-arm64 systest systest-base

help:
	@echo "make demo                 run the box against strongSwan in network namespaces (root)"
	@echo "make test                 run every test (root: integration tests use network namespaces)"
	@echo "make aot ARCH=x64|arm64   NativeAOT publish to out/linux-ARCH/appliance"
	@echo "make selftest             crypto known-answer tests inside both published binaries"
	@echo "make deb ARCH=arm64|x64   Debian package out/appliance_<version>_<arch>.deb (checked by lintian)"
	@echo "make systest              the package in an arm64 Debian 12 VM (qemu) against strongSwan (root; part of make test)"
	@echo "make systest-base         build the VM test's cached guest base (cold: 15-85 min; make test budgets it)"
	@echo "make bench                BenchmarkDotNet: ESP seal/open against the raw AEAD"
	@echo "make fuzz                 AFL++ on every fuzz harness, FUZZ_SECONDS each (HARNESSES=... to pick)"
	@echo "make image MACHINE=...    Yocto image (needs network); make image-check: offline checks"

deps:
	@if [ "$$(id -u)" = 0 ]; then bash tools/install-deps.sh; else sudo bash tools/install-deps.sh; fi

restore:
	$(DOTNET) restore Appliance.sln

build: restore
	$(DOTNET) build Appliance.sln -c Debug --no-restore

aot: deps restore
	@mkdir -p $(OUT)
	@# A trim or AOT warning means the binary may misbehave at run time: treat it as a failure.
	$(DOTNET) publish src/Appliance/Appliance.csproj -c $(CONFIGURATION) -r $(RID) --no-restore \
	  -o $(OUT)/$(RID) $(AOT_FLAGS_$(ARCH)) 2>&1 | tee $(OUT)/publish-$(RID).log; test $${PIPESTATUS[0]} -eq 0
	@if grep -E "warning (IL|CS|NU)[0-9]+" $(OUT)/publish-$(RID).log; then \
	  echo "NativeAOT publish for $(RID) has warnings" >&2; exit 1; fi
	@rm -f $(OUT)/$(RID)/*.pdb
	@bash tools/footprint/check-size.sh $(OUT)/$(RID)/appliance
	@# Board profiles travel with the binary (the image installs them to /usr/share/appliance/board).
	@rm -rf $(OUT)/$(RID)/board && mkdir -p $(OUT)/$(RID)/board && \
	  for b in board/*/; do mkdir -p $(OUT)/$(RID)/$$b && cp $$b/board.json $(OUT)/$(RID)/$$b; done
	@echo "published $(OUT)/$(RID)/appliance"

aot-x64:
	$(MAKE) aot ARCH=x64

aot-arm64:
	$(MAKE) aot ARCH=arm64

selftest: aot-x64 aot-arm64
	$(OUT)/linux-x64/appliance selftest
	qemu-aarch64-static -L / $(OUT)/linux-arm64/appliance selftest

test: deps aot-x64 image-stage deb-package-arm64
	bash tools/run-tests.sh

deb: aot deb-package

# Packages what `make aot ARCH=...` published, without publishing again.
deb-package:
	@rm -f $(OUT)/appliance_*_$(DEB_ARCH).deb
	$(PYTHON3) image/scripts/build-deb.py $(OUT)/$(RID) board $(DEB_ARCH) $(OUT)
	lintian --fail-on error --tag-display-limit 0 $(OUT)/appliance_*_$(DEB_ARCH).deb

deb-package-arm64:
	$(MAKE) deb-package ARCH=arm64

# The VM system test alone (make test runs it too, through tools/run-tests.sh).
systest: deps aot-x64 aot-arm64 deb-package-arm64
	bash tools/systest/ci.sh arm64

# The VM test's guest base (Debian 12 + gpio-sim), cached in /var/cache/appliance-systest by its inputs.
systest-base: deps
	bash tools/systest/guest-base.sh arm64

demo: deps aot-x64
	bash tools/demo.sh

bench: restore
	$(DOTNET) run -c Release --project tests/Appliance.Benchmarks -- --filter '*'

# Coverage-guided fuzzing (tests/Appliance.Fuzz): FUZZ_SECONDS per harness; crashes land in the repo's crashes/ folder.
FUZZ_SECONDS ?= 180
fuzz: deps restore
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tools/fuzz.sh

clean:
	rm -rf $(OUT) artifacts
	$(DOTNET) clean Appliance.sln >/dev/null

-include image/image.mk
