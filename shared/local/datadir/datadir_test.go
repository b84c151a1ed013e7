package datadir

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestSecondHolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file, so a second open in this process conflicts too
	_, err = Acquire(dir)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "another polysynergy dev") {
		t.Fatalf("second acquire: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	defer l2.Release()
	// and another process is refused as well
	if os.Getenv("DATADIR_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "TestChild")
		cmd.Env = append(os.Environ(), "DATADIR_CHILD="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "refused") {
			t.Fatalf("child: %v %s", err, out)
		}
	}
}

func TestChild(t *testing.T) {
	dir := os.Getenv("DATADIR_CHILD")
	if dir == "" {
		t.Log("helper for TestSecondHolderIsRefused; nothing to do on its own")
		return
	}
	if _, err := Acquire(dir); errors.Is(err, ErrInUse) {
		t.Log("refused")
		os.Stdout.WriteString("refused\n")
		return
	}
	t.Fatal("a second process got the lock")
}

// `polysynergy dev token --data-dir /tmp` made a signing key and a users file in /tmp: the
// directory only had to exist. Check tells a data dir a local cloud has used from others.
func TestCheckTellsADataDirFromOthers(t *testing.T) {
	dir := t.TempDir()
	if err := Check(dir); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "start `polysynergy dev --data-dir "+dir+"` first") {
		t.Errorf("an empty directory: %v", err)
	}
	if err := Check(dir + "/missing"); !errors.Is(err, ErrNoData) {
		t.Errorf("a missing directory: %v", err)
	}
	file := dir + "/file"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Check(file); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file: %v", err)
	}
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(dir); err != nil {
		t.Errorf("held by a local cloud: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir); err != nil {
		t.Errorf("used by a local cloud that stopped: %v", err)
	}
}
