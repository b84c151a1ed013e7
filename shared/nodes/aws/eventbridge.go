package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"polysynergy/shared/nodes"
)

func (f *family) eventBridgeTypes() []*nodes.Type {
	return []*nodes.Type{{
		ID: "aws.eventbridge_put", Category: category, Name: "EventBridge put event", Icon: "radio-tower",
		Doc: "Puts one event on an Amazon EventBridge event bus.\n\n" +
			"**Inputs**: `bus` (name or ARN, default `default`), `source` (e.g. `com.example.orders`), " +
			"`detail_type` (e.g. `OrderPlaced`), `detail` (an object, or a JSON object as text), `resources` " +
			"(optional list of ARNs).\n\n" +
			"**Outputs**: `event_id`. An entry EventBridge refuses fails the node with its error code and message.\n\n" +
			"Example: source `com.example.orders`, detail_type `OrderPlaced`, detail `{\"order\": 42}`.",
		Inputs: withCommon(
			nodes.Port{Name: "bus", Type: nodes.String, Default: "default", Doc: "Event bus name or ARN."},
			nodes.Port{Name: "source", Type: nodes.String, Required: true, Doc: "The event's source."},
			nodes.Port{Name: "detail_type", Type: nodes.String, Required: true, Doc: "The event's detail type."},
			nodes.Port{Name: "detail", Type: nodes.Any, Required: true, Doc: "The event detail: an object (or JSON object text)."},
			nodes.Port{Name: "resources", Type: nodes.List, Doc: "ARNs of resources the event concerns."},
		),
		Outputs: []nodes.Port{{Name: "event_id", Type: nodes.String, Doc: "The id EventBridge gave the event."}},
		Run:     f.eventBridgePut,
	}}
}

// detailJSON returns the detail input as JSON object text.
func detailJSON(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nodes.Errorf("detail", "required")
	case string:
		var m map[string]any
		if err := json.Unmarshal([]byte(x), &m); err != nil {
			return "", nodes.Errorf("detail", "text must be a JSON object: %v", err)
		}
		return x, nil
	case map[string]any, nodes.Out:
		b, err := json.Marshal(nodes.Normalize(x))
		if err != nil {
			return "", nodes.Errorf("detail", "cannot encode as JSON: %v", err)
		}
		return string(b), nil
	}
	return "", nodes.Errorf("detail", "expected an object, got %s", nodes.Describe(v))
}

func (f *family) eventBridgePut(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	source, err := required(c, "source")
	if err != nil {
		return nil, err
	}
	dt, err := required(c, "detail_type")
	if err != nil {
		return nil, err
	}
	detail, err := detailJSON(c.Get("detail"))
	if err != nil {
		return nil, err
	}
	bus := strings.TrimSpace(c.Str("bus"))
	if bus == "" {
		bus = "default"
	}
	var resources []string
	if c.Has("resources") {
		l, err := c.List("resources")
		if err != nil {
			return nil, err
		}
		for i, v := range l {
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, nodes.Errorf("resources", "item %d must be an ARN, got %s", i, nodes.Describe(v))
			}
			resources = append(resources, s)
		}
	}
	t, err := f.target(ctx, c)
	if err != nil {
		return nil, err
	}
	cl := eventbridge.NewFromConfig(t.cfg, func(o *eventbridge.Options) { o.BaseEndpoint = t.endpoint })
	out, err := cl.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: &bus, Source: &source, DetailType: &dt, Detail: &detail, Resources: resources,
	}}})
	if err != nil {
		return nil, fmt.Errorf("eventbridge put event on bus %s: %w", bus, err)
	}
	if len(out.Entries) != 1 {
		return nil, fmt.Errorf("eventbridge put event on bus %s: answer has %d entries, want 1", bus, len(out.Entries))
	}
	e := out.Entries[0]
	if out.FailedEntryCount > 0 || e.ErrorCode != nil {
		return nil, fmt.Errorf("eventbridge put event on bus %s: entry %s/%s failed: %s: %s",
			bus, source, dt, sdkaws.ToString(e.ErrorCode), sdkaws.ToString(e.ErrorMessage))
	}
	return nodes.Out{"event_id": sdkaws.ToString(e.EventId)}, nil
}
