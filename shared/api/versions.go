package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/flow"
	"polysynergy/shared/store"
)

// VersionView is a version without its document.
type VersionView struct {
	Number    int       `json:"number"`
	Hash      string    `json:"hash" doc:"SHA-256 of the document"`
	Author    string    `json:"author"`
	Message   string    `json:"message,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// VersionDetail is a version with its document.
type VersionDetail struct {
	VersionView
	Document json.RawMessage `json:"document"`
}

func versionView(v store.Version) VersionView {
	return VersionView{Number: v.Number, Hash: v.Hash, Author: v.Author, Message: v.Message, CreatedAt: v.CreatedAt.UTC()}
}

// VersionPath names a version.
type VersionPath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
	Flow    string `path:"flow" doc:"Flow id (ULID)"`
	Version int    `path:"version" doc:"Version number"`
}

func (p VersionPath) key() store.FlowKey {
	return store.FlowKey{Tenant: p.Tenant, Project: p.Project, Flow: p.Flow}
}

// CreateVersionBody snapshots the draft.
type CreateVersionBody struct {
	Message string `json:"message,omitempty" maxLength:"1000"`
}

// CreatedVersion tells whether a snapshot made a new version.
type CreatedVersion struct {
	Version VersionView `json:"version"`
	// Created is false when the draft equals the latest version.
	Created bool `json:"created"`
}

// RestoreBody restores a version into the draft.
type RestoreBody struct {
	// Revision is the draft revision the restore replaces; the current one
	// when absent.
	Revision int `json:"revision,omitempty" minimum:"1" doc:"Refuse (409) unless the draft is at this revision"`
}

// NodeRef names a node in a diff.
type NodeRef struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
	Type   string `json:"type"`
}

// NodeChange is a node present on both sides with differences.
type NodeChange struct {
	NodeRef
	// Fields lists what differs: type, handle, version, values.<port>,
	// position, group, notes, flow_state, settings.
	Fields []string `json:"fields"`
}

// ConnectionRef names a connection in a diff.
type ConnectionRef struct {
	ID   string `json:"id,omitempty"`
	From string `json:"from" example:"fetch.true_path"`
	To   string `json:"to" example:"reply.node"`
}

// ConnectionChange is a connection (by id) whose ends moved.
type ConnectionChange struct {
	ID     string        `json:"id"`
	Before ConnectionRef `json:"before"`
	After  ConnectionRef `json:"after"`
}

// NodeDiff is the node part of a diff.
type NodeDiff struct {
	Added   []NodeRef    `json:"added" nullable:"false"`
	Removed []NodeRef    `json:"removed" nullable:"false"`
	Changed []NodeChange `json:"changed" nullable:"false"`
}

// ConnectionDiff is the connection part of a diff.
type ConnectionDiff struct {
	Added   []ConnectionRef    `json:"added" nullable:"false"`
	Removed []ConnectionRef    `json:"removed" nullable:"false"`
	Changed []ConnectionChange `json:"changed" nullable:"false"`
}

// Diff compares two documents of a flow.
type Diff struct {
	From        string         `json:"from"`
	To          string         `json:"to"`
	Same        bool           `json:"same"`
	Nodes       NodeDiff       `json:"nodes"`
	Connections ConnectionDiff `json:"connections"`
}

func (h *Handler) registerVersions() {
	const tag = "Versions"
	base := "/tenants/{tenant}/projects/{project}/flows/{flow}"
	register(h, endpoint{id: "listVersions", method: http.MethodGet, path: base + "/versions",
		summary: "List versions, newest first", tag: tag, scope: ScopeTenant, action: auth.ActionVersionRead},
		func(ctx context.Context, in *struct {
			FlowPath
			PageQuery
		}) (*Out[List[VersionView]], error) {
			if _, err := h.st.GetFlow(ctx, in.key()); err != nil {
				return nil, err
			}
			p, err := h.st.ListVersions(ctx, in.key(), in.opts())
			if err != nil {
				return nil, at("query", err)
			}
			return ok(List[VersionView]{Items: mapSlice(p.Items, versionView), NextCursor: p.Next})
		})
	register(h, endpoint{id: "createVersion", method: http.MethodPost, path: base + "/versions",
		summary: "Snapshot the draft as a new version (none when it equals the latest)", tag: tag, scope: ScopeTenant,
		action: auth.ActionFlowWrite, status: http.StatusCreated},
		func(ctx context.Context, in *struct {
			FlowPath
			Body CreateVersionBody
		}) (*Created[CreatedVersion], error) {
			v, created, err := h.st.CreateVersion(ctx, in.key(), principal(ctx).Identity.Subject, in.Body.Message)
			if err != nil {
				return nil, h.inTrash(ctx, in.key().ProjectKey(), at("body", err))
			}
			return &Created[CreatedVersion]{Body: CreatedVersion{Version: versionView(v), Created: created}}, nil
		})
	register(h, endpoint{id: "getVersion", method: http.MethodGet, path: base + "/versions/{version}",
		summary: "Get a version with its document", tag: tag, scope: ScopeTenant, action: auth.ActionVersionRead},
		func(ctx context.Context, in *VersionPath) (*Out[VersionDetail], error) {
			v, err := h.st.GetVersion(ctx, in.key(), in.Version)
			if err != nil {
				return nil, err
			}
			return ok(VersionDetail{VersionView: versionView(v), Document: v.Document})
		})
	register(h, endpoint{id: "restoreVersion", method: http.MethodPost, path: base + "/versions/{version}/restore",
		summary: "Restore a version into the draft", tag: tag, scope: ScopeTenant, action: auth.ActionVersionRestore},
		func(ctx context.Context, in *struct {
			VersionPath
			Body *RestoreBody `required:"false"`
		}) (*Out[SavedDraft], error) {
			v, err := h.st.GetVersion(ctx, in.key(), in.Version)
			if err != nil {
				return nil, err
			}
			rev := 0
			if in.Body != nil {
				rev = in.Body.Revision
			}
			if rev == 0 {
				d, err := h.st.GetDraft(ctx, in.key())
				if err != nil {
					return nil, err
				}
				rev = d.Revision
			}
			n, err := h.saveDraft(ctx, in.key(), v.Document, rev, true, "version", "")
			if err != nil {
				return nil, err
			}
			return ok(SavedDraft{Revision: n})
		})
	register(h, endpoint{id: "diffVersions", method: http.MethodGet, path: base + "/diff",
		summary: "Compare two versions (or a version and the draft): nodes and connections added, removed, changed",
		tag:     tag, scope: ScopeTenant, action: auth.ActionVersionRead},
		func(ctx context.Context, in *struct {
			FlowPath
			From string `query:"from" required:"true" doc:"A version number or draft"`
			To   string `query:"to" required:"true" doc:"A version number or draft"`
		}) (*Out[Diff], error) {
			a, err := h.sideDocument(ctx, in.key(), in.From, "query.from")
			if err != nil {
				return nil, err
			}
			b, err := h.sideDocument(ctx, in.key(), in.To, "query.to")
			if err != nil {
				return nil, err
			}
			d := DiffDocuments(a, b)
			d.From, d.To = in.From, in.To
			return ok(d)
		})
}

// sideDocument reads "draft" or version n of a flow, decoded.
func (h *Handler) sideDocument(ctx context.Context, k store.FlowKey, side, location string) (*flow.Document, error) {
	var raw []byte
	if side == "draft" {
		d, err := h.st.GetDraft(ctx, k)
		if err != nil {
			return nil, err
		}
		raw = d.Document
	} else {
		n, err := strconv.Atoi(side)
		if err != nil || n < 1 {
			return nil, invalidField(location, "must be a version number or draft, got %q", side)
		}
		v, err := h.st.GetVersion(ctx, k, n)
		if errors.Is(err, store.ErrNotFound) {
			if _, ferr := h.st.GetFlow(ctx, k); ferr != nil {
				return nil, ferr
			}
			return nil, invalidField(location, "no version %d", n)
		}
		if err != nil {
			return nil, err
		}
		raw = v.Document
	}
	doc, err := flow.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("decode stored document %s: %w", side, err)
	}
	return doc, nil
}

// DiffDocuments compares two flow documents: nodes by id (added, removed,
// changed with the fields that differ) and connections by id, or by their
// ends when they have none.
func DiffDocuments(a, b *flow.Document) Diff {
	d := Diff{Nodes: NodeDiff{Added: []NodeRef{}, Removed: []NodeRef{}, Changed: []NodeChange{}},
		Connections: ConnectionDiff{Added: []ConnectionRef{}, Removed: []ConnectionRef{}, Changed: []ConnectionChange{}}}
	an := map[string]flow.Node{}
	for _, n := range a.Nodes {
		an[n.ID] = n
	}
	bn := map[string]flow.Node{}
	for _, n := range b.Nodes {
		bn[n.ID] = n
		old, ok := an[n.ID]
		if !ok {
			d.Nodes.Added = append(d.Nodes.Added, nodeRef(n))
			continue
		}
		if fields := nodeFields(old, n); len(fields) > 0 {
			d.Nodes.Changed = append(d.Nodes.Changed, NodeChange{NodeRef: nodeRef(n), Fields: fields})
		}
	}
	for _, n := range a.Nodes {
		if _, ok := bn[n.ID]; !ok {
			d.Nodes.Removed = append(d.Nodes.Removed, nodeRef(n))
		}
	}
	key := func(c flow.Connection) string {
		if c.ID != "" {
			return "id:" + c.ID
		}
		return "ends:" + connRef(c).From + ">" + connRef(c).To
	}
	ac := map[string]flow.Connection{}
	for _, c := range a.Connections {
		ac[key(c)] = c
	}
	bc := map[string]bool{}
	for _, c := range b.Connections {
		k := key(c)
		bc[k] = true
		old, ok := ac[k]
		switch {
		case !ok:
			d.Connections.Added = append(d.Connections.Added, connRef(c))
		case old.From != c.From || old.To != c.To:
			d.Connections.Changed = append(d.Connections.Changed, ConnectionChange{ID: c.ID, Before: connRef(old), After: connRef(c)})
		}
	}
	for _, c := range a.Connections {
		if !bc[key(c)] {
			d.Connections.Removed = append(d.Connections.Removed, connRef(c))
		}
	}
	d.Same = len(d.Nodes.Added)+len(d.Nodes.Removed)+len(d.Nodes.Changed)+len(d.Connections.Added)+
		len(d.Connections.Removed)+len(d.Connections.Changed) == 0 && reflect.DeepEqual(a.Groups, b.Groups)
	return d
}

func nodeRef(n flow.Node) NodeRef { return NodeRef{ID: n.ID, Handle: n.Handle, Type: n.Type} }

func connRef(c flow.Connection) ConnectionRef {
	return ConnectionRef{ID: c.ID, From: c.From.Node + "." + c.From.Port, To: c.To.Node + "." + c.To.Port}
}

// nodeFields lists what differs between two versions of a node.
func nodeFields(a, b flow.Node) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("type", a.Type != b.Type)
	add("handle", a.Handle != b.Handle)
	add("version", a.Version != b.Version)
	keys := map[string]bool{}
	for k := range a.Values {
		keys[k] = true
	}
	for k := range b.Values {
		keys[k] = true
	}
	var vals []string
	for k := range keys {
		av, aok := a.Values[k]
		bv, bok := b.Values[k]
		if aok != bok || !sameJSON(av, bv) {
			vals = append(vals, "values."+k)
		}
	}
	sort.Strings(vals)
	out = append(out, vals...)
	add("position", a.Position != b.Position)
	add("group", a.Group != b.Group)
	add("notes", a.Notes != b.Notes)
	add("flow_state", a.FlowState != b.FlowState)
	add("settings", a.Settings != b.Settings)
	return out
}

func sameJSON(a, b any) bool {
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ab) == string(bb)
}
