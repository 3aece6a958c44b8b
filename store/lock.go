package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// OwnerFileName is the file in a data directory that describes the process holding it.
const OwnerFileName = "owner.json"

// badgerPIDFile is the file in which Badger records the pid of the process that holds its
// directory lock.
const badgerPIDFile = "LOCK"

// Owner describes the process that holds a data directory, so that another process can
// forward to it or name it in an error.
type Owner struct {
	PID     int       `json:"pid"`
	URL     string    `json:"url,omitempty"` // MCP endpoint of an owner that serves HTTP
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	// Simulator is true when the owner serves the embedded simulator, not a real account.
	Simulator bool `json:"simulator,omitempty"`
}

// LockedError reports that another process holds the store's directory lock.
type LockedError struct {
	Dir string // the store directory
	PID int    // the holder's pid from Badger's lock file, 0 when unknown
	Err error
}

// Error describes the lock and the holder's pid when known.
func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("store %s is locked by %s", e.Dir, holder)
}

// Unwrap returns Badger's error.
func (e *LockedError) Unwrap() error { return e.Err }

// lockedError returns a *LockedError when err is Badger's failure to take the directory
// lock, and err unchanged otherwise.
func lockedError(dir string, err error) error {
	// Badger wraps EWOULDBLOCK from flock on Unix. Its message is the only sign on
	// other systems.
	if !errors.Is(err, syscall.EWOULDBLOCK) &&
		!strings.Contains(err.Error(), "Cannot acquire directory lock") {
		return err
	}
	return &LockedError{Dir: dir, PID: readLockPID(dir), Err: err}
}

// readLockPID returns the pid in Badger's lock file, or 0.
func readLockPID(dir string) int {
	data, err := os.ReadFile(filepath.Join(dir, badgerPIDFile))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// WriteOwner replaces the owner file in dataDir. It writes a temporary file and renames it,
// so a reader never sees half a file.
func WriteOwner(dataDir string, owner Owner) error {
	raw, err := json.Marshal(owner)
	if err != nil {
		return fmt.Errorf("encode owner file: %w", err)
	}
	path := filepath.Join(dataDir, OwnerFileName)
	if err := writeFileAtomic(path, append(raw, '\n'), 0o600); err != nil {
		return fmt.Errorf("write owner file %s: %w", path, err)
	}
	return nil
}

// ReadOwner returns the owner recorded in dataDir. It wraps fs.ErrNotExist when there is none.
func ReadOwner(dataDir string) (Owner, error) {
	path := filepath.Join(dataDir, OwnerFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return Owner{}, fmt.Errorf("read owner file: %w", err)
	}
	var owner Owner
	if err := json.Unmarshal(data, &owner); err != nil {
		return Owner{}, fmt.Errorf("read owner file %s: invalid JSON: %w", path, err)
	}
	return owner, nil
}

// RemoveOwner deletes the owner file in dataDir if it still names pid, so a process leaves
// the record of a later owner alone.
func RemoveOwner(dataDir string, pid int) error {
	owner, err := ReadOwner(dataDir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && owner.PID != pid) {
		return nil
	}
	path := filepath.Join(dataDir, OwnerFileName)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove owner file %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file next to path, syncs it and renames it
// over path.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
