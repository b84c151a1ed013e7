// Command cdk is the PolySynergy CDK app: `go run ./cdk` synthesises the
// platform's CloudFormation template. The CDK CLI runs it (cdk.json); `make
// synth` runs it directly with CDK_OUTDIR=cdk.out, offline and without AWS
// credentials.
package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"polysynergy/cdk/settings"
	"polysynergy/cdk/stack"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		slog.Error("cdk synth", "err", err)
		os.Exit(1)
	}
}

func run() error {
	props := &awscdk.AppProps{}
	// Run by the CDK CLI, the context (cdk.json, cdk.context.json, -c) arrives
	// in CDK_CONTEXT_JSON. Run directly, read cdk.json's context ourselves so
	// both synthesise the same template.
	if _, viaCLI := os.LookupEnv("CDK_CONTEXT_JSON"); !viaCLI {
		ctx, err := settings.FileContext("cdk.json")
		if err != nil {
			return err
		}
		// What the CLI adds by default: construct paths and asset locations in the template.
		ctx["aws:cdk:enable-path-metadata"] = true
		ctx["aws:cdk:enable-asset-metadata"] = true
		props.Context = &ctx
		props.StackTraces = jsii.Bool(false)
	}
	app := awscdk.NewApp(props)
	s, err := settings.Parse(func(key string) (any, bool) {
		v := app.Node().TryGetContext(jsii.String(key))
		return v, v != nil
	})
	if err != nil {
		return err
	}
	if _, err := stack.New(app, stack.Props{Settings: s, Routes: restRoutes()}); err != nil {
		return fmt.Errorf("build stack: %w", err)
	}
	if s.Nag {
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	}
	app.Synth(nil)
	return nil
}
