# One image for every role: ROLE=gateway or ROLE=worker picks what the container runs.
# Build stage: the TypeScript compiled to dist/ (npm run build needs the dev dependencies).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The workspace packages' manifests, so npm ci can link them (their sources come with COPY . .).
COPY packages/adapter-sdk/package.json packages/adapter-sdk/
COPY packages/adapter-ngs/package.json packages/adapter-ngs/
# The NGS adapter package builds itself on install (its prepare script, as a vendor's would): its build inputs too.
COPY packages/adapter-ngs/tsconfig.json packages/adapter-ngs/
COPY packages/adapter-ngs/src packages/adapter-ngs/src
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Run stage: production dependencies and the compiled JavaScript only; plain node, no tsx.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages/adapter-sdk/package.json packages/adapter-sdk/
COPY packages/adapter-ngs/package.json packages/adapter-ngs/
# No install scripts: the workspace packages arrive compiled in dist/ (their prepare would need their sources).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# dist/node_modules holds the compiled workspace packages, found before node_modules' links to their sources.
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--enable-source-maps", "dist/scripts/start.js"]
