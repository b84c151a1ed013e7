// Package cloud is `polysynergy dev`: the whole platform on one machine and one port —
// embedded DynamoDB kept on disk, API Gateway emulation (HTTP APIs with a JWT authorizer,
// the WebSocket API and its Management API, the Lambda Invoke API), the functions called
// with exactly the JSON Lambda would pass, trigger hosts `{project}-{stage}.localhost`, a
// scheduler, a dev identity provider, and the editor.
package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"polysynergy/shared/auth/token"
	"polysynergy/shared/local/apigw"
	"polysynergy/shared/local/datadir"
	"polysynergy/shared/local/dynamo"
	"polysynergy/shared/local/mgmtapi"
	"polysynergy/shared/local/oidc"
	"polysynergy/shared/local/scheduler"
	"polysynergy/shared/platform"
	"polysynergy/shared/spa"
	"polysynergy/shared/store"
)

// ClientID is the editor's app client id in the local cloud.
const ClientID = "polysynergy-editor"

// Table is the local table name.
const Table = "polysynergy"

// Options configure the local cloud.
type Options struct {
	// Port to listen on (0 picks a free one).
	Port int
	// DataDir keeps data across restarts (default .polysynergy).
	DataDir string
	// Reset starts with empty data.
	Reset bool
	// DynamoEndpoint uses an external DynamoDB (e.g. DynamoDB Local) instead of the embedded one.
	DynamoEndpoint string
	// WebDir is the built editor (default web/dist).
	WebDir string
	// AllowFaults enables POST /_dev/faults (fault injection for tests and demos).
	AllowFaults bool
	// SchedulerInterval is how often schedules are checked (default 1 s).
	SchedulerInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// WSIdleTimeout and WSMaxLifetime override API Gateway's WebSocket limits (tests).
	WSIdleTimeout, WSMaxLifetime time.Duration
	Log                          *slog.Logger
}

// Cloud is a running local cloud.
type Cloud struct {
	opt     Options
	url     string
	port    int
	lock    *datadir.Lock
	db      *dynamo.DB
	idp     *oidc.Provider
	lambdas *apigw.Lambda
	gateway *mgmtapi.Gateway
	srv     []*http.Server
	sched   *scheduler.Scheduler
	cancel  context.CancelFunc
	// cancelRequests cancels the requests the servers are still serving (Close, past its
	// context)
	cancelRequests context.CancelFunc
	wg             sync.WaitGroup
	Config         platform.Config
	Store          *store.Store
	closeMu        sync.Mutex
	closed         bool
	// services are stopped by Close after the servers and before the store
	services []func(context.Context) error
}

// URL is the base URL (http://localhost:PORT).
func (c *Cloud) URL() string { return c.url }

// Port is the port the cloud listens on.
func (c *Cloud) Port() int { return c.port }

// Provider is the dev identity provider.
func (c *Cloud) Provider() *oidc.Provider { return c.idp }

// TriggerURL is the base URL of a project stage's triggers.
func (c *Cloud) TriggerURL(slug, stage string) string {
	return fmt.Sprintf("http://%s-%s.localhost:%d", slug, stage, c.port)
}

// externalTable readies the platform's table on an external DynamoDB (--dynamodb-endpoint):
// it is created when missing, kept (and its shape checked) when there, and deleted first
// when reset asks to start empty.
func externalTable(ctx context.Context, url string, reset bool) error {
	client := dynamo.NewClient(url)
	if reset {
		if err := store.DeleteTable(ctx, client, Table); err != nil {
			return fmt.Errorf("--reset on the DynamoDB at %s: %w", url, err)
		}
	}
	if err := store.EnsureTable(ctx, client, Table); err != nil {
		if errors.Is(err, store.ErrUnavailable) {
			return fmt.Errorf("the DynamoDB at %s does not answer (is it running?): %w", url, err)
		}
		return fmt.Errorf("the DynamoDB at %s: %w", url, err)
	}
	return nil
}

// Start brings the whole platform up.
func Start(ctx context.Context, opt Options) (_ *Cloud, err error) {
	if opt.DataDir == "" {
		opt.DataDir = ".polysynergy"
	}
	if opt.WebDir == "" {
		opt.WebDir = filepath.Join("web", "dist")
	}
	if opt.SchedulerInterval <= 0 {
		opt.SchedulerInterval = time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	c := &Cloud{opt: opt}
	defer func() {
		if err != nil {
			_ = c.Close(context.Background())
		}
	}()
	if c.lock, err = datadir.Acquire(opt.DataDir); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", opt.Port))
	if err != nil {
		return nil, fmt.Errorf("listen on port %d: %w (is something else using it? try --port)", opt.Port, err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	c.url = fmt.Sprintf("http://localhost:%d", c.port)
	listeners := []net.Listener{ln}
	if ln6, err := net.Listen("tcp", fmt.Sprintf("[::1]:%d", c.port)); err == nil {
		listeners = append(listeners, ln6) // browsers may resolve *.localhost to ::1 first
	}

	dynamoURL := opt.DynamoEndpoint
	if dynamoURL == "" {
		if c.db, err = dynamo.Start(ctx, dynamo.Options{Dir: opt.DataDir, Table: Table, Reset: opt.Reset, Now: opt.Now, Log: opt.Log}); err != nil {
			return nil, err
		}
		dynamoURL = c.db.URL()
	} else if err := externalTable(ctx, dynamoURL, opt.Reset); err != nil {
		return nil, err
	}

	if c.idp, err = oidc.New(oidc.Config{Issuer: c.url, ClientID: ClientID, Dir: opt.DataDir, Now: opt.Now}); err != nil {
		return nil, err
	}
	c.Config = platform.Config{
		Table: Table, Region: "us-east-1", DynamoEndpoint: dynamoURL, LambdaEndpoint: c.url, WSEndpoint: c.url,
		SecretsKeyFile: filepath.Join(opt.DataDir, "secrets.key"), Issuer: c.url, Audience: ClientID,
		JWKSURL: c.url + oidc.PathJWKS, BaseDomain: "localhost", RunnerFunction: runnerFunction, RunRetention: 100,
		ScheduleGroup: "local",
	}
	awsCfg, err := c.Config.AWS(ctx)
	if err != nil {
		return nil, err
	}
	c.Store = store.New(c.Config.DynamoDB(awsCfg), Table, store.WithLogger(opt.Log))
	verifier, err := token.NewVerifierFromKeySet(c.idp.KeySet(), token.Config{Issuer: c.url, Audience: ClientID, Now: opt.Now})
	if err != nil {
		return nil, err
	}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel = cancel
	c.lambdas = apigw.NewLambda(runCtx, opt.Log)
	fns, err := buildFunctions(runCtx, c.Config, verifier, c.lambdas, opt.Log)
	if err != nil {
		return nil, err
	}
	for name, fn := range fns.named {
		c.lambdas.Register(name, fn)
	}
	// on Close, the router's background work (retention passes) ends before the store does
	c.services = append(c.services, fns.drain)
	reg := mgmtapi.NewRegistry(opt.Now)
	if c.gateway, err = mgmtapi.NewGateway(mgmtapi.GatewayConfig{Invoke: mgmtapi.InvokeFunc(fns.ws), Registry: reg,
		IdleTimeout: opt.WSIdleTimeout, MaxLifetime: opt.WSMaxLifetime, Logger: opt.Log, Now: opt.Now}); err != nil {
		return nil, err
	}
	mgmt := mgmtapi.NewServer(reg)

	apiHTTP := apigw.HTTPAPI(fns.api, apigw.HTTPOptions{Name: "api", Log: opt.Log, Now: opt.Now,
		Authorizer: &apigw.Authorizer{Verifier: verifier, Public: fns.public}})
	routerHTTP := apigw.HTTPAPI(fns.router, apigw.HTTPOptions{Name: "router", Log: opt.Log, Now: opt.Now})

	mux := http.NewServeMux()
	c.idp.Routes(mux)
	c.lambdas.Routes(mux)
	mux.Handle("/api/", apiHTTP)
	mux.Handle("/@connections/", mgmt)
	mux.Handle("/ws", c.gateway)
	mux.HandleFunc("GET /config.json", c.configJSON)
	if opt.AllowFaults {
		mux.HandleFunc("POST /_dev/faults", c.faults)
	}
	mux.Handle("/", c.editor())
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isTriggerHost(r.Host) {
			routerHTTP.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	// requests run under a context of their own, which Close cancels once its own ends (a
	// trigger waiting for its flow), as it cancels the functions running in the background
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	c.cancelRequests = cancelRequests
	for _, l := range listeners {
		srv := &http.Server{Handler: root, ReadHeaderTimeout: 10 * time.Second,
			BaseContext: func(net.Listener) context.Context { return reqCtx }}
		c.srv = append(c.srv, srv)
		c.wg.Add(1)
		go func(l net.Listener) {
			defer c.wg.Done()
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				opt.Log.Error("serve", "err", err)
			}
		}(l)
	}

	// EventBridge Scheduler invokes the runner asynchronously: a schedule's run never
	// holds up the next firing (they ran one after another, so a long run delayed every
	// other schedule). The runner's failure comes back to the scheduler, which retries it.
	c.sched = scheduler.New(c.Store, func(_ context.Context, f scheduler.Firing, result func(error)) error {
		return c.lambdas.InvokeAsyncThen(runnerFunction, schedulePayload(f), result)
	}, opt.Now(), opt.Log)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.sched.Run(runCtx, opt.SchedulerInterval, opt.Now)
	}()
	return c, nil
}

// Tick runs the scheduler once at now (tests drive schedules with an injected clock).
func (c *Cloud) Tick(ctx context.Context, now time.Time) (int, error) { return c.sched.Tick(ctx, now) }

// isTriggerHost reports whether a request is for the router: any host under localhost
// ({project}-{stage}.localhost, and the malformed ones, which the router answers with why),
// while localhost itself serves the editor, the API and the rest.
func isTriggerHost(host string) bool {
	h := host
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return strings.HasSuffix(h, ".localhost") && len(h) > len(".localhost")
}

func (c *Cloud) configJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"apiUrl": c.url + "/api/v1", "wsUrl": strings.Replace(c.url, "http://", "ws://", 1) + "/ws",
		"issuer": c.url, "clientId": ClientID, "redirectPath": "/callback",
		"triggerUrl": fmt.Sprintf("http://{project}-{stage}.localhost:%d", c.port), "local": true,
	})
}

func (c *Cloud) faults(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DynamoDB *dynamo.Fault `json:"dynamodb"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if c.db == nil {
		http.Error(w, "faults need the embedded DynamoDB", http.StatusConflict)
		return
	}
	if in.DynamoDB != nil && in.DynamoDB.Kind == "" {
		in.DynamoDB = nil
	}
	c.db.SetFault(in.DynamoDB)
	w.WriteHeader(http.StatusNoContent)
}

// editor serves the built editor by the rule the CloudFront distribution follows too
// (package spa): a file of the build is served, a missing one is a 404, and any other path
// is a page of the app and gets index.html.
func (c *Cloud) editor() http.Handler {
	dir := c.opt.WebDir
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.canonicalHost(r.Host) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			// the editor on http://127.0.0.1:PORT (or [::1]) is another origin than the API, the
			// WebSocket and the sign-in it is configured with (localhost): its calls were refused
			// as cross-origin and sign-in failed. The address the banner prints serves it.
			http.Redirect(w, r, c.url+r.URL.RequestURI(), http.StatusFound)
			return
		}
		index := filepath.Join(dir, "index.html")
		if _, err := os.Stat(index); err != nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "<!doctype html><title>PolySynergy</title><h1>The editor is not built</h1><p>Run <code>make web</code> (or <code>make dev</code>, which builds it) and reload. The API is at <a href=\"/api/v1/openapi.json\">/api/v1</a>.</p>")
			return
		}
		p := filepath.Clean("/" + r.URL.Path)
		if st, err := os.Stat(filepath.Join(dir, p)); err == nil && !st.IsDir() {
			if strings.HasPrefix(p, spa.AssetsPrefix) {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			files.ServeHTTP(w, r)
			return
		}
		if spa.StaticFile(p) {
			// a script or style the page asks for and the build lacks (an old page after a
			// rebuild): a 404, not the page in its place
			http.Error(w, "not found: "+p+" is not in the built editor", http.StatusNotFound)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, index)
	})
}

// canonicalHost says whether host is the one the editor's configuration names
// (localhost:PORT, as in URL).
func (c *Cloud) canonicalHost(host string) bool {
	return strings.EqualFold(host, fmt.Sprintf("localhost:%d", c.port))
}

// closeRest bounds what Close does once the functions have stopped.
const closeRest = 10 * time.Second

// Cancel cancels the requests and background runs still going, as Close does once its
// context ends (their callers get the router's answer, the runs end as cancelled), so that
// a Close under way stops waiting for them: a second Ctrl-C. The data is still saved.
func (c *Cloud) Cancel() {
	if c.cancelRequests != nil {
		c.cancelRequests()
	}
	if c.cancel != nil {
		c.cancel()
	}
}

// Close shuts down gracefully: connections drain, the functions still running get until
// ctx ends and are cancelled then, data is flushed, the lock released.
func (c *Cloud) Close(ctx context.Context) error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	if c.gateway != nil {
		errs = append(errs, c.gateway.Shutdown(ctx))
	}
	for _, s := range c.srv {
		if err := s.Shutdown(ctx); err != nil {
			// requests still running when ctx ends are cancelled (a run ends as cancelled and
			// its caller gets the answer for that) and given apigw.StopGrace to return:
			// closing the data under them lost their runs and dropped their connections
			c.opt.Log.Warn("stopping: cancelling the requests still running", "err", err)
			c.cancelRequests()
			grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), apigw.StopGrace)
			if err := s.Shutdown(grace); err != nil {
				errs = append(errs, fmt.Errorf("stop serving: requests still running %s after they were cancelled: %w", apigw.StopGrace, err))
			}
			cancel()
		}
	}
	if c.cancelRequests != nil {
		c.cancelRequests()
	}
	if c.cancel != nil {
		c.cancel()
	}
	// the scheduler and the servers stop first, so nothing starts a function after this
	c.wg.Wait()
	if c.lambdas != nil {
		errs = append(errs, c.lambdas.Wait(ctx))
	}
	// what is left (background work, the data's flush) gets its own time: ctx may have
	// been spent waiting for the functions
	rest, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeRest)
	defer cancel()
	for _, f := range c.services {
		errs = append(errs, f(rest))
	}
	if c.db != nil {
		errs = append(errs, c.db.Close(rest))
	}
	errs = append(errs, c.lock.Release())
	return errors.Join(errs...)
}

// invoker adapts a typed Lambda handler to the JSON-in, JSON-out function the emulators call.
func invoker(handler any) apigw.Function { return lambda.NewHandler(handler).Invoke }
