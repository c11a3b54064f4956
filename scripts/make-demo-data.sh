#!/usr/bin/env bash
# Cuts the demo shop's data, data/demo/online-retail-sample.csv.gz, from the
# full UCI Online Retail CSV: the header plus every row of a deterministic
# ~27% sample of customer ids (and customer 12347, the README's example).
# Guest rows (no CustomerID) are left out; the importer skips them anyway.
#
# usage: scripts/make-demo-data.sh [FULL.csv.gz] [OUT.csv.gz]
#
# The sample keeps a customer when (CustomerID * 2654435761) mod 2^32, a
# Knuth multiplicative hash, falls below 27% of 2^32. The same input gives
# the same bytes (gzip -n stores no name or time).
set -euo pipefail
cd "$(dirname "$0")/.."
in="${1:-../shared/data/online-retail/OnlineRetail.csv.gz}"  # shared/ sits beside the repo
out="${2:-data/demo/online-retail-sample.csv.gz}"
share="${PERSONA_DEMO_SHARE:-0.27}"

if [[ ! -r "$in" ]]; then
  echo "make-demo-data: cannot read $in (the full Online Retail CSV, gzipped)" >&2
  exit 1
fi
# head closes the pipe early; gzip's SIGPIPE is expected.
header="$( { gzip -dc "$in" 2>/dev/null || true; } | head -n 1 | tr -d '\r')"
if [[ "$header" != "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country" ]]; then
  echo "make-demo-data: $in does not start with the Online Retail header" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
tmp="$(mktemp "${out}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# Descriptions may hold quoted commas but CustomerID and Country never do, so
# the id is the second field from the end. Rows never span lines in this file.
gzip -dc "$in" | tr -d '\r' | LC_ALL=C awk -F, -v share="$share" '
  NR == 1 { print; next }
  {
    id = $(NF - 1)
    if (id == "") next
    h = (id * 2654435761) % 4294967296
    if (h < share * 4294967296 || id == "12347") print
  }' | gzip -9 -n > "$tmp"
mv "$tmp" "$out"
trap - EXIT
rows=$(( $(gzip -dc "$out" | wc -l) - 1 ))
customers=$(gzip -dc "$out" | awk -F, 'NR > 1 { print $(NF - 1) }' | sort -u | wc -l)
echo "make-demo-data: wrote $out: $rows rows, $customers customers, $(wc -c < "$out") bytes"
