package store

import "errors"

var (
	errInviteGone    = errors.New("invitation gone")
	errAlreadyMember = errors.New("already a member")
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func isRetry(err error) bool { return errors.Is(err, errRetry) }

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
