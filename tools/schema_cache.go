package tools

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// schemaCache contains the reflected input and output schemas of each tool, keyed by the
// pair of Go types. Reflecting and encoding the schemas of all tools takes tens of
// milliseconds, which every serve start and every Register would otherwise pay again.
var schemaCache sync.Map // [2]reflect.Type -> *toolSchemas

// toolSchemas are the schemas of one tool, computed once.
type toolSchemas struct {
	once          sync.Once
	input, output json.RawMessage
	err           error
}

// schemasOf returns the input schema of In and the output schema of Out with the budget
// property. Callers must not modify the returned bytes, because later calls share them.
func schemasOf[In, Out any]() (input, output json.RawMessage, err error) {
	key := [2]reflect.Type{reflect.TypeFor[In](), reflect.TypeFor[Out]()}
	entry, _ := schemaCache.LoadOrStore(key, &toolSchemas{})
	schemas := entry.(*toolSchemas)
	schemas.once.Do(func() {
		schemas.input, schemas.output, schemas.err = reflectToolSchemas[In, Out]()
	})
	return schemas.input, schemas.output, schemas.err
}

func reflectToolSchemas[In, Out any]() (input, output json.RawMessage, err error) {
	input, err = reflectSchema(new(In))
	if err != nil {
		return nil, nil, fmt.Errorf("input: %w", err)
	}
	output, err = reflectSchema(new(Out))
	if err == nil {
		output, err = withBudgetProperty(output)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("output: %w", err)
	}
	return input, output, nil
}

// WarmSchemas reflects the schemas of every tool into the cache that Register reads. serve
// calls it on a goroutine at start, so the work overlaps opening the store.
func WarmSchemas() {
	_, _ = Tools(Deps{})
}
