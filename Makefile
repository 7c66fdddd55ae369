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

.PHONY: help deps restore build test aot aot-x64 aot-arm64 selftest demo bench fuzz clean

help:
	@echo "make demo                 run the box against strongSwan in network namespaces (root)"
	@echo "make test                 run every test (root: integration tests use network namespaces)"
	@echo "make aot ARCH=x64|arm64   NativeAOT publish to out/linux-ARCH/appliance"
	@echo "make selftest             crypto known-answer tests inside both published binaries"
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

test: deps aot-x64 image-stage
	bash tools/run-tests.sh

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
