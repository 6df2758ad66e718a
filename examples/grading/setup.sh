#!/usr/bin/env bash
# Gradescope's image setup (Ubuntu): Python 3 and Node 20 where they are missing, then socklab from the
# packed tarball beside this script (socklab-<version>.tgz), without the npm registry. The tarball comes
# from `npm pack` in socklab's folder (or is the one you installed socklab from); zip it with this folder.
#
# SOCKLAB_PREFIX moves the install (default /usr/local: socklab lands in $SOCKLAB_PREFIX/bin).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${SOCKLAB_PREFIX:-/usr/local}"

if ! command -v python3 >/dev/null 2>&1; then
  apt-get update && apt-get install -y --no-install-recommends python3
fi
if ! command -v node >/dev/null 2>&1; then
  apt-get update && apt-get install -y --no-install-recommends ca-certificates curl
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
  apt-get install -y nodejs
fi

shopt -s nullglob
tarballs=("$here"/socklab-*.tgz)
if [ "${#tarballs[@]}" -eq 0 ]; then
  echo "setup.sh: no socklab-<version>.tgz beside this script: run \`npm pack\` in socklab's folder and put the tarball here" >&2
  exit 1
fi
tarball="${tarballs[-1]}"

# The package's CLI is one bundle: grading (the local target) needs nothing from the registry.
rm -rf "$prefix/lib/socklab"
mkdir -p "$prefix/lib/socklab" "$prefix/bin"
tar -xzf "$tarball" -C "$prefix/lib/socklab" --strip-components=1
ln -sf "$prefix/lib/socklab/bin/socklab.js" "$prefix/bin/socklab"
echo "socklab $("$prefix/bin/socklab" --version) installed from $(basename "$tarball") in $prefix"
