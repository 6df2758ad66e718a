#!/usr/bin/env bash
# Makes a Node base image from this machine's own Node runtime, for machines where no registry answers:
# the `node` binary plus the shared libraries `ldd` lists for it, /tmp, and a passwd entry for uid 1000.
# No shell, no package manager. Prints the image's tag; does nothing when that tag exists already.
set -euo pipefail

node_bin=$(readlink -f "$(command -v node)")
version=$("$node_bin" -p 'process.versions.node')
tag="${SOCKLAB_BASE_TAG:-socklab/node-base:${version}}"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/etc"
chmod 1777 "$root/tmp"
cp "$node_bin" "$root/usr/local/bin/node"
# Every library ldd names (the `=>` targets and the dynamic loader), at the same paths.
for lib in $(ldd "$node_bin" | awk '/=>/ { print $3; next } /ld-linux/ { print $1 }'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/srv:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'CMD ["node"]' \
  --change "LABEL org.opencontainers.image.title=socklab-node-base org.opencontainers.image.version=${version}" \
  --message "Node ${version} from the host, for offline socklab builds" \
  - "$tag" >/dev/null
echo "$tag"
