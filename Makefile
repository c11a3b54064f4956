# Conveniences over the scripts the README names (scripts/run.sh, scripts/test.sh).
.PHONY: build run test bench clean
build:
	@scripts/build.sh build
run:
	@scripts/run.sh
test:
	@scripts/test.sh
bench: build
	@scripts/run-benchmarks.sh build
clean:
	rm -rf build
