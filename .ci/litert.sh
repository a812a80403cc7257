# The LiteRT converter's environment, sourced by .ci/services.sh. litert-torch pins
# typing-extensions below 4.13 (pydantic back to 2.11), so it cannot share the project's
# .venv: tools/check_litert.py builds it apart, once, in the user's cache directory
# (outside the clone, so a fresh clone on the same machine reuses it; TOUCHLINE_LITERT_CACHE
# moves it), and later runs only bring it up to date. A first build downloads about 0.9 GB
# and takes minutes, so it runs in the background while the suite runs; the suite's LiteRT
# check (tests/tools/test_check_litert.py, through tests/capabilities.py) waits for the
# status file it writes, and fails under CI=true if the build failed.
start_litert_build() {
    local env="${TOUCHLINE_LITERT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/touchline}/litert-venv"
    local status="$env.status"
    mkdir -p "$(dirname "$env")" || return 1
    rm -f "$status"
    export TOUCHLINE_LITERT_VENV="$env" TOUCHLINE_LITERT_BUILD_STATUS="$status"
    (
        started=$(date +%s)
        if out=$(python3 tools/check_litert.py --venv "$env" --build-only 2>&1); then
            echo "ok: built or up to date in $(( $(date +%s) - started )) s" >"$status.part"
        else
            { echo "failed:"; printf '%s\n' "$out" | tail -20; } >"$status.part"
        fi
        mv "$status.part" "$status"
    ) </dev/null >/dev/null 2>&1 &
    echo "ci: building the LiteRT converter's environment in the background: $env"
}
start_litert_build || echo "ci: LiteRT converter not available; its tests fail under CI=true"
