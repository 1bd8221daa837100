#!/usr/bin/env bash
# A catalog of a million offers (issue 17, point 4): how long `omni load`
# takes and how much memory it holds, then how long a server takes to answer
# its first /health on that database, what it holds afterwards, and discovery
# search and lookup throughput on it (omni-bench on the loaded database).
#
#   bench/million.sh [OFFERS] [WORK]        defaults: 1000000 /work/million
#
# The generated folder (WORK/catalog-OFFERS) is kept and reused; the database
# (WORK/omni-OFFERS.db, SQLite) is made afresh. OMNI_BIN and OMNI_BENCH_BIN
# choose the binaries (default: this tree's release builds), CONNECTIONS and
# DURATION the load (default 16 connections, 10 s). Compare a before and an
# after build in one window: the machine is shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/.."

offers=${1:-1000000}
work=${2:-/work/million}
omni=${OMNI_BIN:-target/release/omni}
bench=${OMNI_BENCH_BIN:-target/release/omni-bench}
connections=${CONNECTIONS:-16}
duration=${DURATION:-10}
dir=$work/catalog-$offers
db=$work/omni-$offers.db
mkdir -p "$work"

echo "== $(date -u +%FT%TZ) $offers offers, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -f "$dir/catalog/productOffering.json" ]; then
    /usr/bin/time -f "gen-catalog: %e s, peak RSS %M KiB" \
        "$omni" gen-catalog --offers "$offers" --out "$dir"
fi
du -sh "$dir/catalog"

rm -f "$db" "$db-wal" "$db-shm"
OMNI_DATABASE_URL="sqlite:$db" OMNI_LOG=warn /usr/bin/time -f "load: %e s, peak RSS %M KiB" \
    "$omni" load "$dir"
du -sh "$db"

# omni-bench starts the server on the loaded database (start-up to the first
# /health and RSS then are printed on stderr and in the table's last columns).
"$bench" --omni-bin "$omni" --database "sqlite:$db" --offers "$offers" \
    --scenarios health,discovery-search,discovery-lookup \
    --connections "$connections" --duration "$duration"
echo "== load average $(cut -d' ' -f1-3 /proc/loadavg)"
