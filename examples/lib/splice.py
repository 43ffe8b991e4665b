"""Replace the block between <!-- BEGIN NAME --> and <!-- END NAME --> in a Markdown file with
the contents of a generated file, so the write-up's numbers are regenerated, never typed."""
import sys

doc, name, src = sys.argv[1:4]
text = open(doc).read()
begin, end = f"<!-- BEGIN {name} (generated) -->", f"<!-- END {name} -->"
if begin not in text or end not in text:
    raise SystemExit(f"{doc}: markers for {name} missing")
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
body = open(src).read().strip()
open(doc, "w").write(f"{head}{begin}\n{body}\n{end}{tail}")
