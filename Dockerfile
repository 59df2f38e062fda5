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
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The default source piece and feeds (ANCHORS_DIR, FEEDS_FILE are read relative to /app).
COPY config ./config
USER node
EXPOSE 3000
# The whole system in one process; compose runs dist/workers/api.js and worker.js instead.
CMD ["node", "dist/workers/all.js"]
