package tools

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// unknownFieldPath returns the argument path, such as "signers[0].phone", of the first object
// key named name that the Go type of the arguments does not declare. encoding/json reports
// only the key, so the path is found by walking the arguments alongside the type. It returns
// name when no such key is found.
func unknownFieldPath(raw []byte, t reflect.Type, name string) string {
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return name
	}
	if path, ok := findUnknownField(doc, t, name, ""); ok {
		return path
	}
	return name
}

func findUnknownField(value any, t reflect.Type, name, path string) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := value.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return "", false
		}
		return findInObject(v, t, name, path)
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return "", false
		}
		for i, item := range v {
			if p, ok := findUnknownField(item, t.Elem(), name, indexed(path, i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

func findInObject(object map[string]any, t reflect.Type, name, path string) (string, bool) {
	fields := jsonFieldTypes(t)
	keys := make([]string, 0, len(object))
	for k := range object {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		child := key
		if path != "" {
			child = path + "." + key
		}
		// encoding/json matches keys to field names without regard to case.
		fieldType, known := fields[strings.ToLower(key)]
		if !known {
			if key == name {
				return child, true
			}
			continue
		}
		if p, ok := findUnknownField(object[key], fieldType, name, child); ok {
			return p, true
		}
	}
	return "", false
}

// jsonFieldTypes returns the Go type of each JSON field of struct type t by lower-case name,
// including the fields of embedded structs.
func jsonFieldTypes(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFieldTypes(f.Type) {
				fields[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		fields[strings.ToLower(tag)] = f.Type
	}
	return fields
}
