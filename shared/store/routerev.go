package store

import (
	"context"
	"errors"
	"fmt"
)

// The route revision of a project orders the writes of its route flows' routes. The API
// refuses a route another route flow of the project has by reading the project's routes
// first; two writers checking at the same time both saw the route free and both wrote it.
// A writer now reads the revision before it checks and writes with it expected: every
// route write (a route flow's creation, a route change) bumps the revision in the same
// transaction, so of two writers that checked at the same time one fails with
// ErrRoutesChanged and checks again. A writer that expects no revision (-1) still bumps it.

// skRouteRev is the sort key of a project's route revision, in the project's partition.
const skRouteRev = "ROUTEREV"

const kindRouteRev = "route_rev"

// ErrRoutesChanged: a route of the project was written after the revision a write
// expected; check the routes again and retry.
var ErrRoutesChanged = errors.New("the project's routes changed meanwhile")

// RouteRevision reads a project's route revision (0 before any route write).
func (s *Store) RouteRevision(ctx context.Context, k ProjectKey) (int, error) {
	op := fmt.Sprintf("get route revision of project %s", k.Project)
	if err := k.validate(); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "route revision", key(projectPK(k), skRouteRev), true)
	if isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return int(getN(it, "rev")), nil
}

// bumpRouteRev adds the revision's increment to tx; with expected >= 0 the transaction
// fails with ErrRoutesChanged unless the revision is still expected.
func (s *Store) bumpRouteRev(tx *txn, k ProjectKey, expected int) {
	cond := ""
	v := vals{":one": avN(1), ":kind": avS(kindRouteRev)}
	switch {
	case expected == 0:
		cond = "attribute_not_exists(rev) OR rev = :cur"
		v[":cur"] = avN(0)
	case expected > 0:
		cond = "rev = :cur"
		v[":cur"] = avN(int64(expected))
	}
	tx.update(s.table, key(projectPK(k), skRouteRev), "SET #kind = :kind ADD rev :one", cond,
		names{"#kind": "kind"}, v, ErrRoutesChanged)
}
