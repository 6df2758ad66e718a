#!/usr/bin/env bash
# `npm run images`: builds the socklab image (${SOCKLAB_IMAGE:-socklab:latest}) through `docker compose build`.
#   - When the default Node base image can be had (present, or pulled), the app is built from source in it.
#   - Otherwise (no registry answers, or SOCKLAB_OFFLINE=1), a Node base image is made from this machine's
#     Node (scripts/images/node-base.sh) and the bundle built here is copied in: no pull, no npm in the image.
# Idempotent: the base image is made once per Node version, and BuildKit's cache makes a rebuild of an
# unchanged tree take about a second.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '[images] %s\n' "$*"; }
docker info >/dev/null 2>&1 || { log "no Docker engine answers (see README, 'Containers')"; exit 1; }
docker compose version >/dev/null 2>&1 || { log "docker compose v2 is missing"; exit 1; }

default_base=node:22-slim
offline=${SOCKLAB_OFFLINE:-auto}
if [ "$offline" = auto ]; then
  if docker image inspect "$default_base" >/dev/null 2>&1 || timeout 60 docker pull -q "$default_base" >/dev/null 2>&1; then
    offline=0
  else
    offline=1
  fi
fi

started=$(date +%s%N)
if [ "$offline" = 1 ]; then
  base=$(bash scripts/images/node-base.sh)
  log "offline build: base $base (this machine's Node), app bundled on the host"
  npm run --silent build
  SOCKLAB_NODE_IMAGE=$base SOCKLAB_APP_SOURCE=prebuilt docker compose --progress quiet build server
else
  log "build from source on $default_base"
  SOCKLAB_NODE_IMAGE=$default_base SOCKLAB_APP_SOURCE=source docker compose --progress quiet build server
fi
image=${SOCKLAB_IMAGE:-socklab:latest}
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
size=$(docker image inspect "$image" --format '{{.Size}}' | awk '{ printf "%.1f MB", $1 / 1e6 }')
log "built $image in $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s ($size)"
