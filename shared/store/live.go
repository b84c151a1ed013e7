package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Connection is an open WebSocket connection of a signed-in user.
type Connection struct {
	ID          string    `dynamodbav:"connection"`
	Sub         string    `dynamodbav:"sub"`
	Tenants     []string  `dynamodbav:"tenants,omitempty"`
	ConnectedAt time.Time `dynamodbav:"connected_at"`
	// ExpiresAt defaults to ConnectedAt + 2h (API Gateway's limit).
	ExpiresAt time.Time `dynamodbav:"-"`
}

type connRec struct {
	Item      string `dynamodbav:"kind"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
	Connection
}

type subRec struct {
	Item       string `dynamodbav:"kind"`
	GSI1PK     string `dynamodbav:"GSI1PK"`
	GSI1SK     string `dynamodbav:"GSI1SK"`
	Connection string `dynamodbav:"connection"`
	Tenant     string `dynamodbav:"tenant"`
	Project    string `dynamodbav:"project"`
	Flow       string `dynamodbav:"flow"`
	ExpiresAt  int64  `dynamodbav:"expires_at"`
}

// PutConnection stores a connection ($connect).
func (s *Store) PutConnection(ctx context.Context, c Connection) (Connection, error) {
	op := fmt.Sprintf("put connection %s", c.ID)
	if err := checkID("connection", c.ID); err != nil {
		return Connection{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("sub", c.Sub); err != nil {
		return Connection{}, fmt.Errorf("%s: %w", op, err)
	}
	for i, t := range c.Tenants {
		if err := checkID(fmt.Sprintf("tenants[%d]", i), t); err != nil {
			return Connection{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	if c.ConnectedAt.IsZero() {
		c.ConnectedAt = s.clock()
	}
	c.ConnectedAt = c.ConnectedAt.UTC()
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = c.ConnectedAt.Add(s.connTTL)
	}
	c.ExpiresAt = time.Unix(c.ExpiresAt.Unix(), 0).UTC()
	if c.Tenants == nil {
		c.Tenants = []string{}
	}
	it, err := marshal(connRec{Item: kindConn, ExpiresAt: c.ExpiresAt.Unix(), Connection: c}, connPK(c.ID), skConn)
	if err != nil {
		return Connection{}, fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
	if err != nil {
		return Connection{}, wrap(op, err)
	}
	return c, nil
}

// GetConnection reads a connection; an expired one is ErrNotFound even
// before DynamoDB's TTL removes it.
func (s *Store) GetConnection(ctx context.Context, id string) (Connection, error) {
	op := fmt.Sprintf("get connection %s", id)
	if err := checkID("connection", id); err != nil {
		return Connection{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "connection", key(connPK(id), skConn), true)
	if err != nil {
		return Connection{}, err
	}
	var rec connRec
	if err := unmarshal(it, &rec); err != nil {
		return Connection{}, fmt.Errorf("%s: %w", op, err)
	}
	if rec.ExpiresAt <= s.clock().Unix() {
		return Connection{}, fmt.Errorf("%s: connection %w (expired)", op, ErrNotFound)
	}
	rec.Connection.ExpiresAt = time.Unix(rec.ExpiresAt, 0).UTC()
	return rec.Connection, nil
}

// DeleteConnection removes a connection and all its subscriptions
// ($disconnect, or a post that found it gone). Deleting a missing
// connection is not an error.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	op := fmt.Sprintf("delete connection %s", id)
	if err := checkID("connection", id); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := s.DeleteConnectionSubscriptions(ctx, id); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(connPK(id), skConn)})
	return wrap(op, err)
}

// Subscribe subscribes a live connection to an existing flow's run events;
// the subscription expires with the connection. Whether the user may see
// the flow is the caller's check.
func (s *Store) Subscribe(ctx context.Context, connID string, k FlowKey) error {
	op := fmt.Sprintf("subscribe %s to flow %s", connID, k.Flow)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	c, err := s.GetConnection(ctx, connID)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	it, err := marshal(subRec{Item: kindSub, GSI1PK: connPK(connID), GSI1SK: connSubSK(k), Connection: connID,
		Tenant: k.Tenant, Project: k.Project, Flow: k.Flow, ExpiresAt: c.ExpiresAt.Unix()}, flowPK(k), subSK(connID))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	var tx txn
	tx.check(s.table, key(connPK(connID), skConn), "attribute_exists(PK)", nil, nil, fmt.Errorf("connection %w", ErrNotFound))
	tx.check(s.table, key(projectPK(k.ProjectKey()), flowSK(k.Flow)), "#state = :active", names{"#state": "state"},
		vals{":active": avS(stateActive)}, fmt.Errorf("flow %w", ErrNotFound))
	tx.put(s.table, it, "", nil, nil, nil)
	return s.commit(ctx, op, &tx)
}

// Unsubscribe removes one subscription (missing is not an error).
func (s *Store) Unsubscribe(ctx context.Context, connID string, k FlowKey) error {
	op := fmt.Sprintf("unsubscribe %s from flow %s", connID, k.Flow)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("connection", connID); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(flowPK(k), subSK(connID))})
	return wrap(op, err)
}

// ListSubscribers returns the ids of the live connections subscribed to a
// flow.
func (s *Store) ListSubscribers(ctx context.Context, k FlowKey) ([]string, error) {
	op := fmt.Sprintf("list subscribers of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out []string
	err := s.queryAll(ctx, op, query{pk: flowPK(k), skPrefix: preSub, forward: true,
		filter: "expires_at > :now", values: vals{":now": avN(s.clock().Unix())}}, func(it item) error {
		out = append(out, getS(it, "connection"))
		return nil
	})
	return out, err
}

// ListConnectionSubscriptions returns the flows a connection is subscribed to.
func (s *Store) ListConnectionSubscriptions(ctx context.Context, connID string) ([]FlowKey, error) {
	op := fmt.Sprintf("list subscriptions of %s", connID)
	if err := checkID("connection", connID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out []FlowKey
	err := s.queryAll(ctx, op, query{index: IndexGSI1, pk: connPK(connID), skPrefix: preSub, forward: true},
		func(it item) error {
			out = append(out, FlowKey{Tenant: getS(it, "tenant"), Project: getS(it, "project"), Flow: getS(it, "flow")})
			return nil
		})
	return out, err
}

// DeleteConnectionSubscriptions removes every subscription of a connection
// and returns how many there were.
func (s *Store) DeleteConnectionSubscriptions(ctx context.Context, connID string) (int, error) {
	op := fmt.Sprintf("delete subscriptions of %s", connID)
	if err := checkID("connection", connID); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	var keys []item
	err := s.queryAll(ctx, op, query{index: IndexGSI1, pk: connPK(connID), skPrefix: preSub, forward: true},
		func(it item) error { keys = append(keys, keyOf(it)); return nil })
	if err != nil {
		return 0, err
	}
	return len(keys), s.deleteKeys(ctx, op, keys)
}
