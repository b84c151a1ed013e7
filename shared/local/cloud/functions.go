package cloud

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	apiapp "polysynergy/functions/api/app"
	routerapp "polysynergy/functions/router/app"
	"polysynergy/functions/runner/runner"
	"polysynergy/shared/api"
	"polysynergy/shared/auth/token"
	"polysynergy/shared/flow"
	"polysynergy/shared/live"
	"polysynergy/shared/live/publish"
	"polysynergy/shared/local/apigw"
	"polysynergy/shared/local/scheduler"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/platform"
	"polysynergy/shared/platform/clients"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// drainFor is how long stopping waits for the router's background work.
const drainFor = 5 * time.Second

// functions are the platform's Lambda functions, each called with Lambda's JSON.
type functions struct {
	named       map[string]apigw.Function
	api, router apigw.Function
	ws          apigw.Function
	public      func(method, path string) bool
	// drain waits for the background work of the functions' runs (the router's retention
	// passes); the runner's invocations wait for theirs before they return
	drain func(ctx context.Context) error
}

// buildFunctions builds every function from the same configuration the Lambdas read.
func buildFunctions(ctx context.Context, cfg platform.Config, verifier *token.Verifier, lambdas *apigw.Lambda, log *slog.Logger) (*functions, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, err
	}
	db := cfg.DynamoDB(awsCfg)
	box, err := clients.SecretsBox(cfg, awsCfg)
	if err != nil {
		return nil, err
	}
	mgmt := publish.Client(cfg.WSEndpoint, awsCfg)
	// every function logs through the local cloud's logger, with a field naming it, as its
	// own Lambda's log group would (the Lambdas keep cfg.Logger()'s JSON for CloudWatch);
	// each has its store and live publishers, as each Lambda does
	logs := map[string]*slog.Logger{}
	for _, name := range []string{"api", "router", "ws", runnerFunction} {
		logs[name] = log.With(FunctionKey, name)
	}
	storeFor := func(name string) *store.Store {
		return store.New(db, cfg.Table, store.WithLogger(logs[name]), store.WithDefaultRetention(cfg.RunRetention))
	}

	apiLog := logs["api"]
	apiHandler, err := api.New(api.Config{Store: storeFor("api"), Box: box, Logger: apiLog,
		Runner: apiapp.LambdaRunner{Client: clients.Lambda(cfg, awsCfg), Function: cfg.RunnerFunction}})
	if err != nil {
		return nil, err
	}
	apiFn := invoker(httpadapter.NewV2(apiHandler).ProxyWithContext)

	routerLog := logs["router"]
	routerApp, err := routerapp.New(ctx, cfg, publish.ForRuns(storeFor("router"), mgmt, routerLog), routerapp.WithLogger(routerLog))
	if err != nil {
		return nil, err
	}
	wsHandler, err := live.NewHandler(live.HandlerConfig{Store: storeFor("ws"), Verifier: verifier, Logger: logs["ws"]})
	if err != nil {
		return nil, err
	}
	runnerLog := logs[runnerFunction]
	runnerStore := storeFor(runnerFunction)
	x, err := runs.New(runs.Options{Store: runnerStore, Secrets: box, Compiler: flow.NewCompiler(catalog.Default(), 0),
		Publishers: publish.ForRuns(runnerStore, mgmt, runnerLog), Logger: runnerLog})
	if err != nil {
		return nil, err
	}
	runnerHandler := runner.New(x, runner.Options{Logger: runnerLog})
	runnerFn := invoker(func(ctx context.Context, raw json.RawMessage) (runner.Response, error) {
		resp, err := runnerHandler.Handle(ctx, raw)
		_ = x.Wait(ctx)
		return resp, err
	})
	f := &functions{
		named:  map[string]apigw.Function{},
		api:    apiFn,
		router: invoker(routerApp.Handle),
		drain: func(ctx context.Context) error {
			// a pass still running after drainFor is left (the next start's passes make up
			// for it): stopping must not wait long, nor fail, for a clean-up
			dctx, cancel := context.WithTimeout(ctx, drainFor)
			defer cancel()
			if err := routerApp.Drain(dctx); err != nil {
				routerLog.Warn("stop: a run retention pass is still running; it is left for the next start", "err", err)
			}
			return nil
		},
		ws:     invoker(wsHandler.Handle),
		public: publicRoutes(),
	}
	f.named["api"], f.named["router"], f.named["ws"], f.named[runnerFunction] = f.api, f.router, f.ws, runnerFn
	return f, nil
}

// FunctionKey is the log field naming the function a local cloud log line comes from
// ("api", "router", "ws" or "runner").
const FunctionKey = "function"

// runnerFunction is the runner's function name (platform.Config.RunnerFunction).
const runnerFunction = "runner"

// schedulePayload is the runner's payload for a schedule firing, as EventBridge Scheduler
// sends it.
func schedulePayload(fr scheduler.Firing) []byte {
	payload, _ := json.Marshal(map[string]any{"kind": "schedule", "tenant": fr.Tenant, "project": fr.Project, "flow": fr.Flow,
		"version": fr.Version, "stage": fr.Stage, "schedule_id": fr.ScheduleID, "cron": fr.Cron, "timezone": fr.Timezone,
		"scheduled_time": fr.At.UTC().Format(time.RFC3339)})
	return payload
}

// publicRoutes matches the REST routes that have no JWT authorizer.
func publicRoutes() func(method, path string) bool {
	type pat struct {
		method string
		re     *regexp.Regexp
	}
	var pats []pat
	for _, r := range api.Routes() {
		if !r.Public {
			continue
		}
		expr := "^" + regexp.MustCompile(`\\\{[^/]+?\\\}`).ReplaceAllString(regexp.QuoteMeta(r.Path), `[^/]+`) + "$"
		pats = append(pats, pat{method: r.Method, re: regexp.MustCompile(expr)})
	}
	return func(method, path string) bool {
		for _, p := range pats {
			if (p.method == method || (method == "HEAD" && p.method == "GET")) && p.re.MatchString(path) {
				return true
			}
		}
		return strings.HasSuffix(path, "/openapi.json")
	}
}
