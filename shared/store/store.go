package store

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/oklog/ulid/v2"
)

// API is the subset of the DynamoDB client the store uses. *dynamodb.Client
// satisfies it; tests may wrap it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store is PolySynergy's single-table DynamoDB store. It is safe for
// concurrent use.
type Store struct {
	db      API
	table   string
	now     func() time.Time
	entropy *ulid.LockedMonotonicReader
	log     *slog.Logger

	runTTL          time.Duration
	connTTL         time.Duration
	inviteTTL       time.Duration
	commitAttempts  int
	batchAttempts   int
	batchBackoff    time.Duration
	compressAbove   int
	defaultRetained int
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for timestamps, ids and expiry (tests).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// WithLogger sets the logger for best-effort follow-up writes that do not fail
// the caller's operation.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) { s.log = l }
}

// WithRunTTL sets how long run items (run, node results, state) live before
// DynamoDB's TTL removes them. Default 30 days.
func WithRunTTL(d time.Duration) Option {
	return func(s *Store) { s.runTTL = d }
}

// WithDefaultRetention sets how many runs a flow created without its own setting keeps
// (default DefaultRetention; values outside 1…MaxRetention are ignored).
func WithDefaultRetention(n int) Option {
	return func(s *Store) {
		if n >= 1 && n <= MaxRetention {
			s.defaultRetained = n
		}
	}
}

// WithBatchBackoff sets the first wait before retrying unprocessed batch
// writes and reads (it doubles on each attempt). Default 25ms.
func WithBatchBackoff(d time.Duration) Option {
	return func(s *Store) { s.batchBackoff = d }
}

// Defaults used when a caller leaves a value at zero.
const (
	// DefaultRunTTL is how long a run's items live.
	DefaultRunTTL = 30 * 24 * time.Hour
	// ConnectionTTL is how long a WebSocket connection item lives.
	ConnectionTTL = 2 * time.Hour
	// InvitationTTL is how long an unclaimed invitation lives.
	InvitationTTL = 14 * 24 * time.Hour
	// DefaultRetention is how many runs per flow are kept when a flow does
	// not say.
	DefaultRetention = 100
	// MaxRetention bounds a flow's retention setting.
	MaxRetention = 10000
	// CompressAbove is the blob size (bytes) above which JSON blobs are
	// gzip-compressed; DynamoDB's item limit is 400 KB.
	CompressAbove = 8 * 1024
	// MaxBlob is the largest stored (possibly compressed) blob; larger ones
	// fail with ErrTooLarge instead of being dropped.
	MaxBlob = 390 * 1024
)

// New returns a Store on the given table.
func New(db API, table string, opts ...Option) *Store {
	s := &Store{
		db:              db,
		table:           table,
		now:             time.Now,
		entropy:         &ulid.LockedMonotonicReader{MonotonicReader: ulid.Monotonic(crand.Reader, 0)},
		log:             slog.Default(),
		runTTL:          DefaultRunTTL,
		connTTL:         ConnectionTTL,
		inviteTTL:       InvitationTTL,
		commitAttempts:  5,
		batchAttempts:   8,
		batchBackoff:    25 * time.Millisecond,
		compressAbove:   CompressAbove,
		defaultRetained: DefaultRetention,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Table returns the table name the store works on.
func (s *Store) Table() string { return s.table }

// clock returns the current time in UTC.
func (s *Store) clock() time.Time { return s.now().UTC() }

// newID returns a new ULID for the current clock, monotonic within the store.
func (s *Store) newID() (string, error) {
	return s.newIDAt(s.clock())
}

func (s *Store) newIDAt(t time.Time) (string, error) {
	id, err := ulid.New(ulid.Timestamp(t), s.entropy)
	if err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return id.String(), nil
}
