#!/usr/bin/env bash
# What a middleware layer costs per request, in one run: the minimal hello
# handler (hand-written WAT) behind 0, 1, 4, 8 and 16 pass-through layers
# (fixtures/http/wat/pass.wat for 0.2, fixtures/http/p3/wat/pass.wat for
# 0.3, composed by `weld plug`), behind the auth middleware with the right
# token, and (0.3) behind the header middleware. oha on `GET /`, under
# `weld serve` and then, when it is on PATH, `wasmtime serve`. Prints
# Markdown tables for BENCHMARKS.md: µs per request is 1/(requests per
# second) on the machine's cores. The first layer and the further ones are
# told apart: the first is the step from the bare handler to a composed
# one, each further layer the least-squares slope over 1..N layers (one
# layer's cost is near the run-to-run noise, 16 of them are not). More
# than 16 0.3 layers fill wasmtime's instance pool under this load, which
# then measures the pool rather than the layers (see BENCHMARKS.md).
#
# Needs oha (`cargo install --locked oha`); PEERS=DIR puts DIR/bin first on
# PATH.   benches/middleware.sh    DURATION=5s CONCURRENCY=16 ...
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh

c=fixtures/components
layers=(${LAYERS:-0 1 4 8 16})
url="http://127.0.0.1:18290/"
have_wasmtime=0
command -v wasmtime >/dev/null && have_wasmtime=1

# bench VERSION PREFIX WASMTIME-FLAGS: the tables of one WASI version, whose
# fixtures are http-PREFIXwat-*.wasm.
bench() {
  local version="$1" prefix="$2" flags="$3" n name
  local pass="$c/http-${prefix}wat-pass.wasm" hello="$c/http-${prefix}wat-hello.wasm"
  cp "$hello" "$work/$version-layers-0.wasm"
  for n in "${layers[@]:1}"; do
    # The first layer is the socket; each imported handler is filled by
    # the next plug, the last by the handler.
    local plugs=()
    for _ in $(seq 2 "$n"); do plugs+=(--plug "$pass"); done
    "$weld" plug "$pass" "${plugs[@]}" --plug "$hello" -o "$work/$version-layers-$n.wasm"
  done
  "$weld" plug "$c/http-${prefix}wat-auth.wasm" --plug "$hello" -o "$work/$version-auth.wasm"
  local extra=()
  if [ -e "$c/http-${prefix}wat-headers.wasm" ]; then
    "$weld" plug "$c/http-${prefix}wat-headers.wasm" --plug "$hello" -o "$work/$version-headers.wasm"
    extra=(headers)
  fi
  local servers=(weld)
  [ "$have_wasmtime" = 1 ] && servers+=(wasmtime)
  for name in "${servers[@]}"; do
    case "$name" in
      weld) server=("$weld" serve --quiet) ;;
      wasmtime) server=(wasmtime serve $flags) ;;
    esac
    echo "### $version, $name serve"
    echo
    echo "| handler | requests/s | µs per request | p99 [ms] | 2xx/all |"
    echo "|:---|---:|---:|---:|---:|"
    for n in "${layers[@]}"; do
      row "hello behind $n pass-through layers" "$url" "$work/$version-layers-$n.wasm"
      cp "$work/oha.json" "$work/$name-$version-layers-$n.json"
    done
    # The auth middleware checks the token on every request: oha sends it.
    oha_args=(-H "authorization: Bearer bench-token")
    local env=(--env AUTH_TOKEN=bench-token)
    row "hello behind the auth middleware (token checked)" "$url" "${env[@]}" "$work/$version-auth.wasm"
    oha_args=()
    for n in "${extra[@]}"; do
      row "hello behind the header middleware (response rebuilt)" "$url" "$work/$version-headers.wasm"
    done
    echo
  done
  server=("$weld" serve --quiet)
  echo "### $version, per layer"
  echo
  python3 - "$work" "$version" "$have_wasmtime" "${layers[@]}" <<'PY'
import json, sys
work, version, peer, layers = sys.argv[1], sys.argv[2], sys.argv[3] == "1", [int(n) for n in sys.argv[4:]]
def us(server):
    return {n: 1e6 / json.load(open(f"{work}/{server}-{version}-layers-{n}.json"))["summary"]["requestsPerSec"] for n in layers}
weld = us("weld")
wasmtime = us("wasmtime") if peer else None
head = "| layers | weld µs/request |"
rule = "|---:|---:|"
if peer:
    head += " wasmtime µs/request | weld/wasmtime |"
    rule += "---:|---:|"
print(head)
print(rule)
for n in layers:
    line = f"| {n} | {weld[n]:.1f} |"
    if peer:
        line += f" {wasmtime[n]:.1f} | {weld[n] / wasmtime[n]:.2f}× |"
    print(line)
def slope(t):
    xs = [n for n in layers if n >= 1]
    mx, my = sum(xs) / len(xs), sum(t[n] for n in xs) / len(xs)
    return sum((n - mx) * (t[n] - my) for n in xs) / sum((n - mx) ** 2 for n in xs)
print()
for name, t in [("weld serve", weld)] + ([("wasmtime serve", wasmtime)] if peer else []):
    print(f"- {name}: the first layer {t[1] - t[0]:.1f} µs, each further layer {slope(t):.2f} µs")
PY
  echo
}

bench 0.2 "" "-Scli"
bench 0.3 "p3-" "-Sp3,cli -Wcomponent-model-async"
