# The socklab image: one image for the server and the clients (entrypoint `socklab`, default command
# `server`). Two ways to get the app into it, chosen with APP_SOURCE:
#   source   (default) build the bundle from source inside the image: needs a registry for NODE_IMAGE and npm.
#   prebuilt take dist/socklab.js already built on the host (`npm run build`): no npm runs in the image.
#            `npm run images` uses this with a Node base image made locally when no registry answers.
# Build with BuildKit (`docker compose build`), which skips the stage that is not chosen.
ARG NODE_IMAGE=node:22-slim
ARG APP_SOURCE=source

FROM ${NODE_IMAGE} AS app-source
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/
COPY src src
RUN node scripts/build.mjs && mkdir -p /app && cp dist/socklab.js /app/socklab.js

FROM scratch AS app-prebuilt
COPY dist/socklab.js /app/socklab.js

FROM app-${APP_SOURCE} AS app

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="socklab" \
      org.opencontainers.image.description="socklab server and client: a TCP file-sharing lab with the original's wire protocol and a framed, verified mode" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.documentation="README.md and docs/protocol.md in the socklab repository"
COPY --from=app /app/socklab.js /app/socklab.js
COPY server_files /srv/server_files
# Any non-root user: the local base image has no /etc/passwd entry for it, and needs none.
USER 1000:1000
# Folders the user owns (WORKDIR creates them as USER, and needs no shell): where `get` saves files, and
# where the demo's clients tell each other that the fourth was turned away (a volume shared by the clients).
WORKDIR /srv/demo
WORKDIR /srv/downloads
WORKDIR /srv
ENV NODE_ENV=production \
    SOCKLAB_HEALTH_SOCKET=/tmp/socklab-health.sock \
    SOCKLAB_DOWNLOAD_DIR=/srv/downloads
EXPOSE 12345
# Exec form, no shell: the probe asks the server's health socket and takes no client slot.
HEALTHCHECK --interval=2s --timeout=3s --start-period=10s --retries=3 CMD ["node", "/app/socklab.js", "probe"]
ENTRYPOINT ["node", "/app/socklab.js"]
CMD ["server"]
