package runs

import (
	"context"
	"encoding/json"

	"polysynergy/shared/store"
)

// Store is what the executor needs of the store; *store.Store implements it.
type Store interface {
	GetProject(ctx context.Context, k store.ProjectKey) (store.Project, error)
	GetFlow(ctx context.Context, k store.FlowKey) (store.Flow, error)
	GetSchedule(ctx context.Context, k store.FlowKey) (store.Schedule, error)
	GetDraft(ctx context.Context, k store.FlowKey) (store.Draft, error)
	GetVersion(ctx context.Context, k store.FlowKey, n int) (store.Version, error)
	GetBinding(ctx context.Context, k store.FlowKey, stage string) (store.Binding, error)
	GetSecretValue(ctx context.Context, k store.ProjectKey, secretKey, stage string) ([]byte, error)
	StageEnv(ctx context.Context, k store.ProjectKey, stage string) (map[string]string, error)
	CreateRun(ctx context.Context, r store.Run) (store.Run, error)
	RecordRun(ctx context.Context, r store.Run, results []store.NodeResult) (store.Run, error)
	GetRun(ctx context.Context, k store.RunKey) (store.Run, error)
	UpdateRun(ctx context.Context, k store.RunKey, u store.RunUpdate) error
	PutNodeResult(ctx context.Context, k store.RunKey, nr store.NodeResult) error
	ListNodeResults(ctx context.Context, k store.RunKey) ([]store.NodeResult, error)
	SaveRunState(ctx context.Context, k store.RunKey, state json.RawMessage) error
	ClaimResume(ctx context.Context, k store.RunKey) (json.RawMessage, error)
	ApplyRetention(ctx context.Context, k store.FlowKey, keep int) (store.RetentionPass, error)
}

var _ Store = (*store.Store)(nil)
