#!/usr/bin/env bash
# Runs the built `gradmod` against hostile and mistaken inputs and prints a Markdown table of each
# input, its exit status and the first line of its message (stderr, else stdout). Used to write
# docs/HOSTILE_INPUTS.md:
#
#     cargo build --release && bash fuzz/hostile.sh target/release/gradmod > docs/HOSTILE_INPUTS.md.table
#
# Run from the repository's root; every fixture goes into a temporary folder that is removed.
set -u
BIN=$(realpath "${1:-target/release/gradmod}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
A=models/A_hh_axon.toml

# Fixtures.
: > "$T/empty.toml"
head -c 300 /dev/urandom > "$T/garbage.toml"
printf '[simulation\ntstop = 1\n' > "$T/bad_syntax.toml"
printf '[simulation]\ntstopp = 1\n' > "$T/unknown_key.toml"
sed 's/nseg = 10$/nseg = 0/' $A > "$T/nseg0.toml"
sed 's/nseg = 10$/nseg = 10000000/' $A > "$T/nseg_huge.toml"
sed 's/name = "hh"/name = "hhx"/' $A > "$T/unknown_mech.toml"
sed 's/at = "axon(0.95)"/at = "dend(0.5)"/' $A > "$T/bad_probe.toml"
sed 's/at = "axon(0.95)"/at = "axon(2)"/' $A > "$T/probe_x2.toml"
printf '%s\n[[parameter]]\ntarget = "hh.gnabar"\n' "$(cat $A)" > "$T/dup_param.toml"
printf '%s\n[[parameter]]\ntarget = "hh.el"\nlog = true\n' "$(sed 's/name = "hh"/name = "hh"\nparameters = { el = 0.0 }/' $A)" > "$T/log_zero.toml"
printf '[morphology]\nswc = "missing.swc"\n' > "$T/swc_missing.toml"
printf '1 1 0 0 0 nan -1\n' > "$T/nan.swc"
printf '[morphology]\nswc = "nan.swc"\n' > "$T/swc_nan.toml"
printf '1 1 0 0 0 1 2\n2 3 0 1 0 1 1\n' > "$T/cycle.swc"
printf '[morphology]\nswc = "cycle.swc"\n' > "$T/swc_cycle.toml"
mkdir -p "$T/mods"
printf 'NEURON { SUFFIX broken\n' > "$T/mods/broken.mod"
printf 'NEURON { SUFFIX sq RANGE a }\nPARAMETER { a = 1 }\nSTATE { s }\nINITIAL { s = 0 }\nBREAKPOINT { SOLVE d METHOD euler }\nDERIVATIVE d { s'"'"' = a * sqrt(s) }\n' > "$T/sq.mod"
mkdir -p "$T/sqdir/mods" && cp "$T/sq.mod" "$T/sqdir/mods/"
printf '[simulation]\ntstop = 2\n[mechanisms]\npaths = ["mods/"]\n[[section]]\nname = "soma"\nlength = 20.0\ndiameter = 20.0\n[[mechanism]]\nname = "sq"\n[[probe]]\nat = "soma(0.5)"\n[[parameter]]\ntarget = "sq.a"\n' > "$T/sqdir/model.toml"
printf 'x' > "$T/file"
head -c 2000 /dev/urandom > "$T/garbage.mod"
: > "$T/empty.mod"
printf 'NEURON { SUFFIX u }\nPARAMETER { g = 1 (furlong) }\n' > "$T/unit.mod"
# A small fit to resume from, and damaged copies of its checkpoint.
"$BIN" run $A --set tstop=5 --no-plot --out "$T/target" > /dev/null 2>&1
"$BIN" fit $A --set tstop=5 --target "$T/target/traces.csv" --params hh.gnabar --iterations 2 \
    --no-plot --out "$T/fit" > /dev/null 2>&1
CK="$T/fit/checkpoint.json"
python3 - "$CK" "$T" <<'PY'
import json, sys
ck = json.load(open(sys.argv[1])); t = sys.argv[2]
def put(name, f):
    c = json.loads(json.dumps(ck)); f(c); json.dump(c, open(f"{t}/{name}.json", "w"))
put("short_grad", lambda c: c["history"][0].__setitem__("grad", []))
put("neg_rate", lambda c: c.__setitem__("rate", -1))
put("nan_u", lambda c: c.__setitem__("u", [float("nan")]))
put("no_origin", lambda c: c.pop("origin"))
open(f"{t}/truncated.json", "w").write(json.dumps(ck)[:40])
PY
printf 't,v_soma\n0,-65\n0.025,nan\n' > "$T/nan_target.csv"
printf 't,v_soma\n0,-65\n0.05,-65\n' > "$T/coarse_target.csv"
FIT=(fit $A --set tstop=5 --target "$T/target/traces.csv" --params hh.gnabar --iterations 1 --no-plot)

echo '| # | input | exit | message (first line) |'
echo '|---|---|---|---|'
N=0
case_() {
    local what="$1"; shift
    N=$((N + 1))
    local out err code
    err=$(cd "$T" 2>/dev/null && timeout 60 "$BIN" "$@" 2>&1 >/dev/null); code=$?
    if [ -z "$err" ]; then out=$(timeout 60 "$BIN" "$@" 2>/dev/null | head -1); err=$out; fi
    local line
    line=$(printf '%s\n' "$err" | grep -v '^\s*$' | grep -v '^[│╭─ ]' | head -1 | sed "s#$T#TMP#g; s/|/\\\\|/g" | cut -c1-220)
    echo "| $N | $what | $code | $line |"
}
cd "$(dirname "$0")/.." 
R=$(pwd)
A="$R/$A"
FIT=(fit "$A" --set tstop=5 --target "$T/target/traces.csv" --params hh.gnabar --iterations 1 --no-plot)
case_ "run: missing model file" run "$T/none.toml"
case_ "run: empty model file" run "$T/empty.toml" --no-plot --out "$T/o1"
case_ "run: 300 random bytes" run "$T/garbage.toml"
case_ "run: TOML syntax error" run "$T/bad_syntax.toml"
case_ "run: unknown key" run "$T/unknown_key.toml"
case_ "run: --set dt=0" run "$A" --set dt=0
case_ "run: --set dt=-1" run "$A" --set dt=-1
case_ "run: --set dt=1e-300" run "$A" --set dt=1e-300
case_ "run: --set tstop=1e300" run "$A" --set tstop=1e300
case_ "run: --set tstop=1e7 (4e8 steps)" run "$A" --set tstop=1e7
case_ "run: --set tstop=-1" run "$A" --set tstop=-1
case_ "run: dt > tstop" run "$A" --set dt=2 --set tstop=1
case_ "run: tstop not a multiple of dt" run "$A" --set tstop=1.01
case_ "run: --set sample_every=0" run "$A" --set sample_every=0
case_ "run: --set celsius=nan" run "$A" --set celsius=nan
case_ "run: --set hh.gnabar=inf" run "$A" --set hh.gnabar=inf
case_ "run: --set hh.gnabar=abc" run "$A" --set hh.gnabar=abc
case_ "run: --set without =" run "$A" --set hh.gnabar
case_ "run: --set unknown key" run "$A" --set nosuch.x=1
case_ "run: --set hh.gnabar=-1 (declared range)" run "$A" --set hh.gnabar=-1
case_ "run: --set hh.gnabar=1e300 (v diverges)" run "$A" --set hh.gnabar=1e300 --out "$T/o2"
case_ "run: NaN tangent, v finite (sqrt(s) at 0)" run "$T/sqdir/model.toml" --out "$T/o3"
case_ "run: same with --allow-nonfinite" run "$T/sqdir/model.toml" --allow-nonfinite --no-plot --out "$T/o4"
case_ "run: nseg = 0" run "$T/nseg0.toml"
case_ "run: nseg = 10^7" run "$T/nseg_huge.toml"
case_ "run: unknown mechanism" run "$T/unknown_mech.toml"
case_ "run: probe on a missing section" run "$T/bad_probe.toml"
case_ "run: probe at x = 2" run "$T/probe_x2.toml"
case_ "run: the same [[parameter]] twice" run "$T/dup_param.toml"
case_ "run: log-scaled parameter whose value is 0" run "$T/log_zero.toml" --out "$T/o5"
case_ "run: SWC file missing" run "$T/swc_missing.toml"
case_ "run: SWC with a NaN coordinate" run "$T/swc_nan.toml"
case_ "run: SWC whose parent comes later" run "$T/swc_cycle.toml"
case_ "run: --mods missing" run "$A" --mods "$T/nomods"
case_ "run: --mods with a broken file" run "$A" --mods "$T/mods"
case_ "run: --out is a file" run "$A" --out "$T/file"
case_ "run: --out below a file" run "$A" --out "$T/file/sub"
case_ "run: --out in /proc" run "$A" --out /proc/gradmod
case_ "fit: --resume missing file" "${FIT[@]}" --resume "$T/none.json" --out "$T/f1"
case_ "fit: --resume truncated JSON" "${FIT[@]}" --resume "$T/truncated.json" --out "$T/f2"
case_ "fit: --resume history gradient too short" "${FIT[@]}" --resume "$T/short_grad.json" --out "$T/f3"
case_ "fit: --resume negative rate" "${FIT[@]}" --resume "$T/neg_rate.json" --out "$T/f4"
case_ "fit: --resume NaN u" "${FIT[@]}" --resume "$T/nan_u.json" --out "$T/f5"
case_ "fit: --resume checkpoint without origin" "${FIT[@]}" --resume "$T/no_origin.json" --out "$T/f6"
case_ "fit: --resume with another --set" "${FIT[@]}" --set hh.gl=0.0004 --resume "$CK" --out "$T/f7"
case_ "fit: --resume with another --loss" "${FIT[@]}" --loss mean --resume "$CK" --out "$T/f8"
case_ "fit: target missing" fit "$A" --target "$T/none.csv" --params hh.gnabar
case_ "fit: target with NaN" fit "$A" --set tstop=0.025 --target "$T/nan_target.csv" --params hh.gnabar
case_ "fit: target on another grid" fit "$A" --set tstop=5 --target "$T/coarse_target.csv" --params hh.gnabar
case_ "fit: --window backwards" "${FIT[@]}" --window 4,1
case_ "fit: --rate -1" "${FIT[@]}" --rate -1
case_ "fit: --params unknown" "${FIT[@]/hh.gnabar/hh.nosuch}"
case_ "fit: --start 0" "${FIT[@]}" --start hh.gnabar=0
case_ "fit: --loss rate:x" "${FIT[@]}" --loss rate:x
case_ "check: missing file" check "$T/none.mod"
case_ "check: 2000 random bytes" check "$T/garbage.mod"
case_ "check: empty file" check "$T/empty.mod"
case_ "check: unknown PARAMETER unit (warning)" check "$T/unit.mod"
case_ "check: a folder" check "$T"
case_ "compile: --wrt unknown" compile "$R/mod_files/pas.mod" --wrt nosuch -o "$T/x.rs"
case_ "compile: -o in a missing folder" compile "$R/mod_files/pas.mod" -o "$T/no/x.rs"
case_ "dump: --after unknown pass" dump "$R/mod_files/pas.mod" --after nosuch
case_ "audit: --wrt unknown" audit "$R/mod_files/pas.mod" --wrt nosuch
case_ "mechanisms: --mods broken" mechanisms --mods "$T/mods"
