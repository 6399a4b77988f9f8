// Command genlog writes a realistic Higress gateway access log for benchmarks:
//
//	go run ./scripts/genlog -n 100000 -seed 1 > access.log
//	go run ./scripts/genlog -n 200000 -consumers 20000 > many-consumers.log
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

func main() {
	n := flag.Int("n", 100000, "lines to write")
	seed := flag.Uint64("seed", 1, "random seed")
	consumers := flag.Int("consumers", 0, "requests from this many consumers (consumer-00000...); 0: a handful of named ones")
	flag.Parse()
	if _, err := (usagetest.Gen{Consumers: *consumers}).Write(os.Stdout, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}
