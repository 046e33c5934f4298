# cmlbot — the two commands a newcomer runs: `make demo` and `make test`.
SWIFT ?= swift
RELEASE_SCRATCH ?= .build-release

.PHONY: setup build release dist demo test test-debug test-release tools bench docs screenshot clean

setup:
	@scripts/setup-system.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --scratch-path $(RELEASE_SCRATCH)

# The binary we ship: release, Swift runtime and libgit2 linked statically, stripped, stamped with
# its commit (`cmlbot --version`): dist/cmlbot-<version>-linux-<arch> plus .sha256, and dist/cmlbot.
dist: setup
	@SWIFT="$(SWIFT)" scripts/dist.sh

# Builds cmlbot, makes a demo repository from fixtures/demo (main vs. an experiment branch) and
# prints the report a reviewer would see; the files land in demo/report/.
demo: build
	@repo=$$(scripts/make-demo.sh) && cd "$$repo" && \
	  "$(CURDIR)/.build/debug/cmlbot" report --base main --out "$(CURDIR)/demo/report" && \
	  echo "" && echo "demo: report files in demo/report/ (report.md, report.json, report.html, charts/); repository in demo/repo/"

# Reference tools (DVC, ...) are pinned and cached outside the clone by scripts/test-tools.sh.
tools:
	@scripts/test-tools.sh

# The whole suite: every test against the debug build, then the end-to-end tests again against
# the binary we ship (`make dist`: release, so optimiser bugs show, with static libraries), with
# the reference tools required. CMLBOT_DIST_BIN enables the distribution tests (linked libraries,
# glibc floor, this repository's pre-commit hooks). The second pass answers DVC's side of the
# compatibility tests from CMLBOT_DVC_CACHE.
# The HTTP client tests time real sockets against in-process servers; they run on their own so
# the long tool runs of other suites (DVC, pre-commit builds) cannot starve those servers.
test:
	@scripts/setup-system.sh --test
	@eval "$$(scripts/test-tools.sh --env)" && export CMLBOT_REQUIRE_TOOLS=1 && \
	  export CMLBOT_DVC_CACHE="$$(mktemp -d)" && \
	  $(SWIFT) build --build-tests && \
	  $(SWIFT) test --skip-build --filter CMLBotForgeTests && \
	  $(SWIFT) test --skip-build --skip CMLBotForgeTests && \
	  dist_bin="$$(SWIFT="$(SWIFT)" scripts/dist.sh)" && \
	  CMLBOT_BIN="$$dist_bin" CMLBOT_DIST_BIN="$$dist_bin" $(SWIFT) test --skip-build --filter CMLBotEndToEndTests; \
	  status=$$?; rm -rf "$$CMLBOT_DVC_CACHE"; exit $$status

# Speed and memory against the reference tools, on the binary we ship (`make dist`; the static
# Swift runtime also lowers the start-up memory floor by ~5 MB).
bench: dist
	@export CMLBOT_BIN="$${CMLBOT_BIN:-$(CURDIR)/dist/cmlbot}" && \
	  scripts/bench.sh && scripts/bench-check.sh && scripts/bench-charts.sh

# Regenerates docs/configuration.md from the code (a test fails when it is stale).
docs: build
	CMLBOT_RECORD_GOLDENS=1 $(SWIFT) test --filter DocsTests.configurationReferenceIsFresh

# The README's picture of a rendered report, from the demo repository (headless Chromium).
screenshot: demo
	@scripts/screenshot.sh

clean:
	rm -rf .build $(RELEASE_SCRATCH) .build-dist dist demo
