#!/usr/bin/env bash
# Benchmarks for BENCHMARKS.md: `weld run` against `wasmtime run` on the
# same components in the same run (cold and with a warm cache), then the
# in-process figures of `cargo bench --bench runner`.
#
# Needs hyperfine (Debian), wasmtime-cli 48 (`cargo install --locked
# wasmtime-cli@48.0.8`), and for the composition figures wac-cli and
# wasm-tools (`cargo install --locked wac-cli wasm-tools`). Writes
# BENCHMARKS.md at the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine wasmtime wac wasm-tools; do
  command -v "$tool" >/dev/null || { echo "benches/run.sh needs $tool" >&2; exit 1; }
done
case "$(wasmtime --version)" in
  "wasmtime 48."*) ;;
  *) echo "benches/run.sh compares with wasmtime 48, found $(wasmtime --version)" >&2; exit 1 ;;
esac

# The chain of N decorators (app <- pass x N <- processor) for the peers:
# a WAC script for `wac compose`, a configuration for `wasm-tools compose`.
wac_chain() {
  echo "package bench:chain;"
  echo "let d0 = new bench:processor {};"
  for i in $(seq "$1"); do
    echo "let d$i = new bench:pass { \"my:image-processor/process\": d$((i - 1))[\"my:image-processor/process\"] };"
  done
  echo "let app = new bench:app { \"my:image-processor/process\": d$1[\"my:image-processor/process\"] };"
  echo "export app[\"wasi:cli/run@0.2.12\"];"
}
wasm_tools_chain() {
  echo "dependencies:"
  echo "  processor: $PWD/$processor"
  echo "  pass: $work/pass.wasm"
  echo "instantiations:"
  echo "  root:"
  echo "    arguments:"
  echo "      my:image-processor/process: { instance: d$1, export: my:image-processor/process }"
  echo "  d0:"
  echo "    dependency: processor"
  for i in $(seq "$1"); do
    echo "  d$i:"
    echo "    dependency: pass"
    echo "    arguments:"
    echo "      my:image-processor/process: { instance: d$((i - 1)), export: my:image-processor/process }"
  done
}

cargo build --release --quiet
weld="$(realpath "${CARGO_TARGET_DIR:-target}")/release/weld"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export WELD_CACHE_DIR="$work/weld-cache"
# wasmtime's own cache goes to a fresh directory too, so both start cold.
export XDG_CACHE_HOME="$work/xdg-cache"

"$weld" new tests/cli/inputs/c-probe.core.wasm -o "$work/probe.wasm"
# The committed Python app with the WAT processor plugged in: an 18 MB
# component whose compilation dominates a cold run.
"$weld" plug fixtures/components/python-app.wasm --plug fixtures/components/wat-processor.wasm \
  -o "$work/python-app.wasm"
components=(
  "probe.wasm args|C command (wasi-libc), $(stat -c %s "$work/probe.wasm") bytes"
  "python-app.wasm /data/63x17.ppm|Python app (componentize-py) with the WAT processor, $(stat -c %s "$work/python-app.wasm") bytes"
)

# Prints a Markdown row: NAME and the peak resident memory of the command.
peak() {
  local name="$1" kib
  shift
  /usr/bin/time -f %M -o "$work/peak" "$@" >/dev/null 2>&1
  kib=$(tail -1 "$work/peak")
  echo "| $name | $((kib / 1024)) |"
}

{
  echo "# Benchmarks"
  echo
  echo "Made by \`benches/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m);"
  echo "$(wasmtime --version), weld $("$weld" --version | cut -d' ' -f2). Each table is one hyperfine run,"
  echo "so the ratios compare like with like. Both runners get the same grants"
  echo "(\`--dir fixtures/images::/data\`) and start with empty caches."
  for entry in "${components[@]}"; do
    cmd="${entry%%|*}"; what="${entry#*|}"
    echo
    echo "## \`run\`: $what"
    echo
    echo "### Cold: compiled every time"
    echo
    hyperfine --style none --runs 5 --export-markdown "$work/cold.md" \
      -n "weld run --no-cache" "$weld run --no-cache --dir fixtures/images::/data $work/$cmd" \
      -n "wasmtime run -C cache=n" "wasmtime run -C cache=n --dir fixtures/images::/data $work/$cmd" >/dev/null
    cat "$work/cold.md"
    echo
    echo "### Warm: compiled code from the cache"
    echo
    hyperfine --style none --warmup 3 --runs 30 --export-markdown "$work/warm.md" \
      -n "weld run" "$weld run --dir fixtures/images::/data $work/$cmd" \
      -n "wasmtime run" "wasmtime run -C cache=y --dir fixtures/images::/data $work/$cmd" >/dev/null
    cat "$work/warm.md"
  done
  echo
  echo "## \`plug\`: the Python app with the C processor"
  echo
  echo "Same inputs for all; \`weld compose\` reads them from \`fixtures/weld.toml\`."
  echo "weld validates the result as written, read back from its temporary file,"
  echo "before giving it its name, and its inputs in full unless it recorded them"
  echo "as valid before: after the warm-up runs here, but for \"first time\", whose"
  echo "record is deleted before each run. Peak memory is GNU time's maximum"
  echo "resident set; it counts the pages of files weld maps (its inputs, and its"
  echo "output to validate it)."
  echo
  app=fixtures/components/python-app.wasm processor=fixtures/components/c-processor.wasm
  forget="rm -rf $WELD_CACHE_DIR/validated"
  hyperfine --style none --warmup 2 --runs 20 --export-markdown "$work/plug.md" \
    --prepare true --prepare "$forget" --prepare true --prepare true --prepare true \
    -n "weld plug" "$weld plug $app --plug $processor -o $work/weld.wasm" \
    -n "weld plug, first time" "$weld plug $app --plug $processor -o $work/weld.wasm" \
    -n "weld compose" "$weld compose fixtures/weld.toml -o $work/weld-compose.wasm" \
    -n "wac plug" "wac plug --plug $processor $app -o $work/wac.wasm" \
    -n "wasm-tools compose" "wasm-tools compose -d $processor $app -o $work/wasm-tools.wasm" >/dev/null 2>&1
  cat "$work/plug.md"
  echo
  echo "| Command | Peak memory [MiB] |"
  echo "|:---|---:|"
  peak "weld plug" "$weld" plug "$app" --plug "$processor" -o "$work/weld.wasm"
  $forget
  peak "weld plug, first time" "$weld" plug "$app" --plug "$processor" -o "$work/weld.wasm"
  peak "weld compose" "$weld" compose fixtures/weld.toml -o "$work/weld-compose.wasm"
  peak "wac plug" wac plug --plug "$processor" "$app" -o "$work/wac.wasm"
  peak "wasm-tools compose" wasm-tools compose -d "$processor" "$app" -o "$work/wasm-tools.wasm"
  echo
  echo "## \`plug\`: a chain of pass-through decorators"
  echo
  echo "The WAT app, N instances of a component that imports and re-exports"
  echo "\`process\`, then the C processor: cost against chain length. \`wac plug\`"
  echo "cannot chain (plugs cannot fill each other's imports), so wac gets the"
  echo "chain as a WAC script (\`wac compose\`) and wasm-tools compose as a"
  echo "configuration of instantiations; both validate their output too."
  echo
  wasm-tools parse tests/cli/plug/passthrough.wat -o "$work/pass.wasm"
  "$weld" new fixtures/wat/app.wat --wit wit --world app -o "$work/app.wasm"
  for n in 50 100 200; do
    plugs=""
    for _ in $(seq "$n"); do plugs="$plugs --plug $work/pass.wasm"; done
    wac_chain "$n" >"$work/chain-$n.wac"
    wasm_tools_chain "$n" >"$work/chain-$n.yml"
    echo "### $n decorators"
    echo
    hyperfine --style none --warmup 2 --runs 20 --export-markdown "$work/chain.md" \
      -n "weld plug" "$weld plug $work/app.wasm $plugs --plug $processor -o $work/chain.wasm" \
      -n "wac compose" "wac compose $work/chain-$n.wac -d bench:app=$work/app.wasm -d bench:pass=$work/pass.wasm -d bench:processor=$processor -o $work/chain-wac.wasm" \
      -n "wasm-tools compose" "wasm-tools compose $work/app.wasm -c $work/chain-$n.yml -o $work/chain-wasm-tools.wasm" >/dev/null 2>&1
    cat "$work/chain.md"
    echo
  done
  echo "## \`virt\`: size and call cost"
  echo
  echo "Sizes of components before and after \`weld virt\`:"
  echo
  "$weld" virt "$work/probe.wasm" -o "$work/probe-env.wasm" --env A=b
  "$weld" virt "$work/probe.wasm" -o "$work/probe-deny-all.wasm" --deny-all
  "$weld" compose fixtures/weld.toml -o "$work/image-app.wasm"
  "$weld" virt "$work/image-app.wasm" -o "$work/image-app-sandboxed.wasm" --deny-all \
    --stdout allow --allow 'wasi:filesystem/*' --arg app --arg /images/63x17.ppm
  echo "| Component | Bytes | Added by weld virt |"
  echo "|:---|---:|---:|"
  # NAME, the virtualised component, the original.
  row() {
    local after before
    after=$(stat -c %s "$work/$2.wasm") before=$(stat -c %s "$work/$3.wasm")
    echo "| $1 | $after | $((after - before)) |"
  }
  row "C probe, \`--env A=b\`" probe-env probe
  row "C probe, \`--deny-all\`" probe-deny-all probe
  row "Python image app, \`--deny-all --stdout allow ...\`" image-app-sandboxed image-app
  echo
  echo "A call to \`wasi:cli/environment#get-environment\` (one variable), from the"
  echo "host (wasmtime-wasi) and from weld's virtual layer (\`--env A=b\`): a"
  echo "component calls it n times in one \`weld invoke\`; the cost of a call is the"
  echo "difference between n = 100000 and n = 0, divided by n."
  echo
  "$weld" new benches/virt/env-loop.wat --wit benches/virt --world env-loop -o "$work/env-loop.wasm"
  "$weld" virt "$work/env-loop.wasm" -o "$work/env-loop-virtual.wasm" --env A=b
  hyperfine -N --style none --warmup 3 --runs 20 --export-json "$work/env.json" \
    -n "host, n=0" "$weld invoke --env A=b $work/env-loop.wasm call-env(0)" \
    -n "host, n=100000" "$weld invoke --env A=b $work/env-loop.wasm call-env(100000)" \
    -n "virtual, n=0" "$weld invoke $work/env-loop-virtual.wasm call-env(0)" \
    -n "virtual, n=100000" "$weld invoke $work/env-loop-virtual.wasm call-env(100000)" >/dev/null
  python3 - "$work/env.json" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
print("| get-environment from | ns per call |")
print("|:---|---:|")
for side in ["host", "virtual"]:
    per_call = (runs[f"{side}, n=100000"] - runs[f"{side}, n=0"]) / 100000 * 1e9
    print(f"| {side} | {per_call:.0f} |")
PY
  echo
  echo "Reading a 10 MiB file with the C probe, from a directory granted by the"
  echo "host (\`--dir\`) and from one embedded by \`--mount\` (compiled code cached"
  echo "for both):"
  echo
  mkdir -p "$work/files"
  head -c 10485760 /dev/urandom > "$work/files/big.bin"
  "$weld" virt "$work/probe.wasm" -o "$work/probe-mounted.wasm" --mount /files="$work/files"
  hyperfine -N --style none --warmup 3 --runs 20 --export-markdown "$work/read.md" \
    -n "host directory" "$weld run --dir $work/files::/files $work/probe.wasm read /files/big.bin" \
    -n "mounted" "$weld run $work/probe-mounted.wasm read /files/big.bin" >/dev/null
  cat "$work/read.md"
  echo
  echo "## In process (\`cargo bench --bench runner\`)"
  echo
  cargo bench --quiet --bench runner 2>/dev/null
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md"
