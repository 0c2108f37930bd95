#!/usr/bin/env bash
# What an outgoing request checked by `weld virt --allow-http` (generated
# code inside the component) costs against one checked by the host
# (`weld serve --allow-http`), in one run: the C image services' (0.2 and
# 0.3) `GET /fetch?url=...` under oha, its upstream the WAT hello handler
# on another `weld serve`. Prints a Markdown table for BENCHMARKS.md.
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

echo "| check | requests/s | µs per request | p99 [ms] | 2xx/all |"
echo "|:---|---:|---:|---:|---:|"
row "host: \`weld serve --allow-http 'http://127.0.0.1:*'\`" "$url" --allow-http 'http://127.0.0.1:*' "$work/service.wasm"
row "inside: \`weld virt --allow-http 'http://127.0.0.1:*'\`, served with \`--allow-http '*'\`" "$url" --allow-http '*' "$work/guarded.wasm"
row "inside, a grant of everything (\`weld virt --allow-http '*'\`)" "$url" --allow-http '*' "$work/layer.wasm"
row "none: \`weld serve --allow-http '*'\`" "$url" --allow-http '*' "$work/service.wasm"
row "0.3 host: \`weld serve --allow-http 'http://127.0.0.1:*'\`" "$url" --allow-http 'http://127.0.0.1:*' "$work/p3-service.wasm"
row "0.3 inside: \`weld virt --allow-http 'http://127.0.0.1:*'\`, served with \`--allow-http '*'\`" "$url" --allow-http '*' "$work/p3-guarded.wasm"
row "0.3 none: \`weld serve --allow-http '*'\`" "$url" --allow-http '*' "$work/p3-service.wasm"
