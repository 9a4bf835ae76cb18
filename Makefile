# vidstyle: the two commands of the quick start are `make demo` and `make test`.
# Both install what is missing on a Debian 12 machine first (apt, as root), then build.

# Swift from PATH, else the toolchain where the project machines keep it.
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
DEBIAN_PACKAGES := ffmpeg pkg-config libavformat-dev libavcodec-dev libswscale-dev \
	libavutil-dev libswresample-dev libavdevice-dev libdnnl-dev libv4l-dev libopencv-video-dev \
	parallel
RELEASE_BIN := .build/release/vidstyle
DEMO_STYLE ?= 0
PREFIX ?= /usr/local
# Which build `install-built` copies: release for `make install`; the tests install debug.
CONFIG ?= release

.PHONY: deps slurm-deps learning-python build release demo test test-slurm bench fixtures clean install install-built uninstall

## deps: install the Debian packages vidstyle builds against, where missing
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "deps: swift is not on PATH nor in /opt/swift (install Swift 6 from swift.org)"; exit 1; }

## slurm-deps: Slurm and munge for `make test-slurm` (tools/slurm_local.sh installs nothing)
slurm-deps:
	@missing=$$(for p in slurm-wlm munge; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "slurm-deps: installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

## learning-python: the Python with PyTorch that the style-learning tests run `vidstyle styles add`
## with (tools/setup_learning.sh's python piece, in .build/learning; `vidstyle styles add` makes
## its own in the user's data folder on first use)
LEARNING_PYTHON := $(CURDIR)/.build/learning/venv/bin/python
learning-python:
	@tools/setup_learning.sh .build/learning python

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## demo: stylize the bundled sample clip with the shipped model into out/
demo: release
	@mkdir -p out
	$(RELEASE_BIN) samples/city.mp4 out/city-styled.mp4 --style $(DEMO_STYLE) --overwrite
	@echo "demo: wrote out/city-styled.mp4"

## test: build and run every test (no ../shared needed; the style-learning tests need the Python
## of `learning-python`, set up once from PyPI), the training tools' own checks (tools/tests),
## then the no-reference-kernel suite again with
## oneDNN and our kernels capped at AVX2, so an AVX-512 machine checks the AVX2 dispatch too
test: deps learning-python
	$(SWIFT) build --build-tests
	VIDSTYLE_TEST_PYTHON=$(LEARNING_PYTHON) $(SWIFT) test --skip-build
	$(LEARNING_PYTHON) -m unittest discover -s tools/tests
	ONEDNN_MAX_CPU_ISA=AVX2 $(SWIFT) test --skip-build --filter NoReferenceKernelTests

## test-slurm: the job file of `vidstyle plan --emit slurm` on a real one-machine Slurm
## (tools/slurm_local.sh): 3 parts as an array, then the join, on a tiny clip
test-slurm: deps slurm-deps
	$(SWIFT) build
	tools/test_slurm.sh .build/debug/vidstyle

## bench: engine speed against PyTorch and ONNX Runtime, end-to-end fps, peak memory
bench: release
	tools/bench.sh

## fixtures: regenerate the random-weight test models (needs tools/.venv with PyTorch)
fixtures:
	tools/.venv/bin/python tools/make_fixtures.py Tests/VidStyleKitTests/Fixtures

## install: release build into $(PREFIX) (bin/vidstyle; share/vidstyle/ holds the model and the
## presets, where vidstyle looks beside its executable). The Swift runtime of the toolchain that
## built it must stay installed.
install: release
	@$(MAKE) --no-print-directory install-built CONFIG=release

install-built:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/vidstyle/pipelines
	install -m 755 .build/$(CONFIG)/vidstyle $(DESTDIR)$(PREFIX)/bin/vidstyle
	install -m 644 Sources/VidStyleKit/Resources/vidstyle-default.safetensors $(DESTDIR)$(PREFIX)/share/vidstyle/
	install -m 644 pipelines/*.yaml $(DESTDIR)$(PREFIX)/share/vidstyle/pipelines/
	install -d $(DESTDIR)$(PREFIX)/share/vidstyle/learning/vidstyle_tools
	install -m 644 tools/learn_style.py $(DESTDIR)$(PREFIX)/share/vidstyle/learning/
	install -m 755 tools/setup_learning.sh $(DESTDIR)$(PREFIX)/share/vidstyle/learning/
	install -m 644 tools/vidstyle_tools/*.py $(DESTDIR)$(PREFIX)/share/vidstyle/learning/vidstyle_tools/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vidstyle $(DESTDIR)$(PREFIX)/share/vidstyle/vidstyle-default.safetensors
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/vidstyle/,$(wildcard pipelines/*.yaml))
	rm -rf $(DESTDIR)$(PREFIX)/share/vidstyle/learning
	-rmdir $(DESTDIR)$(PREFIX)/share/vidstyle/pipelines $(DESTDIR)$(PREFIX)/share/vidstyle 2>/dev/null

clean:
	rm -rf .build out
