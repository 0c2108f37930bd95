#!/usr/bin/env bash
# `weld serve` against `wasmtime serve` on the same components, with the
# same load generator (oha) at the same concurrency, one after the other
# in one run: requests per second and p50/p99 latency. Replaces the
# "## `serve`" section of BENCHMARKS.md (up to the next "## ").
#
# Needs wasmtime-cli 48 and oha (`cargo install --locked
# wasmtime-cli@48.0.8 oha`); PEERS=DIR puts DIR/bin first on PATH.
#   benches/serve.sh                  # 10 s a row at concurrency 32
#   DURATION=5s CONCURRENCY=64 benches/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${PEERS:-}" ] && export PATH="$PEERS/bin:$PATH"
duration="${DURATION:-10s}" concurrency="${CONCURRENCY:-32}"

for tool in wasmtime oha python3; do
  command -v "$tool" >/dev/null || { echo "benches/serve.sh needs $tool" >&2; exit 1; }
done
case "$(wasmtime --version)" in
  "wasmtime 48."*) ;;
  *) echo "benches/serve.sh compares with wasmtime 48, found $(wasmtime --version)" >&2; exit 1 ;;
esac

source benches/setup.sh
server=""
export WELD_CACHE_DIR="$work/weld-cache" XDG_CACHE_HOME="$work/xdg-cache"

c=fixtures/components
"$weld" plug $c/http-js-service.wasm --plug $c/c-processor.wasm -o "$work/js-service.wasm"
"$weld" plug $c/http-c-service.wasm --plug $c/c-processor.wasm -o "$work/c-service.wasm"
cp $c/http-wat-hello.wasm "$work/hello.wasm"
p3=""
[ -e $c/http-p3-wat-hello.wasm ] && { cp $c/http-p3-wat-hello.wasm "$work/p3-hello.wasm"; p3=1; }

# Starts a server (the command in "$@", listening on $port), waits until
# it answers, and leaves its pid in $server.
port=18181
start() {
  "$@" >/dev/null 2>"$work/server.log" &
  server=$!
  pids=("$server")
  for _ in $(seq 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/health"; then return; fi
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not start: $*" >&2; exit 1
}
stop() {
  kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""
}

# One row: NAME, the load's oha arguments, then the server command.
row() {
  local name="$1" load="$2"
  shift 2
  start "$@"
  # Warm up (compile caches, pools), then measure.
  oha -z 2s -c "$concurrency" --no-tui $load "http://127.0.0.1:$port$path" >/dev/null 2>&1
  oha -z "$duration" -c "$concurrency" --no-tui --output-format json $load \
    "http://127.0.0.1:$port$path" >"$work/oha.json" 2>/dev/null
  stop
  python3 benches/oha-row.py "$name" "$work/oha.json"
}

table() {
  echo "| server | requests/s | p50 [ms] | p99 [ms] | 2xx/all |"
  echo "|:---|---:|---:|---:|---:|"
}

weld_serve=("$weld" serve --quiet --addr "127.0.0.1:$port")
wasmtime_serve=(wasmtime serve -Scli --addr "127.0.0.1:$port")
{
  echo "## \`serve\`: against \`wasmtime serve\`"
  echo
  echo "Made by \`benches/serve.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores;"
  echo "$(wasmtime --version), $(oha --version), weld $("$weld" --version | cut -d' ' -f2)."
  echo "Each row: oha for $duration at concurrency $concurrency after a 2 s warm-up,"
  echo "the two servers one after the other on the same component, each on its"
  echo "default allocator (pooling for both) and with its compile cache warm."
  echo "oha runs on the same 2 cores as the server."
  for entry in \
    "hello|/|$work/hello.wasm|minimal 0.2 hello handler (hand-written WAT), GET /" \
    "js|/health|$work/js-service.wasm|JS image service (componentize-js) with the C processor, GET /health" \
    "image|/grayscale|$work/c-service.wasm|C image service with the C processor, POST /grayscale of the 63×17 PPM"; do
    IFS='|' read -r _ path component what <<<"$entry"
    load=""
    [ "$path" = /grayscale ] && load="-m POST -D fixtures/images/63x17.ppm"
    echo
    echo "### $what"
    echo
    table
    row "weld serve" "$load" "${weld_serve[@]}" "$component"
    row "wasmtime serve" "$load" "${wasmtime_serve[@]}" "$component"
  done
  if [ -n "$p3" ]; then
    path=/
    echo
    echo "### minimal 0.3 hello handler (\`wasi:http/handler@0.3\`, hand-written WAT), GET /"
    echo
    table
    row "weld serve (reuse 128)" "" "${weld_serve[@]}" "$work/p3-hello.wasm"
    row "weld serve --reuse 0" "" "${weld_serve[@]}" --reuse 0 "$work/p3-hello.wasm"
    row "wasmtime serve (reuse 128)" "" wasmtime serve -Sp3,cli --addr "127.0.0.1:$port" "$work/p3-hello.wasm"
    row "wasmtime serve, reuse 1" "" wasmtime serve -Sp3,cli --addr "127.0.0.1:$port" \
      --max-instance-reuse-count 1 "$work/p3-hello.wasm"
  fi
  echo
} >"$work/serve.md"

python3 benches/section.py '## `serve`' "$work/serve.md"
echo "wrote the serve section of BENCHMARKS.md"
