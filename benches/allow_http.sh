#!/usr/bin/env bash
# What an outgoing request checked by `weld virt --allow-http` (generated
# code inside the component) costs against one checked by the host
# (`weld serve --allow-http`), in one run: the C image services' (0.2 and
# 0.3) `GET /fetch?url=...` under oha, its upstream the WAT hello handler
# on another `weld serve`. Prints a Markdown table for BENCHMARKS.md, each
# row the median of ROUNDS (3) runs.
#
# Needs oha (`cargo install --locked oha`); PEERS=DIR puts DIR/bin first on
# PATH.   benches/allow_http.sh    DURATION=5s CONCURRENCY=16 ...
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh

c=fixtures/components
"$weld" plug $c/http-c-service.wasm --plug $c/c-processor.wasm -o "$work/service.wasm"
"$weld" virt "$work/service.wasm" --allow-http 'http://127.0.0.1:*' -o "$work/guarded.wasm"
# The same layer with a grant of everything: what the layer itself costs
# (a second core instance, per request for a 0.2 handler), not the check.
"$weld" virt "$work/service.wasm" --allow-http '*' -o "$work/layer.wasm"
# 0.3: wasi:http/client#send checked, on instances that `weld serve` reuses.
"$weld" plug $c/http-p3-c-service.wasm --plug $c/c-processor.wasm -o "$work/p3-service.wasm"
"$weld" virt "$work/p3-service.wasm" --allow-http 'http://127.0.0.1:*' -o "$work/p3-guarded.wasm"

serve 18291 $c/http-wat-hello.wasm
url="http://127.0.0.1:18290/fetch?url=http%3A%2F%2F127.0.0.1%3A18291%2F"

# Each row is measured ROUNDS times (3 unless told), the rows taking turns,
# and the median round by rate is printed: single runs on this machine move
# by 20 %, more than the differences measured.
names=(
  "host: \`weld serve --allow-http 'http://127.0.0.1:*'\`"
  "inside: \`weld virt --allow-http 'http://127.0.0.1:*'\`, served with \`--allow-http '*'\`"
  "inside, a grant of everything (\`weld virt --allow-http '*'\`)"
  "none: \`weld serve --allow-http '*'\`"
  "0.3 host: \`weld serve --allow-http 'http://127.0.0.1:*'\`"
  "0.3 inside: \`weld virt --allow-http 'http://127.0.0.1:*'\`, served with \`--allow-http '*'\`"
  "0.3 none: \`weld serve --allow-http '*'\`"
)
measure_row() {
  case "$1" in
    0) measure "$url" --allow-http 'http://127.0.0.1:*' "$work/service.wasm" ;;
    1) measure "$url" --allow-http '*' "$work/guarded.wasm" ;;
    2) measure "$url" --allow-http '*' "$work/layer.wasm" ;;
    3) measure "$url" --allow-http '*' "$work/service.wasm" ;;
    4) measure "$url" --allow-http 'http://127.0.0.1:*' "$work/p3-service.wasm" ;;
    5) measure "$url" --allow-http '*' "$work/p3-guarded.wasm" ;;
    6) measure "$url" --allow-http '*' "$work/p3-service.wasm" ;;
  esac
}
rounds="${ROUNDS:-3}"
for round in $(seq "$rounds"); do
  for i in "${!names[@]}"; do
    measure_row "$i"
    mv "$work/oha.json" "$work/row-$i-$round.json"
  done
done

echo "| check | requests/s | µs per request | p99 [ms] | 2xx/all |"
echo "|:---|---:|---:|---:|---:|"
for i in "${!names[@]}"; do
  median="$(python3 - "$work" "$i" "$rounds" <<'PY'
import json, sys
work, i, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
paths = [f"{work}/row-{i}-{r}.json" for r in range(1, rounds + 1)]
paths.sort(key=lambda p: json.load(open(p))["summary"]["requestsPerSec"])
print(paths[len(paths) // 2])
PY
)"
  python3 benches/oha-row.py "${names[$i]}" "$median" per-request
done
