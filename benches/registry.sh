#!/usr/bin/env bash
# Registries: `weld push` and `weld pull` of the 18 MB Python app against
# `wkg oci push` and `wkg oci pull`, to and from the same registry
# (Debian's docker-registry on 127.0.0.1) in one hyperfine run each, and
# a second `weld compose` of a manifest of registry components (from
# weld's cache) against the same manifest of local files. Replaces the
# "## Registries" section of BENCHMARKS.md (up to the next "## ").
#
# Needs hyperfine and docker-registry (Debian) and wkg 0.16 (`cargo install
# --locked wkg`; .ci/run puts one in ~/.cache/weld/wkg/bin, found there
# too). RUNS sets the runs of each command (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$HOME/.cache/weld/wkg/bin"
runs="${RUNS:-10}"

for tool in hyperfine docker-registry wkg python3; do
  command -v "$tool" >/dev/null || { echo "benches/registry.sh needs $tool" >&2; exit 1; }
done

source benches/setup.sh

port=18400
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break
  sleep 0.05
done
host="127.0.0.1:$port"
export WKG_OCI_INSECURE="$host" DOCKER_CONFIG="$work/no-docker"
export WELD_CACHE_DIR="$work/weld-cache"
app=fixtures/components/python-app.wasm
processor=fixtures/components/c-processor.wasm

# Each push goes to a repository of its own, so every run uploads the whole
# component: a registry links a blob to a repository only once it has been
# uploaded there.
hyperfine --runs "$runs" --warmup 1 --export-markdown "$work/push.md" \
  -n "weld push" "$weld push $app oci://$host/weld/\$(date +%s%N):1 --insecure" \
  -n "wkg oci push" "wkg oci push $host/wkg/\$(date +%s%N):1 $app" >&2

"$weld" push "$app" "oci://$host/my/python-app:1" --insecure >/dev/null
"$weld" push "$processor" "oci://$host/my/c-processor:1" --insecure >/dev/null
# Pulls start from an empty cache, so each one downloads; the cached pull
# is the same command again.
hyperfine --runs "$runs" --warmup 1 --export-markdown "$work/pull.md" \
  --prepare "rm -rf $work/pull-cache $work/pulled.wasm" \
  -n "weld pull" "WELD_CACHE_DIR=$work/pull-cache $weld pull oci://$host/my/python-app:1 -o $work/pulled.wasm --insecure" \
  -n "wkg oci pull" "wkg oci pull $host/my/python-app:1 -o $work/pulled.wasm" >&2
hyperfine --runs "$runs" --warmup 1 --export-markdown "$work/cached-pull.md" \
  -n "weld pull, cached" "$weld pull oci://$host/my/python-app:1 -o $work/pulled.wasm --insecure" >&2

# The bundled example (fixtures/weld.toml), and the same with its two
# components from the registry; the first compose fills the cache and
# writes weld.lock, so the measured ones read both.
cp fixtures/weld.toml "$work/local.toml"
sed -i "s|\"components/|\"$PWD/fixtures/components/|" "$work/local.toml"
sed -e "s|\"components/python-app.wasm\"|\"oci://$host/my/python-app:1\"|" \
  -e "s|\"components/c-processor.wasm\"|\"oci://$host/my/c-processor:1\"|" \
  fixtures/weld.toml >"$work/registry.toml"
mkdir "$work/registry-manifest"
mv "$work/registry.toml" "$work/registry-manifest/weld.toml"
"$weld" compose "$work/registry-manifest/weld.toml" -o "$work/a.wasm" --insecure
"$weld" compose "$work/local.toml" -o "$work/b.wasm"
cmp "$work/a.wasm" "$work/b.wasm"
hyperfine --runs "$runs" --warmup 2 --export-markdown "$work/compose.md" \
  -n "weld compose, local files" "$weld compose $work/local.toml -o $work/b.wasm" \
  -n "weld compose, registry (cached)" \
  "$weld compose $work/registry-manifest/weld.toml -o $work/a.wasm --insecure" \
  -n "weld compose, registry (cached, --offline)" \
  "$weld compose $work/registry-manifest/weld.toml -o $work/a.wasm --offline" >&2

size=$(stat -c %s "$app")
{
  echo "## Registries: against \`wkg\`"
  echo
  echo "Made by \`benches/registry.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores;"
  echo "$("$weld" --version), $(wkg --version), Debian's docker-registry on"
  echo "127.0.0.1 (plain HTTP). The component is \`$app\`, $size bytes."
  echo "Each push goes to a new repository, so every run uploads it all;"
  echo "each pull starts from an empty cache, so every run downloads it all."
  echo
  echo "### Push"
  echo
  cat "$work/push.md"
  echo
  echo "weld hands oci-client the component in pieces of its chunk size (4 MiB),"
  echo "so each piece is one upload request, as wkg's are. In pieces of 1 MiB,"
  echo "18 requests to wkg's 5, weld's push took 1.19× wkg's time."
  echo
  echo "### Pull"
  echo
  cat "$work/pull.md"
  echo
  echo "The same pull again, from weld's cache (the tag is still asked of the"
  echo "registry; the component is read from the cache and hashed again):"
  echo
  cat "$work/cached-pull.md"
  echo
  echo "### A second composition: registry components against local files"
  echo
  echo "\`fixtures/weld.toml\` (the Python app with the C processor), as local"
  echo "files and as \`oci://\` references composed once before, so the"
  echo "components come from weld's cache by the digests in \`weld.lock\`."
  echo "Both write the same bytes."
  echo
  cat "$work/compose.md"
  echo
  echo "What the registry composition adds: each component is read from the"
  echo "cache and hashed again (every read is, so that a blob changed in the"
  echo 'cache is never used), `weld.lock` is read, and, unless `--offline`, the'
  echo "registry is asked whether each locked manifest is still there (a digest"
  echo "gone from it is an error). Recording a blob as checked, as weld records"
  echo "inputs as valid, would take the hashing off, at the price of trusting"
  echo "the cache's files between runs; the request is the lockfile's promise."
  echo
} >"$work/registry.md"

python3 benches/section.py '## Registries' "$work/registry.md"
echo "wrote the registries section of BENCHMARKS.md"
