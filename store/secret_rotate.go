package store

import (
	"errors"
	"fmt"
	"os"

	badger "github.com/dgraph-io/badger/v4"
)

// RotateKey changes the key of the store in dir from oldKey to newKey. Badger encrypts data
// with data keys that its key registry keeps under the store key, so only the registry is
// rewritten. The store must be closed, and RotateKey holds its directory lock while it
// rewrites the registry.
func RotateKey(dir string, oldKey, newKey []byte) error {
	if len(newKey) != 32 {
		return fmt.Errorf("rotate store key: new key is %d bytes: use 32 bytes "+
			"(64 hex characters)", len(newKey))
	}
	// Opening with the old key checks it before anything changes.
	s, err := Open(dir, Options{EncryptionKey: oldKey})
	if err != nil {
		return fmt.Errorf("rotate store key: %w", err)
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("rotate store key: %w", err)
	}

	unlock, err := lockDir(dir)
	if err != nil {
		return fmt.Errorf("rotate store key: %w", err)
	}
	defer unlock()

	opt := badger.KeyRegistryOptions{Dir: dir, ReadOnly: true, EncryptionKey: oldKey}
	registry, err := badger.OpenKeyRegistry(opt)
	if err != nil {
		return fmt.Errorf("rotate store key: read key registry: %w", err)
	}
	opt.EncryptionKey = newKey
	// WriteKeyRegistry writes a temporary file and renames it, so a failure leaves the
	// old registry in place.
	if err := badger.WriteKeyRegistry(registry, opt); err != nil {
		return fmt.Errorf("rotate store key: write key registry: %w: the store still "+
			"opens with the old key", err)
	}
	if err := registry.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("rotate store key: close key registry: %w", err)
	}
	return nil
}
