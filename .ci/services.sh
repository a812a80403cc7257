# Services for the test suite. Sourced by .ci/run. A step that cannot run is reported here;
# under CI=true the tests that need it then fail (tests/capabilities.py) rather than skip.
# PostgreSQL from Debian's packages on loopback, so host tests run against both databases.
start_postgres() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" = 0 ] || return 1
    if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
        apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
    fi
    local pgbin datadir port
    pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")
    datadir=$(mktemp -d /tmp/touchline-pg.XXXXXX)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    chown postgres "$datadir"
    (cd /tmp && su postgres -c "$pgbin/initdb -D $datadir -A trust -U postgres" >/dev/null) || return 1
    (cd /tmp && su postgres -c "$pgbin/pg_ctl -D $datadir -o '-c listen_addresses=127.0.0.1 -p $port -k /tmp' -l $datadir/log -w start" >/dev/null) || {
        cat "$datadir/log" >&2; return 1; }
    trap "cd /tmp && su postgres -c '$pgbin/pg_ctl -D $datadir -m fast stop' >/dev/null 2>&1" EXIT
    export TOUCHLINE_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    echo "ci: PostgreSQL on 127.0.0.1:$port for the database tests"
}
start_postgres || echo "ci: PostgreSQL not available; its tests skip, and fail under CI=true"

# Headless Chromium from Debian's packages, for the test that renders the run report and,
# with its driver, the browser tests of the staff pages (tests/browser).
install_chromium() {
    command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && return 0
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" = 0 ] || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || return 1
    echo "ci: Chromium installed for the report-rendering test"
}
install_chromium || echo "ci: Chromium not available; the report-rendering test will fail under CI=true"

# The LiteRT converter in an environment of its own, for the .tflite checks.
source "$(dirname "${BASH_SOURCE[0]}")/litert.sh"
