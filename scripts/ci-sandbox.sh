#!/usr/bin/env bash
# scripts/ci-sandbox.sh start SCENARIO | stop
# For the CI job that runs the action with `uses: ./`: starts the sandbox
# in the background, waits until it is loaded, and hands its endpoints to
# the later steps through $GITHUB_ENV; `stop` ends it by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."
state="${RUNNER_TEMP:-/tmp}/animl-sandbox"
case "${1:-}" in
  start)
    rm -f "$state.env"
    nohup npx tsx scripts/sandbox-serve.ts --scenario "$2" \
      --write-env "$state.env" >"$state.log" 2>&1 &
    for _ in $(seq 60); do
      [ -f "$state.env" ] && break
      sleep 1
    done
    if [ ! -f "$state.env" ]; then
      echo "::error::the sandbox did not start"
      cat "$state.log"
      exit 1
    fi
    cat "$state.env" >>"${GITHUB_ENV:-/dev/null}"
    cat "$state.log"
    ;;
  stop)
    if [ -f "$state.env" ]; then
      kill "$(sed -n 's/^SANDBOX_PID=//p' "$state.env")" || true
      rm -f "$state.env"
    fi
    ;;
  *)
    echo "usage: $0 start SCENARIO | stop" >&2
    exit 2
    ;;
esac
