# The two commands of the README; everything else is Meson.
#   make demo    install what is missing, build, scan the bundled sample data, print the alerts
#   make check   install what is missing, build (normal -Werror and ASan+UBSan), run every test
# -O3 and link-time optimization: about 5% fewer instructions per scanned byte than -O2
# (callgrind, docs/performance.md); debug info kept for profiling.
MESON_FLAGS ?= -Doptimization=3 -Ddebug=true -Db_lto=true -Dwerror=true

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
	for t in enroll docs index tokenize rules model warc mail html baseline evidence pii scan; do \
	  mkdir -p build-fuzz/corpus-$$t && cp -n fuzz/corpus/$$t/* build-fuzz/corpus-$$t/; \
	  build-fuzz/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-$$t || exit 1; \
	done

bench: build
	scripts/install-deps.sh time grep
	python3 bench/bench.py
	python3 bench/ingest.py

clean:
	rm -rf build build-asan build-fuzz

# The threat model shipped in data/models/threat.model, trained reproducibly on all of
# ../shared/data (EDOS, ETHOS violence >= 0.5, HateCheck threats in English and Spanish).
D = ../shared/data
EDOS = --data $(D)/edos/edos_train_dev.csv --label-column label_category \
       --positive "1. threats, plans to harm and incitement"
ETHOS = --data $(D)/ethos/Ethos_Dataset_Multi_Label.csv --text-column comment \
        --label-column violence --threshold 0.5
HC_EN = --data $(D)/hatecheck_en/test_suite_cases.csv --text-column test_case \
        --label-column functionality --positive "threat_dir_h|threat_norm_h"
HC_ES = --data $(D)/multilingual_hatecheck_es/hatecheck_cases_final_spanish.csv \
        --text-column test_case --label-column functionality --positive "threat_dir_h|threat_norm_h"

.PHONY: model eval
model: build
	build/vigil train --out data/models/threat.model $(EDOS) $(ETHOS) $(HC_EN) $(HC_ES)
	ninja -C build

# Each dataset scored by a model trained without its evaluated rows (docs/evaluation.md).
eval: build
	build/vigil train --out build/heldout-edos.model $(EDOS) --where split=train $(ETHOS) $(HC_EN) $(HC_ES)
	build/vigil train --out build/heldout-ethos.model $(EDOS) $(HC_EN) $(HC_ES)
	build/vigil eval --model build/heldout-edos.model $(EDOS) --where split=dev
	build/vigil eval --model build/heldout-edos.model --no-rules $(EDOS) --where split=dev
	build/vigil eval --model build/heldout-ethos.model $(ETHOS)
	build/vigil eval --model build/heldout-ethos.model --no-rules $(ETHOS)
	python3 tests/eval_threats.py build/vigil
