# Dovecote. `make dev` runs the gateway locally; `make test` runs every test.
# Both install what is missing first (into .tools/ and node_modules/), then skip it next time.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PORT ?= 8787
export PORT
# The deployment `make deploy`, `make secrets` act on: empty for production, or `staging`.
ENV ?=

# What a Worker build depends on: rebuild only when one of these changed.
SOURCES := $(shell find gateway/src macros/src examples -name '*.rs' 2>/dev/null) \
	gateway/Cargo.toml macros/Cargo.toml Cargo.toml Cargo.lock tools.toml channels.toml \
	$(wildcard upstreams.lock.toml)
BRIDGE_SOURCES := $(shell find bridge/src -name '*.rs' 2>/dev/null) bridge/Cargo.toml Cargo.lock

.PHONY: dev test lint unit e2e conformance bench size profile bundle install clean deploy secrets verify fuzz upgrade-from upstreams

## dev: install what is missing, build, and serve on http://127.0.0.1:$(PORT)/mcp
dev: install build/default/index.js
	@scripts/dev-vars.sh
	@scripts/dev.sh

## test: the lint, unit, macro and compile-fail tests, then end-to-end tests and the conformance suite
test: install lint unit e2e conformance
	@echo "all tests passed"

## lint: cargo fmt, clippy with warnings denied (native, and the gateway on wasm32) and the
## GitHub Actions workflows; then scripts/lint.test.mjs shows each of those checks can fail
lint: install
	@scripts/lint.sh
	@source scripts/env.sh && node --test scripts/lint.test.mjs

install:
	@scripts/install.sh

unit: install
	@source scripts/env.sh && cargo test --workspace --quiet

build/default/index.js: $(SOURCES) | install
	@scripts/build.sh default

build/conformance/index.js: $(SOURCES) e2e/conformance/tools.toml | install
	@scripts/build.sh conformance --features conformance

# The optimized build `make deploy` uploads (e2e/deploy.test.mjs checks it with a dry run).
build/release/index.js: $(SOURCES) | install
	@scripts/build.sh release --opt

# The local bridge (dovecote-bridge) and the rmcp client example that drives it in e2e.
target/debug/dovecote-bridge: $(BRIDGE_SOURCES) | install
	@source scripts/env.sh && cargo build -p dovecote-bridge --bins --examples --quiet

# The release the upgrade test starts from (e2e/upgrade.test.mjs): what it stored must be read
# by the current build. Built once from a git worktree of that commit, cached by commit.
UPGRADE_FROM := 80c69f7eeb9c

## upgrade-from: build the Worker as it was at $(UPGRADE_FROM) into build/release-$(UPGRADE_FROM)/ (once)
upgrade-from: build/release-$(UPGRADE_FROM)/index.js

build/release-$(UPGRADE_FROM)/index.js: | install
	@scripts/build-release-of.sh $(UPGRADE_FROM) >/dev/null

e2e: build/default/index.js build/conformance/index.js build/release/index.js target/debug/dovecote-bridge build/release-$(UPGRADE_FROM)/index.js
	@source scripts/env.sh && DOVECOTE_UPGRADE_FROM_BUILD="$(CURDIR)/build/release-$(UPGRADE_FROM)" \
		node --test --test-concurrency=1 e2e/*.test.mjs

## conformance: the official MCP conformance suite, both protocol generations
conformance: build/conformance/index.js
	@source scripts/env.sh && node e2e/conformance/run.mjs

## bench: Dovecote beside the TypeScript stack and a constant-answer floor, signed in, one run
## (docs/bench.md); BENCH_QUICK=1 for short runs while working on the bench
bench: install build/release/index.js build/bench/index.js build/bench-open/index.js build/floor/index.js build/floor-store/index.js
	@source scripts/env.sh && node bench/run.mjs

## size: where the deployed build's bytes go, by subsystem, crate and gateway module (twiggy)
size: install
	@scripts/size.sh

## profile: where the Worker's CPU goes for one of the bench's requests (V8's profiler), e.g.
## make profile REQUEST="tools/call calculate"; REQUEST=webhook for a GitHub delivery,
## REQUEST=list_pending_events for 20 stored events listed over MCP
profile: install build/profile/index.js
	@source scripts/env.sh && node bench/profile.mjs "$(or $(REQUEST),tools/list)"

# What `make bench` measures: the deployed build's code with every tools.toml rate raised
# (bench/manifest.sh), so calls are served rather than refused; its sizes are the deployed
# build's (build/release). bench-open is the sign-in-free conformance build, for the
# plain-workerd line; floor the constant-answer Worker.
build/bench-manifests/%.toml: bench/manifest.sh tools.toml e2e/conformance/tools.toml
	@bench/manifest.sh $(if $(filter conformance,$*),e2e/conformance/tools.toml,tools.toml) $@

build/bench/index.js: $(SOURCES) build/bench-manifests/tools.toml | install
	@DOVECOTE_TOOLS_MANIFEST=$(CURDIR)/build/bench-manifests/tools.toml scripts/build.sh bench --opt

build/bench-open/index.js: $(SOURCES) e2e/conformance/tools.toml build/bench-manifests/conformance.toml | install
	@DOVECOTE_TOOLS_MANIFEST=$(CURDIR)/build/bench-manifests/conformance.toml \
		scripts/build.sh bench-open --opt --features conformance

# The bench's build with the function names kept (its own target folder, no wasm-opt), for
# `make profile`.
build/profile/index.js: $(SOURCES) build/bench-manifests/tools.toml | install
	@CARGO_TARGET_DIR=$(CURDIR)/target/profile CARGO_PROFILE_RELEASE_STRIP=false \
		DOVECOTE_TOOLS_MANIFEST=$(CURDIR)/build/bench-manifests/tools.toml scripts/build.sh profile

build/floor/index.js: $(shell find bench/floor/src -name '*.rs') bench/floor/Cargo.toml Cargo.lock | install
	@scripts/build.sh floor --opt --crate bench/floor

# The webhook floor: the same crate with one SQLite Durable Object keeping each delivery.
build/floor-store/index.js: $(shell find bench/floor/src -name '*.rs') bench/floor/Cargo.toml Cargo.lock | install
	@scripts/build.sh floor-store --opt --crate bench/floor --features store

## bundle: the bridge as an MCP Bundle for this machine (Linux x86-64): build/dovecote-bridge-linux.mcpb
bundle: install
	@source scripts/env.sh && cargo build -p dovecote-bridge --release --quiet
	@scripts/bundle.sh target/release/dovecote-bridge linux build/dovecote-bridge-linux.mcpb

## deploy: optimized build, then `wrangler deploy` (ENV=staging for the staging Worker)
deploy: build/release/index.js
	@ENV=$(ENV) scripts/deploy.sh

## secrets: set every secret the deployment needs, asking for each (ENV=staging for staging;
## SECRETS_FLAGS=--dry-run to see the plan, --from-env to take them from the environment)
secrets: install
	@source scripts/env.sh && node scripts/secrets.mjs --env "$(ENV)" $(SECRETS_FLAGS)

## verify: smoke-check a deployed gateway: make verify URL=https://dovecote.example.workers.dev
verify: install
	@source scripts/env.sh && node scripts/verify.mjs "$(URL)"

## upstreams: fetch the tool list of each [upstreams.*] in tools.toml into upstreams.lock.toml
## (a bearer_secret is read from the environment, else .dev.vars); commit the lock, then build
upstreams: install
	@source scripts/env.sh && node scripts/upstreams.mjs

clean:
	rm -rf build target/wasm32-unknown-unknown
