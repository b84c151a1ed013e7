# Lambda functions: every functions/<name>/main.go is built as a Linux arm64 `bootstrap`
# binary in build/<name>/bootstrap, the asset the CDK stack deploys on provided.al2023.
# Go's build cache keeps a rebuild of unchanged functions fast.
FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
LAMBDA_GOFLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: lambdas

lambdas: ## build every function as build/<name>/bootstrap (linux/arm64) for Lambda
	@set -e; for f in $(FUNCTIONS); do \
	  echo "== build/$$f/bootstrap"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_GOFLAGS) -o build/$$f/bootstrap ./functions/$$f; \
	done
