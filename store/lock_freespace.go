package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DefaultMinFreeBytes is the free disk space the store keeps in reserve unless
// Options.MinFreeBytes sets another. It is twice Badger's default memtable size of 64 MiB,
// because flushing a full memtable writes a table of up to that size.
const DefaultMinFreeBytes = 128 << 20

// ErrDiskFull is returned when a write would leave less free disk space than the reserve.
var ErrDiskFull = errors.New("not enough free disk space")

// freeSpaceFunc returns the bytes available to this process on the file system of dir.
type freeSpaceFunc func(dir string) (uint64, error)

// minFreeBytes returns the reserve that opts ask for: 0 means the default, and a negative
// value turns the check off.
func (opts Options) minFreeBytes() int64 {
	switch {
	case opts.MinFreeBytes == 0:
		return DefaultMinFreeBytes
	case opts.MinFreeBytes < 0:
		return 0
	}
	return opts.MinFreeBytes
}

// checkFreeSpace returns an error wrapping ErrDiskFull when fewer than reserve+need bytes
// are free in dir. Badger writes through memory-mapped files, and on a full file system a
// write to one kills the process with SIGBUS instead of returning an error, so the store
// refuses writes before the disk fills.
func checkFreeSpace(free freeSpaceFunc, dir string, reserve, need int64) error {
	if reserve <= 0 || free == nil {
		return nil
	}
	avail, err := free(existingAncestor(dir))
	if err != nil {
		return fmt.Errorf("check free disk space in %s: %w", dir, err)
	}
	if avail < uint64(reserve+need) {
		return fmt.Errorf("%w in %s: %d bytes free, %d needed (%d kept in reserve): free "+
			"disk space or move the data directory", ErrDiskFull, dir, avail, reserve+need,
			reserve)
	}
	return nil
}

// existingAncestor returns dir or its nearest parent that exists, so that free space can
// be checked before Badger creates dir.
func existingAncestor(dir string) string {
	for {
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}
