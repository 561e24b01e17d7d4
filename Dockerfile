# Tingmin's image: `docker compose up` (compose.yaml) runs it as a migration step, bot processes
# and worker processes. Built once; starting a container never builds.

FROM node:20-slim AS build
WORKDIR /app
# Dependencies first, so a change of source reuses this layer. postinstall generates the Prisma
# client, which needs the schema and its config.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/prisma.config.ts ./
COPY --from=build /app/node_modules ./node_modules
# The migrations, default data and Prisma config stay beside dist/: migrating reads them.
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
# The node image's unprivileged user; nothing under /app is writable by it.
USER node
EXPOSE 3000
# Mode all (bot and workers in one process, migrating first), as `npm start` without its build.
CMD ["node", "dist/bot/main.js", "all"]
