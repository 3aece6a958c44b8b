//go:build !linux && !darwin

package store

// diskFree is nil where the store cannot measure free space, which turns the check off.
var diskFree freeSpaceFunc
