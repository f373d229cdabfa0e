# The two commands a newcomer runs: `make demo` and `make test`.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/bin:$(PATH)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PKG     := github.com/docker-credential-gcr/docker-credential-gcr
LDFLAGS := -s -w -X $(PKG)/cmd.version=$(VERSION) -X $(PKG)/cmd.commit=$(COMMIT)
GO_TEST_TIMEOUT ?= 20m

GORELEASER_VERSION := v2.16.0

.PHONY: all build demo test unit e2e deps bench cross vet clean goreleaser release-check release-snapshot

all: build

build:
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o bin/docker-credential-gcr ./cmd/docker-credential-gcr

# The whole product on a fresh machine, against a local fake Google and a
# real registry: no Google account needed.
demo: deps build
	go run ./e2e/demo

# Every test: unit tests, then the end-to-end suite with real clients (-v:
# a test skipped for a missing client says SKIP and names it; in CI it fails)
# and the linux/amd64 .deb built by goreleaser, installed and run.
test: deps goreleaser vet
	go test -count=1 -timeout $(GO_TEST_TIMEOUT) ./...
	go test -count=1 -timeout $(GO_TEST_TIMEOUT) -tags e2e -v ./e2e/...
	$(MAKE) --no-print-directory cross
	$(MAKE) --no-print-directory release-check
	$(MAKE) --no-print-directory fuzz FUZZTIME=3s

# Fuzzing: every Go fuzz target of the module (func FuzzXxx in a _test.go,
# found afresh each run), one at a time for FUZZTIME each. The seeds are each
# target's f.Add calls and its testdata/fuzz/FuzzXxx corpus; go test writes a
# failing input there. The summary gives executions and time per target.
# FUZZMINIMIZE bounds the minimisation of each new input: with the default
# 60s, one large seed (a real config.json) can take a whole short run.
# FUZZ (a regexp) picks targets by name, e.g. FUZZ='Kubelet|Host'.
FUZZTIME ?= 10s
FUZZMINIMIZE ?= 1000x
FUZZ ?= .
# FUZZPARALLEL sets the fuzz workers per target (go test -parallel; default
# GOMAXPROCS), e.g. 1 to leave a core free during a long run.
FUZZPARALLEL ?=
.PHONY: fuzz stress
fuzz:
	@FUZZTIME=$(FUZZTIME) FUZZMINIMIZE=$(FUZZMINIMIZE) FUZZ='$(FUZZ)' FUZZPARALLEL=$(FUZZPARALLEL) ./scripts/fuzz.sh

# The long versions: the hardening tests at full size (1000 SIGKILL runs per
# target, 100 operations per process), then each fuzz target for 10 minutes.
stress:
	HARDENING_FULL=1 go test -count=1 -timeout 60m -v ./hardening/
	$(MAKE) --no-print-directory fuzz FUZZTIME=10m

deps:
	@./scripts/install-test-deps.sh

vet:
	@test -z "$$(gofmt -l . | grep -v '^.tools/')" || { gofmt -l .; echo 'gofmt: run gofmt -w'; exit 1; }
	go vet ./...
	go vet -tags e2e ./e2e/...

# Every release platform must build.
cross:
	@for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do \
	  GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 go build -o /dev/null ./cmd/docker-credential-gcr || exit 1; \
	done; echo "cross: 6 platforms build"

bench: build
	go run ./e2e/bench

# Release: goreleaser at a pinned version that builds with this Go.
goreleaser:
	@test -x .tools/bin/goreleaser && .tools/bin/goreleaser --version 2>/dev/null | grep -q '$(GORELEASER_VERSION:v%=%)' || \
	  GOBIN=$(CURDIR)/.tools/bin go install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)

release-check: goreleaser
	goreleaser check

release-snapshot: release-check
	goreleaser release --snapshot --clean

clean:
	rm -rf bin dist
