# PolySynergy — build, test and run the platform.
SHELL := /bin/bash
GO ?= go
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)

.PHONY: build test vet gotest bench fuzz clean

build: ## build the CLI into build/polysynergy
	$(GO) build -o build/polysynergy ./cmd/polysynergy

vet:
	$(GO) vet ./...

gotest:
	$(GO) test -count=1 ./...

test: vet gotest ## everything a change must pass

bench: ## Go benchmarks with allocations
	$(GO) test -run '^$$' -bench . -benchmem ./...

FUZZTIME ?= 20s
fuzz: ## run every fuzzer for a short while
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf build cdk.out
