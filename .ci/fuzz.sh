#!/usr/bin/env bash
# Fuzzes every operation of the OpenAPI document with schemathesis against a freshly started Omni:
# no answer may be a 5xx, every answer must match the documented schema, and every status code must
# be documented.
#
#   OMNI_BIN=target/debug/omni bash .ci/fuzz.sh
#
# Environment:
#   OMNI_BIN             path of the built omni binary (default: target/debug/omni)
#   OMNI_FUZZ_EXAMPLES   examples per operation and phase (default: 100)
#   OMNI_FUZZ_SEED       seed of the run (default: a fixed one, so CI runs are reproducible; `random`
#                        for a new one each run)
#   OMNI_FUZZ_OUT        where the server log and the reports go (default: target/fuzz)
#   OMNI_FUZZ_REPORTS    more schemathesis report formats besides junit, e.g. `har` (default: none)
#   TOOLS                where the schemathesis venv is created (default: $HOME/.cache/omni-ci-tools)
#
# The server runs on a new SQLite database with the demo data (data/), so that the fuzzer meets real
# offerings, carts and orders; the tokens are minted with `omni token` and hold every role.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
TOOLS="${TOOLS:-$HOME/.cache/omni-ci-tools}"
OUT="${OMNI_FUZZ_OUT:-$REPO/target/fuzz}"
OMNI_BIN="${OMNI_BIN:-$REPO/target/debug/omni}"
EXAMPLES="${OMNI_FUZZ_EXAMPLES:-100}"
SEED="${OMNI_FUZZ_SEED:-20261124}"

log() { printf 'fuzz: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ -x "$OMNI_BIN" ]] || die "OMNI_BIN=$OMNI_BIN is not an executable file (cargo build --bin omni)"
OMNI_BIN="$(cd "$(dirname "$OMNI_BIN")" && pwd)/$(basename "$OMNI_BIN")"
command -v python3 >/dev/null || die "python3 is needed"

# --- schemathesis -----------------------------------------------------------------------------
VENV="$TOOLS/schemathesis-$SCHEMATHESIS_VERSION"
ST="$VENV/bin/st"
if [[ ! -x "$ST" ]]; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV" >&2; then
    # Debian's python3 lacks venv until python3-venv is installed.
    command -v apt-get >/dev/null || die "python3 -m venv failed"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$VENV"
    python3 -m venv "$VENV" >&2 || die "python3 -m venv failed"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
  [[ -x "$ST" ]] || die "pip installed no $ST"
fi
log "$("$ST" --version)"

# --- server -----------------------------------------------------------------------------------
# shellcheck source=/dev/null
. "$HERE/server.sh"
export OMNI_LOG="${OMNI_LOG:-warn}"
omni_ci_server fuzz
rm -rf "$OUT/report"

# --- tokens -----------------------------------------------------------------------------------
# One user token with every role, so that every operation is reachable: the fuzzer is after wrong
# answers to well-authorized requests (auth itself is covered by crates/omni/tests/auth_tenancy.rs).
ROLES=(catalog.admin sc.ops sc.view promotion.admin promotion.view tenant.admin order.ops order.view care.ops events.admin jobs.admin inventory.admin inventory.view)
role_args=()
for role in "${ROLES[@]}"; do role_args+=(--role "$role"); done
# The token's care client: care calls must send it as X-ATT-ClientId (below and in fuzz-seed.py).
CLIENT_ID=omni-fuzz
TOKEN="$("$OMNI_BIN" token --type user "${role_args[@]}" --tenant default --sub fuzz --client "$CLIENT_ID" --ttl 3600 2>/dev/null)" \
  || die "could not mint a token"

# --- seed -------------------------------------------------------------------------------------
# Real ids for path and body parameters (see .ci/fuzz-seed.py), so that half of the examples reach
# an existing resource instead of its 404.
CONFIG="$WORK/schemathesis.toml"
OMNI_FUZZ_CLIENT="$CLIENT_ID" python3 "$HERE/fuzz-seed.py" "$BASE" "$TOKEN" "$REPO/data" "$CONFIG" || die "seeding the server failed"
cp "$CONFIG" "$OUT/schemathesis.toml"

# --- run --------------------------------------------------------------------------------------
# Headers: the bearer token, and the headers some families require (carts: channelId; discovery:
# X-ATT-ClientId and idpctx-appname; care: X-ATT-ClientId, the token's client, -ConversationId,
# -MessageId). Passed with
# -H they replace whatever the fuzzer would generate for them, so a run spends its examples on
# bodies, paths and query parameters rather than on header values the server rightly refuses.
# Every check the task asks for, on every operation; nothing is excluded. One worker: with several,
# hypothesis (under schemathesis) at times fails inside CPython 3.11's ast.parse, which is not safe
# across threads ("AST constructor recursion depth mismatch"), and the run ends with an error.
checks=not_a_server_error,response_schema_conformance,status_code_conformance
log "fuzzing $BASE/openapi.json: $EXAMPLES examples per operation and phase, seed $SEED, checks $checks"
seed_args=()
[[ "$SEED" == random ]] || seed_args=(--seed "$SEED")
started=$(date +%s)
set +e
# From the temporary directory: schemathesis keeps a cache of crashes in ./.schemathesis.
(cd "$WORK" && "$ST" --config-file "$CONFIG" run "$BASE/openapi.json" \
  --checks "$checks" \
  --max-examples "$EXAMPLES" \
  "${seed_args[@]}" \
  --workers 1 \
  --request-timeout 30 \
  --generation-database none \
  --no-color \
  --report "junit${OMNI_FUZZ_REPORTS:+,$OMNI_FUZZ_REPORTS}" --report-dir "$OUT/report" \
  -H "Authorization: Bearer $TOKEN" \
  -H "channelId: ECOMM" \
  -H "X-ATT-ClientId: $CLIENT_ID" \
  -H "X-ATT-ConversationId: fuzz-conversation" \
  -H "X-ATT-MessageId: fuzz-message" \
  -H "idpctx-appname: omni-fuzz") \
  2>&1 | tee "$WORK/st.out"
status=${PIPESTATUS[0]}
set -e
log "schemathesis finished in $(( $(date +%s) - started ))s with status $status (reports under $OUT/report)"

if grep -q '"level":"ERROR"\|panicked' "$SERVER_LOG"; then
  log "the server logged errors:"
  grep '"level":"ERROR"\|panicked' "$SERVER_LOG" | head -n 20 >&2
fi
# A panic is a bug even where no answer showed it (a worker's, or one caught as a 500 above).
if grep -q 'panicked' "$SERVER_LOG"; then
  log "the server panicked: failing the run"
  status=1
fi
# A closing line CI reads: operations that passed and failed.
python3 - "$OUT/report" <<'EOF'
import glob, os, sys, xml.etree.ElementTree as ET
files = sorted(glob.glob(os.path.join(sys.argv[1], "junit*.xml")), key=os.path.getmtime)
if not files:
    sys.exit(0)
root = ET.parse(files[-1]).getroot()
cases = root.iter("testcase")
failed = passed = 0
for case in cases:
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    else:
        passed += 1
print(f"fuzz: {passed} passed, {failed} failed")
EOF
exit "$status"
