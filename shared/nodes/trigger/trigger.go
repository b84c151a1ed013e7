// Package trigger holds the trigger node family: the nodes a run starts at (HTTP routes,
// the editor's mock route, schedules, manual play) and the trigger data shapes the HTTP
// router and the CLI build (HTTPRequest, ScheduleEvent).
package trigger

import (
	"context"
	"errors"
	"time"

	"polysynergy/shared/nodes"
)

const category = "Triggers"

// Methods are the HTTP methods a route or mock route may name.
var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	return r.Register(route(), mockRoute(), schedule(), manual())
}

// requestOutputs are the outputs of trigger.route and trigger.mock_route.
func requestOutputs() []nodes.Port {
	return []nodes.Port{
		{Name: "method", Type: nodes.String, Doc: "The HTTP method, upper-case."},
		{Name: "path", Type: nodes.String, Doc: "The request path, without the query string."},
		{Name: "host", Type: nodes.String, Doc: "The Host the request arrived on."},
		{Name: "source_ip", Type: nodes.String, Doc: "The client's IP address."},
		{Name: "headers", Type: nodes.Object, Doc: "Request headers by lower-case name; repeated headers joined with \",\" (as API Gateway combines them)."},
		{Name: "query", Type: nodes.Object, Doc: "Query parameters: key → first value."},
		{Name: "query_all", Type: nodes.Object, Doc: "Query parameters: key → list of every value."},
		{Name: "cookies", Type: nodes.Object, Doc: "Request cookies by name."},
		{Name: "params", Type: nodes.Object, Doc: "The route's path variables, typed as the route declares them."},
		{Name: "body", Type: nodes.String, Doc: "The raw body text, or its base64 text when the body is binary."},
		{Name: "bytes_base64", Type: nodes.String, Doc: "The body as base64 when it is binary (is_base64); null otherwise."},
		{Name: "json", Type: nodes.Any, Doc: "The parsed body when the content type is JSON or the body looks like JSON; null otherwise."},
		{Name: "form", Type: nodes.Object, Doc: "URL-encoded or multipart form fields (repeated keys as lists, files as {filename, content_type, size, base64}); null for other bodies."},
		{Name: "request", Type: nodes.Object, Doc: "The whole request as trigger data."},
	}
}

const requestDoc = "\n\n**Outputs**\n\n" +
	"- `method`, `path`, `host`, `source_ip` — the request line and where it came from.\n" +
	"- `headers` — lower-case names; repeated headers joined with `,` (as API Gateway combines them).\n" +
	"- `query` — key → first value; `query_all` — key → every value as a list (`?tag=a&tag=b` gives `[\"a\", \"b\"]`).\n" +
	"- `cookies`, `params` (typed path variables: `{id:number}` gives a number).\n" +
	"- `body` — the raw text, or base64 text for binary bodies; `bytes_base64` — the base64 body when binary.\n" +
	"- `json` — parsed when the content type is JSON (`application/json`, `*+json`) or the body looks like JSON. " +
	"A body whose content type claims JSON but does not parse fails the node with an error naming `body`.\n" +
	"- `form` — `application/x-www-form-urlencoded` and `multipart/form-data` fields; repeated keys become lists; " +
	"uploaded files become `{filename, content_type, size, base64}`.\n" +
	"- `request` — the whole request object.\n"

func route() *nodes.Type {
	return &nodes.Type{
		ID: "trigger.route", Category: category, Name: "HTTP route", Icon: "globe", Trigger: true, OnePerFlow: true,
		Doc: "Starts the flow when an HTTP request arrives on the route published for this flow " +
			"(`https://{project}-{stage}.<domain>/path`). The request is decoded into outputs other nodes read, " +
			"e.g. `{{ route.json.name }}` or `{{ route.params.id }}`. Answer with an **HTTP response** node.\n\n" +
			"**Inputs** (informational: how the editor shows the route; the published route table decides what matches)\n\n" +
			"- `method` — the HTTP method.\n- `path` — the pattern, e.g. `/users/{id:number}`." + requestDoc +
			"\n**Example**: `POST /users` with `{\"name\": \"Ada\"}` gives `json` = `{\"name\": \"Ada\"}` and " +
			"`headers.content-type` = `application/json`.",
		Inputs: []nodes.Port{
			{Name: "method", Type: nodes.String, Default: "GET", Options: methods, Literal: true, Doc: "The route's HTTP method (informational)."},
			{Name: "path", Type: nodes.String, Literal: true, Doc: "The route's path pattern, e.g. /users/{id:number} (informational)."},
		},
		Outputs: requestOutputs(),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			if c.Trigger == nil {
				return nil, errors.New("trigger.route: the run has no HTTP request in its trigger data; " +
					"use a Mock route to try the flow in the editor")
			}
			req, err := RequestFromTrigger(c.Trigger)
			if err != nil {
				return nil, err
			}
			return requestOut(req)
		},
	}
}

func mockRoute() *nodes.Type {
	return &nodes.Type{
		ID: "trigger.mock_route", Category: category, Name: "Mock route", Icon: "flask-conical", Trigger: true,
		Doc: "The editor's stand-in for an **HTTP route**: type a request into its inputs and play the flow. " +
			"When the run carries a real HTTP request (trigger data), that request is used instead and the node " +
			"behaves exactly like an HTTP route.\n\n**Inputs**\n\n" +
			"- `method` (default GET), `path` (default `/`; a `?query` on it is moved into the query).\n" +
			"- `headers` — object of header names to values; `query` — object of keys to a value or a list of values.\n" +
			"- `params` — the path variables the route would have matched.\n" +
			"- `body` — the body text (an object is sent as JSON)." + requestDoc +
			"\n**Example**: method `POST`, headers `{\"Content-Type\": \"application/json\"}`, body `{\"n\": 1}` " +
			"gives `json.n` = 1.",
		Inputs: []nodes.Port{
			{Name: "method", Type: nodes.String, Default: "GET", Options: methods, Doc: "The HTTP method."},
			{Name: "path", Type: nodes.String, Default: "/", Doc: "The request path, optionally with ?query."},
			{Name: "headers", Type: nodes.Object, Doc: "Request headers: name → value."},
			{Name: "query", Type: nodes.Object, Doc: "Query parameters: key → value or list of values."},
			{Name: "params", Type: nodes.Object, Doc: "Path variables: name → value."},
			{Name: "body", Type: nodes.String, Editor: nodes.EditCode, Doc: "The request body."},
		},
		Outputs: requestOutputs(),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			if c.Trigger != nil {
				req, err := RequestFromTrigger(c.Trigger)
				if err != nil {
					return nil, err
				}
				return requestOut(req)
			}
			method := c.Str("method")
			if method == "" {
				method = "GET"
			}
			path := c.Str("path")
			if path == "" {
				path = "/"
			}
			req, err := RequestFromTrigger(map[string]any{
				"method": method, "path": path, "headers": c.Get("headers"), "query": c.Get("query"),
				"params": c.Get("params"), "body": c.Get("body"),
			})
			if err != nil {
				return nil, asInputError(err)
			}
			out, err := requestOut(req)
			if err != nil {
				return nil, asInputError(err)
			}
			return out, nil
		},
	}
}

// asInputError turns a trigger field error about a mock route input into an input error.
func asInputError(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return nodes.Errorf(fe.Field, "%s", fe.Reason)
	}
	return err
}

// requestOut decodes the body and builds the route outputs.
func requestOut(req HTTPRequest) (nodes.Out, error) {
	pb, err := parseBody(req)
	if err != nil {
		return nil, err
	}
	m := req.Map()
	first := make(map[string]any, len(req.Query))
	for k, vs := range req.Query {
		if len(vs) > 0 {
			first[k] = vs[0]
		} else {
			first[k] = ""
		}
	}
	var b64 any
	if pb.binary {
		b64 = pb.base64
	}
	var form any
	if pb.form != nil {
		form = pb.form
	}
	return nodes.Out{
		"method":       req.Method,
		"path":         req.Path,
		"host":         req.Host,
		"source_ip":    req.SourceIP,
		"headers":      m["headers"],
		"query":        first,
		"query_all":    m["query"],
		"cookies":      m["cookies"],
		"params":       m["params"],
		"body":         req.Body,
		"bytes_base64": b64,
		"json":         pb.json,
		"form":         form,
		"request":      m,
	}, nil
}

func schedule() *nodes.Type {
	return &nodes.Type{
		ID: "trigger.schedule", Category: category, Name: "Schedule", Icon: "clock", Trigger: true, OnePerFlow: true,
		Doc: "Starts the flow on a cron schedule published for this flow. The schedule itself (cron, time zone, " +
			"window) is managed with the flow's schedules; this node hands the firing to the flow.\n\n" +
			"**Inputs** (informational; used when the run carries no schedule data, e.g. when played in the editor)\n\n" +
			"- `cron` — a 5-field cron expression; `timezone` — an IANA zone such as `Europe/Amsterdam`.\n\n" +
			"**Outputs**\n\n- `fired_at` — when it fired (RFC 3339 in UTC; now when played by hand).\n" +
			"- `fired_at_local` — the same time on the schedule's clock: RFC 3339 with the offset of `timezone`.\n" +
			"- `cron`, `timezone`, `schedule_id`.\n\n" +
			"**Example**: a schedule `0 8 * * 1-5` in `Europe/Amsterdam` gives `fired_at` = `2024-05-06T06:00:00Z` " +
			"and `fired_at_local` = `2024-05-06T08:00:00+02:00`.",
		Inputs: []nodes.Port{
			{Name: "cron", Type: nodes.String, Literal: true, Doc: "The cron expression (informational)."},
			{Name: "timezone", Type: nodes.String, Default: "UTC", Literal: true, Doc: "The time zone (informational)."},
		},
		Outputs: []nodes.Port{
			{Name: "fired_at", Type: nodes.DateTime, Doc: "When the schedule fired, RFC 3339 in UTC."},
			{Name: "fired_at_local", Type: nodes.String, Doc: "When the schedule fired on the clock of its time zone: RFC 3339 with that zone's offset then, e.g. 2024-05-06T08:00:00+02:00."},
			{Name: "cron", Type: nodes.String, Doc: "The cron expression."},
			{Name: "timezone", Type: nodes.String, Doc: "The time zone of the cron expression."},
			{Name: "schedule_id", Type: nodes.String, Doc: "The schedule's id (empty when played by hand)."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			var ev ScheduleEvent
			if c.Trigger != nil {
				var err error
				if ev, err = ScheduleFromTrigger(c.Trigger); err != nil {
					return nil, err
				}
			}
			if ev.FiredAt.IsZero() {
				ev.FiredAt = time.Now().UTC()
			}
			if ev.Cron == "" {
				ev.Cron = c.Str("cron")
			}
			if ev.Timezone == "" {
				ev.Timezone = c.Str("timezone")
			}
			if ev.Timezone == "" {
				ev.Timezone = "UTC"
			}
			m := ev.Map()
			return nodes.Out{"fired_at": m["fired_at"], "fired_at_local": m["fired_at_local"], "cron": m["cron"],
				"timezone": m["timezone"], "schedule_id": m["schedule_id"]}, nil
		},
	}
}

func manual() *nodes.Type {
	return &nodes.Type{
		ID: "trigger.manual", Category: category, Name: "Manual play", Icon: "play", Trigger: true,
		Doc: "Starts the flow by hand — the play button in the editor, `polysynergy run`, or the API. " +
			"The run's trigger data comes out as `input`; when there is none (playing in the editor), " +
			"`test_input` is used instead.\n\n**Inputs**\n\n- `test_input` — any JSON value to play with.\n\n" +
			"**Outputs**\n\n- `input` — the trigger data, or `test_input`.\n\n" +
			"**Example**: test input `{\"name\": \"Ada\"}`; a later node reads `{{ manual.input.name }}`.",
		Inputs: []nodes.Port{
			{Name: "test_input", Type: nodes.Any, Editor: nodes.EditJSON, Doc: "Input used when the run has no trigger data."},
		},
		Outputs: []nodes.Port{
			{Name: "input", Type: nodes.Any, Doc: "The trigger data or the test input."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return nodes.Out{"input": c.TriggerOr("test_input")}, nil
		},
	}
}
