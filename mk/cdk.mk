# Infrastructure: the CDK Go app in cdk/ (see docs/deploy.md).
# `make synth` is offline: no AWS account, no credentials. It runs the Go app directly with
# cdk.json's context, so it needs neither the CLI nor node_modules. `make deploy`,
# `make destroy`, `make bootstrap` and `make diff` run the CDK CLI pinned in package.json.
#
#   make deploy CDK_ARGS="-c domain=example.com -c hostedZoneId=Z0123456789ABC"
CDK_OUT := cdk.out
CDK_ARGS ?=
NPM ?= npm
CDK_CLI_DEPS := node_modules/.package-lock.json
# The CLI neither phones home nor nags when it runs from make.
CDK := CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true npx --no-install cdk --no-notices

# Prints each synthesised template's resource count.
export COUNT_RESOURCES := const fs = require("fs"), dir = process.argv[1]; for (const f of fs.readdirSync(dir).filter(f => f.endsWith(".template.json"))) console.log(f + ": " + Object.keys(JSON.parse(fs.readFileSync(dir + "/" + f)).Resources).length + " resources");

.PHONY: synth deploy destroy bootstrap diff test-cdk cdk-assets

$(CDK_CLI_DEPS): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

# The function binaries, and the editor when the web fragment provides its build target.
cdk-assets: lambdas
	@if $(MAKE) -n web >/dev/null 2>&1; then $(MAKE) --no-print-directory web; \
	else echo "no editor build target: the stack deploys a placeholder page"; fi

synth: cdk-assets ## build the functions and the editor, then synthesise the stack into cdk.out/ (offline)
	rm -rf $(CDK_OUT)
	@start=$$(date +%s%N); \
	CDK_OUTDIR=$(CDK_OUT) $(GO) run ./cdk; \
	end=$$(date +%s%N); \
	echo "synthesised $(CDK_OUT)/ in $$(( (end - start) / 1000000 )) ms"; \
	node -e "$$COUNT_RESOURCES" $(CDK_OUT)

bootstrap: $(CDK_CLI_DEPS) ## once per account and region: cdk bootstrap (needs AWS credentials)
	$(CDK) bootstrap $(CDK_ARGS)

diff: cdk-assets $(CDK_CLI_DEPS) ## show what deploy would change (needs AWS credentials)
	$(CDK) diff $(CDK_ARGS)

deploy: cdk-assets $(CDK_CLI_DEPS) ## deploy the platform to AWS (needs AWS credentials; see docs/deploy.md)
	$(CDK) deploy --require-approval never --outputs-file $(CDK_OUT)/outputs.json $(CDK_ARGS)

# The app needs the function binaries to synthesise, even to find the stack to delete.
destroy: lambdas $(CDK_CLI_DEPS) ## remove the platform from AWS (data is retained unless retainData=false)
	$(CDK) destroy --force $(CDK_ARGS)

# The CDK tests are Go tests under cdk/, so test-go runs them; this target runs them alone.
test-cdk: ## the CDK app's tests alone (template assertions, cdk-nag, snapshot)
	$(GO) test -count=1 ./cdk/...
