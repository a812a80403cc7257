# Services for the test suite. Sourced by .ci/run; each step is skipped where it cannot run.
# PostgreSQL from Debian's packages on loopback, so host tests run against both databases.
start_postgres() {
    command -v apt-get >/dev/null 2>&1 || return 0
    [ "$(id -u)" = 0 ] || return 0
    if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 0
    fi
    local pgbin datadir
    pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")
    datadir=$(mktemp -d /tmp/touchline-pg.XXXXXX)
    chown postgres "$datadir"
    su postgres -c "$pgbin/initdb -D $datadir -A trust -U postgres" >/dev/null
    su postgres -c "$pgbin/pg_ctl -D $datadir -o '-c listen_addresses=127.0.0.1 -p 55432 -k /tmp' -l $datadir/log -w start" >/dev/null
    export TOUCHLINE_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
}
start_postgres || echo "ci: PostgreSQL not available; PostgreSQL tests will be skipped"
