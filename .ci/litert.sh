# The LiteRT converter's environment, sourced by .ci/services.sh. litert-torch pins
# typing-extensions below 4.13 (pydantic back to 2.11), so it cannot share the project's
# .venv: tools/check_litert.py builds it apart, once, in the user's cache directory
# (outside the clone, so a fresh clone on the same machine reuses it: the first build
# downloads about 0.9 GB and takes minutes; TOUCHLINE_LITERT_CACHE moves it), and later
# runs only bring it up to date. The suite then runs the LiteRT checks in it
# (tests/tools/test_check_litert.py); without it those fail under CI=true.
build_litert_env() {
    local env="${TOUCHLINE_LITERT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/touchline}/litert-venv"
    local out started
    started=$(date +%s)
    out=$(python3 tools/check_litert.py --venv "$env" --build-only 2>&1) || {
        printf '%s\n' "$out" >&2; return 1; }
    export TOUCHLINE_LITERT_VENV="$env"
    echo "ci: LiteRT converter environment ready in $(( $(date +%s) - started )) s: $env"
}
build_litert_env || echo "ci: LiteRT converter not available; its tests fail under CI=true"
