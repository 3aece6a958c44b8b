//go:build !unix

package store

import "errors"

// lockDir is not implemented off Unix, so RotateKey fails there before changing anything.
func lockDir(string) (func(), error) {
	return nil, errors.New("store key rotation is supported on Unix only")
}
