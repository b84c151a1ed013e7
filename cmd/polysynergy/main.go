// Command polysynergy is the PolySynergy CLI: run and validate flows, list the node
// catalogue, and start the local cloud.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"polysynergy/cmd/polysynergy/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
