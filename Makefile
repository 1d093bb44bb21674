# Two commands matter: `make render PROFILE=ha` and `make test`. Both bootstrap the virtualenv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= high-availability
SITE ?=
SET ?=
OUT ?= output
TARGETS := high-availability durability throughput low-latency high-availability,throughput development \
  high-availability,kraft durability,kraft throughput,kraft low-latency,kraft
# The cluster id of this repository's own KRaft targets, fixed: it is written into every controller's and
# broker's meta.properties at format time and the start script refuses a volume of another id, so a new id
# would be a new cluster. One id for the four: they are tunings of one example cluster (same namespace and
# names), and moving it from one to another is a roll, not a new cluster. Not the kraft profile's example id,
# which every render warns about. tests/conftest.py holds the same id (a test compares them).
KRAFT_CLUSTER_ID := am_kdMYhQTKWSYDReo2TfA

# $(call quote,TEXT): TEXT as one shell word, even when it holds quotes of its own (as SET does).
quote = '$(subst ','\'',$(1))'
# SET is the --set assignments as shell words: spaces separate them, quotes keep a value with spaces in
# one (SET="kafka.replicas=9 clients.producer.client.id='my app'"); nothing is expanded. The CLI splits it.
LAYER_ARGS = $(if $(SITE),-f $(call quote,$(SITE))) $(if $(value SET),--set-words $(call quote,$(value SET)))
RENDER_ARGS = $(LAYER_ARGS) --out $(call quote,$(OUT))

.PHONY: help venv render render-all check fix explain test lint clean bench bench-clients fuzz scanners controlplane

help:
	@echo "make render PROFILE=ha [SITE=site.yaml] [SET=\"k=v k2='a b'\"]  render one target into $(OUT)/"
	@echo "make check                                                    exit 1 when $(OUT)/ is stale, naming the command that fixes it"
	@echo "make fix                                                      render the stale targets again, each as recorded"
	@echo "make render-all                                               render the project's own example targets"
	@echo "make test                                                     all tests (installs what they need)"
	@echo "make lint                                                     ruff + mypy --strict"
	@echo "make fuzz [EXAMPLES=12000] [SEED=n]                           property-based bad input, long run"
	@echo "make bench                                                    timings vs the Helm engine -> docs/benchmarks.md"
	@echo "make bench-clients                                            client configs on a real cluster -> docs/benchmarks.md"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

render: $(STAMP)
	$(BIN)/kafka-profiles render $(PROFILE) $(RENDER_ARGS)

# The golden targets of this repository (no site file; no --set but the KRaft targets' cluster id); drift in
# any target is fixed by `make fix`, which replays each params.yaml and needs nothing from here.
render-all: $(STAMP)
	@for t in $(TARGETS); do \
	  case ,$$t, in *,kraft,*) id=(--set kafka.clusterId=$(KRAFT_CLUSTER_ID));; *) id=();; esac; \
	  $(BIN)/kafka-profiles render $$t "$${id[@]}" --out $(call quote,$(OUT)) || exit $$?; \
	done

check: $(STAMP)
	$(BIN)/kafka-profiles check --out $(call quote,$(OUT))

# Each stale target replayed from its own params.yaml header (site file and --set included).
fix: $(STAMP)
	$(BIN)/kafka-profiles check --fix --out $(call quote,$(OUT))

explain: $(STAMP)
	$(BIN)/kafka-profiles explain $(PROFILE) $(LAYER_ARGS) $(if $(FORMAT),--format $(FORMAT))

test: $(STAMP) scanners controlplane
	@scripts/ensure-packages.sh
	CHECKOV=$(CHECKOV) KUBE_SCORE=$(KUBE_SCORE) CONTROLPLANE=$(CONTROLPLANE) $(BIN)/python -m pytest

# The long run of tests/hardening/test_fuzz.py: EXAMPLES in all (make test runs a fixed-seed few hundred), a new
# seed each run unless SEED is given; a failure prints the seed and the shrunk example.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(or $(EXAMPLES),12000) $(BIN)/python -m pytest tests/hardening/test_fuzz.py -q -p no:cacheprovider \
	  --hypothesis-show-statistics $(if $(SEED),--hypothesis-seed=$(SEED))

# Security scanners for tests/hardening/test_security.py, pinned and built into .cache/ (ignored by git).
# checkov gets a virtualenv of its own: it pins packaging<24, pytest 9 needs packaging>=24.
CHECKOV_VERSION := 3.3.30
KUBE_SCORE_VERSION := v1.20.0
CHECKOV := .cache/checkov-$(CHECKOV_VERSION)/bin/checkov
KUBE_SCORE := .cache/bin/kube-score-$(KUBE_SCORE_VERSION)

scanners: $(CHECKOV) $(KUBE_SCORE)

$(CHECKOV):
	rm -rf .cache/checkov-$(CHECKOV_VERSION)
	$(PYTHON) -m venv .cache/checkov-$(CHECKOV_VERSION)
	.cache/checkov-$(CHECKOV_VERSION)/bin/python -m pip install --quiet --disable-pip-version-check \
	  'checkov==$(CHECKOV_VERSION)'

$(KUBE_SCORE):
	mkdir -p .cache/bin
	GOBIN=$(CURDIR)/.cache/go-bin go install github.com/zegl/kube-score/cmd/kube-score@$(KUBE_SCORE_VERSION)
	cp .cache/go-bin/kube-score $@

# The real control plane of tests/controlplane: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kubectl at KUBE_VERSION, and KWOK for simulated nodes, built from the Go module proxy
# with the versions pinned in tools/*/go.mod and go.sum. A cold build takes about half an hour on two
# cores (Go's build cache makes the next one seconds); the binaries go to .cache/controlplane-*/.
KUBE_VERSION := v1.37.2
KWOK_VERSION := v0.8.0
CONTROLPLANE := .cache/controlplane-$(KUBE_VERSION)
CONTROLPLANE_BINS := $(addprefix $(CONTROLPLANE)/,etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)
KUBE_LDFLAGS := -s -w -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
  -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
  -X k8s.io/client-go/pkg/version.gitVersion=$(KUBE_VERSION) \
  -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=37

controlplane: $(CONTROLPLANE)/.built

$(CONTROLPLANE)/.built: tools/controlplane/go.mod tools/controlplane/go.sum tools/kwok/go.mod tools/kwok/go.sum
	mkdir -p $(CONTROLPLANE)
	cd tools/controlplane && go build -trimpath -ldflags '$(KUBE_LDFLAGS)' -o $(CURDIR)/$(CONTROLPLANE)/ \
	  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
	  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
	cd tools/controlplane && go build -trimpath -ldflags '-s -w' -o $(CURDIR)/$(CONTROLPLANE)/etcd go.etcd.io/etcd/server/v3
	cd tools/kwok && go build -trimpath -ldflags '-s -w' -o $(CURDIR)/$(CONTROLPLANE)/kwok sigs.k8s.io/kwok/cmd/kwok
	@touch $@

# Timings against the Helm engine into docs/benchmarks.md (a benchmark, not a test; a few minutes).
# BENCH_BEFORE: the revisions measured in the "before" columns (empty: none): the tree before issue #10
# (deployable output) and the tree before issue #11 (engine and components), the last of them also runs
# head to head with this one.
BENCH_BEFORE ?= d4b85bf 771919b
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(foreach rev,$(BENCH_BEFORE),--before $(rev))
	$(MAKE) --no-print-directory bench-clients

# msg/s and end-to-end latency of the throughput and low-latency client configs on real brokers (Java and
# Maven, as for the real-cluster tests) into their own section of docs/benchmarks.md; a few minutes.
bench-clients: $(STAMP)
	@scripts/ensure-packages.sh
	$(BIN)/python bench/clients.py

lint: $(STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
