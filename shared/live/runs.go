package live

import (
	"context"
	"log/slog"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// ForRuns returns the runs executor's publisher factory: each run's events go to the flow's
// subscribers, and the publisher is closed (everything sent) when the run ends or pauses,
// before the function returns. A nil client means no live events.
func ForRuns(st Subscribers, client Poster, log *slog.Logger) runs.PublisherFunc {
	if client == nil {
		return nil
	}
	return func(ctx context.Context, ref runs.RunRef) engine.Publisher {
		p, err := NewPublisher(PublisherConfig{Flow: store.FlowKey{Tenant: ref.Tenant, Project: ref.Project, Flow: ref.Flow},
			Store: st, Client: client, Logger: log})
		if err != nil {
			if log != nil {
				log.Error("live publisher", "flow", ref.Flow, "err", err)
			}
			return nil
		}
		return closeAtEnd{p}
	}
}

// closeAtEnd flushes the publisher when its run ends or pauses.
type closeAtEnd struct{ p *Publisher }

func (c closeAtEnd) Publish(ctx context.Context, ev engine.Event) {
	c.p.Publish(ctx, ev)
	if ev.Type == engine.EventRunEnd || ev.Type == engine.EventRunPaused {
		_ = c.p.Close(context.WithoutCancel(ctx))
	}
}
