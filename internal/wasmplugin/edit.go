package wasmplugin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// DryRun is kubectl's --dry-run: none writes, client computes the change locally, server sends it
// to the API server to validate without persisting.
type DryRun string

const (
	DryRunNone   DryRun = "none"
	DryRunClient DryRun = "client"
	DryRunServer DryRun = "server"
)

// Result is what an edit did.
type Result struct {
	Plugin  Plugin                     // the object after the edit (as the store returned it when written)
	Before  *unstructured.Unstructured // nil when the edit created the object
	Created bool
	Changed bool
	DryRun  DryRun
}

// ErrNotFound is returned by Edit when the plugin is missing and the edit may not create it.
var ErrNotFound = errors.New("plugin not installed")

// Mutation changes a plugin in place. It may run more than once (after a conflict, on fresh data),
// so it must not have side effects. Returning an error aborts the edit and nothing is written.
type Mutation func(p Plugin) error

// maxAttempts bounds retries on conflict; with the jittered backoff below this rides out dozens of
// concurrent writers on one resource.
const maxAttempts = 60

// Edit reads the plugin instance of t, applies mutate to a copy, validates the result and writes it
// back with optimistic concurrency, retrying on conflict with fresh data. When the plugin does not
// exist and create is true, mutate runs on the built-in plugin's fresh instance, which is created.
// An edit that changes nothing writes nothing.
func Edit(ctx context.Context, store k8s.Store, t Target, create bool, dry DryRun, mutate Mutation) (Result, error) {
	for attempt := 1; ; attempt++ {
		res, err := editOnce(ctx, store, t, create, dry, mutate)
		if err == nil || !(apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) || attempt == maxAttempts {
			return res, err
		}
		backoff := time.Duration(min(attempt, 10)) * 5 * time.Millisecond
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(backoff + rand.N(backoff)):
		}
	}
}

func editOnce(ctx context.Context, store k8s.Store, t Target, create bool, dry DryRun, mutate Mutation) (Result, error) {
	cur, err := Find(ctx, store, t)
	if err != nil {
		return Result{}, err
	}
	res := Result{DryRun: dry}
	var p Plugin
	if cur == nil {
		b, ok := LookupBuiltin(t.Plugin)
		if !create || !ok {
			return Result{}, fmt.Errorf("no %s wasmplugin in namespace %q: %w", t.Plugin, t.Namespace, ErrNotFound)
		}
		p = b.New(t.Namespace)
		if t.Resource != "" {
			p.Obj.SetName(t.Resource)
		}
		res.Created = true
	} else {
		res.Before = cur.Obj.DeepCopy()
		p = Plugin{Obj: cur.Obj.DeepCopy()}
	}
	if err := mutate(p); err != nil {
		return Result{}, err
	}
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	if res.Before != nil && reflect.DeepEqual(res.Before.Object, p.Obj.Object) {
		res.Plugin = p
		return res, nil
	}
	res.Changed = true
	if dry == DryRunClient {
		res.Plugin = p
		return res, nil
	}
	opts := k8s.WriteOptions{ServerDryRun: dry == DryRunServer}
	var out *unstructured.Unstructured
	if res.Created {
		out, err = store.Create(ctx, p.Obj, opts)
	} else {
		out, err = store.Update(ctx, p.Obj, opts)
	}
	if err != nil {
		return Result{}, err
	}
	res.Plugin = Plugin{Obj: out}
	return res, nil
}

// StatusLine is the kubectl-style line for a result: "wasmplugin.extensions.higress.io/NAME configured".
func (r Result) StatusLine() string {
	verb := "unchanged"
	switch {
	case r.Created:
		verb = "created"
	case r.Changed:
		verb = "configured"
	}
	line := k8s.ResourceName + "/" + r.Plugin.Name() + " " + verb
	if r.DryRun == DryRunClient || r.DryRun == DryRunServer {
		line += " (" + string(r.DryRun) + " dry run)"
	}
	return line
}
