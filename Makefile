# Switchboard. The quick start is two commands on a fresh Debian 12 machine:
#   make demo   installs what is missing, builds, runs the server
#   make test   installs what is missing, runs vet and the whole test suite
# Both work as root and through sudo, and say what they install.

.PHONY: demo test build vet bench eval clean

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

build:
	@bash -c '. scripts/lib.sh && ensure_go && ensure_speech && go build -o bin/switchboard ./cmd/switchboard'

vet:
	@bash -c '. scripts/lib.sh && ensure_go && ensure_speech && go vet ./...'

# Benchmarks of the per-turn and per-utterance stages (see docs/benchmarks.md).
bench:
	@bash -c '. scripts/lib.sh && ensure_go && go test -run=^$$ -bench=. -benchmem ./nlu/... ./store/sqlite/'

# The NLU figures recorded in docs/benchmarks.md.
eval: build
	bash scripts/eval.sh

clean:
	rm -rf bin data
