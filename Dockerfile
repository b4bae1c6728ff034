# Meetronde: one image for the web server and its worker.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsx server/tools/ensure-client-build.ts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/client/dist ./client/dist
# server/ includes the demo and its data builders (server/demo/data/), so the image runs
# `npm run demo` too; contract/ is the code server and client share.
COPY server ./server
COPY contract ./contract
COPY migrations ./migrations
COPY questionnaires ./questionnaires
VOLUME /data
EXPOSE 3000
USER node
CMD ["node", "--import", "tsx", "server/main.ts"]
