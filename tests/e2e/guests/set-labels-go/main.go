// Command set-labels is a KRM function written in Go, built for GOOS=wasip1 GOARCH=wasm, that
// krmwasm's end-to-end tests run to show a guest not written in Rust works under the host.
//
// It reads a ResourceList as JSON on stdin and writes one as JSON on stdout. Its config:
//
//	apiVersion: example.krmwasm.dev/v1alpha1
//	kind: SetLabels
//	spec:
//	  labels: {app: web}
//
// It adds spec.labels to metadata.labels of every item except local config and Kptfiles.
// Items are decoded into maps, so their keys come out sorted; everything else is kept.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

const (
	configAPIVersion = "example.krmwasm.dev/v1alpha1"
	configKind       = "SetLabels"
	localConfig      = "config.kubernetes.io/local-config"
)

// resourceList keeps every top-level field it does not know in rest, so a round trip loses
// nothing the host or an earlier function put there.
type resourceList struct {
	items          []any
	functionConfig any
	results        []any
	rest           map[string]any
}

type result struct {
	Message  string `json:"message"`
	Severity string `json:"severity"`
}

func main() {
	if format := os.Getenv("KRM_OUTPUT"); format != "" && format != "json" {
		fail(fmt.Errorf("KRM_OUTPUT=%s: this function reads and writes JSON only", format))
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(fmt.Errorf("reading stdin: %w", err))
	}
	list, err := decode(input)
	if err != nil {
		fail(err)
	}
	code := 0
	if err := setLabels(list); err != nil {
		list.results = append(list.results, result{Message: err.Error(), Severity: "error"})
		code = 1
	}
	if err := encode(os.Stdout, list); err != nil {
		fail(fmt.Errorf("writing stdout: %w", err))
	}
	os.Exit(code)
}

// fail is for input that is not a ResourceList at all: there is nothing to write back.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "set-labels: %v\n", err)
	os.Exit(1)
}

// decode takes the whole ResourceList as a map, so fields this function does not know survive
// the round trip.
func decode(input []byte) (*resourceList, error) {
	var rest map[string]any
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber() // keep integers such as replicas exact
	if err := dec.Decode(&rest); err != nil {
		return nil, fmt.Errorf("stdin is not a JSON ResourceList: %w", err)
	}
	if rest == nil || rest["kind"] != "ResourceList" {
		return nil, fmt.Errorf("stdin is not a ResourceList: kind is %v", kindOf(rest))
	}
	list := &resourceList{functionConfig: rest["functionConfig"], rest: rest}
	var ok bool
	if list.items, ok = optionalList(rest["items"]); !ok {
		return nil, errors.New("ResourceList items is not a list")
	}
	if list.results, ok = optionalList(rest["results"]); !ok {
		return nil, errors.New("ResourceList results is not a list")
	}
	delete(rest, "items")
	delete(rest, "functionConfig")
	delete(rest, "results")
	return list, nil
}

// optionalList treats an absent (or null) list as empty: a ResourceList may omit items and results.
func optionalList(v any) ([]any, bool) {
	if v == nil {
		return []any{}, true
	}
	list, ok := v.([]any)
	return list, ok
}

// kindOf is for the message about input that is not a ResourceList, which may be null.
func kindOf(obj map[string]any) any {
	if obj == nil {
		return nil
	}
	return obj["kind"]
}

// encode writes items even when there are none: readers expect a list there.
func encode(w io.Writer, list *resourceList) error {
	out := map[string]any{}
	for k, v := range list.rest {
		out[k] = v
	}
	out["items"] = list.items
	if list.functionConfig != nil {
		out["functionConfig"] = list.functionConfig
	}
	if len(list.results) > 0 {
		out["results"] = list.results
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// setLabels checks the whole input before it changes anything, so a failed run writes the
// items back as they came.
func setLabels(list *resourceList) error {
	labels, err := configLabels(list.functionConfig)
	if err != nil {
		return err
	}
	var targets []map[string]any
	for i, item := range list.items {
		obj, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("items[%d] is not an object", i)
		}
		if skip(obj) {
			continue
		}
		if err := checkLabelsField(obj); err != nil {
			return fmt.Errorf("items[%d] (%s): %v", i, name(obj), err)
		}
		targets = append(targets, obj)
	}
	for _, obj := range targets {
		meta := ensureObject(obj, "metadata")
		current := ensureObject(meta, "labels")
		for k, v := range labels {
			current[k] = v
		}
	}
	list.results = append(list.results, result{
		Message:  fmt.Sprintf("set %d labels on %d resources", len(labels), len(targets)),
		Severity: "info",
	})
	return nil
}

const configHelp = "write a functionConfig with apiVersion: " + configAPIVersion +
	", kind: " + configKind + " and spec.labels, a map of label names to string values"

// configLabels says in each error what is wrong and what to write, as the error becomes the
// result a user reads.
func configLabels(config any) (map[string]string, error) {
	obj, ok := config.(map[string]any)
	if !ok || len(obj) == 0 {
		return nil, errors.New("no functionConfig: " + configHelp)
	}
	if obj["apiVersion"] != configAPIVersion || obj["kind"] != configKind {
		return nil, fmt.Errorf("functionConfig is %v/%v, not %s/%s: %s",
			obj["apiVersion"], obj["kind"], configAPIVersion, configKind, configHelp)
	}
	spec, _ := obj["spec"].(map[string]any)
	raw, ok := spec["labels"].(map[string]any)
	if !ok || len(raw) == 0 {
		return nil, errors.New("functionConfig has no spec.labels: " + configHelp)
	}
	labels := make(map[string]string, len(raw))
	var bad []string
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			bad = append(bad, k)
		}
		labels[k] = s
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("spec.labels %s: values must be strings (quote them in YAML)",
			strings.Join(bad, ", "))
	}
	return labels, nil
}

// skip spares what is not deployed: local config and the kpt package's Kptfile.
func skip(obj map[string]any) bool {
	if obj["kind"] == "Kptfile" {
		return true
	}
	meta, _ := obj["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	return annotations[localConfig] == "true"
}

// checkLabelsField refuses metadata or metadata.labels that exist but are not objects, rather
// than overwrite them.
func checkLabelsField(obj map[string]any) error {
	meta, present := obj["metadata"]
	if !present || meta == nil {
		return nil
	}
	metaObj, ok := meta.(map[string]any)
	if !ok {
		return errors.New("metadata is not an object")
	}
	if labels, present := metaObj["labels"]; present && labels != nil {
		if _, ok := labels.(map[string]any); !ok {
			return errors.New("metadata.labels is not an object")
		}
	}
	return nil
}

// ensureObject returns parent[key], creating it when absent (checkLabelsField ruled out
// any other type).
func ensureObject(parent map[string]any, key string) map[string]any {
	if obj, ok := parent[key].(map[string]any); ok {
		return obj
	}
	obj := map[string]any{}
	parent[key] = obj
	return obj
}

// name identifies an item in an error message.
func name(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	return fmt.Sprintf("%v %v", obj["kind"], meta["name"])
}
