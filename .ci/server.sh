# Sourced by the .ci scripts that test a running server (the TM Forum kits,
# schemathesis). `omni_ci_server LABEL [DATABASE_URL]` starts `$OMNI_BIN serve`
# on a free port with the demo data and a random JWT secret, waits for
# /health, and stops the server (SIGTERM, then SIGKILL after 10 s) and
# removes its scratch directory when the script exits.
# Needs: log, die, OMNI_BIN, REPO, OUT. Sets: WORK, PORT, BASE, SERVER_LOG,
# SERVER_PID and exports OMNI_JWT_SECRET. The database defaults to a fresh
# SQLite file in WORK.

omni_ci_cleanup() {
  local status=$?
  if [[ -n "${SERVER_PID:-}" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server did not stop on SIGTERM within 10 s; killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "${WORK:-}"
  exit "$status"
}

omni_ci_server() {
  local label="$1" database_url="${2:-}"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/omni-$label.XXXXXX")"
  SERVER_PID=""
  trap omni_ci_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  mkdir -p "$OUT"
  PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  BASE="http://127.0.0.1:$PORT"
  SERVER_LOG="$OUT/server.log"
  export OMNI_JWT_SECRET
  OMNI_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"

  log "starting $OMNI_BIN on $BASE (log: $SERVER_LOG)"
  OMNI_LISTEN="127.0.0.1:$PORT" \
  OMNI_DATABASE_URL="${database_url:-sqlite:$WORK/$label.db}" \
  OMNI_DATA_DIR="$REPO/data" \
  OMNI_PUBLIC_URL="$BASE" \
    "$OMNI_BIN" serve >"$SERVER_LOG" 2>&1 </dev/null &
  SERVER_PID=$!

  local health='
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
'
  for _ in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 30 "$SERVER_LOG" >&2 || true
      die "the server exited before answering /health"
    fi
    if python3 -c "$health" "$BASE/health" 2>/dev/null; then
      log "server is up"
      return 0
    fi
    sleep 0.2
  done
  tail -n 30 "$SERVER_LOG" >&2 || true
  die "the server did not answer $BASE/health within 60 s"
}
