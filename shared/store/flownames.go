package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"golang.org/x/text/unicode/norm"
)

// Flow names are unique within a project, compared after trimming and with
// Unicode simple case folding (as strings.EqualFold compares). Each active
// flow claims its folded name with an item in the project's partition,
// written in the same transaction as the flow's creation, rename or delete,
// so two concurrent writers cannot both take a name. Flows written before
// claims existed have none: every name write also looks through the project's
// flows, so their names are respected too, and they get a claim when next
// renamed.

// preFlowName starts the sort key of a flow name claim ("FLOWNAME#<folded>";
// it does not begin with preFlow, so flow lists never see it).
const preFlowName = "FLOWNAME#"

const kindFlowName = "flow_name"

// ErrNameTaken: another flow of the project has the name. The error is a
// *NameTakenError naming that flow.
var ErrNameTaken = errors.New("name taken")

// NameTakenError says which flow has a name.
type NameTakenError struct {
	// Name is the name asked for.
	Name string
	// Flow is the id of the project's flow that has it.
	Flow string
	// FlowName is that flow's name as stored (it may differ in case or spaces).
	FlowName string
}

// Error implements error.
func (e *NameTakenError) Error() string {
	return fmt.Sprintf("name %q is taken by flow %s (%q)", e.Name, e.Flow, e.FlowName)
}

// Is makes errors.Is(err, ErrNameTaken) true.
func (e *NameTakenError) Is(target error) bool { return target == ErrNameTaken }

// errNameClaimed marks a failed claim inside a transaction; the caller reads
// the claim to say who has it.
var errNameClaimed = errors.New("flow name claimed")

// NormName is the form a flow name is stored in: spaces trimmed at both ends and
// composed as NFC composes it.
func NormName(name string) string { return norm.NFC.String(strings.TrimSpace(name)) }

// FoldName is the form in which flow names are compared: spaces trimmed at
// both ends, composed as Unicode's NFC composes it (so "Café" typed with an
// accent character and with a combining accent are one name), and every letter
// mapped to one representative of its case folding orbit, so FoldName(a) ==
// FoldName(b) exactly when strings.EqualFold of their trimmed NFC forms holds.
func FoldName(name string) string {
	name = NormName(name)
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the smallest rune of r's simple case folding orbit.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

func flowNameSK(folded string) string { return preFlowName + folded }

type flowNameRec struct {
	Item string `dynamodbav:"kind"`
	Flow string `dynamodbav:"flow"`
	Name string `dynamodbav:"name"`
}

func flowNameItem(k ProjectKey, flow, name string) (item, error) {
	return marshal(flowNameRec{Item: kindFlowName, Flow: flow, Name: name}, projectPK(k), flowNameSK(FoldName(name)))
}

// flowNamedIn looks through the project's flows (metadata only) for an active
// one other than self whose name folds to folded: the check that covers flows
// written before claims existed.
func (s *Store) flowNamedIn(ctx context.Context, op string, k ProjectKey, folded, self string) (*NameTakenError, error) {
	var found *NameTakenError
	err := s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: preFlow, forward: true, consistent: true,
		projection: "#flow, #n, #state", names: names{"#flow": "flow", "#n": "name", "#state": "state"}},
		func(it item) error {
			id := getS(it, "flow")
			if found == nil && id != self && getS(it, "state") == stateActive && FoldName(getS(it, "name")) == folded {
				found = &NameTakenError{Flow: id, FlowName: getS(it, "name")}
			}
			return nil
		})
	return found, err
}

// getFlowName reads the claim of a folded name (nil when there is none).
func (s *Store) getFlowName(ctx context.Context, op string, k ProjectKey, folded string) (*flowNameRec, error) {
	it, err := s.get(ctx, op, "flow name", key(projectPK(k), flowNameSK(folded)), true)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec flowNameRec
	if err := unmarshal(it, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return &rec, nil
}

// claimTaken explains a failed claim of name: the active flow holding it, as a
// *NameTakenError. A claim whose flow is gone or no longer active (left by an
// interrupted write) is removed and nil returned: the caller tries again.
func (s *Store) claimTaken(ctx context.Context, op string, k ProjectKey, name string) error {
	folded := FoldName(name)
	rec, err := s.getFlowName(ctx, op, k, folded)
	if err != nil || rec == nil {
		return err
	}
	owner, err := s.getFlowRec(ctx, op, k.Flow(rec.Flow), true)
	switch {
	case err == nil && owner.State == stateActive:
		return fmt.Errorf("%s: %w", op, &NameTakenError{Name: name, Flow: owner.ID, FlowName: owner.Name})
	case err != nil && !isNotFound(err):
		return err
	}
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key(projectPK(k), flowNameSK(folded)),
		ConditionExpression: aws.String("#flow = :f"), ExpressionAttributeNames: names{"#flow": "flow"},
		ExpressionAttributeValues: vals{":f": avS(rec.Flow)},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil // changed meanwhile: look again
	}
	return wrap(op, err)
}

// releaseFlowName adds to tx the deletion of the claim of a flow's name when
// that flow holds it (a flow written before claims existed holds none).
func (s *Store) releaseFlowName(ctx context.Context, op string, tx *txn, k FlowKey, name string) error {
	folded := FoldName(name)
	rec, err := s.getFlowName(ctx, op, k.ProjectKey(), folded)
	if err != nil || rec == nil || rec.Flow != k.Flow {
		return err
	}
	tx.del(s.table, key(projectPK(k.ProjectKey()), flowNameSK(folded)), "#flow = :f", names{"#flow": "flow"},
		vals{":f": avS(k.Flow)}, nil)
	return nil
}
