# The editor (web/): Node packages pinned by web/package-lock.json, a Vite build into
# web/dist (served by `polysynergy dev` and, in AWS, from S3/CloudFront), Vitest unit tests.
# Needs Node >= 20.19 and npm on PATH; packages come from the npm registry.
NPM ?= npm
WEB_DIR := web
# npm rewrites node_modules/.package-lock.json on every install: `npm ci` runs again only
# when package.json or package-lock.json is newer (or node_modules is missing).
WEB_DEPS := $(WEB_DIR)/node_modules/.package-lock.json

.PHONY: web web-deps test-web test-web-browser bench-web web-clean

$(WEB_DEPS): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	cd $(WEB_DIR) && $(NPM) ci --no-audit --no-fund
	@touch $@

web-deps: $(WEB_DEPS)

web: $(WEB_DEPS) ## build the editor into web/dist (npm ci when needed, type-check, vite build)
	cd $(WEB_DIR) && $(NPM) run build

test-web: $(WEB_DEPS) ## editor unit tests (Vitest) and the TypeScript type check
	cd $(WEB_DIR) && $(NPM) run typecheck && $(NPM) test

# Browser tests: headless Debian Chromium (/usr/bin/chromium, or CHROMIUM_PATH) driven by
# playwright-core against the built editor; screenshots land in web/test-results/. The journey
# (web/e2e/journey.test.mjs) starts build/polysynergy dev itself on a free port.
test-web-browser: web build ## editor browser tests in headless Chromium (the journey against the local cloud)
	cd $(WEB_DIR) && $(NPM) run test:browser

# Figures, reported not asserted: initial JavaScript (gzip) and a 500-node flow opening and
# answering a drag in headless Chromium.
bench-web: web ## editor figures: bundle size, 500-node open and drag
	cd $(WEB_DIR) && node e2e/bench.mjs

web-clean:
	rm -rf $(WEB_DIR)/dist $(WEB_DIR)/node_modules

TEST_TARGETS += test-web test-web-browser
BENCH_TARGETS += bench-web
