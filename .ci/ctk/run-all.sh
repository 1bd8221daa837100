#!/usr/bin/env bash
# Runs the official TM Forum conformance kits (../shared/tmf/ctk) against a freshly started Omni.
#
#   OMNI_BIN=target/debug/omni bash .ci/ctk/run-all.sh
#
# Environment:
#   OMNI_BIN               path of the built omni binary (required)
#   OMNI_CTK_DATABASE_URL  database the server uses (default: a new SQLite file in a temp dir)
#   OMNI_CTK_OUT           where collections, reports and the server log go (default: target/ctk)
#   TOOLS                  where newman is installed with npm (default: $HOME/.cache/omni-ci-tools)
#
# A kit runs when .ci/ctk/<KIT>.json (our headers and payloads, see run-kit.py) exists; the others
# are skipped with a message. Exits non-zero when any kit has a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CTK_ROOT="$REPO/../shared/tmf/ctk"
TOOLS="${TOOLS:-$HOME/.cache/omni-ci-tools}"
OUT="${OMNI_CTK_OUT:-$REPO/target/ctk}"

# kit | base-URL variable of its collection | base path | roles of the token it runs with (space-separated)
KITS=(
  "TMF620|Product_Catalog|/tmf-api/productCatalogManagement/v4/|catalog.admin"
  "TMF622|Product_Ordering|/tmf-api/productOrderingManagement/v4/|order.ops"
  "TMF663|Shopping_Cart|/tmf-api/shoppingCart/v4/|sc.ops"
  "TMF637|Product_Inventory|/tmf-api/productInventory/v4/|inventory.view"
)

log() { printf 'ctk: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [[ ! -d "$CTK_ROOT" ]]; then
  log "no conformance kits at $CTK_ROOT: skipping the TM Forum conformance run"
  exit 0
fi

[[ -n "${OMNI_BIN:-}" ]] || die "set OMNI_BIN to the built omni binary (e.g. target/debug/omni)"
[[ -x "$OMNI_BIN" ]] || die "OMNI_BIN=$OMNI_BIN is not an executable file"
OMNI_BIN="$(cd "$(dirname "$OMNI_BIN")" && pwd)/$(basename "$OMNI_BIN")"
command -v python3 >/dev/null || die "python3 is needed"

# --- newman -----------------------------------------------------------------------------------
NEWMAN="$TOOLS/node_modules/.bin/newman"
if [[ ! -x "$NEWMAN" ]]; then
  command -v npm >/dev/null || die "npm is needed to install newman (install node and npm)"
  log "installing newman 6 into $TOOLS"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error newman@6 >&2
  [[ -x "$NEWMAN" ]] || die "npm installed no $NEWMAN"
fi
log "newman $("$NEWMAN" --version)"

# --- server -----------------------------------------------------------------------------------
# shellcheck source=/dev/null
. "$HERE/../server.sh"
omni_ci_server ctk "${OMNI_CTK_DATABASE_URL:-}"

# --- kits -------------------------------------------------------------------------------------
total_passed=0
total_failed=0
failed_kits=()
ran=0
for entry in "${KITS[@]}"; do
  IFS='|' read -r kit var path roles <<<"$entry"
  overrides="$HERE/$kit.json"
  if [[ ! -f "$overrides" ]]; then
    log "$kit: skipped (no overrides file .ci/ctk/$kit.json)"
    continue
  fi
  if [[ ! -d "$CTK_ROOT/$kit" ]]; then
    log "$kit: FAILED (no kit at $CTK_ROOT/$kit)"
    failed_kits+=("$kit")
    continue
  fi
  role_args=()
  for role in $roles; do role_args+=(--role "$role"); done
  OMNI_CTK_TOKEN="$("$OMNI_BIN" token --type user "${role_args[@]}" --tenant default --sub "ctk-$kit" --ttl 3600 2>/dev/null)" \
    || die "$kit: could not mint a token"
  export OMNI_CTK_TOKEN
  log "$kit: running against $BASE$path"
  kit_out="$OUT/$kit"
  set +e
  python3 "$HERE/run-kit.py" "$CTK_ROOT/$kit" "$var" "$BASE$path" "$overrides" "$kit_out" \
    --newman "$NEWMAN" 2>&1 | tee "$WORK/$kit.out"
  status=${PIPESTATUS[0]}
  set -e
  ran=$((ran + 1))
  counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/$kit.out" | tail -n 1 || true)"
  if [[ -n "$counts" ]]; then
    read -r p _ f _ <<<"${counts//,/}"
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
  elif [[ $status -ne 0 ]]; then
    total_failed=$((total_failed + 1))
  fi
  if [[ $status -ne 0 ]]; then
    failed_kits+=("$kit")
  fi
done

echo
if [[ $ran -eq 0 ]]; then
  log "no kit has an overrides file in .ci/ctk: nothing was run"
fi
if [[ ${#failed_kits[@]} -gt 0 ]]; then
  log "failed kits: ${failed_kits[*]} (reports under $OUT)"
else
  log "all kits passed (reports under $OUT)"
fi
echo "ctk: $total_passed passed, $total_failed failed"
[[ ${#failed_kits[@]} -eq 0 ]]
