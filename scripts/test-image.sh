#!/usr/bin/env bash
# Builds the local test image without a registry: a rootfs holding Debian's busybox-static
# (shell and coreutils as applets), imported with `docker import`. Labelled with the run id so
# that test.sh removes it at the end. Usage: test-image.sh RUN_ID TAG
set -euo pipefail
run_id=$1
tag=$2
cache=${SANDKASTEN_TUI_CACHE:-$(cd "$(dirname "$0")/.." && pwd)/target/test-cache}
mkdir -p "$cache"
deb=$(ls "$cache"/busybox-static_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
  if ! (cd "$cache" && apt-get download busybox-static >/dev/null 2>&1); then
    [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 || true
    (cd "$cache" && apt-get download busybox-static >/dev/null)
  fi
  deb=$(ls "$cache"/busybox-static_*.deb | head -n 1)
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
dpkg-deb -x "$deb" "$rootfs/pkg"
mkdir -p "$rootfs/img/bin" "$rootfs/img/workspace" "$rootfs/img/tmp" "$rootfs/img/run" \
         "$rootfs/img/home/sandbox/.cache" "$rootfs/img/etc"
cp "$rootfs/pkg/bin/busybox" "$rootfs/img/bin/busybox"
for applet in $("$rootfs/img/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rootfs/img/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$rootfs/img/etc/passwd"
tar -C "$rootfs/img" -c . | docker import \
  --change "LABEL sandkasten-tui.test=$run_id" \
  --change 'CMD ["sleep", "2147483647"]' \
  --change 'ENV PATH=/bin' \
  - "$tag" >/dev/null
# A session image with no shell at all: busybox without its applet links (no sh, no bash).
mkdir -p "$rootfs/bare/bin" "$rootfs/bare/workspace"
cp "$rootfs/pkg/bin/busybox" "$rootfs/bare/bin/busybox"
tar -C "$rootfs/bare" -c . | docker import \
  --change "LABEL sandkasten-tui.test=$run_id" \
  --change 'CMD ["/bin/busybox", "sleep", "2147483647"]' \
  - "$tag-noshell" >/dev/null
echo "$tag"
