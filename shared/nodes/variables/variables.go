// Package variables holds the variable node family: constants, typed constants, stage
// environment variables and secrets, and a run-scoped key/value store that shows how a
// node provides a service (an instance) to the nodes connected to it.
package variables

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"polysynergy/shared/nodes"
)

const category = "Variables"

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	return r.Register(constant(), str(), number(), boolean(), env(), secret(), store(), storeSet(), storeGet())
}

func constant() *nodes.Type {
	return &nodes.Type{
		ID: "variable.constant", Category: category, Name: "Constant", Icon: "braces",
		Doc: "Holds a fixed JSON value — an object, list, string, number or boolean — for other nodes to read.\n\n" +
			"**Inputs**\n\n- `value` — any JSON value.\n\n**Outputs**\n\n- `value` — the same value.\n\n" +
			"**Example**: `{\"currency\": \"EUR\", \"vat\": 0.21}`; later nodes read `{{ settings.value.vat }}`.",
		Inputs:  []nodes.Port{{Name: "value", Type: nodes.Any, Editor: nodes.EditJSON, Doc: "The value."}},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The value."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return nodes.Out{"value": c.Get("value")}, nil
		},
	}
}

func str() *nodes.Type {
	return &nodes.Type{
		ID: "variable.string", Category: category, Name: "String", Icon: "type",
		Doc: "Holds a text value; templates work (`Hello {{ route.query.name }}`). Numbers and booleans become " +
			"their text; objects and lists their JSON.\n\n**Inputs**\n\n- `value` — the text.\n\n" +
			"**Outputs**\n\n- `value` — the text.\n\n**Example**: `orders-{{ run.stage }}` gives `orders-prod`.",
		Inputs:  []nodes.Port{{Name: "value", Type: nodes.String, Doc: "The text."}},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.String, Doc: "The text."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return nodes.Out{"value": c.Str("value")}, nil
		},
	}
}

func number() *nodes.Type {
	return &nodes.Type{
		ID: "variable.number", Category: category, Name: "Number", Icon: "hash",
		Doc: "Holds a number. A numeric string such as `\"42\"` is read as a number; anything else fails.\n\n" +
			"**Inputs**\n\n- `value` — the number (default 0).\n\n**Outputs**\n\n- `value` — the number.\n\n" +
			"**Example**: `25` as a page size read by `{{ page_size.value }}`.",
		Inputs:  []nodes.Port{{Name: "value", Type: nodes.Number, Default: 0.0, Doc: "The number."}},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.Number, Doc: "The number."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			f, err := c.Float("value")
			if err != nil {
				return nil, err
			}
			return nodes.Out{"value": f}, nil
		},
	}
}

func boolean() *nodes.Type {
	return &nodes.Type{
		ID: "variable.boolean", Category: category, Name: "Boolean", Icon: "toggle-left",
		Doc: "Holds true or false. Also reads the strings true/false, yes/no, on/off, 1/0 and the numbers 1 and 0; " +
			"anything else fails.\n\n**Inputs**\n\n- `value` — the flag (default false).\n\n" +
			"**Outputs**\n\n- `value` — true or false.\n\n**Example**: a `dry_run` flag checked by an If node.",
		Inputs:  []nodes.Port{{Name: "value", Type: nodes.Boolean, Default: false, Doc: "The flag."}},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.Boolean, Doc: "The flag."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			b, err := strictBool(c.Get("value"))
			if err != nil {
				return nil, nodes.Errorf("value", "%v", err)
			}
			return nodes.Out{"value": b}, nil
		},
	}
}

// strictBool reads a boolean without guessing: booleans, a few words and 0/1.
func strictBool(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "on", "1":
			return true, nil
		case "false", "no", "off", "0", "":
			return false, nil
		}
	default:
		if f, ok := nodes.ToFloat(v); ok && nodes.IsNumber(v) && (f == 0 || f == 1) {
			return f == 1, nil
		}
	}
	return false, fmt.Errorf("expected true or false, got %s", nodes.Describe(v))
}

func stage(c *nodes.Call) string {
	if c.Run == nil {
		return ""
	}
	return c.Run.Stage
}

// key reads the key input: required, trimmed.
func key(c *nodes.Call) (string, error) {
	k := strings.TrimSpace(c.Str("key"))
	if k == "" {
		return "", nodes.Errorf("key", "is required")
	}
	return k, nil
}

func env() *nodes.Type {
	return &nodes.Type{
		ID: "variable.env", Category: category, Name: "Environment variable", Icon: "settings",
		Doc: "Reads an environment variable of the run's stage (set per stage in the project's settings). " +
			"Editor runs on `mock` may borrow another stage's values. A variable that is not set fails the node " +
			"with an error naming the key and the stage.\n\n**Inputs**\n\n- `key` — the variable's name.\n\n" +
			"**Outputs**\n\n- `value` — its value.\n\n**Example**: key `API_BASE_URL` gives `https://api.example.com` on prod.",
		Inputs:  []nodes.Port{{Name: "key", Type: nodes.String, Required: true, Editor: nodes.EditEnv, Doc: "The variable's name."}},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.String, Doc: "The variable's value."}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			k, err := key(c)
			if err != nil {
				return nil, err
			}
			if c.Host == nil {
				return nil, fmt.Errorf("environment variable %q: no environment is available on stage %q", k, stage(c))
			}
			v, err := c.Host.Env(ctx, k)
			if errors.Is(err, nodes.ErrNotFound) {
				return nil, nodes.Errorf("key", "environment variable %q is not set on stage %q", k, stage(c))
			}
			if err != nil {
				return nil, fmt.Errorf("read environment variable %q: %w", k, err)
			}
			return nodes.Out{"value": v}, nil
		},
	}
}

func secret() *nodes.Type {
	return &nodes.Type{
		ID: "variable.secret", Category: category, Name: "Secret", Icon: "key-round",
		Doc: "Reads a secret of the run's stage (API keys, passwords). The value flows to connected nodes but is " +
			"shown as `<secret:KEY>` in run results and logs. A missing secret fails the node with an error naming " +
			"the key and the stage.\n\n**Inputs**\n\n- `key` — the secret's name.\n\n" +
			"**Outputs**\n\n- `value` — the secret (type secret).\n\n" +
			"**Example**: key `STRIPE_KEY` connected to an HTTP request's authorization header.",
		Inputs:  []nodes.Port{{Name: "key", Type: nodes.String, Required: true, Editor: nodes.EditSecret, Doc: "The secret's name."}},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.Secret, Doc: "The secret value."}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			k, err := key(c)
			if err != nil {
				return nil, err
			}
			if c.Host == nil {
				return nil, fmt.Errorf("secret %q: no secrets are available on stage %q", k, stage(c))
			}
			v, err := c.Host.Secret(ctx, k)
			if errors.Is(err, nodes.ErrNotFound) {
				return nil, nodes.Errorf("key", "secret %q is not set on stage %q", k, stage(c))
			}
			if err != nil {
				return nil, fmt.Errorf("read secret %q: %w", k, err)
			}
			return nodes.Out{"value": v}, nil
		},
	}
}

func store() *nodes.Type {
	return &nodes.Type{
		ID: "variable.store", Category: category, Name: "Store", Icon: "database", Service: ServiceKind,
		Doc: "Provides a key/value store that lives for one run, shared by every **Store set** and **Store get** " +
			"node connected to its `store` output — a way to pass values between branches and loop iterations. " +
			"It is a service: it does not run on its own but hands the same store instance to the nodes it " +
			"is connected to. Values are copied in and out.\n\n**Inputs**\n\n" +
			"- `initial` — an object whose keys and values the store starts with.\n\n" +
			"**Outputs**\n\n- `store` — the store service (connect to `store` of Store set / Store get).\n\n" +
			"**Example**: Store → For each body: Store set `count` = `{{ get_count.value + 1 }}`.",
		Inputs: []nodes.Port{{Name: "initial", Type: nodes.Object, Doc: "Keys and values to start with."}},
		Outputs: []nodes.Port{
			{Name: "store", Type: nodes.ServiceType(ServiceKind), Doc: "The run's key/value store."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			s := NewStore()
			if c.Has("initial") {
				m, err := c.Map("initial")
				if err != nil {
					return nil, err
				}
				for k, v := range m {
					s.Set(k, v)
				}
			}
			return nodes.Out{"store": s}, nil
		},
	}
}

// kv reads the store input.
func kv(c *nodes.Call) (KV, error) {
	s, ok := c.Get("store").(KV)
	if st, isStore := s.(*Store); isStore && st == nil {
		ok = false
	}
	if !ok {
		return nil, nodes.Errorf("store", "expected a key/value store service (connect a Store node), got %s", nodes.Describe(c.Get("store")))
	}
	return s, nil
}

func storeSet() *nodes.Type {
	return &nodes.Type{
		ID: "variable.store_set", Category: category, Name: "Store set", Icon: "database-zap",
		Doc: "Writes `value` under `key` in the store connected to `store`.\n\n**Inputs**\n\n" +
			"- `store` — from a Store node.\n- `key` — the name to write.\n- `value` — any value.\n\n" +
			"**Outputs**\n\n- `value` — the value written.\n- `previous` — the value it replaced (null when new).\n\n" +
			"**Example**: key `last_order`, value `{{ create.id }}`.",
		Inputs: []nodes.Port{
			{Name: "store", Type: nodes.ServiceType(ServiceKind), Required: true, Doc: "The store, from a Store node."},
			{Name: "key", Type: nodes.String, Required: true, Doc: "The key to write."},
			{Name: "value", Type: nodes.Any, Doc: "The value to store."},
		},
		Outputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Doc: "The value written."},
			{Name: "previous", Type: nodes.Any, Doc: "The value replaced, or null."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			s, err := kv(c)
			if err != nil {
				return nil, err
			}
			k, err := key(c)
			if err != nil {
				return nil, err
			}
			prev, _ := s.Set(k, c.Get("value"))
			return nodes.Out{"value": c.Get("value"), "previous": prev}, nil
		},
	}
}

func storeGet() *nodes.Type {
	return &nodes.Type{
		ID: "variable.store_get", Category: category, Name: "Store get", Icon: "database-search",
		Doc: "Reads `key` from the store connected to `store`, or `default` when the key was never set.\n\n" +
			"**Inputs**\n\n- `store` — from a Store node.\n- `key` — the name to read.\n" +
			"- `default` — the value when the key is missing.\n\n" +
			"**Outputs**\n\n- `value` — the stored value or the default.\n- `found` — whether the key was set.\n\n" +
			"**Example**: key `count`, default `0`.",
		Inputs: []nodes.Port{
			{Name: "store", Type: nodes.ServiceType(ServiceKind), Required: true, Doc: "The store, from a Store node."},
			{Name: "key", Type: nodes.String, Required: true, Doc: "The key to read."},
			{Name: "default", Type: nodes.Any, Doc: "The value when the key is missing."},
		},
		Outputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Doc: "The stored value, or the default."},
			{Name: "found", Type: nodes.Boolean, Doc: "Whether the key was set."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			s, err := kv(c)
			if err != nil {
				return nil, err
			}
			k, err := key(c)
			if err != nil {
				return nil, err
			}
			v, ok := s.Get(k)
			if !ok {
				return nodes.Out{"value": c.Get("default"), "found": false}, nil
			}
			return nodes.Out{"value": v, "found": true}, nil
		},
	}
}
