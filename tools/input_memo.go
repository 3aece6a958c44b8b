package tools

import "reflect"

// inputMemo keeps the decoded input of recent short arguments of one tool, by their exact
// bytes, so that repeated calls such as status polls skip the JSON decoding. It is only
// built for input types without pointers, slices, maps or interfaces, whose copies share
// nothing, so a caller may change its copy. Checks after decoding still run on every
// call. The nil memo decodes every time.
type inputMemo[In any] struct {
	*argumentCache[In]
}

// newInputMemo returns a memo for In, or nil when a copy of an In could share memory with
// another.
func newInputMemo[In any]() *inputMemo[In] {
	if !referenceFree(reflect.TypeFor[In]()) {
		return nil
	}
	return &inputMemo[In]{newArgumentCache[In]()}
}

// decode decodes raw into a new In as decodeArguments does, from the memo when raw was
// decoded before. Only memoizable arguments are kept, as in argumentMemo.
func (m *inputMemo[In]) decode(raw []byte) (*In, *ToolError) {
	if m == nil || !memoizable(raw) {
		in := new(In)
		if terr := decodeArguments(raw, in); terr != nil {
			return nil, terr
		}
		return in, nil
	}

	if in, ok := m.get(raw); ok {
		return &in, nil
	}

	decoded := new(In)
	if terr := decodeArguments(raw, decoded); terr != nil {
		return nil, terr
	}
	m.put(raw, *decoded)
	return decoded, nil
}

// referenceFree reports whether values of t hold no pointers, slices, maps, interfaces,
// functions or channels, so that a copy shares no memory with the original. Strings count
// as free, because Go strings are immutable.
func referenceFree(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Uintptr, reflect.Float32, reflect.Float64, reflect.Complex64,
		reflect.Complex128:
		return true
	case reflect.Array:
		return referenceFree(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !referenceFree(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}
