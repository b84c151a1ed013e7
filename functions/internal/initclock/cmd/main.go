// Command initclock runs a Lambda bootstrap and prints its init duration (package initclock).
package main

import (
	"fmt"
	"os"

	"polysynergy/functions/internal/initclock"
)

func main() {
	if err := initclock.Run(os.Args[1:], os.Getenv(initclock.EnvRuntimeAPI), os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "initclock:", err)
		os.Exit(2)
	}
}
