#!/usr/bin/env bash
# What a middleware layer costs per request under `weld serve`, in one run:
# the minimal 0.2 hello handler (hand-written WAT) behind 0, 1, 2, 4 and 8
# pass-through layers (fixtures/http/wat/pass.wat, composed by `weld plug`),
# and behind the auth middleware with the right token. oha on `GET /`.
# The same components under `wasmtime serve` (when on PATH) follow, in the
# same run. Prints Markdown tables for BENCHMARKS.md: µs per request is
# 1/(requests per second) on the machine's cores, and each layer's cost is
# the difference from the bare handler divided by the number of layers.
#
# Needs oha (`cargo install --locked oha`); PEERS=DIR puts DIR/bin first on
# PATH.   benches/middleware.sh    DURATION=5s CONCURRENCY=16 ...
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh

c=fixtures/components
layers=(0 1 2 4 8)
cp "$c/http-wat-hello.wasm" "$work/layers-0.wasm"
for n in "${layers[@]:1}"; do
  # The first layer is the socket; each imported handler is filled by the
  # next plug, the last by the handler.
  plugs=()
  for _ in $(seq 2 "$n"); do plugs+=(--plug "$c/http-wat-pass.wasm"); done
  "$weld" plug "$c/http-wat-pass.wasm" "${plugs[@]}" --plug "$c/http-wat-hello.wasm" -o "$work/layers-$n.wasm"
done
"$weld" plug $c/http-wat-auth.wasm --plug $c/http-wat-hello.wasm -o "$work/auth.wasm"

url="http://127.0.0.1:18290/"
echo "### weld serve"
echo
echo "| handler | requests/s | µs per request | p99 [ms] | 2xx/all |"
echo "|:---|---:|---:|---:|---:|"
for n in "${layers[@]}"; do
  row "hello behind $n pass-through layers" "$url" "$work/layers-$n.wasm"
  cp "$work/oha.json" "$work/layers-$n.json"
done
# The auth middleware checks the token on every request: oha sends it.
oha_args=(-H "authorization: Bearer bench-token")
row "hello behind the auth middleware (token checked)" "$url" --env AUTH_TOKEN=bench-token "$work/auth.wasm"
oha_args=()
peers=()
if command -v wasmtime >/dev/null; then
  peers=(wasmtime)
  echo
  echo "### $(wasmtime --version | cut -d' ' -f1-2) serve"
  echo
  echo "| handler | requests/s | µs per request | p99 [ms] | 2xx/all |"
  echo "|:---|---:|---:|---:|---:|"
  server=(wasmtime serve -Scli)
  for n in "${layers[@]}"; do
    row "hello behind $n pass-through layers" "$url" "$work/layers-$n.wasm"
    cp "$work/oha.json" "$work/wasmtime-layers-$n.json"
  done
  server=("$weld" serve --quiet)
fi
echo
python3 - "$work" "${#peers[@]}" "${layers[@]}" <<'PY'
import json, sys
work, peer, layers = sys.argv[1], sys.argv[2] == "1", [int(n) for n in sys.argv[3:]]
def us(prefix):
    return {n: 1e6 / json.load(open(f"{work}/{prefix}layers-{n}.json"))["summary"]["requestsPerSec"] for n in layers}
weld = us("")
wasmtime = us("wasmtime-") if peer else None
head = "| layers | weld µs/request | weld µs per layer |"
rule = "|---:|---:|---:|"
if peer:
    head += " wasmtime µs/request | wasmtime µs per layer | weld/wasmtime per request |"
    rule += "---:|---:|---:|"
print(head)
print(rule)
per = lambda t, n: "" if n == 0 else f"{(t[n] - t[0]) / n:.2f}"
for n in layers:
    line = f"| {n} | {weld[n]:.1f} | {per(weld, n)} |"
    if peer:
        line += f" {wasmtime[n]:.1f} | {per(wasmtime, n)} | {weld[n] / wasmtime[n]:.2f}× |"
    print(line)
PY
