// Package bench holds the testing.B benchmarks of the in-process reaping
// paths (reap_bench_linux_test.go) so benchstat can compare commits:
//
//	go test -run '^$' -bench . -benchtime 2000x -count 6 ./bench/ > new.txt
//	benchstat old.txt new.txt
//
// Each b.N iteration is one child exit; every benchmark reports p50-ns and
// p99-ns of the per-exit latency and allocations. The side-by-side command
// is bench/cmd/reaplat; see bench/README.md.
package bench
