# One image for both processes: `api` (default) and `worker` (see docker-compose.yml).

# The dashboard is built with the dev dependencies (Vite, Preact) and only its output is kept.
FROM node:20.19-bookworm-slim AS dashboard
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY dashboard ./dashboard
RUN npm run build

FROM node:20.19-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY --from=dashboard /app/dashboard/dist ./dashboard/dist
USER node
EXPOSE 3000 9464
CMD ["node", "--import", "tsx", "src/main/api.ts"]
