# PolySynergy — build, test and run the platform.
# Parts of the build live in mk/*.mk (functions, CDK, editor); each adds itself to
# TEST_TARGETS / BENCH_TARGETS so `make test` and `make bench` cover everything.
SHELL := /bin/bash
GO ?= go
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# newer jsii warns of end-of-life Node versions unless told which majors are known
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

# Go packages of the module (npm's node_modules may hold stray .go templates).
GO_PKGS = $(shell $(GO) list -e ./... | grep -v /node_modules/)

TEST_TARGETS := test-go
BENCH_TARGETS := bench-go

.PHONY: all build dev test vet test-go bench bench-go fuzz clean help

all: build

help: ## list the targets
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

build: ## build the CLI into build/polysynergy
	$(GO) build -o build/polysynergy ./cmd/polysynergy

vet:
	$(GO) vet $(GO_PKGS)

# Packages with code that only the Lambda build (LAMBDA_TAGS, mk/functions.mk) compiles.
LAMBDA_TAGGED_PKGS := ./shared/nodes/aws/ ./shared/nodes/netguard/

test-go: vet ## Go vet and every Go test, fuzz seed corpora included
	$(GO) test -count=1 $(GO_PKGS)
	$(GO) vet -tags $(LAMBDA_TAGS) $(LAMBDA_TAGGED_PKGS)
	$(GO) test -count=1 -tags $(LAMBDA_TAGS) $(LAMBDA_TAGGED_PKGS)

bench-go: # BenchmarkColdStart runs in bench-lambda, with its own count
	$(GO) test -run '^$$' -bench . -skip BenchmarkColdStart -benchmem $(GO_PKGS)

FUZZTIME ?= 20s
fuzz: ## run every fuzzer for FUZZTIME (default 20s) each
	@set -e; for pkg in $(GO_PKGS); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

DEV_FLAGS ?=
dev: build ## the whole platform on http://localhost:8090 (editor, API, WebSocket, triggers, schedules)
	@if [ -f web/package.json ]; then $(MAKE) --no-print-directory web; fi
	build/polysynergy dev $(DEV_FLAGS)

clean: ## remove build outputs
	rm -rf build cdk.out

-include mk/*.mk

test: $(TEST_TARGETS) ## everything a change must pass

bench: $(BENCH_TARGETS) ## benchmarks and load tests with their figures
