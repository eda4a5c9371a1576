#!/usr/bin/env bash
# Compiles the Rust that `gradmod compile` generates for a sample of the `codegen` fuzz target's
# corpus (inputs the compiler accepts), as one crate against gradmod-runtime, and reports the
# files whose generated code rustc rejects. Run from fuzz/ after a fuzzing run:
#
#     bash check_generated.sh ../target/release/gradmod 200
#
# The crate is built in a temporary folder (its target folder too), which is removed afterwards.
set -u
BIN=$(realpath "$1")
N=${2:-100}
ROOT=$(realpath ..)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/src" "$W/gen"
cat > "$W/Cargo.toml" <<TOML
[package]
name = "fuzzgen"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
gradmod-runtime = { path = "$ROOT/runtime" }

[workspace]
TOML
: > "$W/src/lib.rs"
accepted=0
tried=0
for f in $(ls corpus/codegen | shuf -n 4000 --random-source=<(yes)); do
    [ "$accepted" -ge "$N" ] && break
    tried=$((tried + 1))
    out="$W/gen/m$accepted.rs"
    if timeout 20 "$BIN" compile "corpus/codegen/$f" -o "$out" > /dev/null 2>&1; then
        echo "#[allow(clippy::all, unused_parens, unused_imports, dead_code, unused_variables, unused_mut, non_snake_case)] pub mod m$accepted { include!(\"../gen/m$accepted.rs\"); } // $f" >> "$W/src/lib.rs"
        accepted=$((accepted + 1))
    fi
done
echo "compiled $accepted of $tried sampled corpus inputs to Rust; building them with rustc"
cargo build --quiet --manifest-path "$W/Cargo.toml" 2> "$W/errors.txt"
status=$?
if [ $status -eq 0 ]; then
    echo "all $accepted generated files compile"
else
    echo "rustc failed:"
    grep -E '^error|--> ' "$W/errors.txt" | head -40
    grep -oE 'gen/m[0-9]+\.rs' "$W/errors.txt" | sort -u | while read -r g; do
        n=${g#gen/m}; n=${n%.rs}
        grep "pub mod m$n " "$W/src/lib.rs" | sed 's#.*// #  input: corpus/codegen/#'
    done
fi
exit $status
