#!/usr/bin/env bash
# Makes a Docker engine with compose v2 answer on a Debian machine that may have none. Idempotent: each
# step is skipped when its result is already there, so a second run costs a few `docker` calls.
#   1. the engine: Debian's docker.io (+ iptables) when dockerd is missing;
#   2. compose v2: Debian 12 packages only compose v1, so the v2 CLI plugin (a static Go binary) is taken
#      from Debian 13's docker-compose package, unpacked, never installed; apt is pointed at a private
#      list folder for this, so the machine's own apt configuration is never changed;
#   3. dockerd started in the background (log: /var/log/socklab-dockerd.log) and waited for.
set -euo pipefail

log() { printf '[provision-docker] %s\n' "$*"; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

engine_answers() { docker info >/dev/null 2>&1; }

install_engine() {
  if command -v dockerd >/dev/null 2>&1 && command -v iptables >/dev/null 2>&1; then return; fi
  log "installing the Docker engine (docker.io) from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
}

install_compose() {
  if docker compose version >/dev/null 2>&1; then return; fi
  log "adding the compose v2 CLI plugin from Debian 13's docker-compose package"
  local work source
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial"
  # The machine's own Debian source (first stanza: the main archive), with the suite changed to trixie.
  source=/etc/apt/sources.list.d/debian.sources
  if [ -f "$source" ]; then
    awk 'BEGIN{RS=""; ORS="\n\n"} NR==1' "$source" | sed -E 's/^Suites:.*/Suites: trixie/' >"$work/parts/trixie.sources"
  elif [ -f /etc/apt/sources.list ]; then
    grep -E '^deb ' /etc/apt/sources.list | grep -v security | head -n1 |
      awk '{print $1, $2, "trixie", "main"}' >"$work/parts/trixie.list"
  else
    log "no Debian apt source found to derive a trixie source from"; return 1
  fi
  local apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/parts"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Get::List-Cleanup=0")
  $SUDO apt-get "${apt_opts[@]}" update -qq
  (cd "$work" && $SUDO apt-get "${apt_opts[@]}" download -qq docker-compose/trixie)
  dpkg -x "$work"/docker-compose_*.deb "$work/unpacked"
  $SUDO mkdir -p /usr/local/lib/docker/cli-plugins
  $SUDO install -m 0755 "$work/unpacked/usr/libexec/docker/cli-plugins/docker-compose" /usr/local/lib/docker/cli-plugins/docker-compose
}

start_engine() {
  if engine_answers; then return; fi
  log "starting dockerd"
  $SUDO sh -c 'nohup dockerd >/var/log/socklab-dockerd.log 2>&1 &'
  for _ in $(seq 1 120); do
    engine_answers && return
    sleep 0.5
  done
  log "dockerd did not answer within 60 s; its log:"
  tail -n 40 /var/log/socklab-dockerd.log >&2 || true
  return 1
}

if engine_answers && docker compose version >/dev/null 2>&1; then
  log "engine and compose v2 already answer"
else
  install_engine
  install_compose
  start_engine
fi
log "$(docker version --format 'engine {{.Server.Version}} (API {{.Server.APIVersion}})'), $(docker compose version --short | sed 's/^/compose /')"
