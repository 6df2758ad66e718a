#!/usr/bin/env bash
# Gradescope's image setup (Ubuntu): Node 20, Python 3, and socklab from npm.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl python3
curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
apt-get install -y nodejs
npm install -g socklab
