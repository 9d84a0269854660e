# goon-probe as a container: `docker build -t REGISTRY/goon-probe:VERSION .`
# Stage 1 builds the package exactly as `npm pack` ships it, with the native engine's prebuild
# (Node 20's full image has the C compiler); stage 2 installs it with production dependencies only
# and runs it as a non-root user. test/integration/packagedImage.test.ts builds
# the same production tree without Docker and runs its entrypoint.
FROM node:20 AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY native ./native
COPY scripts/buildNative.mjs ./scripts/
COPY fixtures/tls ./fixtures/tls
COPY README.md CHANGELOG.md ./
RUN npm run build \
 && node scripts/buildNative.mjs --prebuild \
 && npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /pkg \
 && tar -xzf /tmp/goon-probe-*.tgz -C /pkg

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /pkg/package/ ./
COPY package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf /root/.npm \
 && groupadd --gid 10001 goon \
 && useradd --uid 10001 --gid goon --no-create-home --shell /usr/sbin/nologin goon
USER 10001:10001
ENTRYPOINT ["node", "/app/dist/bin.js"]
CMD ["--help"]
