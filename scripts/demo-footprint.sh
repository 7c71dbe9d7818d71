#!/usr/bin/env bash
# Creates (or with "rm", removes) a small sandkasten footprint for trying the TUI by hand:
# persistent workspaces with and without sessions, an ephemeral session, a pool container and
# an orphaned ephemeral volume, all made the way sandkasten makes them and labelled
# sandkasten-tui.test=demo. Usage: demo-footprint.sh IMAGE | demo-footprint.sh rm
set -euo pipefail
label=sandkasten-tui.test=demo
if [ "${1:-}" = rm ]; then
  docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter "label=$label" | xargs -r docker volume rm >/dev/null
  docker volume rm sandkasten-ws-s-eph sandkasten-ws-p-1 sandkasten-ws-s-gone >/dev/null 2>&1 || true
  exit 0
fi
image=$1
ws() { docker volume create --label "$label" --label sandkasten.workspace=true \
         --label "sandkasten.workspace_id=$1" "sandkasten-ws-$1" >/dev/null; }
session() { # id workspace_volume [extra labels...]
  local id=$1 vol=$2; shift 2
  docker create --name "sandkasten-$id" --label "$label" --label sandkasten.managed=true \
    --label "sandkasten.session_id=$id" "$@" \
    --read-only --cap-drop ALL --security-opt no-new-privileges --network none \
    --cpus 1 --memory 512m --pids-limit 256 --init \
    --tmpfs /tmp:rw,nosuid,nodev,size=64m --tmpfs /run --tmpfs /home/sandbox/.cache \
    --mount "type=volume,src=$vol,dst=/workspace" "$image" sleep 86400 >/dev/null
}
ws alpha; ws beta; ws gamma
docker volume create --label "$label" --label sandkasten.workspace=true \
  --label sandkasten.workspace_id=quota --opt type=tmpfs --opt device=tmpfs --opt o=size=64m \
  sandkasten-ws-quota >/dev/null
session s-alpha sandkasten-ws-alpha --label sandkasten.workspace_id=alpha
session s-beta sandkasten-ws-beta --label sandkasten.workspace_id=beta
docker volume create sandkasten-ws-s-eph >/dev/null   # ephemeral volumes carry no labels
session s-eph sandkasten-ws-s-eph
docker volume create sandkasten-ws-p-1 >/dev/null
session p-1 sandkasten-ws-p-1 --label sandkasten.pool=true --label "sandkasten.image=$image" \
  --label sandkasten.pooled_at=2026-11-23T10:00:00Z
docker start sandkasten-s-alpha sandkasten-p-1 >/dev/null
docker volume create sandkasten-ws-s-gone >/dev/null   # orphan: its session is gone
