# One image for Herald's Node services (api, notifier, analytics); docker-compose picks the
# command. Build from the repository root:  docker build -t herald .
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
# The whole workspace is installed to build the dashboard, then trimmed to runtime dependencies.
RUN npm ci --no-audit --no-fund \
 && npm run build -w apps/web \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
COPY --from=build /app /app
# The API keeps its token signing keys here (a volume in docker-compose.yml), owned by its user.
RUN mkdir -p /var/lib/herald && chown node:node /var/lib/herald
USER node
EXPOSE 3000
# Exec form: SIGTERM reaches node directly, so requests drain, the publisher flushes and
# consumers commit what they handled before the process exits. --no-memory-reducer: as in
# `npm start` (see the README's "Node's memory reducer").
CMD ["node", "--no-memory-reducer", "--import", "tsx", "--conditions=@herald/source", "apps/api/src/main.ts"]
