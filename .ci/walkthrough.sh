#!/usr/bin/env bash
# Replays the README's walk-through against a fresh server, as a new user would: every ```sh block
# between "## A walk through" and "### Starting over", in order, in one shell. Any call that answers
# 4xx or 5xx stops the run (curl --fail-with-body), and the answers the README promises for the end of
# each journey are checked. Only two lines of the README are changed: API points at this run's
# server, and `omni` at the binary under test.
#
#   OMNI_BIN=target/debug/omni bash .ci/walkthrough.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT="${OMNI_WALK_OUT:-$REPO/target/walkthrough}"
OMNI_BIN="${OMNI_BIN:-$REPO/target/debug/omni}"
log() { echo "walkthrough: $*" >&2; }
die() { log "$*"; exit 1; }
[[ -x "$OMNI_BIN" ]] || die "OMNI_BIN=$OMNI_BIN is not an executable file (cargo build --bin omni)"
OMNI_BIN="$(cd "$(dirname "$OMNI_BIN")" && pwd)/$(basename "$OMNI_BIN")"

# shellcheck source=/dev/null
. "$HERE/server.sh"
export OMNI_LOG="${OMNI_LOG:-warn}"
omni_ci_server walkthrough

SCRIPT="$OUT/walkthrough.sh"
python3 - "$REPO/README.md" "$SCRIPT" "$BASE" "$OMNI_BIN" <<'EOF'
import re, sys
readme, script, base, omni = sys.argv[1:]
text = open(readme, encoding="utf-8").read()
start = text.index("## A walk through")
end = text.index("### Starting over", start)
blocks = re.findall(r"```sh\n(.*?)```", text[start:end], re.S)
if len(blocks) < 3:
    sys.exit(f"expected the walk-through's sh blocks in {readme}, found {len(blocks)}")
body = "\n".join(blocks)
for name, value in (("API", base), ("omni", omni)):
    body, n = re.subn(rf"^{name}=.*$", f"{name}={value}", body, count=1, flags=re.M)
    if n != 1:
        sys.exit(f"the walk-through no longer sets {name}=")
with open(script, "w", encoding="utf-8") as f:
    f.write("set -euo pipefail\n")
    f.write('curl() { command curl --fail-with-body --max-time 30 "$@"; echo; }\n')
    f.write(body)
EOF

log "running the README's walk-through against $BASE (script: $SCRIPT)"
TRANSCRIPT="$OUT/transcript.txt"
(cd "$REPO" && bash "$SCRIPT") >"$TRANSCRIPT" 2>&1 || {
    tail -n 40 "$TRANSCRIPT" >&2
    die "a step of the walk-through failed (whole transcript: $TRANSCRIPT)"
}

# What the README says each journey ends with.
expect() {
    grep -qi -- "$1" "$TRANSCRIPT" || die "the transcript lacks $2 ($1); see $TRANSCRIPT"
}
expect 'X-Total-Count: 9' "discovery's total of postpaid offers"
expect '"name":"Internet Air"' "the fixed-wireless offer at the Celina address"
expect '"description":"Unlimited talk and text, 5 GB data"' "the patched offering in discovery"
expect '"name":"No activation fee online"' "the cart's automatic promotion"
expect '"code":"REQUIRES_EXISTING_PRODUCT"' "the qualification's reason"
expect '"status":"ordered"' "the cart closed once it became an order"
expect '"cartId":"' "the order made from the cart"
expect '"name":"Rate plan of line 46901' "the products the TMF622 order made, in TMF637"
expect '"code":"TECHNOLOGY_NOT_AVAILABLE"' "the service qualification's reason"
expect '"readyToSubmit":true' "the order ready to submit"
expect '"state":"completed"' "the completed order"
expect '"status":"Completed"' "the completed care order"
log "every step answered as the README says ($(grep -c . "$TRANSCRIPT") lines of answers)"
