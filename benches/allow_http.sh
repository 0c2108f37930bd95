#!/usr/bin/env bash
# What an outgoing request checked by `weld virt --allow-http` (generated
# code inside the component) costs against one checked by the host
# (`weld serve --allow-http`), in one run: the C image service's
# `GET /fetch?url=...` under oha, its upstream the WAT hello handler on
# another `weld serve`. Prints a Markdown table for BENCHMARKS.md.
#
# Needs oha (`cargo install --locked oha`); PEERS=DIR puts DIR/bin first on
# PATH.   benches/allow_http.sh    DURATION=5s CONCURRENCY=16 ...
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${PEERS:-}" ] && export PATH="$PEERS/bin:$PATH"
duration="${DURATION:-10s}" concurrency="${CONCURRENCY:-16}"
command -v oha >/dev/null || { echo "benches/allow_http.sh needs oha" >&2; exit 1; }

cargo build --release --quiet
weld="$(realpath "${CARGO_TARGET_DIR:-target}")/release/weld"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export WELD_CACHE_DIR="$work/weld-cache"

c=fixtures/components
"$weld" plug $c/http-c-service.wasm --plug $c/c-processor.wasm -o "$work/service.wasm"
"$weld" virt "$work/service.wasm" --allow-http 'http://127.0.0.1:*' -o "$work/guarded.wasm"
# The same layer with a grant of everything: what the layer itself costs
# (a second core instance, per request for a 0.2 handler), not the check.
"$weld" virt "$work/service.wasm" --allow-http '*' -o "$work/layer.wasm"

# serve PORT ARGS...: starts `weld serve --quiet` and waits for it.
serve() {
  local port="$1"
  shift
  "$weld" serve --quiet --addr "127.0.0.1:$port" "$@" 2>"$work/serve.log" &
  pids+=($!)
  for _ in $(seq 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health" && return
    sleep 0.1
  done
  cat "$work/serve.log" >&2
  exit 1
}
serve 18291 $c/http-wat-hello.wasm
url="http://127.0.0.1:18290/fetch?url=http%3A%2F%2F127.0.0.1%3A18291%2F"

# row NAME ARGS...: the service served with ARGS, under load.
row() {
  local name="$1"
  shift
  serve 18290 "$@"
  oha -z 2s -c "$concurrency" --no-tui "$url" >/dev/null 2>&1
  oha -z "$duration" -c "$concurrency" --no-tui --output-format json "$url" >"$work/oha.json" 2>/dev/null
  kill "${pids[-1]}"
  wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
  python3 benches/oha-row.py "$name" "$work/oha.json" per-request
}

echo "| check | requests/s | µs per request | p99 [ms] | 2xx/all |"
echo "|:---|---:|---:|---:|---:|"
row "host: \`weld serve --allow-http 'http://127.0.0.1:*'\`" --allow-http 'http://127.0.0.1:*' "$work/service.wasm"
row "inside: \`weld virt --allow-http 'http://127.0.0.1:*'\`, served with \`--allow-http '*'\`" --allow-http '*' "$work/guarded.wasm"
row "inside, a grant of everything (\`weld virt --allow-http '*'\`)" --allow-http '*' "$work/layer.wasm"
row "none: \`weld serve --allow-http '*'\`" --allow-http '*' "$work/service.wasm"
