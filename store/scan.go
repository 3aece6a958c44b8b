package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// scanJSON decodes, in key order, every JSON value stored under prefix.
func scanJSON[T any](ctx context.Context, db *badger.DB, prefix []byte) ([]T, error) {
	var out []T
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var value T
			err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &value) })
			if err != nil {
				return fmt.Errorf("decode %s: %w", it.Item().Key(), err)
			}
			out = append(out, value)
		}
		return nil
	})
	return out, err
}
