# Included by the top-level Makefile. The Yocto image of the box (image/README.md).
#   make image-stage                 pack out/linux-arm64 + board/ for the layer (no network)
#   make image-check                 offline checks of the layer, unit and kas files
#   make image-parse                 offline bitbake parse + dependency graph of the image, every
#                                    release and machine, from git mirrors in IMAGE_PARSE_SOURCES
#   make image MACHINE=raspberrypi4-64|raspberrypi5|cm4 [RELEASE=scarthgap|wrynose]
#                                    full image with kas + bitbake (network, ~60 GB disk, not root)
IMAGE_MACHINE_FILES := $(basename $(notdir $(wildcard image/kas/*.yml)))
IMAGE_MACHINES := $(filter-out common,$(IMAGE_MACHINE_FILES))
IMAGE_DIST := image/meta-appliance/recipes-appliance/appliance/files/appliance-dist.tar.gz
IMAGE_WORK ?= $(CURDIR)/image/build
KAS ?= kas
PYTHON3 ?= /usr/bin/python3
MACHINE ?= raspberrypi4-64
# image/kas/common.yml is scarthgap; every other release is an overlay in image/kas/release/.
RELEASE ?= scarthgap
IMAGE_RELEASES := scarthgap $(basename $(notdir $(wildcard image/kas/release/*.yml)))
IMAGE_KAS_FILES = image/kas/$(MACHINE).yml$(if $(filter-out scarthgap,$(RELEASE)),:image/kas/release/$(RELEASE).yml)
# Bare git mirrors of the layers (<owner>+<name>/repo) and the parse's checkouts, build dirs and cache.
IMAGE_PARSE_SOURCES ?= /work/.mirror
IMAGE_PARSE_CACHE ?= /var/cache/appliance-image-parse
# e.g. IMAGE_PARSE_ARGS="--release wrynose --machine cm4"; --if-present: no mirrors is a loud notice, not a failure
IMAGE_PARSE_ARGS ?=

.PHONY: image image-check image-stage image-preflight image-parse

image-stage: aot-arm64
	$(PYTHON3) image/scripts/stage.py $(OUT)/linux-arm64 board $(IMAGE_DIST)

image-check: image-stage
	$(DOTNET) test tests/Appliance.Image.Tests --logger "console;verbosity=normal"

# bitbake checksums every file:// source while parsing, so the staged tarball must exist.
image-parse: image-stage
	$(PYTHON3) image/scripts/parse.py --sources $(IMAGE_PARSE_SOURCES) --cache $(IMAGE_PARSE_CACHE) $(IMAGE_PARSE_ARGS)

# Refuse early (before the arm64 publish) what would make kas fail after it.
image-preflight:
	@case " $(IMAGE_MACHINES) " in *" $(MACHINE) "*) ;; \
	  *) echo "image: MACHINE=$(MACHINE) has no image/kas/$(MACHINE).yml (choose: $(IMAGE_MACHINES))" >&2; exit 2;; esac
	@case " $(IMAGE_RELEASES) " in *" $(RELEASE) "*) ;; \
	  *) echo "image: RELEASE=$(RELEASE) is not one of: $(IMAGE_RELEASES)" >&2; exit 2;; esac
	@# bitbake refuses to run as root; kas-container (docker/podman) is the way for a root shell.
	@if [ "$$(id -u)" = 0 ] && [ "$(KAS)" = kas ]; then \
	  echo "image: bitbake does not run as root: run as a normal user, or KAS=kas-container" >&2; exit 2; fi
	@command -v $(KAS) >/dev/null || { echo "image: $(KAS) not found (Debian: apt-get install kas)" >&2; exit 2; }

image: image-preflight image-stage
	mkdir -p $(IMAGE_WORK)
	KAS_WORK_DIR=$(IMAGE_WORK) $(KAS) build $(IMAGE_KAS_FILES)
	@echo "image: $(IMAGE_WORK)/build/tmp/deploy/images/$$(sed -n 's/^machine: *//p' image/kas/$(MACHINE).yml)/appliance-image-*.wic.bz2"
