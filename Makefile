# The two commands of the README; everything else is Meson.
#   make demo    install what is missing, build, scan the bundled sample data, print the alerts
#   make check   install what is missing, build (normal -Werror and ASan+UBSan), run every test
MESON_FLAGS ?= --buildtype=debugoptimized -Dwerror=true

.PHONY: demo check deps build build-asan fuzz bench clean

demo: build
	scripts/demo.sh

check: build build-asan
	scripts/check.sh

deps:
	scripts/install-deps.sh

build: deps
	@[ -f build/build.ninja ] || meson setup build $(MESON_FLAGS)
	ninja -C build

build-asan: deps
	@[ -f build-asan/build.ninja ] || CFLAGS="-fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  meson setup build-asan --buildtype=debug -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan

# libFuzzer: each target for FUZZ_SECONDS on a copy of its seed corpus (needs clang).
FUZZ_SECONDS ?= 60
fuzz:
	scripts/install-deps.sh clang libclang-rt-14-dev
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzzing=true \
	  -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-fuzz
	for t in enroll docs index tokenize rules; do \
	  mkdir -p build-fuzz/corpus-$$t && cp -n fuzz/corpus/$$t/* build-fuzz/corpus-$$t/; \
	  build-fuzz/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-$$t || exit 1; \
	done

bench: build
	scripts/install-deps.sh time grep
	python3 bench/bench.py

clean:
	rm -rf build build-asan build-fuzz
