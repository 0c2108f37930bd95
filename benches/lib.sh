# Shared by the benches that run `weld serve` under oha (allow_http.sh,
# middleware.sh): source it after `cd` to the repository. It sources
# setup.sh ($weld, $work, removed on exit with every server started), and
# defines
#   serve PORT ARGS...      starts `weld serve --quiet` and waits for it
#   measure URL ARGS...     serves ARGS on 18290, loads URL (with the oha
#                           arguments in the array oha_args), leaves the
#                           report in $work/oha.json
#   row NAME URL ARGS...    measure, then print the report as a row
# The server command is the array server (weld serve --quiet by default):
# set it to another, taking --addr, to load a peer the same way.
# DURATION and CONCURRENCY set the load; PEERS=DIR puts DIR/bin on PATH.
[ -n "${PEERS:-}" ] && export PATH="$PEERS/bin:$PATH"
# Servers run as in production, without RUST_BACKTRACE: left set (as on
# this machine), it makes wasmtime capture a backtrace for an error it
# builds on every blocking cross-component call, which `wasmtime serve`
# pays and weld turns off (src/main.rs); that would measure the variable.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE
duration="${DURATION:-10s}" concurrency="${CONCURRENCY:-16}"
command -v oha >/dev/null || { echo "$0 needs oha (cargo install --locked oha)" >&2; exit 1; }

source benches/setup.sh
oha_args=()
server=("$weld" serve --quiet)
export WELD_CACHE_DIR="$work/weld-cache"

serve() {
  local port="$1"
  shift
  "${server[@]}" --addr "127.0.0.1:$port" "$@" 2>"$work/serve.log" &
  pids+=($!)
  for _ in $(seq 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health" && return
    sleep 0.1
  done
  cat "$work/serve.log" >&2
  exit 1
}

# measure URL ARGS...: serves ARGS on 18290 and loads URL; the report is
# left in $work/oha.json.
measure() {
  local url="$1"
  shift
  serve 18290 "$@"
  oha -z 2s -c "$concurrency" --no-tui "${oha_args[@]}" "$url" >/dev/null 2>&1
  oha -z "$duration" -c "$concurrency" --no-tui --output-format json "${oha_args[@]}" "$url" \
    >"$work/oha.json" 2>/dev/null
  kill "${pids[-1]}"
  wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
}

row() {
  local name="$1" url="$2"
  shift 2
  measure "$url" "$@"
  python3 benches/oha-row.py "$name" "$work/oha.json" per-request
}
