#!/usr/bin/env bash
# Makes sure a Docker engine answers. When none does and we are root, installs Debian's
# docker.io if needed and starts dockerd in the background. Sourced by test.sh and bench.sh.

engine_answers() { docker info >/dev/null 2>&1; }

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
