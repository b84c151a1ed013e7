package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"polysynergy/shared/store"
)

// Optimistic concurrency (RFC 9110 §8.8.3, §13.1.1). The resources changed in place — a
// flow (with its draft), a project, a route flow's route, a schedule flow's schedule, a
// stage, a project's stage list, a membership, an invitation, an environment variable, a
// secret and an API key —
// answer GET and their writes with a strong ETag,
// and their PATCH, PUT and DELETE honour If-Match: a list of entity tags none of which
// equals the current one (strong comparison: a weak tag never matches) is refused with 412,
// and nothing is written. The comparison is repeated inside the write's DynamoDB condition
// (store.FlowMatch, store.ProjectUpdate.Match, the route's and the schedule's revision, the
// stage's store.ClaimStage and store.BeginStageRename, the stage list's store.StageList,
// store.SetMemberRoleIf and RemoveMemberIf, the invitation's revision in
// store.CreateInvitationIf and DeleteInvitationIf,
// the values' revisions in store.VarMatch, store.RenameAPIKeyIf and
// DeleteAPIKeyIf), so no other write can slip in
// between; an operation of several writes makes its first one conditional.
// "If-Match: *" and no If-Match write whatever the resource is now, as before.

// Tagged wraps a response body with its ETag.
type Tagged[T any] struct {
	ETag string `header:"ETag" doc:"The resource's entity tag (strong): send it in If-Match to change the resource only as you read it"`
	Body T
}

// IfMatchHeader is the If-Match request header of the writes that honour it.
type IfMatchHeader struct {
	IfMatch string `header:"If-Match" maxLength:"2048" doc:"Change the resource only while its ETag is one of these (strong comparison; * or absent: whatever it is); 412 otherwise"`
}

// ifMatchDoc is added to the description of the operations that take If-Match.
const ifMatchDoc = "Honours If-Match (412 with current_etag when the resource changed since it was read)."

// etagOf is a strong entity tag of a representation: a hash of its JSON.
func etagOf(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			panic(fmt.Sprintf("etag of %T: %v", p, err)) // views are plain data
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// flowETag is the ETag of GET flow's answer (the flow with its draft). The draft's
// revision stands for its document and time: every save makes a new revision.
func flowETag(f store.Flow, draftRevision int) string {
	return etagOf(flowView(f), draftRevision)
}

// projectETag is the ETag of GET project's answer.
func (h *Handler) projectETag(p store.Project) string {
	v := projectView(p)
	v.AWSTrust = h.awsTrust(p)
	return etagOf(v)
}

// ifMatch is a parsed If-Match header.
type ifMatch struct {
	any  bool
	tags []string // strong tags, quotes included
}

// conditional reports whether the header asks for a particular representation.
func (m *ifMatch) conditional() bool { return m != nil && !m.any }

// matches compares etag with the listed tags, strongly.
func (m *ifMatch) matches(etag string) bool {
	if m == nil || m.any {
		return true
	}
	for _, t := range m.tags {
		if t == etag {
			return true
		}
	}
	return false
}

// parseIfMatch reads If-Match ("*" or a comma-separated list of entity tags). Weak tags are
// kept out (they never match strongly); nil for no header; 400 at header.if-match for
// anything that is not an entity tag.
func parseIfMatch(v string) (*ifMatch, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if v == "*" {
		return &ifMatch{any: true}, nil
	}
	m := &ifMatch{tags: []string{}}
	for part := range strings.SplitSeq(v, ",") {
		t := strings.TrimSpace(part)
		if t == "" {
			continue
		}
		weak := strings.HasPrefix(t, "W/")
		t = strings.TrimPrefix(t, "W/")
		if len(t) < 2 || t[0] != '"' || t[len(t)-1] != '"' || strings.ContainsAny(t[1:len(t)-1], "\" \t") {
			msg := fmt.Sprintf("%q is not an entity tag: send the ETag exactly as it was answered, with its double quotes (or *)", part)
			return nil, newProblem(http.StatusBadRequest, TypeValidation, "header.if-match: "+msg,
				FieldError{Location: "header.if-match", Message: msg, Value: v})
		}
		if !weak {
			m.tags = append(m.tags, t)
		}
	}
	return m, nil
}

// changed is the 412 for an If-Match naming a representation what (a flow, a project) no
// longer has; current is its ETag now.
func changed(what, sent, current string) *Problem {
	p := newProblem(http.StatusPreconditionFailed, TypeChanged,
		fmt.Sprintf("the %s changed since you read it (its ETag is now %s); read it again and apply your change to what it is now", what, current),
		FieldError{Location: "header.if-match", Message: fmt.Sprintf("does not match the current ETag %s: the %s changed", current, what), Value: sent})
	p.CurrentETag = current
	return p
}

// flowMatch checks If-Match against flow k as it is now: nil without a condition, the
// store's condition when it matches, 412 when not.
func (h *Handler) flowMatch(ctx context.Context, k store.FlowKey, header string) (*store.FlowMatch, error) {
	m, err := parseIfMatch(header)
	if err != nil || !m.conditional() {
		return nil, err
	}
	f, d, err := h.st.FlowState(ctx, k)
	if err != nil {
		return nil, err
	}
	if cur := flowETag(f, d.Revision); !m.matches(cur) {
		return nil, changed("flow", header, cur)
	}
	return &store.FlowMatch{Flow: f, DraftRevision: d.Revision}, nil
}

// flowChanged turns a store.ErrChanged of a conditional flow write into its 412 (with the
// flow's ETag now; 404 when it is gone); other errors pass.
func (h *Handler) flowChanged(ctx context.Context, k store.FlowKey, header string, err error) error {
	if !errors.Is(err, store.ErrChanged) {
		return err
	}
	f, d, rerr := h.st.FlowState(ctx, k)
	if rerr != nil {
		return rerr
	}
	return changed("flow", header, flowETag(f, d.Revision))
}

// projectMatch checks If-Match against project k as it is now (read strongly): nil without
// a condition, the project as read when it matches, 412 when not.
func (h *Handler) projectMatch(ctx context.Context, k store.ProjectKey, header string) (*store.Project, error) {
	m, err := parseIfMatch(header)
	if err != nil || !m.conditional() {
		return nil, err
	}
	p, err := h.st.GetProjectConsistent(ctx, k)
	if err != nil {
		return nil, err
	}
	if cur := h.projectETag(p); !m.matches(cur) {
		return nil, changed("project", header, cur)
	}
	return &p, nil
}

// projectChanged turns a store.ErrChanged of a conditional project write into its 412;
// other errors pass.
func (h *Handler) projectChanged(ctx context.Context, k store.ProjectKey, header string, err error) error {
	if !errors.Is(err, store.ErrChanged) {
		return err
	}
	p, rerr := h.st.GetProjectConsistent(ctx, k)
	if rerr != nil {
		return rerr
	}
	return changed("project", header, h.projectETag(p))
}
