"""One Markdown row of an oha JSON report, for benches/serve.sh and
benches/allow_http.sh:

    python3 benches/oha-row.py NAME REPORT.json            | name | req/s | p50 | p99 | 2xx/all |
    python3 benches/oha-row.py NAME REPORT.json per-request | name | req/s | µs per request | p99 | 2xx/all |
"""
import json
import sys

name, path = sys.argv[1], sys.argv[2]
per_request = sys.argv[3:] == ["per-request"]
r = json.load(open(path))
summary, pct = r["summary"], r["latencyPercentiles"]
rate = summary["requestsPerSec"]
codes = r.get("statusCodeDistribution", {})
ok = sum(n for code, n in codes.items() if code.startswith("2"))
middle = f"{1e6 / rate:.1f}" if per_request else f"{pct['p50'] * 1e3:.2f}"
print(f"| {name} | {rate:.0f} | {middle} | {pct['p99'] * 1e3:.2f} | {ok}/{sum(codes.values())} |")
