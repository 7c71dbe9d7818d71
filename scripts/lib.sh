#!/usr/bin/env bash
# Shared by test.sh and bench.sh: a Docker engine that answers, the local test image, and the
# final sweep of everything a run labelled. Source it; it defines functions only.

engine_answers() { docker info >/dev/null 2>&1; }

# Makes sure an engine answers. When none does and we are root, installs Debian's docker.io if
# needed and starts dockerd in the background.
ensure_engine() {
  if engine_answers; then return 0; fi
  if [ "$(id -u)" != 0 ]; then
    echo "No Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}) and we are not root to start one." >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    echo "Installing Debian's docker.io ..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  echo "Starting dockerd (log: /tmp/sandkasten-tui-dockerd.log) ..." >&2
  nohup dockerd >/tmp/sandkasten-tui-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    if engine_answers; then return 0; fi
    sleep 0.5
  done
  echo "dockerd did not come up; see /tmp/sandkasten-tui-dockerd.log" >&2
  return 1
}

# Exports SANDKASTEN_TUI_TEST_RUN and SANDKASTEN_TUI_TEST_IMAGE for a new run and builds the image.
prepare_run() {
  local kind=$1
  export SANDKASTEN_TUI_TEST_RUN="$kind-$(date +%s)-$$"
  export SANDKASTEN_TUI_TEST_IMAGE="sandkasten-tui-test:$SANDKASTEN_TUI_TEST_RUN"
  export SANDKASTEN_TUI_TEST_IMAGE_NOSHELL="$SANDKASTEN_TUI_TEST_IMAGE-noshell"
  bash "$(dirname "${BASH_SOURCE[0]}")/test-image.sh" "$SANDKASTEN_TUI_TEST_RUN" "$SANDKASTEN_TUI_TEST_IMAGE" >/dev/null
}

# Removes the containers, volumes and image of this run, and nothing else.
sweep_run() {
  local label="sandkasten-tui.test=${SANDKASTEN_TUI_TEST_RUN:?}"
  docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker volume ls -q --filter "label=$label" | xargs -r docker volume rm >/dev/null 2>&1 || true
  docker images -q --filter "label=$label" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
}
