# Lambda functions: every functions/<name>/main.go is built as a Linux arm64 `bootstrap`
# binary in build/<name>/bootstrap, the asset the CDK stack deploys on provided.al2023.
# Go's build cache keeps a rebuild of unchanged functions fast.
FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
# lambda.norpc drops aws-lambda-go's net/rpc mode; polysynergy_lambda builds the parts that
# differ in a function (the AWS nodes read the role's credentials from the environment).
LAMBDA_TAGS := lambda.norpc,polysynergy_lambda
LAMBDA_GOFLAGS := -tags $(LAMBDA_TAGS) -trimpath -ldflags='-s -w'

.PHONY: lambdas

lambdas: ## build every function as build/<name>/bootstrap (linux/arm64) for Lambda
	@set -e; for f in $(FUNCTIONS); do \
	  echo "== build/$$f/bootstrap"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_GOFLAGS) -o build/$$f/bootstrap ./functions/$$f; \
	done

.PHONY: bench-lambda
BENCH_TARGETS += bench-lambda

bench-lambda: lambdas ## each function's binary size, and its cold start under the Lambda runtime emulator
	@echo "== function binaries (linux/arm64, stripped; target ≤ 15 MB), and deflated as in the deployment package"
	@for f in $(FUNCTIONS); do printf '  %-8s %6.1f MB (%5.1f MiB)   %5.1f MB deflated\n' $$f \
	  $$(echo "scale=1; $$(stat -c %s build/$$f/bootstrap) / 1000000" | bc) \
	  $$(echo "scale=1; $$(stat -c %s build/$$f/bootstrap) / 1048576" | bc) \
	  $$(echo "scale=1; $$(gzip -c build/$$f/bootstrap | wc -c) / 1000000" | bc); done
	@echo "== cold start under aws-lambda-rie, medians of 9 fresh starts: init-ms is Lambda's Init Duration (process"
	@echo "   start until the function first asks for an event; target ≤ 20 ms); cold-ms is what the first caller"
	@echo "   waits more than a warm one (init and the first request's reads); pkg-init-ms is the packages'"
	@echo "   initialisation (GODEBUG=inittrace=1); rie-init-ms is the emulator's own figure, which times only its"
	@echo "   call that starts the process"
	@$(GO) test -count=1 -run '^$$' -bench BenchmarkColdStart -benchtime 9x ./functions/
