#!/usr/bin/env bash
# Builds every libFuzzer harness test/fuzz/fuzz_*.c with ASan + UBSan and
# runs each for SECONDS (default 5) from its seed corpus.  A crash, a
# sanitizer report or a failed assertion fails the run.
#   test/fuzz/run.sh [SECONDS] [harness ...]
# A longer campaign: test/fuzz/run.sh 600 fuzz_domain
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_EACH=${1:-5}
shift || true
OUT=${FUZZ_OUT:-$ROOT/build/fuzz}
mkdir -p "$OUT"
CC=${FUZZ_CC:-clang}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I$ROOT/src"

# harness -> the pure core files it links (no PostgreSQL backend code)
declare -A SOURCES=(
    [fuzz_email]="src/email_core.c src/domain_core.c"
    [fuzz_domain]="src/domain_core.c"
    [fuzz_ids]="src/ids_core.c"
    [fuzz_authdetails]="src/authdetails.c"
    [fuzz_names]="src/names_core.c"
    [fuzz_crypto]="src/crypto_core.c"
)
# harness -> extra link flags (PostgreSQL's src/common for base64)
declare -A LIBS=(
    [fuzz_crypto]="-L$(pg_config --pkglibdir) -lpgcommon -lpgport"
)
[ -f "$ROOT/test/fuzz/sources.sh" ] && . "$ROOT/test/fuzz/sources.sh"

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
    for f in "$ROOT"/test/fuzz/fuzz_*.c; do harnesses+=("$(basename "$f" .c)"); done
fi
for h in "${harnesses[@]}"; do
    srcs=()
    for s in ${SOURCES[$h]:-}; do srcs+=("$ROOT/$s"); done
    $CC $CFLAGS $(pkg-config --cflags json-c) "$ROOT/test/fuzz/$h.c" "${srcs[@]}" \
        $(pkg-config --libs json-c) ${LIBS[$h]:-} -o "$OUT/$h"
    corpus=$OUT/corpus_$h
    mkdir -p "$corpus"
    [ -d "$ROOT/test/fuzz/seeds/$h" ] && cp -n "$ROOT/test/fuzz/seeds/$h"/* "$corpus"/ 2>/dev/null || true
    echo "fuzzing $h for ${SECONDS_EACH}s"
    if ! (cd "$OUT" && "./$h" -max_total_time="$SECONDS_EACH" -print_final_stats=1 "$corpus" \
        >"$OUT/$h.log" 2>&1); then
        grep -v '^#' "$OUT/$h.log" | head -n 40
        echo "fuzz: $h FAILED (crash input saved in $OUT)"
        exit 1
    fi
    grep -E 'stat::(number_of_executed_units|new_units_added)' "$OUT/$h.log"
done
echo "fuzz: ${#harnesses[@]} harnesses ran clean"
