# Multi-stage: the build stage compiles TypeScript with the dev dependencies; the image that
# runs holds only the production dependencies and the compiled JavaScript (no tsx, no tsc).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY workers ./workers
RUN npm run build

FROM node:20-bookworm-slim
# HOST: the API listens on every interface of the container (the default, 127.0.0.1, would be
# unreachable from outside it); PORT is the one the health check and compose use.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The default source piece and feeds (ANCHORS_DIR, FEEDS_FILE are read relative to /app).
COPY config ./config
# The image's own unprivileged user (uid 1000): the app needs no root, and writes nothing under /app.
USER node
EXPOSE 3000
# Liveness of the API: GET /healthz answers 200 while the process runs (/readyz also needs Redis,
# which would mark every container unhealthy during a Redis restart). Node's own fetch, so the
# slim image needs no curl. A worker-only container has no HTTP port: compose turns this off there.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The whole system in one process; compose runs dist/workers/api.js and worker.js instead.
CMD ["node", "dist/workers/all.js"]
