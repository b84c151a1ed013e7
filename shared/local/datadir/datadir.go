// Package datadir manages the local cloud's data directory: its layout and the lock that
// keeps a second `polysynergy dev` from using the same data at once.
package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Lock is a held data directory.
type Lock struct {
	f    *os.File
	path string
}

// ErrInUse is returned when another process holds the directory.
var ErrInUse = errors.New("data directory in use")

// LockFile is the file Acquire locks. It stays when the lock is released, so every data
// directory a local cloud has used holds it.
const LockFile = "lock"

// ErrNoData is returned by Check for a directory no local cloud has used.
var ErrNoData = errors.New("no local cloud data")

// Check says whether dir is a data directory a local cloud has used (it holds LockFile),
// for tools that read one without starting the cloud (`polysynergy dev token`): given
// another directory they made their files there.
func Check(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("%w in %s: %w", ErrNoData, dir, err)
	case !st.IsDir():
		return fmt.Errorf("%w in %s: it is not a directory", ErrNoData, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); err != nil {
		return fmt.Errorf("%w in %s (it has no %s file); start `polysynergy dev --data-dir %s` first, or name the data dir it uses",
			ErrNoData, dir, LockFile, dir)
	}
	return nil
}

// Acquire creates dir if needed and locks it for this process.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		data, _ := os.ReadFile(path)
		f.Close()
		holder := strings.TrimSpace(string(data))
		if holder == "" {
			holder = "another process"
		} else {
			holder = "process " + holder
		}
		return nil, fmt.Errorf("%w: %s is used by %s (another polysynergy dev?); stop it or pass --data-dir", ErrInUse, dir, holder)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{f: f, path: path}, nil
}

// Release unlocks the directory.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	cerr := l.f.Close()
	l.f = nil
	return errors.Join(err, cerr)
}
