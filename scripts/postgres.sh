# Sourced by scripts/test and .ci/run: finds a PostgreSQL server for the tests,
# or starts a private one. After `omni_pg_up`, OMNI_TEST_POSTGRES_URL names an
# admin database on it; `omni_pg_down` stops what `omni_pg_up` started.

OMNI_PG_PRIVATE_DIR=""

omni_pg_answers() { # URL
    if command -v psql >/dev/null 2>&1; then
        psql "$1" -XAtqc 'select 1' >/dev/null 2>&1
    else
        (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
    fi
}

omni_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

omni_pg_up() {
    if [ -n "${OMNI_TEST_POSTGRES_URL:-}" ]; then
        omni_pg_answers "$OMNI_TEST_POSTGRES_URL" && return 0
        echo "OMNI_TEST_POSTGRES_URL=$OMNI_TEST_POSTGRES_URL does not answer" >&2
        return 1
    fi
    local url=postgres://postgres@127.0.0.1:5432/postgres
    if omni_pg_answers "$url"; then
        export OMNI_TEST_POSTGRES_URL=$url
        return 0
    fi
    echo "no PostgreSQL on 127.0.0.1:5432; starting a private cluster" >&2
    local bin
    bin=$(omni_pg_bin)
    if [ -z "$bin" ]; then
        if [ "$(id -u)" = 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        else
            sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        fi
        bin=$(omni_pg_bin)
    fi
    local port=55432
    OMNI_PG_PRIVATE_DIR=$(mktemp -d /tmp/omni-pg.XXXXXX)
    local run=()
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses to run as root.
        chown postgres "$OMNI_PG_PRIVATE_DIR"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bin/initdb" -D "$OMNI_PG_PRIVATE_DIR/data" -A trust -U postgres >/dev/null
    "${run[@]}" "$bin/pg_ctl" -D "$OMNI_PG_PRIVATE_DIR/data" -l "$OMNI_PG_PRIVATE_DIR/log" -w \
        -o "-p $port -k $OMNI_PG_PRIVATE_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
    export OMNI_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres
}

omni_pg_down() {
    if [ -n "$OMNI_PG_PRIVATE_DIR" ]; then
        local run=()
        [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
        "${run[@]}" "$(omni_pg_bin)/pg_ctl" -D "$OMNI_PG_PRIVATE_DIR/data" -m fast -w stop >/dev/null || true
        rm -rf "$OMNI_PG_PRIVATE_DIR"
        OMNI_PG_PRIVATE_DIR=""
    fi
}

# Drops the databases the tests created (omni_test_*).
omni_pg_drop_test_databases() {
    command -v psql >/dev/null 2>&1 || return 0
    psql "$OMNI_TEST_POSTGRES_URL" -XAtqc "select datname from pg_database where datname like 'omni\_test\_%'" 2>/dev/null |
        while read -r db; do
            psql "$OMNI_TEST_POSTGRES_URL" -Xqc "drop database if exists \"$db\"" >/dev/null 2>&1 || true
        done
}
