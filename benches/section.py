"""Replaces a section of BENCHMARKS.md with a file's text.

    python3 benches/section.py HEADING FILE

The section is the one whose "## " line starts with HEADING, up to the
next "## " line; the file's text is added at the end when there is none.
"""
import sys

heading, path = sys.argv[1], sys.argv[2]
section = open(path).read()
text = open("BENCHMARKS.md").read()
start = text.find(heading)
if start < 0:
    text = text.rstrip("\n") + "\n\n" + section
else:
    end = text.find("\n## ", start + 1)
    text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
open("BENCHMARKS.md", "w").write(text.rstrip("\n") + "\n")
