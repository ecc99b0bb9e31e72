# One image for the platform and the sandbox (docker-compose.yml picks the command).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The library is an npm workspace: npm ci needs its manifest.
COPY libs/wechat-open/package.json ./libs/wechat-open/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
COPY bench ./bench
# `npm run build` also builds the console (apps/console, Vite: a devDependency, hence before the
# prune) into dist/console, which the platform serves at /console/ from /app/dist/console.
RUN npm run build && test -f dist/console/index.html && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 8081
CMD ["node", "dist/apps/platform/src/main.js"]
