# Shared by every bench script: source it after `cd` to the repository.
# It builds the release weld ($weld) and makes a work directory ($work);
# on exit it stops every process whose pid is in the array pids, and
# removes $work.
cargo build --release --quiet
weld="$(realpath "${CARGO_TARGET_DIR:-target}")/release/weld"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
